/**
 * The crash cut: a FileSystem wrapper that counts operations and cuts the
 * power at the nth one of a class (sync-like: sync, datasync, syncDir,
 * rename; or any), either before it takes effect or right after it completed.
 * The cut itself is the caller's `cut()` (it takes the crash image).
 */
import type { FileHandle, FileStat, FileSystem, OpenFlags } from '../ports.js';

export interface CrashCutPoint {
  class: 'sync-like' | 'any';
  nth: number;
  when: 'before' | 'after';
  /** 'recovery': counting starts at the open (the caller arms the cut before it). */
  phase?: 'recovery';
}

export class CrashCutFileSystem implements FileSystem {
  private count = 0;
  private fired = false;
  private armed = false;

  constructor(
    private readonly inner: FileSystem,
    private readonly point: CrashCutPoint,
    private readonly cut: () => void,
  ) {}

  /** Starts counting (operations before, e.g. during recovery, are not counted). */
  arm(): void {
    this.armed = true;
  }

  get isArmed(): boolean {
    return this.armed;
  }

  get hasFired(): boolean {
    return this.fired;
  }

  /** Wraps one operation: counts it, and cuts before or after it when it is the chosen one. */
  run<T>(syncLike: boolean, call: () => Promise<T>): Promise<T> {
    if (!this.armed || this.fired || (this.point.class === 'sync-like' && !syncLike)) return call();
    this.count++;
    if (this.count !== this.point.nth) return call();
    this.fired = true;
    if (this.point.when === 'before') {
      this.cut();
      return call();
    }
    return call().then(
      (value) => {
        this.cut();
        return value;
      },
      (err: unknown) => {
        this.cut();
        throw err;
      },
    );
  }

  open(path: string, flags: OpenFlags): Promise<FileHandle> {
    return this.run(false, () => this.inner.open(path, flags)).then((h) => new CrashCutHandle(this, h));
  }
  readdir(path: string): Promise<string[]> {
    return this.run(false, () => this.inner.readdir(path));
  }
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    return this.run(false, () => this.inner.mkdir(path, options));
  }
  rename(from: string, to: string): Promise<void> {
    return this.run(true, () => this.inner.rename(from, to));
  }
  unlink(path: string): Promise<void> {
    return this.run(false, () => this.inner.unlink(path));
  }
  stat(path: string): Promise<FileStat> {
    return this.run(false, () => this.inner.stat(path));
  }
  /** rmdir (an optional port member), counted as any other operation; ENOTSUP (Node-style) when the wrapped port has none. */
  rmdir(path: string): Promise<void> {
    const inner = this.inner;
    if (inner.rmdir === undefined) {
      return Promise.reject(
        Object.assign(new Error(`ENOTSUP: rmdir '${path}': the wrapped FileSystem has no rmdir`), {
          code: 'ENOTSUP',
          syscall: 'rmdir',
          path,
        }),
      );
    }
    return this.run(false, () => (inner.rmdir as (p: string) => Promise<void>).call(inner, path));
  }
  syncDir(path: string): Promise<void> {
    return this.run(true, () => this.inner.syncDir(path));
  }
}

class CrashCutHandle implements FileHandle {
  constructor(
    private readonly fs: CrashCutFileSystem,
    private readonly inner: FileHandle,
  ) {}
  read(buffer: Uint8Array, position: number): Promise<number> {
    return this.fs.run(false, () => this.inner.read(buffer, position));
  }
  write(data: Uint8Array, position: number): Promise<void> {
    return this.fs.run(false, () => this.inner.write(data, position));
  }
  sync(): Promise<void> {
    return this.fs.run(true, () => this.inner.sync());
  }
  datasync(): Promise<void> {
    return this.fs.run(true, () => this.inner.datasync());
  }
  truncate(size: number): Promise<void> {
    return this.fs.run(false, () => this.inner.truncate(size));
  }
  stat(): Promise<FileStat> {
    return this.fs.run(false, () => this.inner.stat());
  }
  close(): Promise<void> {
    return this.fs.run(false, () => this.inner.close());
  }
}
