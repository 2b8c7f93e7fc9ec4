/** A FileSystem wrapper that counts what the engine asks of the disk (the counters behind WalStats). */
import type { FileHandle, FileStat, FileSystem, OpenFlags } from '../ports.js';

export interface IoCounters {
  /** sync + datasync calls on files. */
  fileSyncs: number;
  /** syncDir calls. */
  dirSyncs: number;
  writes: number;
  writtenBytes: number;
  reads: number;
  readBytes: number;
}

class CountingHandle implements FileHandle {
  constructor(
    private readonly inner: FileHandle,
    private readonly counters: IoCounters,
  ) {}
  async read(buffer: Uint8Array, position: number): Promise<number> {
    this.counters.reads += 1;
    const n = await this.inner.read(buffer, position);
    this.counters.readBytes += n;
    return n;
  }
  write(data: Uint8Array, position: number): Promise<void> {
    this.counters.writes += 1;
    this.counters.writtenBytes += data.length;
    return this.inner.write(data, position);
  }
  sync(): Promise<void> {
    this.counters.fileSyncs += 1;
    return this.inner.sync();
  }
  datasync(): Promise<void> {
    this.counters.fileSyncs += 1;
    return this.inner.datasync();
  }
  truncate(size: number): Promise<void> {
    return this.inner.truncate(size);
  }
  stat(): Promise<FileStat> {
    return this.inner.stat();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export class CountingFileSystem implements FileSystem {
  readonly counters: IoCounters = { fileSyncs: 0, dirSyncs: 0, writes: 0, writtenBytes: 0, reads: 0, readBytes: 0 };
  constructor(private readonly inner: FileSystem) {}
  async open(path: string, flags: OpenFlags): Promise<FileHandle> {
    return new CountingHandle(await this.inner.open(path, flags), this.counters);
  }
  readdir(path: string): Promise<string[]> {
    return this.inner.readdir(path);
  }
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    return this.inner.mkdir(path, options);
  }
  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }
  unlink(path: string): Promise<void> {
    return this.inner.unlink(path);
  }
  stat(path: string): Promise<FileStat> {
    return this.inner.stat(path);
  }
  syncDir(path: string): Promise<void> {
    this.counters.dirSyncs += 1;
    return this.inner.syncDir(path);
  }
}
