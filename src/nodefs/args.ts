/**
 * The facade's argument handling: paths (string, Buffer, file: URL) resolved
 * against the facade's working directory, data to bytes, encodings, modes,
 * offsets and options objects. Bad arguments are WalError EINVAL.
 */
import { Buffer } from 'node:buffer';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidArg } from './errors.js';

export type PathLike = string | Buffer | URL;

/** A path as the caller gave it (for messages and errors) and as the port gets it (absolute, normalised). */
export interface ResolvedPath {
  readonly shown: string;
  readonly port: string;
}

export function pathArg(value: unknown, cwd: string, what = 'path'): ResolvedPath {
  let shown: string;
  if (typeof value === 'string') shown = value;
  else if (Buffer.isBuffer(value)) shown = value.toString('utf8');
  else if (value instanceof URL) {
    if (value.protocol !== 'file:') throw invalidArg(`${what} must be a file: URL, got ${value.protocol}`);
    shown = fileURLToPath(value);
  } else throw invalidArg(`${what} must be a string, a Buffer or a file: URL, got ${typeof value}`);
  if (shown.includes('\0')) throw invalidArg(`${what} must not contain a NUL byte`);
  return { shown, port: shown === '' ? '' : posix.resolve(cwd, shown) };
}

export function encodingArg(value: unknown, what: string): BufferEncoding | 'buffer' | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'buffer') return 'buffer';
  if (typeof value === 'string' && Buffer.isEncoding(value)) return value;
  throw invalidArg(`${what}: unknown encoding ${String(value)}`);
}

/** `options` given as an object, an encoding string, or nothing. */
export function optionsArg(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value === 'string') return { encoding: value };
  if (typeof value === 'object') return value as Record<string, unknown>;
  throw invalidArg(`${what}: options must be an object or an encoding string, got ${typeof value}`);
}

/**
 * A file mode (a number or an octal string). The port has no permission bits,
 * so a mode is checked and not kept: every file reports 0644, every directory 0755.
 */
export function modeArg(value: unknown, what: string): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= 0o7777) return;
  if (typeof value === 'string' && /^[0-7]{1,4}$/.test(value)) return;
  throw invalidArg(`${what}: mode must be an integer 0..0o7777 or an octal string, got ${String(value)}`);
}

export function booleanArg(value: unknown, what: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  throw invalidArg(`${what} must be a boolean, got ${String(value)}`);
}

export function integerArg(value: unknown, what: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= min) return n;
  throw invalidArg(`${what} must be an integer >= ${min}, got ${String(value)}`);
}

/** A file position: null (or undefined, or -1) means the descriptor's current position. */
export function positionArg(value: unknown, what: string): number | null {
  if (value === undefined || value === null || value === -1 || value === -1n) return null;
  return integerArg(value, what, 0);
}

export function signalArg(value: unknown, what: string): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (value instanceof AbortSignal) return value;
  throw invalidArg(`${what}: signal must be an AbortSignal`);
}

/** Bytes to write: strings in `encoding` (default utf8), any ArrayBufferView as a view of its bytes. */
export function dataArg(value: unknown, encoding: BufferEncoding | 'buffer' | undefined, what: string): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, encoding === undefined || encoding === 'buffer' ? 'utf8' : encoding);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw invalidArg(`${what}: data must be a string, a Buffer, a TypedArray or a DataView, got ${typeof value}`);
}

/** A buffer to read into, as a byte view. */
export function bufferArg(value: unknown, what: string): Uint8Array {
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw invalidArg(`${what}: buffer must be a Buffer, a TypedArray or a DataView`);
}

/** offset and length into a buffer of `size` bytes: [offset, offset + length) must lie inside it. */
export function rangeArg(offset: unknown, length: unknown, size: number, what: string): { offset: number; length: number } {
  const o = integerArg(offset, `${what} offset`, 0);
  if (o > size) throw invalidArg(`${what}: offset ${o} is past the buffer's end (${size})`);
  const l = integerArg(length, `${what} length`, size - o);
  if (o + l > size) throw invalidArg(`${what}: offset ${o} + length ${l} is past the buffer's end (${size})`);
  return { offset: o, length: l };
}

export function fdArg(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw invalidArg(`${what}: fd must be a non-negative integer, got ${String(value)}`);
}

/** Encodes a name or path as the caller asked: a string in the encoding, or a Buffer. */
export function encodeName(name: string, encoding: BufferEncoding | 'buffer' | undefined): string | Buffer {
  if (encoding === 'buffer') return Buffer.from(name, 'utf8');
  if (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8') return name;
  return Buffer.from(name, 'utf8').toString(encoding);
}
