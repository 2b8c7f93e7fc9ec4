// Public surface of src/nodefs: the node:fs facade over a FileSystem port (docs/node-fs.md).
export {
  createNodeFs,
  NODE_FS_CALLS,
  NODE_FS_PROMISES_UNSUPPORTED,
  NODE_FS_UNSUPPORTED,
  type CallbackCall,
  type NodeFs,
  type NodeFsOptions,
  type NodeFsPromises,
} from './facade.js';
export { FacadeFileHandle } from './file-handle.js';
export { FacadeReadStream, FacadeWriteStream, type StreamOptions } from './streams.js';
export { Dirent, Stats } from './stats.js';
export { constants as nodeFsConstants } from './constants.js';
export { randomAccessStorage, RandomAccessStorage, type RandomAccessStorageOptions } from './random-access-storage.js';
export { lateBoundNodeFs } from './late-bound.js';
