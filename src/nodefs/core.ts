/**
 * The facade's engine: the descriptor table and every call of the subset, as
 * promises over the FileSystem port. The promise API, the FileHandles, the
 * callback API and the streams are thin layers over this, so whichever style
 * a library uses, the port sees the same calls in the same order.
 *
 * Descriptors are small integers from 3 up (0-2 are never handed out), the
 * lowest free one first, as POSIX does. Each descriptor has its own position:
 * reads and writes without a position use and advance it one at a time; with a
 * position they leave it alone (pread/pwrite). A directory opened for reading
 * is a descriptor without a port handle: fsync and fdatasync on it are the
 * port's syncDir of its path.
 */
import { Buffer } from 'node:buffer';
import { posix } from 'node:path';
import { errorCode } from '../errors.js';
import type { FileHandle, FileSystem } from '../ports.js';
import { encodeName, type ResolvedPath } from './args.js';
import { constants as C } from './constants.js';
import { abortError, fromPort, nodeError, notSupported } from './errors.js';
import { portOpenFor, type OpenMode } from './flags.js';
import { Dirent, Stats } from './stats.js';

/** Descriptors open at once before open is EMFILE. */
export const MAX_DESCRIPTORS = 65_536;
const FIRST_DESCRIPTOR = 3;
/** Read size once a file is read past the size it reported. */
const READ_CHUNK = 64 * 1024;

interface OpenFile {
  readonly fd: number;
  readonly path: ResolvedPath;
  /** undefined: a directory (opened for reading, for its fsync). */
  readonly handle: FileHandle | undefined;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly append: boolean;
  readonly syncWrites: OpenMode['sync'];
  position: number;
  /** After an append the position is the end of the file: learnt (fstat) before the next read at the position. */
  positionAtEnd: boolean;
  /** Calls at the descriptor's position run one after another. */
  queue: Promise<unknown>;
}

export class NodeFsCore {
  private readonly files = new Map<number, OpenFile>();

  constructor(readonly port: FileSystem) {}

  /** Descriptors open now (for tests and leak checks). */
  get openDescriptors(): number[] {
    return [...this.files.keys()].sort((a, b) => a - b);
  }

  private async call<T>(syscall: string, path: ResolvedPath | undefined, body: () => Promise<T>, dest?: ResolvedPath): Promise<T> {
    try {
      return await body();
    } catch (err) {
      throw fromPort(err, syscall, path?.shown, dest?.shown);
    }
  }

  private entry(fd: number, syscall: string): OpenFile {
    const f = this.files.get(fd);
    if (f === undefined) throw nodeError('EBADF', syscall);
    return f;
  }

  private allocate(init: Omit<OpenFile, 'fd'>): number {
    let fd = FIRST_DESCRIPTOR;
    while (this.files.has(fd)) fd++;
    this.files.set(fd, { fd, ...init });
    return fd;
  }

