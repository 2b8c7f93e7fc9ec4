/**
 * A FileSystem wrapper that retries the engine's idempotent I/O when it
 * fails with a transient error (EAGAIN, EINTR, EBUSY), with exponential
 * backoff and jitter on the injected clock, bounded by attempts and by clock
 * time (src/engine/retry-policy.ts), and tells the circuit breaker
 * (src/engine/circuit-breaker.ts) how each read and write ended (the calls
 * that carry data: the others are retried but leave the breaker alone, so the
 * truncate that rolls a failed write back does not reset its count). When the
 * retries run out the operation rejects with WalError ETRANSIENT, the last
 * transient error as its cause.
 *
 * Retried, because doing them twice leaves what doing them once does:
 * - positional reads; fstat and stat; readdir; open with 'r', 'r+' or 'w+'
 *   (no file descriptor came back, and 'w+' truncates again); mkdir with
 *   `recursive` (an existing directory is not an error then).
 * - positional writes. A failed write may have put any prefix of its data in
 *   the page cache (FileHandle.write), but writing the same bytes at the
 *   same position again leaves the range holding exactly those bytes
 *   whatever prefix landed before, so a retry neither duplicates nor shifts
 *   a record. Not on a handle opened 'a+'/'ax+': there each write lands at
 *   the end, and a retry would duplicate the prefix.
 * - truncate to a size: the same size again.
 *
 * Never retried, the error surfaces as it came:
 * - sync, datasync, syncDir: a failed fsync stays fail-stop (the kernel may
 *   have dropped the dirty pages; a retry that succeeds would lie: the
 *   fsyncgate lesson), whatever its code.
 * - close (on Linux the descriptor is gone even when close reports EINTR),
 *   rename, unlink, rmdir, open with 'wx+'/'ax+', mkdir without `recursive`:
 *   the first attempt may have happened, and a second would fail (ENOENT,
 *   EEXIST) or undo nothing.
 */
import { ForwardingFileHandle, ForwardingFileSystem } from '../forwarding-file-system.js';
import { errorCode, WalError } from '../errors.js';
import type { Clock, FileHandle, FileStat, FileSystem, OpenFlags } from '../ports.js';
import { segmentOf, type CircuitBreaker } from './circuit-breaker.js';
import type { WalLogger } from './logger.js';
import { backoffDelay, isTransient, type ResolvedRetry } from './retry-policy.js';

export interface RetryCounters {
  /** Retries made (attempts after the first). */
  retries: number;
  /** Operations that still failed with a transient error when their retries ran out. */
  retriesExhausted: number;
}

export interface RetryContext {
  policy: ResolvedRetry;
  clock: Clock;
  breaker: CircuitBreaker;
  logger: WalLogger;
  dir: string;
  /** Draws in [0, 1) for the jitter (the `random` option, or a generator seeded from the log). */
  random: () => number;
}

/** Runs one operation with the retry policy; see the module comment for which operations come here. */
class Retrier {
  readonly counters: RetryCounters = { retries: 0, retriesExhausted: 0 };

  constructor(private readonly ctx: RetryContext) {}

  private draw(): number {
    const r = this.ctx.random();
    if (typeof r !== 'number' || !(r >= 0 && r < 1)) {
      throw new WalError('EINVAL', `the random option returned ${String(r)}, not a number in [0, 1)`);
    }
    return r;
  }

  /** `data`: a read or a write, whose outcome the breaker hears. */
  async run<T>(syscall: string, path: string, op: () => Promise<T>, data = false): Promise<T> {
    const { policy, clock, breaker, logger, dir } = this.ctx;
    const started = clock.now();
    for (let attempt = 1; ; attempt++) {
      let result: T;
      try {
        result = await op();
      } catch (err) {
        if (!isTransient(err)) throw err;
        const elapsedMs = clock.now() - started;
        const delay = attempt < policy.maxAttempts ? backoffDelay(policy, attempt, this.draw()) : undefined;
        if (delay === undefined || elapsedMs + delay > policy.maxElapsedMs)
          throw this.exhausted(err, syscall, path, attempt, elapsedMs, data);
        this.counters.retries += 1;
        logger.debug(
          { dir, segment: segmentOf(path), syscall, code: errorCode(err), attempt, delayMs: delay },
          'transient I/O error; retrying',
        );
        await clock.sleep(delay);
        continue;
      }
      if (data) breaker.succeeded(path);
      return result;
    }
  }

