/**
 * The circuit breaker over the engine's reads and writes
 * (src/engine/retrying-fs.ts tells it how each one ended). Closed:
 * everything goes through, and every read or write that succeeds resets the
 * count of consecutive failures; one that still fails with a transient error
 * after all its retries adds one. At `failureThreshold` consecutive failures it opens: the log is
 * read-only (appends, transactions, sync, truncatePrefix and backups reject
 * with ECIRCUITOPEN, and everything queued is rejected at once, unwritten).
 * After `coolDownMs` on the injected clock it half-opens: calls are admitted
 * again, and the first read or write to end is the probe: a success closes the
 * breaker, another exhausted transient failure opens it for a new cool-down.
 *
 * Only transient failures (EAGAIN, EINTR, EBUSY after their retries) count:
 * a failed fsync keeps stopping the log (EFAILSTOP), and ENOSPC or EIO keep
 * their rollback, exactly as without the breaker. The open → half-open move
 * happens when the state is next looked at (no timer), so it is deterministic
 * on the simulated clock.
 */
import { WalError } from '../errors.js';
import type { WalLogger } from './logger.js';
import type { ResolvedBreaker } from './retry-policy.js';

export type BreakerState = 'closed' | 'open' | 'halfOpen';

export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'halfOpen'];

/** What the breaker is told about a failed operation: where, and the error it gave up with. */
export interface OperationFailure {
  /** The file or directory, relative to the log's filesystem (its basename names the segment). */
  path: string;
  syscall: string;
  error: WalError;
}

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private consecutive = 0;
  private openedAt = 0;
  private lastFailure: OperationFailure | undefined;
  private openCount = 0;
  private readonly listeners: ((refusal: WalError) => void)[] = [];

  constructor(
    private readonly policy: ResolvedBreaker,
    private readonly now: () => number,
    private readonly logger: WalLogger,
    private readonly dir: string,
  ) {}

  /** The state now (an open breaker whose cool-down has passed is half-open from here on). */
  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.policy.coolDownMs) {
      this.current = 'halfOpen';
      this.logger.info({ dir: this.dir, coolDownMs: this.policy.coolDownMs }, 'circuit breaker half-open: the next operation is its probe');
    }
    return this.current;
  }

  /** How often it opened (closed → open and half-open → open). */
  get opens(): number {
    return this.openCount;
  }

  /** Consecutive operations that failed after their retries, since the last success. */
  get consecutiveFailures(): number {
    return this.consecutive;
  }

  /** Called with the refusal each time the breaker opens (the writer rejects what is queued). */
  onOpen(listener: (refusal: WalError) => void): void {
    this.listeners.push(listener);
  }

  /** An operation succeeded (after retries or not). */
  succeeded(path: string): void {
    this.consecutive = 0;
    if (this.state === 'halfOpen') {
      this.current = 'closed';
      this.logger.info({ dir: this.dir, segment: segmentOf(path) }, 'circuit breaker closed: the probe succeeded');
    }
  }

  /** An operation failed with a transient error after all its retries. */
  failed(failure: OperationFailure): void {
    this.consecutive += 1;
    this.lastFailure = failure;
    const state = this.state;
    if (state === 'halfOpen' || (state === 'closed' && this.consecutive >= this.policy.failureThreshold)) this.open(state);
  }

  /** The error a call gets while the breaker is open; undefined when closed or half-open. */
  refusal(): WalError | undefined {
    if (this.state !== 'open') return undefined;
    const last = this.lastFailure;
    const reopensIn = Math.max(0, this.openedAt + this.policy.coolDownMs - this.now());
    const lastCode = last?.error.details.code;
    return new WalError(
      'ECIRCUITOPEN',
      `the log is read-only: its circuit breaker opened after ${this.consecutive} consecutive operations failed with transient errors` +
        `${last === undefined ? '' : ` (last: ${String(lastCode)} on ${last.syscall} of ${last.path})`}; it lets a probe through in ${reopensIn} ms`,
      { cause: last?.error, details: { consecutiveFailures: this.consecutive, reopensInMs: reopensIn, segment: segmentOf(last?.path) } },
    );
  }

  private open(from: BreakerState): void {
    this.current = 'open';
    this.openedAt = this.now();
    this.openCount += 1;
    const last = this.lastFailure;
    this.logger.error(
      {
        dir: this.dir,
        segment: segmentOf(last?.path),
        syscall: last?.syscall,
        code: last?.error.details.code,
        consecutiveFailures: this.consecutive,
        coolDownMs: this.policy.coolDownMs,
        from,
      },
      from === 'halfOpen'
        ? 'circuit breaker reopened: its probe failed; the log is read-only'
        : 'circuit breaker opened after repeated transient I/O failures; the log is read-only',
    );
    const refusal = this.refusal();
    if (refusal !== undefined) for (const listener of this.listeners) listener(refusal);
  }
}

/** The segment (file name) of a path, for log context; undefined without one. */
export function segmentOf(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const slash = path.lastIndexOf('/');
  return slash === -1 ? path : path.slice(slash + 1);
}
