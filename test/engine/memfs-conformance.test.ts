import { describeFilesystemConformance } from '../helpers/conformance.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';

describeFilesystemConformance('MemfsFileSystem (test adapter)', () => Promise.resolve({ fs: new MemfsFileSystem() }));
