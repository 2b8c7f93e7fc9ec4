/** A FileSystem wrapper that counts what the engine asks of the disk (the counters behind WalStats). */
import { ForwardingFileHandle, ForwardingFileSystem } from '../forwarding-file-system.js';
import type { FileHandle } from '../ports.js';

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

class CountingHandle extends ForwardingFileHandle {
  constructor(
    inner: FileHandle,
    private readonly counters: IoCounters,
  ) {
    super(inner);
  }
  override async read(buffer: Uint8Array, position: number): Promise<number> {
    this.counters.reads += 1;
    const n = await this.inner.read(buffer, position);
    this.counters.readBytes += n;
    return n;
  }
  override write(data: Uint8Array, position: number): Promise<void> {
    this.counters.writes += 1;
    this.counters.writtenBytes += data.length;
    return this.inner.write(data, position);
  }
  override sync(): Promise<void> {
    this.counters.fileSyncs += 1;
    return this.inner.sync();
  }
  override datasync(): Promise<void> {
    this.counters.fileSyncs += 1;
    return this.inner.datasync();
  }
}

export class CountingFileSystem extends ForwardingFileSystem {
  readonly counters: IoCounters = { fileSyncs: 0, dirSyncs: 0, writes: 0, writtenBytes: 0, reads: 0, readBytes: 0 };
  protected override wrapHandle(handle: FileHandle): FileHandle {
    return new CountingHandle(handle, this.counters);
  }
  override syncDir(path: string): Promise<void> {
    this.counters.dirSyncs += 1;
    return this.inner.syncDir(path);
  }
}
