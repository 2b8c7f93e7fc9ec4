/**
 * A plugin wrapper that makes one fdatasync a no-op: the nth datasync (or
 * fsync, with `syncs: 'both'`) of every opened log resolves without
 * persisting anything. The proof-of-teeth fault: one skipped fdatasync must be
 * caught.
 */
import { ForwardingFileHandle, ForwardingFileSystem } from '../../../src/forwarding-file-system.js';
import type { FileHandle, FileSystem, WalEnv, WalLog, WalPlugin } from '../../../src/ports.js';

class Counter {
  n = 0;
  constructor(
    readonly nth: number,
    readonly both: boolean,
  ) {}
}

class SkippingHandle extends ForwardingFileHandle {
  constructor(
    inner: FileHandle,
    private readonly c: Counter,
  ) {
    super(inner);
  }
  override sync(): Promise<void> {
    if (this.c.both && ++this.c.n === this.c.nth) return Promise.resolve();
    return this.inner.sync();
  }
  override datasync(): Promise<void> {
    if (++this.c.n === this.c.nth) return Promise.resolve();
    return this.inner.datasync();
  }
}

class SkippingFs extends ForwardingFileSystem {
  constructor(
    inner: FileSystem,
    private readonly c: Counter,
  ) {
    super(inner);
  }
  protected override wrapHandle(handle: FileHandle): FileHandle {
    return new SkippingHandle(handle, this.c);
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
