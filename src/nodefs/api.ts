/**
 * node:fs's calls with node:fs's arguments: each method takes what the caller
 * passed (paths, flags, options objects or encoding strings, buffers with
 * offsets) and returns a promise of what node's promise API resolves with.
 * The promise API, the callback API and FileHandle all call these, so the
 * argument rules are written once. Keys node does not define in an options
 * object are not read (as node:fs does not); every key it defines is honoured
 * or refused with ENOTSUP.
 */
import { Buffer } from 'node:buffer';
import {
  booleanArg,
  bufferArg,
  dataArg,
  encodingArg,
  fdArg,
  integerArg,
  modeArg,
  optionsArg,
  pathArg,
  positionArg,
  rangeArg,
  signalArg,
  type ResolvedPath,
} from './args.js';
import { constants as C } from './constants.js';
import type { NodeFsCore } from './core.js';
import { abortError, invalidArg, notSupported } from './errors.js';
import { parseOpenFlags } from './flags.js';
import type { Dirent, Stats } from './stats.js';

/** Something that stands for an open descriptor: the facade's FileHandle. */
export interface HasFd {
  readonly fd: number;
}

export function isHandle(value: unknown): value is HasFd {
  return typeof value === 'object' && value !== null && HANDLES.has(value);
}

/** The facade's FileHandles (registered by their constructor), told apart from look-alikes. */
export const HANDLES = new WeakSet<object>();

export class NodeFsApi {
  constructor(
    readonly core: NodeFsCore,
    readonly cwd: string,
  ) {}

  path(value: unknown, what = 'path'): ResolvedPath {
    return pathArg(value, this.cwd, what);
  }

  // ---- descriptors ---------------------------------------------------------------

  open(path: unknown, flags: unknown, mode: unknown): Promise<number> {
    const p = this.path(path);
    const m = parseOpenFlags(flags, 'r');
    modeArg(mode, 'open');
    return this.core.open(p, m);
  }

  close(fd: unknown): Promise<void> {
    return this.core.close(fdArg(fd, 'close'));
  }

  /** read(fd, buffer, offset, length, position) | read(fd, buffer, options) | read(fd, options) | read(fd). */
  async read(
    fd: unknown,
    bufferOrOptions: unknown,
    offset: unknown,
    length: unknown,
    position: unknown,
  ): Promise<{ bytesRead: number; buffer: Uint8Array }> {
    const n = fdArg(fd, 'read');
    let buffer: Uint8Array;
    let o = offset;
    let l = length;
    let p = position;
    if (ArrayBuffer.isView(bufferOrOptions)) {
      buffer = bufferOrOptions as Uint8Array;
      if (typeof offset === 'object' && offset !== null) ({ offset: o, length: l, position: p } = offset as Record<string, unknown>);
    } else if (bufferOrOptions === undefined || (typeof bufferOrOptions === 'object' && bufferOrOptions !== null)) {
      const opts = (bufferOrOptions ?? {}) as Record<string, unknown>;
      buffer = opts['buffer'] === undefined ? Buffer.alloc(16_384) : (opts['buffer'] as Uint8Array);
      ({ offset: o, length: l, position: p } = opts);
    } else {
      throw invalidArg('read: the second argument must be a buffer or an options object');
    }
    const bytes = bufferArg(buffer, 'read');
    const range = rangeArg(o, l, bytes.length, 'read');
    const bytesRead = await this.core.read(n, bytes.subarray(range.offset, range.offset + range.length), positionArg(p, 'read position'));
    return { bytesRead, buffer };
  }

