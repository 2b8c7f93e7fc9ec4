/** Test-only helpers for the engine tests: in-memory environments and a FileSystem that fails chosen calls. */
import { ForwardingFileHandle, ForwardingFileSystem } from '../../src/forwarding-file-system.js';
import type { Clock, FileHandle, FileSystem, OpenFlags, WalEnv } from '../../src/ports.js';
import { RealClock } from '../../src/real/real-clock.js';
import { Wal, type WalOptions } from '../../src/engine/index.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

export function memEnv(fs: FileSystem = new MemfsFileSystem(), clock: Clock = new RealClock(), dir = '/wal'): WalEnv & { fs: FileSystem } {
  return { fs, clock, dir };
}

/** A clock whose time moves only when a sleep is made or `advance` is called; sleeps resolve on the next macrotask. */
export class SteppingClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) =>
      setImmediate(() => {
        this.t += Math.max(0, ms);
        resolve();
      }),
    );
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export type FailOp = 'write' | 'read' | 'sync' | 'datasync' | 'truncate' | 'syncDir' | 'open' | 'unlink';

export interface FailRule {
  op: FailOp;
  /** Fail the nth matching call (1-based), counted from when the rule was added. */
  nth: number;
  code: string;
  /** Only calls whose path contains this. */
  pathIncludes?: string;
  /** For write: only writes at this file position. */
  position?: number;
  /** For write: bytes of the data that reach the file before the failure. */
  partialBytes?: number;
  /** Keep failing every matching call from the nth on. */
  sticky?: boolean;
}

function failure(code: string, syscall: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${syscall} '${path}' (injected)`), { code, syscall, path });
}

/** Wraps a FileSystem and fails chosen calls; counts every call by op. */
export class FailingFileSystem extends ForwardingFileSystem {
  readonly calls: Record<FailOp, number> = { write: 0, read: 0, sync: 0, datasync: 0, truncate: 0, syncDir: 0, open: 0, unlink: 0 };
  readonly fired: { op: FailOp; path: string; code: string }[] = [];
  private rules: { rule: FailRule; seen: number }[] = [];

  constructor(override readonly inner: FileSystem) {
    super(inner);
  }

  fail(rule: FailRule): void {
    this.rules.push({ rule, seen: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The rule that fires for this call, if any. */
  check(op: FailOp, path: string, position?: number): FailRule | undefined {
    this.calls[op] += 1;
    for (const r of this.rules) {
      if (r.rule.op !== op || (r.rule.pathIncludes !== undefined && !path.includes(r.rule.pathIncludes))) continue;
      if (r.rule.position !== undefined && r.rule.position !== position) continue;
      r.seen += 1;
      if (r.seen === r.rule.nth || (r.rule.sticky === true && r.seen > r.rule.nth)) {
        this.fired.push({ op, path, code: r.rule.code });
        return r.rule;
      }
    }
    return undefined;
  }

  override async open(path: string, flags: OpenFlags): Promise<FileHandle> {
    const rule = this.check('open', path);
    if (rule !== undefined) throw failure(rule.code, 'open', path);
    return new FailingHandle(await this.inner.open(path, flags), this, path);
  }
  override async unlink(path: string): Promise<void> {
    const rule = this.check('unlink', path);
    if (rule !== undefined) throw failure(rule.code, 'unlink', path);
    return this.inner.unlink(path);
  }
  override async syncDir(path: string): Promise<void> {
    const rule = this.check('syncDir', path);
    if (rule !== undefined) throw failure(rule.code, 'fsync', path);
    return this.inner.syncDir(path);
  }
}

class FailingHandle extends ForwardingFileHandle {
  constructor(
    inner: FileHandle,
    private readonly owner: FailingFileSystem,
    private readonly path: string,
  ) {
    super(inner);
  }
  override async read(buffer: Uint8Array, position: number): Promise<number> {
    const rule = this.owner.check('read', this.path);
    if (rule !== undefined) throw failure(rule.code, 'read', this.path);
    return this.inner.read(buffer, position);
  }
  override async write(data: Uint8Array, position: number): Promise<void> {
    const rule = this.owner.check('write', this.path, position);
    if (rule !== undefined) {
      const keep = Math.min(rule.partialBytes ?? 0, data.length);
      if (keep > 0) await this.inner.write(data.subarray(0, keep), position);
      throw failure(rule.code, 'write', this.path);
    }
    return this.inner.write(data, position);
  }
  override async sync(): Promise<void> {
    const rule = this.owner.check('sync', this.path);
    if (rule !== undefined) throw failure(rule.code, 'fsync', this.path);
    return this.inner.sync();
  }
  override async datasync(): Promise<void> {
    const rule = this.owner.check('datasync', this.path);
    if (rule !== undefined) throw failure(rule.code, 'fdatasync', this.path);
    return this.inner.datasync();
  }
  override async truncate(size: number): Promise<void> {
    const rule = this.owner.check('truncate', this.path);
    if (rule !== undefined) throw failure(rule.code, 'ftruncate', this.path);
    return this.inner.truncate(size);
  }
}

/** Reads a whole file of a memfs-backed port. */
export async function readFileBytes(fs: FileSystem, path: string): Promise<Uint8Array> {
  const h = await fs.open(path, 'r');
  try {
    const size = (await h.stat()).size;
    const buf = new Uint8Array(size);
    let pos = 0;
    while (pos < size) {
      const n = await h.read(buf.subarray(pos), pos);
      if (n === 0) break;
      pos += n;
    }
    return buf.subarray(0, pos);
  } finally {
    await h.close();
  }
}

export async function writeFileBytes(fs: FileSystem, path: string, data: Uint8Array): Promise<void> {
  const h = await fs.open(path, 'w+');
  try {
    await h.write(data, 0);
  } finally {
    await h.close();
  }
}

/** What Wal.open rejected with on `fs`; a resolved open (closed again) fails the test. */
export async function openRejection(fs: FileSystem, options: WalOptions): Promise<unknown> {
  try {
    const wal = await Wal.open(memEnv(fs), options);
    await wal.close();
  } catch (err) {
    return err;
  }
  throw new Error('open resolved, a rejection was expected');
}
