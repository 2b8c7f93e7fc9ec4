/**
 * SimFileSystem: the FileSystem port over the simulated Disk. Every call
 * completes only when the Scheduler picks it (optionally after a virtual
 * latency); the FaultSet gets a say when it is issued and when it completes;
 * every completion is traced. A crash freezes the medium: later calls reject
 * with WalError ECRASHED and crash images are drawn from the frozen state.
 */
import { fsError, WalError } from '../errors.js';
import { FaultSet, NO_FAULTS, type FiredFault } from '../faults/plan.js';
import type { FaultEffect, FaultOpContext, FaultPlan, SimOpKind, SimPhase } from '../faults/types.js';
import type { FileHandle, FileStat, FileSystem, OpenFlags } from '../ports.js';
import type { SimClock } from './clock.js';
import { enumerateCrashImages, sampleCrashImage, sampleCrashImageWithMap, type CrashEnumeration, type CrashImageMap } from './crash.js';
import { Disk, type FileNode } from './disk.js';
import { diskImageBytes, type DiskImage } from './image.js';
import { Rng } from '../rng.js';
import type { Scheduler } from './scheduler.js';
import type { Trace } from './trace.js';

export interface SimFileSystemOptions {
  scheduler: Scheduler;
  /** Stopped when this filesystem crashes (the process's timers die with it). */
  clock?: SimClock;
  /** The medium to start from (default: empty). */
  image?: DiskImage;
  /** Sector size for torn writes and misdirection (default 512). */
  sectorSize?: number;
  faults?: FaultPlan;
  trace?: Trace;
  /** Randomness for faults and latency (default: forked from the scheduler's seed). */
  rng?: Rng;
  /** Per-operation latency in virtual ms, drawn uniformly from [minMs, maxMs] (default none). */
  latency?: { minMs: number; maxMs: number };
  /** Starting phase (default 'workload'). */
  phase?: SimPhase;
  /** Told of every fault that fires, in firing order (FaultSet's listener; the trace records them too). */
  onFault?: (fault: FiredFault) => void;
  /** The run's epoch this filesystem serves (default 0): the fault plan's schedule names its entries' epochs. */
  epoch?: number;
  /**
   * Told of every crash image `crash()` draws, with its per-sector map and the
   * trace position (events recorded before its 'crash-image' line). Outside the
   * trace: listening changes neither the run nor its trace hash.
   */
  onCrashImage?: (crash: CrashImageRecord) => void;
}

/** A crash image as `onCrashImage` hears it. */
export interface CrashImageRecord {
  /** Virtual time of the power cut. */
  t: number;
  /** Trace events recorded before this image's 'crash-image' line (that line's seq). */
  traceSeq: number;
  image: DiskImage;
  map: CrashImageMap;
}

interface OpInfo {
  path: string;
  node?: FileNode;
  offset?: number;
  length?: number;
  /** A write through an append handle: it lands at the file's size when it completes (the offset faults and the trace see). */
  append?: true;
  /** The name traced for the operation when it is not its fault kind (rmdir is faulted as an unlink). */
  label?: string;
}

/** An append write's offset is the file's size at this moment; any other operation's info is as issued. */
function placed(info: OpInfo): OpInfo {
  return info.append === true && info.node !== undefined ? { ...info, offset: info.node.cache.size } : info;
}

export class SimFileSystem implements FileSystem {
  readonly disk: Disk;
  readonly sectorSize: number;
  readonly faults: FaultSet;
  private readonly scheduler: Scheduler;
  private readonly clock: SimClock | undefined;
  private readonly trace: Trace | undefined;
  private readonly rng: Rng;
  private readonly latencyRng: Rng;
  private readonly latency: { minMs: number; maxMs: number } | undefined;
  private readonly onCrashImage: ((crash: CrashImageRecord) => void) | undefined;
  private currentPhase: SimPhase;
  private crashedFlag = false;
  private opCount = 0;

