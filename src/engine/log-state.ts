/**
 * The writer's state and the error each call gets in it. A log starts open
 * and a failure moves it on, never back (reopening the log is the way back):
 *
 * - failStopped: a sync/datasync/syncDir failed. Nothing after it is
 *   acknowledged, it is never retried, every queued and later call rejects
 *   with EFAILSTOP.
 * - readOnly: a write failed and truncating it away failed too. Appends
 *   reject with EREADONLY; sync() and truncatePrefix() still work.
 * - closed: close() finished. From the moment close() begins (`closing`)
 *   nothing new is admitted and appends reject with ECLOSED.
 *
 * Beside the status, a circuit breaker (src/engine/circuit-breaker.ts) may
 * make an open log read-only for a while: while it is open, appends, sync(),
 * truncatePrefix() and backups reject with ECIRCUITOPEN and what is queued is
 * rejected, unwritten; the status stays 'open', and the log takes appends
 * again once the breaker's probe succeeded.
 *
 * Entering failStopped or readOnly rejects everything queued at once and
 * reports one error event to the logger. Also here: how a failure of the
 * filesystem maps to the error a batch gets (writeErrorCode, errorFor).
 */
import { present } from '../assert.js';
import { errorCode, WalError, type WalErrorCode } from '../errors.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { WalLogger } from './logger.js';

export type WriterStatus = 'open' | 'readOnly' | 'failStopped' | 'closed';

/** The code a batch gets for a failed write: the filesystem's ENOSPC, or EIO for anything else. */
export function writeErrorCode(err: unknown): WalErrorCode {
  if (err instanceof WalError) return err.code;
  return errorCode(err) === 'ENOSPC' ? 'ENOSPC' : 'EIO';
}

/** The error a batch gets when its write at `offset` of `segment` failed (the batch is rolled back). */
export function writeFailure(err: unknown, segment: string, offset: number): WalError {
  return new WalError(writeErrorCode(err), `write to ${segment} failed (${errorCode(err) ?? 'error'}); the batch was rolled back`, {
    cause: err,
    details: { segment, offset },
  });
}

/** The filesystem's own code under faultline's wrapping (a WalError's cause chain, a few levels at most). */
export function ioErrorCode(err: unknown): string | undefined {
  let e = err;
  for (let depth = 0; depth < 4 && e instanceof WalError && e.cause !== undefined; depth++) e = e.cause;
  return errorCode(e);
}

/** The message of anything thrown: its `message` when it has one, else the value itself, as text. */
export function messageOf(err: unknown): string {
  const message = (typeof err === 'object' || typeof err === 'function') && err !== null && 'message' in err ? err.message : undefined;
  return String(message ?? err);
}

/** A failed sync-like call, raised by src/engine/segments.ts as EFAILSTOP: the log must stop. */
export function isSyncFailure(err: unknown): err is WalError {
  return err instanceof WalError && err.code === 'EFAILSTOP';
}

export class LogState {
  private current: WriterStatus = 'open';
  private closeBegun = false;
  /** Set when the log fail-stops or turns read-only; kept after close. */
  private error: WalError | undefined;

  constructor(
    private readonly dir: string,
    private readonly logger: WalLogger,
    /** Rejects every append queued or waiting for admission with the failure. */
    private readonly rejectQueued: (failure: WalError) => void,
    /** The I/O layer's circuit breaker, when there is one. */
    private readonly breaker?: CircuitBreaker,
  ) {
    breaker?.onOpen((refusal) => {
      if (this.current === 'open') this.rejectQueued(refusal);
    });
  }

  get status(): WriterStatus {
    return this.current;
  }
  /** close() has begun: nothing new is admitted. */
  get closing(): boolean {
    return this.closeBegun;
  }
  /** Open and not closing: appends are admitted and background work may start. */
  get accepting(): boolean {
    return this.current === 'open' && !this.closeBegun;
  }

  /** The error of a fail-stopped or read-only log: the one its appends get. */
  get failure(): WalError {
    return present(this.error, 'a fail-stopped or read-only log keeps the error that stopped it', { status: this.current });
  }

  /** Why an append is refused now, or undefined. */
  refusal(): WalError | undefined {
    if (this.current === 'failStopped' || this.current === 'readOnly') return this.failure;
    if (this.current === 'closed' || this.closeBegun) return new WalError('ECLOSED', 'the log is closed');
    return this.breaker?.refusal();
  }

  /** Why a batch taken from the queue is not written, or undefined while the log is open. */
  batchRefusal(): WalError | undefined {
    return this.current === 'open' ? this.breaker?.refusal() : (this.error ?? new WalError('ECLOSED', 'the log is closed'));
  }

  /** sync() and truncatePrefix() work while open or read-only, and the circuit breaker is not open; otherwise this throws their error. */
  checkUsable(): void {
    if (this.current === 'closed') throw new WalError('ECLOSED', 'the log is closed');
    if (this.current === 'failStopped') throw this.failure;
    const refused = this.breaker?.refusal();
    if (refused !== undefined) throw refused;
  }

  beginClose(): void {
    this.closeBegun = true;
  }

  markClosed(): void {
    this.current = 'closed';
  }

  /** Stops the log for good: every queued and later append rejects with EFAILSTOP. Returns that error. */
  failStop(cause: unknown): WalError {
    if (this.current === 'failStopped') return this.failure;
    const failure = isSyncFailure(cause)
      ? cause
      : new WalError('EFAILSTOP', 'the log stopped after a failed sync; reopen it to recover', { cause });
    this.current = 'failStopped';
    this.error = failure;
    this.rejectQueued(failure);
    this.logger.error(
      { dir: this.dir, code: ioErrorCode(cause), err: messageOf(cause) },
      'sync failed: the log stopped (fail-stop); reopen it to recover',
    );
    return failure;
  }

  /** Rolling back a failed write in `segment` failed (`cause`): later appends reject with EREADONLY. */
  readOnly(cause: unknown, segment: string, offset: number): void {
    const failure = new WalError('EREADONLY', `the log is read-only: rolling back a failed write in ${segment} failed`, {
      cause,
      details: { segment, offset },
    });
    this.current = 'readOnly';
    this.error = failure;
    this.rejectQueued(failure);
    this.logger.error(
      { dir: this.dir, segment, offset, code: errorCode(cause) },
      'rolling back a failed write failed: the log is read-only',
    );
  }

  /** A sync failure stops the log and becomes its failure; any other error is returned as it is. */
  escalate(err: unknown): unknown {
    return isSyncFailure(err) ? this.failStop(err) : err;
  }

  /** The error a batch gets when `what` (rotation) failed under it; a sync failure stops the log. */
  errorFor(err: unknown, what: string): WalError {
    if (isSyncFailure(err)) return this.failStop(err);
    if (err instanceof WalError) return err;
    return new WalError(writeErrorCode(err), `${what} failed: ${messageOf(err)}`, { cause: err });
  }
}