  private exhausted(cause: unknown, syscall: string, path: string, attempts: number, elapsedMs: number, data: boolean): WalError {
    const { policy, breaker, logger, dir } = this.ctx;
    const code = errorCode(cause);
    this.counters.retriesExhausted += 1;
    const error = new WalError(
      'ETRANSIENT',
      `${syscall} of ${path} failed with ${String(code)} ${attempts} time(s) over ${elapsedMs} ms; gave up ` +
        `(retry.maxAttempts ${policy.maxAttempts}, retry.maxElapsedMs ${policy.maxElapsedMs})`,
      { cause, details: { path, segment: segmentOf(path), syscall, code, attempts, elapsedMs } },
    );
    logger.warn({ dir, segment: segmentOf(path), syscall, code, attempts, elapsedMs }, 'transient I/O error persisted past its retries');
    if (data) breaker.failed({ path, syscall, error });
    return error;
  }
}

class RetryingHandle extends ForwardingFileHandle {
  constructor(
    inner: FileHandle,
    private readonly retrier: Retrier,
    /** The file's path now (a rename of it moves it: the engine opens a segment as wal-next.prealloc and renames it into place). */
    public path: string,
    /** Opened 'a+'/'ax+': writes land at the end, so they are not retried. */
    private readonly appendMode: boolean,
    private readonly onClose: (handle: RetryingHandle) => void,
  ) {
    super(inner);
  }
  override async close(): Promise<void> {
    await this.inner.close();
    this.onClose(this);
  }
  override read(buffer: Uint8Array, position: number): Promise<number> {
    return this.retrier.run('read', this.path, () => this.inner.read(buffer, position), true);
  }
  override write(data: Uint8Array, position: number): Promise<void> {
    // Idempotent at a position (see the module comment): the retry writes the same bytes over whatever prefix landed.
    if (this.appendMode) return this.inner.write(data, position);
    return this.retrier.run('write', this.path, () => this.inner.write(data, position), true);
  }
  override truncate(size: number): Promise<void> {
    return this.retrier.run('ftruncate', this.path, () => this.inner.truncate(size));
  }
  override stat(): Promise<FileStat> {
    return this.retrier.run('fstat', this.path, () => this.inner.stat());
  }
}

export class RetryingFileSystem extends ForwardingFileSystem {
  private readonly retrier: Retrier;
  /** Open handles by their file's path, so events name a renamed file by its new name. */
  private readonly handles = new Map<string, Set<RetryingHandle>>();

  constructor(inner: FileSystem, ctx: RetryContext) {
    super(inner);
    this.retrier = new Retrier(ctx);
  }

  get counters(): Readonly<RetryCounters> {
    return this.retrier.counters;
  }

  protected override wrapHandle(handle: FileHandle, path: string, flags: OpenFlags): FileHandle {
    const wrapped = new RetryingHandle(handle, this.retrier, path, flags === 'a+' || flags === 'ax+', (h) => this.forget(h));
    this.remember(wrapped);
    return wrapped;
  }

  private remember(h: RetryingHandle): void {
    const set = this.handles.get(h.path) ?? new Set<RetryingHandle>();
    set.add(h);
    this.handles.set(h.path, set);
  }

  private forget(h: RetryingHandle): void {
    const set = this.handles.get(h.path);
    set?.delete(h);
    if (set?.size === 0) this.handles.delete(h.path);
  }

  /** Not retried (a rename that happened would fail again with ENOENT); on success the handles open on `from` now go by `to`. */
  override async rename(from: string, to: string): Promise<void> {
    await this.inner.rename(from, to);
    const moved = this.handles.get(from);
    if (moved === undefined || from === to) return;
    this.handles.delete(from);
    for (const h of moved) {
      h.path = to;
      this.remember(h);
    }
  }

  override async open(path: string, flags: OpenFlags): Promise<FileHandle> {
    // An exclusive create that failed may still have created the file: a retry would get EEXIST.
    if (flags === 'wx+' || flags === 'ax+') return super.open(path, flags);
    const handle = await this.retrier.run('open', path, () => this.inner.open(path, flags));
    return this.wrapHandle(handle, path, flags);
  }
  override readdir(path: string): Promise<string[]> {
    return this.retrier.run('readdir', path, () => this.inner.readdir(path));
  }
  override stat(path: string): Promise<FileStat> {
    return this.retrier.run('stat', path, () => this.inner.stat(path));
  }
  override mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    if (options?.recursive !== true) return this.inner.mkdir(path, options);
    return this.retrier.run('mkdir', path, () => this.inner.mkdir(path, options));
  }
}