  constructor(opts: SimFileSystemOptions) {
    this.scheduler = opts.scheduler;
    this.clock = opts.clock;
    this.trace = opts.trace;
    this.sectorSize = opts.sectorSize ?? 512;
    if (!Number.isSafeInteger(this.sectorSize) || this.sectorSize < 1)
      throw new WalError('EINVAL', `sectorSize must be a positive integer, got ${this.sectorSize}`);
    this.rng = opts.rng ?? new Rng(opts.scheduler.seed).fork('fs');
    this.latencyRng = this.rng.fork('latency');
    this.latency = opts.latency;
    this.onCrashImage = opts.onCrashImage;
    if (
      this.latency !== undefined &&
      !(this.latency.minMs >= 0 && this.latency.maxMs >= this.latency.minMs && Number.isFinite(this.latency.maxMs))
    ) {
      throw new WalError('EINVAL', 'latency needs 0 <= minMs <= maxMs');
    }
    this.faults = new FaultSet(opts.faults ?? NO_FAULTS, this.rng.fork('faults'), { onFault: opts.onFault, epoch: opts.epoch ?? 0 });
    this.currentPhase = opts.phase ?? 'workload';
    this.disk = new Disk(opts.image, () => this.scheduler.now);
  }

  get phase(): SimPhase {
    return this.currentPhase;
  }

  /** The harness flips this: faults with a phase trigger fire only in their phase. */
  setPhase(phase: SimPhase): void {
    if (phase !== 'workload' && phase !== 'recovery') throw new WalError('EINVAL', `unknown phase ${String(phase)}`);
    this.currentPhase = phase;
    this.trace?.record('phase', this.scheduler.now, { phase });
  }

  get crashed(): boolean {
    return this.crashedFlag;
  }

  /** Operations completed (successfully or not) so far. */
  get operations(): number {
    return this.opCount;
  }

  // ---- crash and images --------------------------------------------------------

  private crashNow(reason: string): void {
    if (this.crashedFlag) return;
    this.crashedFlag = true;
    this.clock?.stop();
    this.trace?.record('crash', this.scheduler.now, { reason, pendingDirOps: this.disk.pendingDirOps.length });
  }

  /** The machine stops (no image taken): every later call rejects ECRASHED and the clock stops. */
  powerOff(reason = 'powerOff()'): void {
    this.crashNow(reason);
  }

  /** Power cut now (if not already): freezes the medium and returns one sampled durable image. */
  crash(rng: Rng): DiskImage {
    this.crashNow('crash()');
    let image: DiskImage;
    if (this.onCrashImage === undefined) {
      image = sampleCrashImage(this.disk, this.sectorSize, rng);
    } else {
      const drawn = sampleCrashImageWithMap(this.disk, this.sectorSize, rng);
      image = drawn.image;
      this.onCrashImage({ t: this.scheduler.now, traceSeq: this.trace?.length ?? 0, image, map: drawn.map });
    }
    this.trace?.record('crash-image', this.scheduler.now, {
      files: image.files.length,
      dirs: image.dirs.length,
      bytes: diskImageBytes(image),
    });
    return image;
  }

  /** Every distinct durable image a crash at this moment could leave, examining at most `cap` assignments. Does not crash. */
  crashImages(cap: number): CrashEnumeration {
    return enumerateCrashImages(this.disk, this.sectorSize, cap);
  }

  /** What a clean shutdown leaves: the page cache, all of it written back. */
  shutdownImage(): DiskImage {
    return this.disk.cacheImage();
  }

  // ---- the operation path --------------------------------------------------------

  private ctx(kind: SimOpKind, info: OpInfo): FaultOpContext {
    const ctx: FaultOpContext = {
      op: kind,
      path: info.path,
      phase: this.currentPhase,
      sectorSize: this.sectorSize,
      usedBytes: this.disk.usedBytes,
    };
    if (info.offset !== undefined) ctx.offset = info.offset;
    if (info.length !== undefined) ctx.length = info.length;
    if (info.node !== undefined) {
      ctx.fileSize = info.node.cache.size;
      ctx.durableSize = info.node.durable.size;
    }
    return ctx;
  }

  private traceFault(f: FiredFault, kind: SimOpKind, path: string): void {
    this.trace?.record('fault', this.scheduler.now, { kind: f.kind, op: kind, path, effect: f.effect });
  }

  /** Schedules one operation; `body` runs when the scheduler completes it. Internal: used by the file handles. */
  op<T>(kind: SimOpKind, info: OpInfo, body: (effects: FaultEffect[]) => T, describe?: (result: T) => Record<string, unknown>): Promise<T> {
    let delay = 0;
    if (this.latency !== undefined) delay += this.latency.minMs + this.latencyRng.nextFloat() * (this.latency.maxMs - this.latency.minMs);
    if (!this.faults.empty && !this.crashedFlag) {
      for (const f of this.faults.fire('issue', kind, this.ctx(kind, placed(info)))) {
        this.traceFault(f, kind, info.path);
        if (f.effect.type === 'delay') delay += f.effect.ms;
      }
    }
    return this.scheduler.schedule(kind, () => this.complete(kind, info, body, describe), delay);
  }

