/**
 * A plugin wrapper that makes one fdatasync a no-op: the nth datasync (or
 * fsync, with `syncs: 'both'`) of every opened log resolves without
 * persisting anything. The proof-of-teeth fault: one skipped fdatasync must be
 * caught.
 */
import type { FileHandle, FileStat, FileSystem, OpenFlags, WalEnv, WalLog, WalPlugin } from '../../../src/ports.js';

class Counter {
  n = 0;
  constructor(readonly nth: number, readonly both: boolean) {}
}

class SkippingHandle implements FileHandle {
  constructor(private readonly inner: FileHandle, private readonly c: Counter) {}
  read(b: Uint8Array, p: number): Promise<number> {
    return this.inner.read(b, p);
  }
  write(d: Uint8Array, p: number): Promise<void> {
    return this.inner.write(d, p);
  }
  sync(): Promise<void> {
    if (this.c.both && ++this.c.n === this.c.nth) return Promise.resolve();
    return this.inner.sync();
  }
  datasync(): Promise<void> {
    if (++this.c.n === this.c.nth) return Promise.resolve();
    return this.inner.datasync();
  }
  truncate(s: number): Promise<void> {
    return this.inner.truncate(s);
  }
  stat(): Promise<FileStat> {
    return this.inner.stat();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

class SkippingFs implements FileSystem {
  constructor(private readonly inner: FileSystem, private readonly c: Counter) {}
  async open(path: string, flags: OpenFlags): Promise<FileHandle> {
    return new SkippingHandle(await this.inner.open(path, flags), this.c);
  }
  readdir(p: string): Promise<string[]> {
    return this.inner.readdir(p);
  }
  mkdir(p: string, o?: { recursive?: boolean }): Promise<void> {
    return this.inner.mkdir(p, o);
  }
  rename(a: string, b: string): Promise<void> {
    return this.inner.rename(a, b);
  }
  unlink(p: string): Promise<void> {
    return this.inner.unlink(p);
  }
  stat(p: string): Promise<FileStat> {
    return this.inner.stat(p);
  }
  syncDir(p: string): Promise<void> {
    return this.inner.syncDir(p);
  }
}

export function skipNthDatasync(plugin: WalPlugin, nth: number, syncs: 'datasync' | 'both' = 'both'): WalPlugin {
  return {
    name: `${plugin.name}+skip-datasync-${nth}`,
    durableAppend: plugin.durableAppend,
    open(env: WalEnv): Promise<WalLog> {
      return plugin.open({ ...env, fs: new SkippingFs(env.fs, new Counter(nth, syncs === 'both')) });
    },
  };
}