  /** write(fd, buffer, offset?, length?, position?) | write(fd, buffer, options) | write(fd, string, position?, encoding?). */
  async write<T>(fd: unknown, data: T, a: unknown, b: unknown, c: unknown): Promise<{ bytesWritten: number; buffer: T }> {
    const n = fdArg(fd, 'write');
    let bytes: Uint8Array;
    let position: number | null;
    if (typeof data === 'string') {
      const encoding = encodingArg(b, 'write');
      bytes = dataArg(data, encoding, 'write');
      position = positionArg(a, 'write position');
    } else {
      const view = bufferArg(data, 'write');
      let o = a;
      let l = b;
      let p = c;
      if (typeof a === 'object' && a !== null) ({ offset: o, length: l, position: p } = a as Record<string, unknown>);
      const range = rangeArg(o, l, view.length, 'write');
      bytes = view.subarray(range.offset, range.offset + range.length);
      position = positionArg(p, 'write position');
    }
    const bytesWritten = await this.core.write(n, bytes, position);
    return { bytesWritten, buffer: data };
  }

  fsync(fd: unknown): Promise<void> {
    return this.core.fsync(fdArg(fd, 'fsync'), 'fsync');
  }

  fdatasync(fd: unknown): Promise<void> {
    return this.core.fsync(fdArg(fd, 'fdatasync'), 'fdatasync');
  }

  fstat(fd: unknown, options: unknown): Promise<Stats> {
    this.refuseBigint(options, 'fstat');
    return this.core.fstat(fdArg(fd, 'fstat'));
  }

  ftruncate(fd: unknown, length: unknown): Promise<void> {
    return this.core.ftruncate(fdArg(fd, 'ftruncate'), integerArg(length, 'ftruncate length', 0));
  }

  // ---- whole files ---------------------------------------------------------------

  /** readFile(path | fd | FileHandle, options | encoding). A descriptor is read from its position and left open. */
  async readFile(target: unknown, options: unknown): Promise<string | Buffer> {
    const opts = optionsArg(options, 'readFile');
    const encoding = encodingArg(opts['encoding'], 'readFile');
    const signal = signalArg(opts['signal'], 'readFile');
    if (signal?.aborted === true) throw abortError(signal);
    const decode = (b: Buffer): string | Buffer => (encoding === undefined || encoding === 'buffer' ? b : b.toString(encoding));
    const fd = this.descriptorOf(target);
    if (fd !== undefined) return decode(await this.core.readToEnd(fd, null, signal));
    const mode = parseOpenFlags(opts['flag'], 'r');
    return decode(await this.core.withFile(this.path(target), mode, (f) => this.core.readToEnd(f, 0, signal)));
  }

  /** writeFile / appendFile (path | fd | FileHandle, data, options | encoding): flush fsyncs before it resolves. */
  async writeFile(target: unknown, data: unknown, options: unknown, defaultFlag: 'w' | 'a', call: string): Promise<void> {
    const opts = optionsArg(options, call);
    const encoding = encodingArg(opts['encoding'], call);
    modeArg(opts['mode'], call);
    const flush = booleanArg(opts['flush'], `${call} flush`, false);
    const signal = signalArg(opts['signal'], call);
    if (signal?.aborted === true) throw abortError(signal);
    if (typeof data !== 'string' && !ArrayBuffer.isView(data)) {
      if (data !== null && typeof data === 'object' && (Symbol.iterator in data || Symbol.asyncIterator in data))
        throw notSupported(call, 'data from an iterable or a stream (pass a string or a Buffer)');
    }
    const bytes = dataArg(data, encoding, call);
    const body = async (fd: number): Promise<void> => {
      await this.core.writeAll(fd, bytes, signal);
      if (flush) await this.core.fsync(fd, 'fsync');
    };
    const fd = this.descriptorOf(target);
    if (fd !== undefined) return body(fd);
    return this.core.withFile(this.path(target), parseOpenFlags(opts['flag'], defaultFlag), body);
  }

  truncate(path: unknown, length: unknown): Promise<void> {
    if (typeof path === 'number') return this.ftruncate(path, length);
    const len = integerArg(length, 'truncate length', 0);
    return this.core.withFile(this.path(path), parseOpenFlags('r+', 'r+'), (fd) => this.core.ftruncate(fd, len));
  }