  private complete<T>(
    kind: SimOpKind,
    issued: OpInfo,
    body: (effects: FaultEffect[]) => T,
    describe?: (result: T) => Record<string, unknown>,
  ): T {
    const info = placed(issued);
    const base: Record<string, unknown> = { op: info.label ?? kind, path: info.path };
    if (info.offset !== undefined) base.offset = info.offset;
    if (info.length !== undefined) base.length = info.length;
    if (this.crashedFlag) {
      this.trace?.record('op', this.scheduler.now, { ...base, error: 'ECRASHED' });
      throw new WalError('ECRASHED', `${kind} '${info.path}': the simulated machine lost power`);
    }
    this.opCount++;
    let effects: FaultEffect[] = [];
    if (!this.faults.empty) {
      const fired = this.faults.fire('complete', kind, this.ctx(kind, info));
      for (const f of fired) this.traceFault(f, kind, info.path);
      effects = fired.map((f) => f.effect);
      if (effects.some((e) => e.type === 'crash')) {
        this.crashNow(`fault during ${kind} '${info.path}'`);
        throw new WalError('ECRASHED', `${kind} '${info.path}': the simulated machine lost power`);
      }
      for (const e of effects) if (e.type === 'flip' && info.node !== undefined) this.flipBits(info.node, e.bits);
    }
    try {
      const result = body(effects);
      this.trace?.record('op', this.scheduler.now, describe === undefined ? base : { ...base, ...describe(result) });
      return result;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      this.trace?.record('op', this.scheduler.now, { ...base, error: typeof code === 'string' ? code : String(err) });
      throw err;
    }
  }

  private flipBits(node: FileNode, bits: readonly number[]): void {
    for (const bit of bits) {
      const at = bit >>> 3;
      if (at >= node.durable.size) continue;
      const old = node.durable.byteAt(at);
      const flipped = old ^ (1 << (bit & 7));
      node.durable.setByte(at, flipped);
      // A clean page is re-read from the medium; a dirty one keeps its newer bytes.
      if (at < node.cache.size && node.cache.byteAt(at) === old) node.cache.setByte(at, flipped);
    }
  }

  // ---- FileSystem ------------------------------------------------------------------

  open(path: string, flags: OpenFlags): Promise<FileHandle> {
    return this.op(
      'open',
      { path },
      () => {
        if (!SIM_OPEN_FLAGS.has(flags)) throw fsError('EINVAL', 'open', path);
        const node = this.disk.open(path, flags);
        return new SimFileHandle(this, node, path, flags !== 'r', flags === 'a+' || flags === 'ax+');
      },
      () => ({ flags }),
    );
  }

  readdir(path: string): Promise<string[]> {
    return this.op(
      'readdir',
      { path },
      () => this.disk.readdir(path),
      (names) => ({ count: names.length }),
    );
  }

  mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    return this.op('mkdir', { path }, () => this.disk.mkdir(path, options?.recursive === true));
  }

  rename(from: string, to: string): Promise<void> {
    return this.op(
      'rename',
      { path: from },
      () => this.disk.rename(from, to),
      () => ({ to }),
    );
  }

  unlink(path: string): Promise<void> {
    return this.op('unlink', { path }, () => this.disk.unlink(path));
  }

  /** Removes an empty directory; faulted as an unlink (the fault table's operation kinds), traced as 'rmdir'. */
  rmdir(path: string): Promise<void> {
    return this.op('unlink', { path, label: 'rmdir' }, () => this.disk.rmdir(path));
  }

  stat(path: string): Promise<FileStat> {
    return this.op('stat', { path }, () => this.disk.statOf(this.disk.lookup(path, 'stat')));
  }

  syncDir(path: string): Promise<void> {
    return this.op('syncDir', { path }, (effects) => {
      if (effects.some((e) => e.type === 'lie')) return;
      this.disk.syncDir(path);
    });
  }
}

const SIM_OPEN_FLAGS: ReadonlySet<string> = new Set<OpenFlags>(['r', 'r+', 'w+', 'wx+', 'a+', 'ax+']);

class SimFileHandle implements FileHandle {
  private closed = false;

  constructor(
    private readonly fs: SimFileSystem,
    private readonly node: FileNode,
    private readonly path: string,
    private readonly writable: boolean,
    /** Opened 'a+' / 'ax+': every write lands at the file's size when it completes. */
    private readonly append: boolean,
  ) {}

