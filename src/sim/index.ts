// Public surface of src/sim: re-exported from src/index.ts.
export { Scheduler, type SchedulerOptions } from './scheduler.js';
export { SimClock } from './clock.js';
export { SimWallClock, SIM_WALL_EPOCH_MS } from './wall-clock.js';
export { SimFileSystem, type SimFileSystemOptions } from './sim-file-system.js';
export { Disk, type FileNode, type DirNode, type PendingDataOp, type PendingDirOp } from './disk.js';
export { CrashSpace, sampleCrashImage, enumerateCrashImages, type CrashEnumeration } from './crash.js';
export {
  EMPTY_DISK_IMAGE,
  diskImageBytes,
  diskImageKey,
  diskImagesEqual,
  loadDiskImage,
  normalizeDiskImage,
  saveDiskImage,
  type DiskImage,
  type DiskImageFile,
} from './image.js';
export { Trace, firstTraceDivergence, type TraceEvent } from './trace.js';
export { createSimWorld, nextEpoch, worldOptionsFromTrace, type SimWorld, type SimWorldOptions, type TracedWorldOptions } from './world.js';
