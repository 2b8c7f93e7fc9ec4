/**
 * FaultyFileSystem: wraps any FileSystem (in practice NodeFileSystem on a
 * real disk) and injects the failures a real disk can be made to show from
 * user space, with a seeded trigger so a run can be repeated:
 *
 * - `disk-full`: a write puts a random prefix of its data on the real file,
 *   then rejects with ENOSPC (what a filesystem running out of blocks does);
 * - `read-error`: a read rejects with EIO;
 * - `fsync-error`: sync, datasync or syncDir rejects with EIO. User space
 *   cannot make the kernel drop the dirty pages; the data the real call would
 *   have flushed is written later by the kernel anyway. A WAL must still not
 *   acknowledge anything whose sync failed, which is what the checks test.
 *
 * Faults fire only while `armed` (tests disarm it to reopen and verify; `arm(kinds)` limits them to some kinds), each
 * kind with its own probability per call, and never more than `maxFaults` in
 * total. Every injected fault is logged in `injected`.
 */
import { fsError, WalError } from '../errors.js';
import { ForwardingFileHandle, ForwardingFileSystem } from '../forwarding-file-system.js';
import type { FileHandle, FileSystem } from '../ports.js';
import { Rng } from '../rng.js';

export type RealFaultKind = 'disk-full' | 'read-error' | 'fsync-error';
export const REAL_FAULT_KINDS: readonly RealFaultKind[] = ['disk-full', 'read-error', 'fsync-error'];

export interface FaultyFileSystemOptions {
  seed: number | string;
  /** Probability per eligible call, each in [0, 1]. Kinds left out never fire. */
  probabilities: Partial<Record<RealFaultKind, number>>;
  /** Upper bound on injected faults over the wrapper's life (default 1000). */
  maxFaults?: number;
  /** Start armed (default true). */
  armed?: boolean;
}

export interface InjectedFault {
  kind: RealFaultKind;
  op: string;
  path: string;
  /** For disk-full: bytes of the write that did reach the file. */
  written?: number;
}

export class FaultyFileSystem extends ForwardingFileSystem {
  armed: boolean;
  /** When set, only these kinds fire (while armed). */
  only: ReadonlySet<RealFaultKind> | undefined = undefined;
  readonly injected: InjectedFault[] = [];
  private readonly rng: Rng;
  private readonly probabilities: Partial<Record<RealFaultKind, number>>;
  private readonly maxFaults: number;

  constructor(inner: FileSystem, options: FaultyFileSystemOptions) {
    super(inner);
    for (const [kind, p] of Object.entries(options.probabilities)) {
      if (!REAL_FAULT_KINDS.includes(kind as RealFaultKind) || typeof p !== 'number' || !(p >= 0 && p <= 1)) {
        throw new WalError('EINVAL', `FaultyFileSystem: bad probability for '${kind}': ${String(p)}`);
      }
    }
    const maxFaults = options.maxFaults ?? 1000;
    if (!Number.isSafeInteger(maxFaults) || maxFaults < 0) {
      throw new WalError('EINVAL', `FaultyFileSystem: maxFaults must be a non-negative integer, got ${maxFaults}`);
    }
    this.rng = new Rng(options.seed);
    this.probabilities = { ...options.probabilities };
    this.maxFaults = maxFaults;
    this.armed = options.armed ?? true;
  }

  /** Decides (and logs) whether this call fails with `kind`. One draw per eligible call while armed. */
  strike(kind: RealFaultKind, op: string, path: string): boolean {
    const p = this.probabilities[kind];
    if (
      !this.armed ||
      (this.only !== undefined && !this.only.has(kind)) ||
      p === undefined ||
      p <= 0 ||
      this.injected.length >= this.maxFaults
    )
      return false;
    if (!this.rng.chance(p)) return false;
    this.injected.push({ kind, op, path });
    return true;
  }

  /** Arms the wrapper for these kinds only (for example read-error while a log opens, the others while clients run). */
  arm(kinds: readonly RealFaultKind[]): void {
    this.only = new Set(kinds);
    this.armed = true;
  }

  disarm(): void {
    this.armed = false;
  }

  /** For disk-full: how much of a write of `length` bytes reaches the file (0..length-1). */
  prefixLength(length: number): number {
    return length === 0 ? 0 : this.rng.nextInt(length);
  }

  protected override wrapHandle(handle: FileHandle, path: string): FileHandle {
    return new FaultyFileHandle(this, path, handle);
  }

  override async syncDir(path: string): Promise<void> {
    if (this.strike('fsync-error', 'syncDir', path)) throw fsError('EIO', 'fsync', path);
    await this.inner.syncDir(path);
  }
}

class FaultyFileHandle extends ForwardingFileHandle {
  constructor(
    private readonly fs: FaultyFileSystem,
    private readonly path: string,
    inner: FileHandle,
  ) {
    super(inner);
  }

  override async read(buffer: Uint8Array, position: number): Promise<number> {
    if (this.fs.strike('read-error', 'read', this.path)) throw fsError('EIO', 'read', this.path);
    return this.inner.read(buffer, position);
  }

  override async write(data: Uint8Array, position: number): Promise<void> {
    if (this.fs.strike('disk-full', 'write', this.path)) {
      const written = this.fs.prefixLength(data.length);
      const fault = this.fs.injected.at(-1);
      if (fault !== undefined) fault.written = written;
      if (written > 0) await this.inner.write(data.subarray(0, written), position);
      throw fsError('ENOSPC', 'write', this.path);
    }
    await this.inner.write(data, position);
  }

  override async sync(): Promise<void> {
    if (this.fs.strike('fsync-error', 'sync', this.path)) throw fsError('EIO', 'fsync', this.path);
    await this.inner.sync();
  }

  override async datasync(): Promise<void> {
    if (this.fs.strike('fsync-error', 'datasync', this.path)) throw fsError('EIO', 'fdatasync', this.path);
    await this.inner.datasync();
  }
}
