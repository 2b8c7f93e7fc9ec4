/**
 * Errors as data: every error faultline itself raises is a WalError with a
 * stable string `code`. Errors that come from a filesystem port keep their
 * Node-style code (ENOENT, EIO, ...) and are wrapped only when faultline adds
 * meaning to them; the original is kept as `cause`.
 */

export const WAL_ERROR_CODES = {
  /** An argument or option is invalid (bad path, bad option value, bad CLI usage). */
  EINVAL: 'invalid argument or option',
  /** The log is damaged in a way the chosen recovery mode refuses. */
  ECORRUPT: 'log corruption',
  /** The bounded queue is full (policy reject) or stayed full past the wait timeout. */
  EBACKPRESSURE: 'append queue full',
  /** The disk is full; the append was rolled back and not written. */
  ENOSPC: 'no space left on device',
  /** An I/O error (read error during recovery, failed write). */
  EIO: 'input/output error',
  /** A record is larger than the configured maximum. */
  ETOOLARGE: 'record too large',
  /** The log is closed. */
  ECLOSED: 'log is closed',
  /** The log stopped after a failed fsync: nothing more is acknowledged until it is reopened. */
  EFAILSTOP: 'log stopped after a failed sync',
  /** The log went read-only after a rollback it could not complete. */
  EREADONLY: 'log is read-only',
  /** A wait (backpressure, liveness bound) ran out of time. */
  ETIMEOUT: 'timed out',
  /** A plugin module could not be loaded or does not export a WalPlugin. */
  EPLUGIN: 'plugin cannot be loaded',
  /** A plugin broke the plugin contract's shape (not a recovery rule), e.g. threw synchronously. */
  ECONTRACT: 'plugin contract violated',
  /** The simulator was asked for something it cannot do (a bound was exceeded). */
  ESIM: 'simulator error',
  /** The process crashed in the simulator (the crash fault): every later call fails. */
  ECRASHED: 'simulated power loss',
  /** An invariant of faultline's own code broke (a bug in faultline, not bad input): see src/assert.ts. */
  EASSERT: 'internal invariant broken',
  /** A check was stopped by its AbortSignal (e.g. a test runner's timeout): it reports neither a pass nor a failure. */
  EABORTED: 'check aborted',
  /** A store transaction was open longer than its timeout: it was aborted and nothing of it is applied (contract section 5). */
  ETIMEDOUT: 'transaction timed out',
  /** A store refused a commit to keep transactions serializable (a read it made is stale): nothing of it is applied. */
  ECONFLICT: 'transaction conflict',
  /** A transaction was used after it ended (committed, aborted, timed out), or changed after its fn resolved. */
  ETXNENDED: 'transaction already ended',
  /** A call or feature this implementation does not offer (it is named in the message); never a silent no-op. */
  ENOTSUP: 'operation not supported',
  /** A transient I/O error (EAGAIN, EINTR, EBUSY) persisted past the engine's retries (attempts or time ran out); the original is the cause. */
  ETRANSIENT: 'transient I/O error persisted past its retries',
  /** The engine's circuit breaker is open after repeated transient I/O failures: the log is read-only until a probe succeeds. */
  ECIRCUITOPEN: 'log is read-only: circuit breaker open',
} as const;

export type WalErrorCode = keyof typeof WAL_ERROR_CODES;

export interface WalErrorOptions {
  cause?: unknown;
  /** Structured context (segment name, offset, lsn, ...): printed in reports, never parsed from the message. */
  details?: Record<string, unknown>;
}

export class WalError extends Error {
  readonly code: WalErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: WalErrorCode, message: string, options: WalErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WalError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isWalError(err: unknown, code?: WalErrorCode): err is WalError {
  return err instanceof WalError && (code === undefined || err.code === code);
}

/** The Node-style `code` of any error-like value, or undefined. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** An Error with a Node-style code, as node:fs raises them. Used by ports that are not node:fs. */
export function fsError(code: string, syscall: string, path?: string): Error & { code: string } {
  const err = new Error(`${code}: ${syscall}${path === undefined ? '' : ` '${path}'`}`) as Error & {
    code: string;
    syscall: string;
    path?: string;
  };
  err.code = code;
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  return err;
}
