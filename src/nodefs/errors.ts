/**
 * Errors of the facade. What the port raises keeps its Node-style code and
 * becomes an error shaped as node:fs raises it (code, errno, syscall, path,
 * the message "ENOENT: no such file or directory, open 'x'"), with the port's
 * error as `cause`; faultline's own WalErrors (ECRASHED after a simulated power
 * cut, ...) pass unchanged. Bad arguments are WalError EINVAL; a call or an
 * option the facade does not serve is WalError ENOTSUP naming it.
 */
import { getSystemErrorMap } from 'node:util';
import { errorCode, WalError } from '../errors.js';

export interface NodeStyleError extends Error {
  code: string;
  errno?: number;
  syscall: string;
  path?: string;
  dest?: string;
}

const SYSTEM_ERRORS = new Map<string, { errno: number; message: string }>();
for (const [errno, [name, message]] of getSystemErrorMap()) SYSTEM_ERRORS.set(name, { errno, message });

/** An error as node:fs raises it for `code` (errno and description from this host's libuv table when it knows the code). */
export function nodeError(code: string, syscall: string, path?: string, dest?: string, cause?: unknown): NodeStyleError {
  const known = SYSTEM_ERRORS.get(code);
  let message = `${code}: ${known?.message ?? 'error'}, ${syscall}`;
  if (path !== undefined) message += ` '${path}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;
  const err = new Error(message, cause === undefined ? undefined : { cause }) as NodeStyleError;
  err.code = code;
  if (known !== undefined) err.errno = known.errno;
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  if (dest !== undefined) err.dest = dest;
  return err;
}

/** A call or option outside what the facade serves: WalError ENOTSUP, the call named first. */
export function notSupported(call: string, why: string): WalError {
  return new WalError('ENOTSUP', `${call}: ${why} (see docs/node-fs.md)`, { details: { call } });
}

export function invalidArg(message: string): WalError {
  return new WalError('EINVAL', message);
}

/**
 * A port's rejection as the facade reports it: WalErrors as they are, an
 * ENOTSUP of the port (a wrapper over a port without an optional member) as
 * WalError ENOTSUP, any other coded error as node:fs would raise it for this
 * call; an error without a code as it is.
 */
export function fromPort(err: unknown, syscall: string, path?: string, dest?: string): unknown {
  if (err instanceof WalError) return err;
  const code = errorCode(err);
  if (code === undefined) return err;
  if (code === 'ENOTSUP') return new WalError('ENOTSUP', `${syscall}: the FileSystem port does not offer it`, { cause: err });
  return nodeError(code, syscall, path, dest, err);
}

/** node's AbortError, as its promise APIs reject when their signal fires. */
export function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}
