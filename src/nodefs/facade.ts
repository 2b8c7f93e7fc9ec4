/**
 * createNodeFs(port): an object shaped like node:fs (the callback API,
 * `promises`, `constants`, the stream factories, Stats and Dirent) over any
 * FileSystem port: the simulator, NodeFileSystem, the fault wrappers. Code
 * written against node:fs runs on it unmodified within the subset
 * docs/node-fs.md lists; every other node:fs call is present and throws
 * WalError ENOTSUP naming itself, never a silent no-op.
 *
 * Synchronous calls (*Sync) are all refused: the port is asynchronous, and the
 * simulator completes an operation only when its scheduler picks it, so no
 * call can return its result before it gives control back.
 */
import { Buffer } from 'node:buffer';
import { posix } from 'node:path';
import type { FileSystem } from '../ports.js';
import { NodeFsApi } from './api.js';
import { constants } from './constants.js';
import { NodeFsCore } from './core.js';
import { invalidArg, notSupported } from './errors.js';
import { FacadeFileHandle } from './file-handle.js';
import { Dirent, Stats } from './stats.js';
import { FacadeReadStream, FacadeWriteStream, type StreamOptions } from './streams.js';

export interface NodeFsOptions {
  /** The directory relative paths are taken against, and the prefix of every absolute path (default '/'). */
  cwd?: string;
}

/** A node:fs-style callback function: its last argument is the callback. */
export type CallbackCall = (...args: unknown[]) => void;

export interface NodeFsPromises {
  access(path: unknown, mode?: number): Promise<void>;
  appendFile(path: unknown, data: unknown, options?: unknown): Promise<void>;
  lstat(path: unknown, options?: unknown): Promise<Stats>;
  mkdir(path: unknown, options?: unknown): Promise<string | undefined>;
  open(path: unknown, flags?: unknown, mode?: unknown): Promise<FacadeFileHandle>;
  readdir(path: unknown, options?: unknown): Promise<(string | Buffer | Dirent)[]>;
  readFile(path: unknown, options?: unknown): Promise<string | Buffer>;
  realpath(path: unknown, options?: unknown): Promise<string | Buffer>;
  rename(oldPath: unknown, newPath: unknown): Promise<void>;
  rm(path: unknown, options?: unknown): Promise<void>;
  rmdir(path: unknown, options?: unknown): Promise<void>;
  stat(path: unknown, options?: unknown): Promise<Stats>;
  truncate(path: unknown, length?: unknown): Promise<void>;
  unlink(path: unknown): Promise<void>;
  writeFile(path: unknown, data: unknown, options?: unknown): Promise<void>;
  readonly constants: typeof constants;
  /** node:fs/promises calls outside the subset: each throws WalError ENOTSUP naming itself. */
  readonly [unsupported: string]: unknown;
}

export interface NodeFs {
  access: CallbackCall;
  appendFile: CallbackCall;
  close: CallbackCall;
  fdatasync: CallbackCall;
  fstat: CallbackCall;
  fsync: CallbackCall;
  ftruncate: CallbackCall;
  lstat: CallbackCall;
  mkdir: CallbackCall;
  open: CallbackCall;
  read: CallbackCall;
  readdir: CallbackCall;
  readFile: CallbackCall;
  realpath: CallbackCall & { native: CallbackCall };
  rename: CallbackCall;
  rm: CallbackCall;
  rmdir: CallbackCall;
  stat: CallbackCall;
  truncate: CallbackCall;
  unlink: CallbackCall;
  write: CallbackCall;
  writeFile: CallbackCall;
  createReadStream(path: unknown, options?: StreamOptions | string): FacadeReadStream;
  createWriteStream(path: unknown, options?: StreamOptions | string): FacadeWriteStream;
  readonly ReadStream: new (path: unknown, options?: StreamOptions | string) => FacadeReadStream;
  readonly WriteStream: new (path: unknown, options?: StreamOptions | string) => FacadeWriteStream;
  readonly Stats: typeof Stats;
  readonly Dirent: typeof Dirent;
  readonly promises: NodeFsPromises;
  readonly constants: typeof constants;
  readonly F_OK: number;
  readonly R_OK: number;
  readonly W_OK: number;
  readonly X_OK: number;
  /** Descriptors open now, lowest first (not a node:fs member: for tests that check a library closes what it opens). */
  readonly openDescriptors: () => number[];
  /** node:fs calls outside the subset (and every *Sync call): each throws WalError ENOTSUP naming itself. */
  readonly [unsupported: string]: unknown;
}

/** The callback API's calls of the subset (each also has a refused *Sync twin). */
export const NODE_FS_CALLS = [
  'access',
  'appendFile',
  'close',
  'fdatasync',
  'fstat',
  'fsync',
  'ftruncate',
  'lstat',
  'mkdir',
  'open',
  'read',
  'readdir',
  'readFile',
  'realpath',
  'rename',
  'rm',
  'rmdir',
  'stat',
  'truncate',
  'unlink',
  'write',
  'writeFile',
] as const;