  private atPosition<T>(f: OpenFile, body: () => Promise<T>): Promise<T> {
    const run = f.queue.then(body, body);
    // The queue only orders the calls; each caller gets its own outcome from `run`.
    f.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private notEmpty(path: ResolvedPath, syscall: string): void {
    if (path.port === '') throw nodeError('ENOENT', syscall, path.shown);
  }

  // ---- descriptors ---------------------------------------------------------------

  async open(path: ResolvedPath, mode: OpenMode): Promise<number> {
    this.notEmpty(path, 'open');
    if (this.files.size >= MAX_DESCRIPTORS) throw nodeError('EMFILE', 'open', path.shown);
    const base = { path, readable: mode.read, writable: mode.write, append: mode.append, syncWrites: mode.sync, position: 0 };
    const fresh = { positionAtEnd: false, queue: Promise.resolve() };
    if (mode.directory) {
      const st = await this.call('open', path, () => this.port.stat(path.port));
      if (!st.isDirectory) throw nodeError('ENOTDIR', 'open', path.shown);
      return this.allocate({ ...base, ...fresh, handle: undefined, writable: false });
    }
    let handle: FileHandle;
    try {
      handle = await this.openHandle(path, mode);
    } catch (err) {
      // open(dir, 'r') is how node code gets a directory's descriptor (to fsync it): the port refuses it as EISDIR.
      if (errorCode(err) === 'EISDIR' && !mode.write && !mode.create) return this.allocate({ ...base, ...fresh, handle: undefined });
      throw err;
    }
    return this.allocate({ ...base, ...fresh, handle });
  }

  private async openHandle(path: ResolvedPath, mode: OpenMode): Promise<FileHandle> {
    const how = portOpenFor(mode);
    if (how.kind === 'create') {
      // O_CREAT alone: open it if it exists, create it exclusively if not; a race with another creator retries.
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.call('open', path, () => this.port.open(path.port, 'r+'));
        } catch (err) {
          if (errorCode(err) !== 'ENOENT' || attempt >= 3) throw err;
        }
        try {
          return await this.call('open', path, () => this.port.open(path.port, 'wx+'));
        } catch (err) {
          if (errorCode(err) !== 'EEXIST') throw err;
        }
      }
    }
    const handle = await this.call('open', path, () => this.port.open(path.port, how.flag));
    if (how.truncateAfter) {
      try {
        await this.call('open', path, () => handle.truncate(0));
      } catch (err) {
        await handle.close().catch(() => undefined); // the open failed: its error is the truncate's
        throw err;
      }
    }
    return handle;
  }

  async close(fd: number): Promise<void> {
    const f = this.entry(fd, 'close');
    this.files.delete(fd);
    if (f.handle !== undefined) {
      const handle = f.handle;
      await this.call('close', undefined, () => handle.close());
    }
  }

  async read(fd: number, into: Uint8Array, position: number | null): Promise<number> {
    const f = this.entry(fd, 'read');
    const handle = f.handle;
    if (handle === undefined) throw nodeError('EISDIR', 'read');
    if (!f.readable) throw nodeError('EBADF', 'read');
    if (into.length === 0) return 0;
    if (position !== null) return this.call('read', undefined, () => handle.read(into, position));
    return this.atPosition(f, async () => {
      if (f.positionAtEnd) {
        f.position = (await this.call('read', undefined, () => handle.stat())).size;
        f.positionAtEnd = false;
      }
      const n = await this.call('read', undefined, () => handle.read(into, f.position));
      f.position += n;
      return n;
    });
  }

  async write(fd: number, data: Uint8Array, position: number | null): Promise<number> {
    const f = this.entry(fd, 'write');
    const handle = f.handle;
    if (handle === undefined || !f.writable) throw nodeError('EBADF', 'write');
    const afterWrite = async (): Promise<number> => {
      if (f.syncWrites === 'data') await this.call('write', undefined, () => handle.datasync());
      if (f.syncWrites === 'full') await this.call('write', undefined, () => handle.sync());
      return data.length;
    };
    if (f.append) {
      // O_APPEND: the port puts it at the end whatever the position (as Linux does with pwrite).
      await this.call('write', undefined, () => handle.write(data, position ?? f.position));
      f.positionAtEnd = true;
      return afterWrite();
    }
    if (position !== null) {
      await this.call('write', undefined, () => handle.write(data, position));
      return afterWrite();
    }
    return this.atPosition(f, async () => {
      await this.call('write', undefined, () => handle.write(data, f.position));
      f.position += data.length;
      return afterWrite();
    });
  }

  async fsync(fd: number, kind: 'fsync' | 'fdatasync'): Promise<void> {
    const f = this.entry(fd, kind);
    const handle = f.handle;
    if (handle === undefined) return this.call(kind, undefined, () => this.port.syncDir(f.path.port));
    return this.call(kind, undefined, () => (kind === 'fsync' ? handle.sync() : handle.datasync()));
  }

  async fstat(fd: number): Promise<Stats> {
    const f = this.entry(fd, 'fstat');
    const handle = f.handle;
    const st = await this.call('fstat', undefined, () => (handle === undefined ? this.port.stat(f.path.port) : handle.stat()));
    return new Stats(st);
  }

  async ftruncate(fd: number, length: number): Promise<void> {
    const f = this.entry(fd, 'ftruncate');
    const handle = f.handle;
    if (handle === undefined || !f.writable) throw nodeError('EINVAL', 'ftruncate');
    return this.call('ftruncate', undefined, () => handle.truncate(length));
  }

  // ---- whole files ---------------------------------------------------------------

  /** Reads from `position` (null: the descriptor's position) to the end of the file. */
  async readToEnd(fd: number, position: number | null, signal: AbortSignal | undefined): Promise<Buffer> {
    const f = this.entry(fd, 'read');
    if (f.handle === undefined) throw nodeError('EISDIR', 'read');
    const size = (await this.fstat(fd)).size;
    const start = position ?? (f.positionAtEnd ? size : f.position);
    const chunks: Buffer[] = [];
    let at = start;
    let total = 0;
    for (;;) {
      if (signal?.aborted === true) throw abortError(signal);
      const want = size > at ? size - at : READ_CHUNK;
      const chunk = Buffer.alloc(want);
      const n = await this.read(fd, chunk, position === null ? null : at);
      if (n === 0) break;
      chunks.push(n === want ? chunk : chunk.subarray(0, n));
      at += n;
      total += n;
      // A file read up to the size it reported is done (as node:fs does); one that reported 0 is read to its end.
      if (size > 0 && at >= size) break;
    }
    return Buffer.concat(chunks, total);
  }

  /** Writes all of data at the descriptor's position (the end for an append descriptor). */
  async writeAll(fd: number, data: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted === true) throw abortError(signal);
    if (data.length > 0) await this.write(fd, data, null);
  }

  /** open, body, close: the body's error wins over the close's; a close that fails after a good body is the error. */
  async withFile<T>(path: ResolvedPath, mode: OpenMode, body: (fd: number) => Promise<T>): Promise<T> {
    const fd = await this.open(path, mode);
    let result: T;
    try {
      result = await body(fd);
    } catch (err) {
      await this.close(fd).catch(() => undefined); // reported: the body's error
      throw err;
    }
    await this.close(fd);
    return result;
  }

  // ---- paths -------------------------------------------------------------------------

  /** The port's stat of a path, its errors reported as `syscall`'s. */
  async stat(path: ResolvedPath, syscall: 'stat' | 'lstat' | 'access' | 'realpath' | 'rm'): Promise<Stats> {
    this.notEmpty(path, syscall);
    return new Stats(await this.call(syscall, path, () => this.port.stat(path.port)));
  }

  async access(path: ResolvedPath, mode: number): Promise<void> {
    const st = await this.stat(path, 'access');
    // Files report 0644: executing one is refused as a 0644 file's would be.
    if ((mode & C.X_OK) !== 0 && st.isFile()) throw nodeError('EACCES', 'access', path.shown);
  }

  async realpath(path: ResolvedPath): Promise<string> {
    await this.stat(path, 'realpath');
    // The port has no symlinks: the absolute, normalised path is the real one.
    return path.port;
  }

  async readdir(
    path: ResolvedPath,
    withFileTypes: boolean,
    encoding: BufferEncoding | 'buffer' | undefined,
  ): Promise<(string | Buffer | Dirent)[]> {
    this.notEmpty(path, 'scandir');
    const names = await this.call('scandir', path, () => this.port.readdir(path.port));
    if (!withFileTypes) return names.map((n) => encodeName(n, encoding));
    const out: Dirent[] = [];
    for (const name of names) {
      const st = await this.call('scandir', path, () => this.port.stat(posix.join(path.port, name)));
      out.push(new Dirent(encodeName(name, encoding), path.shown, st.isDirectory));
    }
    return out;
  }

  /** mkdir; recursive resolves with the first directory it made (undefined when all existed), as node:fs does. */
  async mkdir(path: ResolvedPath, recursive: boolean): Promise<string | undefined> {
    this.notEmpty(path, 'mkdir');
    if (!recursive) {
      await this.call('mkdir', path, () => this.port.mkdir(path.port));
      return undefined;
    }
    // Walk up to the deepest directory that exists; the one below it is the first made.
    let first: string | undefined;
    for (let p = path.port; ; p = posix.dirname(p)) {
      const st = await this.port.stat(p).catch((err: unknown) => {
        const code = errorCode(err);
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw fromPort(err, 'mkdir', path.shown);
      });
      if (st !== undefined) {
        if (!st.isDirectory && p === path.port) throw nodeError('EEXIST', 'mkdir', path.shown);
        break; // a file further up: the port's mkdir says ENOTDIR
      }
      first = p;
      if (p === '/') break;
    }
    if (first === undefined) return undefined;
    await this.call('mkdir', path, () => this.port.mkdir(path.port, { recursive: true }));
    return first;
  }

  async rename(from: ResolvedPath, to: ResolvedPath): Promise<void> {
    this.notEmpty(from, 'rename');
    this.notEmpty(to, 'rename');
    await this.call('rename', from, () => this.port.rename(from.port, to.port), to);
  }

  async unlink(path: ResolvedPath): Promise<void> {
    this.notEmpty(path, 'unlink');
    await this.call('unlink', path, () => this.port.unlink(path.port));
  }

  async rmdir(path: ResolvedPath): Promise<void> {
    this.notEmpty(path, 'rmdir');
    const port = this.port;
    const rmdir = port.rmdir;
    if (rmdir === undefined) throw notSupported('rmdir', 'the FileSystem port has no rmdir (an optional member)');
    await this.call('rmdir', path, () => rmdir.call(port, path.port));
  }

  /** rm: a file, or with recursive a directory and everything in it (children first); force: a missing path is fine. */
  async rm(path: ResolvedPath, recursive: boolean, force: boolean): Promise<void> {
    this.notEmpty(path, 'rm');
    let st: Stats;
    try {
      st = await this.stat(path, 'rm');
    } catch (err) {
      if (force && errorCode(err) === 'ENOENT') return;
      throw err;
    }
    if (!st.isDirectory()) {
      await this.unlink(path);
      return;
    }
    if (!recursive) {
      const err = nodeError('EISDIR', 'rm', path.shown);
      err.code = 'ERR_FS_EISDIR';
      err.message = `Path is a directory: rm returned EISDIR (is a directory) ${path.shown}`;
      throw err;
    }
    const names = await this.call('rm', path, () => this.port.readdir(path.port));
    for (const name of names) {
      const child = posix.join(path.port, name);
      await this.rm({ shown: posix.join(path.shown, name), port: child }, true, force);
    }
    await this.rmdir(path);
  }
}
