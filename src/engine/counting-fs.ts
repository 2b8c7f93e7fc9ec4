/**
 * A FileSystem wrapper that counts what the engine asks of the disk (the
 * counters behind WalStats), and times every file sync on the injected clock.
 */
import { ForwardingFileHandle, ForwardingFileSystem } from '../forwarding-file-system.js';
import type { FileHandle, FileSystem } from '../ports.js';
import { FlushTimings } from './flush-timings.js';

export interface IoCounters {
  /** sync + datasync calls on files. */
  fileSyncs: number;
  /** syncDir calls. */
  dirSyncs: number;
  /** File syncs and syncDir calls that failed. */
  syncErrors: number;
  writes: number;
  writtenBytes: number;
  reads: number;
  readBytes: number;
}

class CountingHandle extends ForwardingFileHandle {
  constructor(
    inner: FileHandle,
    private readonly counters: IoCounters,
    private readonly timings: FlushTimings,
    private readonly now: () => number,
  ) {
    super(inner);
  }
  private async timed(op: Promise<void>, started: number): Promise<void> {
    try {
      await op;
    } catch (err) {
      this.counters.syncErrors += 1;
      this.timings.observe(this.now() - started, false);
      throw err;
    }
    this.timings.observe(this.now() - started, true);
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
    const started = this.now();
    return this.timed(this.inner.sync(), started);
  }
  override datasync(): Promise<void> {
    this.counters.fileSyncs += 1;
    const started = this.now();
    return this.timed(this.inner.datasync(), started);
  }
}

export class CountingFileSystem extends ForwardingFileSystem {
  readonly counters: IoCounters = { fileSyncs: 0, dirSyncs: 0, syncErrors: 0, writes: 0, writtenBytes: 0, reads: 0, readBytes: 0 };
  /** Durations of the file syncs (not of syncDir), on `now`. */
  readonly timings = new FlushTimings();

  /** `now`: the injected clock's now(), in milliseconds. */
  constructor(
    inner: FileSystem,
    private readonly now: () => number,
  ) {
    super(inner);
  }
  protected override wrapHandle(handle: FileHandle): FileHandle {
    return new CountingHandle(handle, this.counters, this.timings, this.now);
  }
  override async syncDir(path: string): Promise<void> {
    this.counters.dirSyncs += 1;
    try {
      await this.inner.syncDir(path);
    } catch (err) {
      this.counters.syncErrors += 1;
      throw err;
    }
  }
}