/** node:fs's other calls: present on the facade, each throwing ENOTSUP (a *Sync twin of each is refused too). */
export const NODE_FS_UNSUPPORTED = [
  'chmod',
  'chown',
  'copyFile',
  'cp',
  'exists',
  'fchmod',
  'fchown',
  'futimes',
  'glob',
  'lchmod',
  'lchown',
  'link',
  'lutimes',
  'mkdtemp',
  'opendir',
  'readlink',
  'readv',
  'statfs',
  'symlink',
  'utimes',
  'writev',
] as const;

/** node:fs calls with no *Sync twin, outside the subset. */
const UNSUPPORTED_ASYNC_ONLY = ['openAsBlob', 'watch', 'watchFile', 'unwatchFile', '_toUnixTimestamp'] as const;

/** node:fs/promises calls outside the subset. */
export const NODE_FS_PROMISES_UNSUPPORTED = [
  'chmod',
  'chown',
  'copyFile',
  'cp',
  'glob',
  'lchmod',
  'lchown',
  'link',
  'lutimes',
  'mkdtemp',
  'opendir',
  'readlink',
  'statfs',
  'symlink',
  'utimes',
  'watch',
] as const;

const SYNC_REASON =
  'synchronous calls are not served: the FileSystem port is asynchronous (the simulator completes each operation only when its scheduler picks it), so no result exists before the call returns';

function refusing(call: string, why: string): (...args: unknown[]) => never {
  return () => {
    throw notSupported(call, why);
  };
}

/** A node-style callback function over a promise-returning body; the callback runs on a later tick, outside the promise chain. */
function callbackCall(
  name: string,
  body: (args: unknown[]) => Promise<unknown>,
  spread: (value: unknown) => unknown[] = (v) => [v],
): CallbackCall {
  return (...args: unknown[]): void => {
    const callback = args[args.length - 1];
    if (typeof callback !== 'function') throw invalidArg(`${name}: the last argument must be a callback function`);
    const done = callback as (...results: unknown[]) => void;
    let pending: Promise<unknown>;
    try {
      pending = body(args.slice(0, -1));
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (value) => process.nextTick(() => done(null, ...spread(value))),
      (err: unknown) => process.nextTick(() => done(err)),
    );
  };
}

const none = (): unknown[] => [];