  private check(syscall: string): void {
    if (this.closed) throw fsError('EBADF', syscall);
  }

  private info(offset?: number, length?: number): OpInfo {
    const info: OpInfo = { path: this.path, node: this.node };
    if (offset !== undefined) info.offset = offset;
    if (length !== undefined) info.length = length;
    return info;
  }

  read(buffer: Uint8Array, position: number): Promise<number> {
    return this.fs.op(
      'read',
      this.info(position, buffer.length),
      (effects) => {
        this.check('read');
        if (!Number.isSafeInteger(position) || position < 0) throw fsError('EINVAL', 'read', this.path);
        if (effects.some((e) => e.type === 'read-eio')) throw fsError('EIO', 'read', this.path);
        const transient = effects.find((e) => e.type === 'transient');
        if (transient !== undefined) throw fsError(transient.code, 'read', this.path);
        return this.fs.disk.read(this.node, buffer, position);
      },
      (n) => ({ n }),
    );
  }

  write(data: Uint8Array, position: number): Promise<void> {
    const info = this.info(position, data.length);
    if (this.append) info.append = true;
    return this.fs.op('write', info, (effects) => {
      this.check('write');
      // An empty write is a no-op (NodeFileSystem issues no syscall for it), even on an 'r' handle.
      if (data.length === 0) return;
      if (!this.writable) throw fsError('EBADF', 'write', this.path);
      if (!Number.isSafeInteger(position) || position < 0) throw fsError('EINVAL', 'write', this.path);
      // O_APPEND: the position is checked, but the data lands at the end of the file as it is now.
      const at = this.append ? this.node.cache.size : position;
      let torn = false;
      let target = at;
      let enospc: number | undefined;
      for (const e of effects) {
        if (e.type === 'torn') torn = true;
        else if (e.type === 'redirect') target = e.target;
        else if (e.type === 'enospc') enospc = Math.min(enospc ?? e.keepBytes, e.keepBytes);
      }
      const transient = effects.find((e) => e.type === 'transient');
      if (transient !== undefined) {
        // An interrupted write: a prefix may have reached the cache before the error.
        if (transient.keepBytes > 0) this.fs.disk.write(this.node, data.subarray(0, transient.keepBytes), at, target, torn);
        throw fsError(transient.code, 'write', this.path);
      }
      if (enospc !== undefined) {
        if (enospc > 0) this.fs.disk.write(this.node, data.subarray(0, enospc), at, target, torn);
        throw fsError('ENOSPC', 'write', this.path);
      }
      this.fs.disk.write(this.node, data, at, target, torn);
    });
  }

  private syncLike(kind: 'sync' | 'datasync'): Promise<void> {
    // What the flush must cover is fixed when it is called, not when it completes.
    const mark = this.fs.disk.dataMark();
    return this.fs.op(kind, this.info(), (effects) => {
      this.check(kind === 'sync' ? 'fsync' : 'fdatasync');
      if (effects.some((e) => e.type === 'fsync-eio')) {
        this.fs.disk.dropDirty(this.node);
        throw fsError('EIO', kind === 'sync' ? 'fsync' : 'fdatasync', this.path);
      }
      if (effects.some((e) => e.type === 'lie')) return;
      this.fs.disk.syncFile(this.node, mark);
    });
  }

  sync(): Promise<void> {
    return this.syncLike('sync');
  }

  datasync(): Promise<void> {
    return this.syncLike('datasync');
  }

  truncate(size: number): Promise<void> {
    return this.fs.op('truncate', this.info(undefined, size), (effects) => {
      this.check('ftruncate');
      if (!this.writable) throw fsError('EINVAL', 'ftruncate', this.path);
      if (!Number.isSafeInteger(size) || size < 0) throw fsError('EINVAL', 'ftruncate', this.path);
      if (effects.some((e) => e.type === 'enospc')) throw fsError('ENOSPC', 'ftruncate', this.path);
      this.fs.disk.truncate(this.node, size);
    });
  }

  stat(): Promise<FileStat> {
    return this.fs.op('fstat', this.info(), () => {
      this.check('fstat');
      return this.fs.disk.statOf(this.node);
    });
  }

  close(): Promise<void> {
    return this.fs.op('close', this.info(), () => {
      if (this.closed) return;
      this.closed = true;
      this.fs.disk.close(this.node);
    });
  }
}
