/**
 * faultline's public API: the contract's ports, errors, the real-disk adapter,
 * the engine, the contract's oracle, the simulator, the fault injectors and
 * the harness.
 */
export * from './ports.js';
export * from './errors.js';
export { NodeFileSystem } from './real/node-file-system.js';
export { RealClock } from './real/real-clock.js';
export { ForwardingFileHandle, ForwardingFileSystem } from './forwarding-file-system.js';
export {
  filesystemConformanceCases,
  runFilesystemConformance,
  type ConformanceCase,
  type FileSystemFactory,
} from './conformance/filesystem.js';
export * from './engine/index.js';
export * from './store/index.js';
export { lmdbState, LmdbStateStore, type LmdbStateOptions } from './store-lmdb/lmdb-state.js';
export { Rng } from './rng.js';
export * from './contract/index.js';
export * from './sim/index.js';
export * from './faults/index.js';
export * from './harness/index.js';
export * from './ops/index.js';
export {
  createNodeFs,
  lateBoundNodeFs,
  randomAccessStorage,
  RandomAccessStorage,
  type NodeFs,
  type NodeFsOptions,
  type NodeFsPromises,
  type RandomAccessStorageOptions,
} from './nodefs/index.js';