  private descriptorOf(target: unknown): number | undefined {
    if (typeof target === 'number') return fdArg(target, 'descriptor');
    if (isHandle(target)) return target.fd;
    return undefined;
  }

  // ---- paths ---------------------------------------------------------------------

  stat(path: unknown, options: unknown, syscall: 'stat' | 'lstat'): Promise<Stats> {
    this.refuseBigint(options, syscall);
    // The port has no symlinks: lstat is stat.
    return this.core.stat(this.path(path), syscall);
  }

  private refuseBigint(options: unknown, call: string): void {
    const opts = optionsArg(options, call);
    if (booleanArg(opts['bigint'], `${call} bigint`, false)) throw notSupported(call, 'bigint stats');
  }

  access(path: unknown, mode: unknown): Promise<void> {
    const m = integerArg(mode ?? C.F_OK, 'access mode', 0);
    if ((m & ~(C.R_OK | C.W_OK | C.X_OK)) !== 0) throw invalidArg(`access: mode ${m} is not a mask of F_OK, R_OK, W_OK, X_OK`);
    return this.core.access(this.path(path), m);
  }

  async realpath(path: unknown, options: unknown): Promise<string | Buffer> {
    const encoding = encodingArg(optionsArg(options, 'realpath')['encoding'], 'realpath');
    const real = await this.core.realpath(this.path(path));
    return encoding === 'buffer' ? Buffer.from(real, 'utf8') : encoding === undefined ? real : Buffer.from(real, 'utf8').toString(encoding);
  }

  readdir(path: unknown, options: unknown): Promise<(string | Buffer | Dirent)[]> {
    const opts = optionsArg(options, 'readdir');
    if (booleanArg(opts['recursive'], 'readdir recursive', false)) throw notSupported('readdir', 'the recursive option');
    const withFileTypes = booleanArg(opts['withFileTypes'], 'readdir withFileTypes', false);
    return this.core.readdir(this.path(path), withFileTypes, encodingArg(opts['encoding'], 'readdir'));
  }

  mkdir(path: unknown, options: unknown): Promise<string | undefined> {
    const opts = typeof options === 'number' || typeof options === 'string' ? { mode: options } : optionsArg(options, 'mkdir');
    modeArg(opts['mode'], 'mkdir');
    return this.core.mkdir(this.path(path), booleanArg(opts['recursive'], 'mkdir recursive', false));
  }

  rename(from: unknown, to: unknown): Promise<void> {
    return this.core.rename(this.path(from, 'oldPath'), this.path(to, 'newPath'));
  }

  unlink(path: unknown): Promise<void> {
    return this.core.unlink(this.path(path));
  }

  rmdir(path: unknown, options: unknown): Promise<void> {
    const opts = optionsArg(options, 'rmdir');
    if (booleanArg(opts['recursive'], 'rmdir recursive', false))
      throw notSupported('rmdir', 'the recursive option (deprecated in node:fs; use rm)');
    // node:fs reads maxRetries and retryDelay only with recursive: checked, without effect.
    integerArg(opts['maxRetries'], 'rmdir maxRetries', 0);
    integerArg(opts['retryDelay'], 'rmdir retryDelay', 100);
    return this.core.rmdir(this.path(path));
  }

  rm(path: unknown, options: unknown): Promise<void> {
    const opts = optionsArg(options, 'rm');
    const recursive = booleanArg(opts['recursive'], 'rm recursive', false);
    const force = booleanArg(opts['force'], 'rm force', false);
    if (integerArg(opts['maxRetries'], 'rm maxRetries', 0) > 0)
      throw notSupported('rm', 'maxRetries (retrying needs timers; the port never answers EBUSY)');
    integerArg(opts['retryDelay'], 'rm retryDelay', 100);
    return this.core.rm(this.path(path), recursive, force);
  }
}