export function createNodeFs(port: FileSystem, options: NodeFsOptions = {}): NodeFs {
  if (typeof port !== 'object' || port === null || typeof port.open !== 'function' || typeof port.stat !== 'function')
    throw invalidArg('createNodeFs needs a FileSystem port');
  const cwd = options.cwd ?? '/';
  if (typeof cwd !== 'string' || !posix.isAbsolute(cwd))
    throw invalidArg(`createNodeFs: cwd must be an absolute POSIX path, got ${String(cwd)}`);
  const core = new NodeFsCore(port);
  const api = new NodeFsApi(core, posix.normalize(cwd));

  // Every promise call is async: a bad argument rejects, as node:fs/promises does, instead of throwing.
  const promises: Record<string, unknown> = {
    access: async (path: unknown, mode?: unknown) => api.access(path, mode),
    appendFile: async (path: unknown, data: unknown, opts?: unknown) => api.writeFile(path, data, opts, 'a', 'appendFile'),
    lstat: async (path: unknown, opts?: unknown) => api.stat(path, opts, 'lstat'),
    mkdir: async (path: unknown, opts?: unknown) => api.mkdir(path, opts),
    open: async (path: unknown, flags?: unknown, mode?: unknown) => new FacadeFileHandle(api, await api.open(path, flags, mode)),
    readdir: async (path: unknown, opts?: unknown) => api.readdir(path, opts),
    readFile: async (path: unknown, opts?: unknown) => api.readFile(path, opts),
    realpath: async (path: unknown, opts?: unknown) => api.realpath(path, opts),
    rename: async (from: unknown, to: unknown) => api.rename(from, to),
    rm: async (path: unknown, opts?: unknown) => api.rm(path, opts),
    rmdir: async (path: unknown, opts?: unknown) => api.rmdir(path, opts),
    stat: async (path: unknown, opts?: unknown) => api.stat(path, opts, 'stat'),
    truncate: async (path: unknown, length?: unknown) => api.truncate(path, length),
    unlink: async (path: unknown) => api.unlink(path),
    writeFile: async (path: unknown, data: unknown, opts?: unknown) => api.writeFile(path, data, opts, 'w', 'writeFile'),
    constants,
  };
  for (const name of NODE_FS_PROMISES_UNSUPPORTED) promises[name] = refusing(`promises.${name}`, 'not in the facade’s subset of node:fs');

  const realpath = callbackCall('realpath', ([p, o]) => api.realpath(p, o)) as CallbackCall & { native: CallbackCall };
  realpath.native = callbackCall('realpath.native', ([p, o]) => api.realpath(p, o));

  const fs: Record<string, unknown> = {
    access: callbackCall('access', ([p, m]) => api.access(p, m), none),
    appendFile: callbackCall('appendFile', ([p, d, o]) => api.writeFile(p, d, o, 'a', 'appendFile'), none),
    close: (...args: unknown[]): void => {
      // The callback is optional, as in node:fs; without one a failed close is thrown on a later tick, never dropped.
      const last = args[args.length - 1];
      const cb = typeof last === 'function' ? (last as (err: unknown) => void) : undefined;
      const fd = args[0];
      let pending: Promise<void>;
      try {
        pending = api.close(fd);
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.then(
        () => process.nextTick(() => cb?.(null)),
        (err: unknown) =>
          process.nextTick(() => {
            if (cb === undefined) throw err;
            cb(err);
          }),
      );
    },
    fdatasync: callbackCall('fdatasync', ([fd]) => api.fdatasync(fd), none),
    fstat: callbackCall('fstat', ([fd, o]) => api.fstat(fd, o)),
    fsync: callbackCall('fsync', ([fd]) => api.fsync(fd), none),
    ftruncate: callbackCall('ftruncate', ([fd, l]) => api.ftruncate(fd, l), none),
    lstat: callbackCall('lstat', ([p, o]) => api.stat(p, o, 'lstat')),
    mkdir: (...args: unknown[]): void => {
      // node:fs calls back with the first directory made only for a recursive mkdir.
      const o = args.length > 2 ? args[1] : undefined;
      const recursive = typeof o === 'object' && o !== null && (o as { recursive?: unknown }).recursive === true;
      callbackCall('mkdir', ([p, opts]) => api.mkdir(p, opts), recursive ? undefined : none)(...args);
    },
    open: callbackCall('open', ([p, f, m]) => api.open(p, f, m)),
    read: callbackCall(
      'read',
      ([fd, b, o, l, pos]) => api.read(fd, b, o, l, pos),
      (r) => {
        const { bytesRead, buffer } = r as { bytesRead: number; buffer: Uint8Array };
        return [bytesRead, buffer];
      },
    ),
    readdir: callbackCall('readdir', ([p, o]) => api.readdir(p, o)),
    readFile: callbackCall('readFile', ([p, o]) => api.readFile(p, o)),
    realpath,
    rename: callbackCall('rename', ([a, b]) => api.rename(a, b), none),
    rm: callbackCall('rm', ([p, o]) => api.rm(p, o), none),
    rmdir: callbackCall('rmdir', ([p, o]) => api.rmdir(p, o), none),
    stat: callbackCall('stat', ([p, o]) => api.stat(p, o, 'stat')),
    truncate: callbackCall('truncate', ([p, l]) => api.truncate(p, l), none),
    unlink: callbackCall('unlink', ([p]) => api.unlink(p), none),
    write: callbackCall(
      'write',
      ([fd, d, a, b, c]) => api.write(fd, d, a, b, c),
      (r) => {
        const { bytesWritten, buffer } = r as { bytesWritten: number; buffer: unknown };
        return [bytesWritten, buffer];
      },
    ),
    writeFile: callbackCall('writeFile', ([p, d, o]) => api.writeFile(p, d, o, 'w', 'writeFile'), none),
    createReadStream: (path: unknown, opts?: StreamOptions | string) => new FacadeReadStream(api, path, opts),
    createWriteStream: (path: unknown, opts?: StreamOptions | string) => new FacadeWriteStream(api, path, opts),
    ReadStream: class ReadStream extends FacadeReadStream {
      constructor(path: unknown, opts?: StreamOptions | string) {
        super(api, path, opts);
      }
    },
    WriteStream: class WriteStream extends FacadeWriteStream {
      constructor(path: unknown, opts?: StreamOptions | string) {
        super(api, path, opts);
      }
    },
    Stats,
    Dirent,
    promises,
    constants,
    F_OK: constants.F_OK,
    R_OK: constants.R_OK,
    W_OK: constants.W_OK,
    X_OK: constants.X_OK,
    openDescriptors: () => core.openDescriptors,
  };
  fs['FileReadStream'] = fs['ReadStream'];
  fs['FileWriteStream'] = fs['WriteStream'];
  fs['Dir'] = refusing('Dir', 'directory streams (opendir) are not in the facade’s subset of node:fs');
  for (const name of NODE_FS_UNSUPPORTED) fs[name] = refusing(name, 'not in the facade’s subset of node:fs');
  for (const name of UNSUPPORTED_ASYNC_ONLY) fs[name] = refusing(name, 'not in the facade’s subset of node:fs');
  for (const name of [...NODE_FS_CALLS, ...NODE_FS_UNSUPPORTED, 'opendir']) fs[`${name}Sync`] = refusing(`${name}Sync`, SYNC_REASON);
  const realpathSync = refusing('realpathSync', SYNC_REASON) as ((...args: unknown[]) => never) & { native?: unknown };
  realpathSync.native = refusing('realpathSync.native', SYNC_REASON);
  fs['realpathSync'] = realpathSync;
  return fs as unknown as NodeFs;
}
