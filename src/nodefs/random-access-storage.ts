/**
 * randomAccessStorage(port, path): a random-access-storage instance (the
 * callback API hypercore and SSB's logs take as injectable storage) over a
 * FileSystem port, doing what random-access-file does with node:fs, here
 * through the facade (createNodeFs), so the simulator sees every call.
 *
 * It is honest to the library it stands in for: it adds no fsync and no
 * check of its own. random-access-file never calls fsync, so by default this
 * has no `flush` either; `{ flush: 'fdatasync' | 'fsync' }` adds a `flush(cb)`
 * for callers that have one to call, and it is only ever run when they call
 * it. Opening for writing makes the parent directories and creates the file
 * (neither is synced: random-access-file syncs no directory).
 *
 * The API: open, read(offset, size), write(offset, data), del(offset, size),
 * truncate(offset), stat -> { size }, close, unlink, each with a node-style
 * callback (optional for writes, del, truncate, close, unlink); the flags
 * readable, writable, deletable, truncatable, statable, opened, closed,
 * unlinked; the events 'open', 'close', 'unlink'. Every call opens the
 * storage first if it is not open; calls after close fail. del inside the
 * file writes zeros; a del that reaches the end of the file truncates it.
 */
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { posix } from 'node:path';
import { WalError } from '../errors.js';
import type { FileSystem } from '../ports.js';
import { createNodeFs, type NodeFs } from './facade.js';
import type { FacadeFileHandle } from './file-handle.js';
import { invalidArg, notSupported } from './errors.js';

export interface RandomAccessStorageOptions {
  /** Open for writing (default true): creates the file and its directories. */
  writable?: boolean;
  /** Truncate the file to 0 when it opens (default false). */
  truncate?: boolean;
  /** Truncate (or extend) the file to this size when it opens. */
  size?: number;
  /** Add a `flush(cb)` that runs this sync (default 'none': random-access-file has no flush). */
  flush?: 'none' | 'fdatasync' | 'fsync';
  /** The facade's working directory for a relative path (default '/'). */
  cwd?: string;
}

type Callback<T = void> = (err: Error | null, value?: T) => void;

const KNOWN_OPTIONS = new Set(['writable', 'truncate', 'size', 'flush', 'cwd']);

export class RandomAccessStorage extends EventEmitter {
  readonly readable = true;
  readonly writable: boolean;
  readonly deletable: boolean;
  readonly truncatable: boolean;
  readonly statable = true;
  opened = false;
  closed = false;
  unlinked = false;
  /** Present only with the flush option: fdatasync or fsync of the file. */
  readonly flush?: (cb?: Callback) => void;

  readonly #fs: NodeFs;
  readonly #path: string;
  readonly #truncateOnOpen: boolean;
  readonly #sizeOnOpen: number | undefined;
  #handle: FacadeFileHandle | undefined;
  #opening: Promise<FacadeFileHandle> | undefined;
  #closing: Promise<void> | undefined;

  constructor(port: FileSystem, path: string, options: RandomAccessStorageOptions = {}) {
    super();
    for (const key of Object.keys(options)) {
      if (!KNOWN_OPTIONS.has(key))
        throw notSupported('randomAccessStorage', `option ${key} (random-access-file's lock and sparse have no port to stand on)`);
    }
    if (typeof path !== 'string' || path.length === 0) throw invalidArg('randomAccessStorage needs a path');
    this.#fs = createNodeFs(port, options.cwd === undefined ? {} : { cwd: options.cwd });
    this.#path = path;
    this.writable = options.writable ?? true;
    if (typeof this.writable !== 'boolean') throw invalidArg('randomAccessStorage: writable must be a boolean');
    this.deletable = this.writable;
    this.truncatable = this.writable;
    this.#truncateOnOpen = options.truncate ?? false;
    if (typeof this.#truncateOnOpen !== 'boolean') throw invalidArg('randomAccessStorage: truncate must be a boolean');
    if (options.size !== undefined && !(Number.isSafeInteger(options.size) && options.size >= 0))
      throw invalidArg(`randomAccessStorage: size must be a non-negative integer, got ${String(options.size)}`);
    this.#sizeOnOpen = options.size;
    if ((this.#truncateOnOpen || this.#sizeOnOpen !== undefined) && !this.writable)
      throw invalidArg('randomAccessStorage: truncate and size need writable');
    const flush = options.flush ?? 'none';
    if (flush !== 'none' && flush !== 'fdatasync' && flush !== 'fsync')
      throw invalidArg(`randomAccessStorage: flush must be none, fdatasync or fsync, got ${String(flush)}`);
    if (flush !== 'none') {
      this.flush = (cb?: Callback): void => this.#run(async (h) => (flush === 'fsync' ? h.sync() : h.datasync()), cb);
    }
  }

  #open(): Promise<FacadeFileHandle> {
    if (this.closed) return Promise.reject(new WalError('ECLOSED', `random-access-storage ${this.#path} is closed`));
    this.#opening ??= (async () => {
      const p = this.#fs.promises;
      let handle: FacadeFileHandle;
      if (this.writable) {
        await p.mkdir(posix.dirname(this.#path), { recursive: true });
        const C = this.#fs.constants;
        handle = await p.open(this.#path, C.O_RDWR | C.O_CREAT | (this.#truncateOnOpen ? C.O_TRUNC : 0));
        if (this.#sizeOnOpen !== undefined) await handle.truncate(this.#sizeOnOpen);
      } else {
        handle = await p.open(this.#path, 'r');
      }
      this.#handle = handle;
      this.opened = true;
      this.emit('open');
      return handle;
    })();
    return this.#opening;
  }

  /** Runs body on the open file; the callback gets its outcome on a later tick (or the error is thrown there when no callback is given). */
  #run<T>(body: (h: FacadeFileHandle) => Promise<T>, cb: Callback<T> | undefined): void {
    if (cb !== undefined && typeof cb !== 'function') throw invalidArg('random-access-storage: the callback must be a function');
    this.#open()
      .then(body)
      .then(
        (value) => process.nextTick(() => cb?.(null, value)),
        (err: Error) =>
          process.nextTick(() => {
            if (cb === undefined) throw err;
            cb(err);
          }),
      );
  }

  #needWritable(call: string): void {
    if (!this.writable) throw notSupported(`random-access-storage ${call}`, 'the storage was opened read-only');
  }

  open(cb?: Callback): void {
    this.#run(async () => undefined, cb);
  }

  read(offset: number, size: number, cb: Callback<Buffer>): void {
    if (typeof cb !== 'function') throw invalidArg('random-access-storage read needs a callback');
    this.#run(async (h) => {
      const buf = Buffer.alloc(size);
      let got = 0;
      while (got < size) {
        const { bytesRead } = await h.read(buf, got, size - got, offset + got);
        if (bytesRead === 0)
          throw new WalError('EINVAL', `Could not satisfy length: ${size} bytes at ${offset} run past the end of ${this.#path}`);
        got += bytesRead;
      }
      return buf;
    }, cb);
  }

  write(offset: number, data: Uint8Array, cb?: Callback): void {
    this.#needWritable('write');
    this.#run(async (h) => {
      await h.write(data, 0, data.length, offset);
    }, cb);
  }

  del(offset: number, size: number, cb?: Callback): void {
    this.#needWritable('del');
    this.#run(async (h) => {
      const { size: fileSize } = await h.stat();
      if (offset >= fileSize) return;
      if (offset + size >= fileSize) await h.truncate(offset);
      else await h.write(Buffer.alloc(size), 0, size, offset);
    }, cb);
  }

  truncate(offset: number, cb?: Callback): void {
    this.#needWritable('truncate');
    this.#run((h) => h.truncate(offset), cb);
  }

  stat(cb: Callback<{ size: number }>): void {
    if (typeof cb !== 'function') throw invalidArg('random-access-storage stat needs a callback');
    this.#run(async (h) => ({ size: (await h.stat()).size }), cb);
  }

  close(cb?: Callback): void {
    this.#closing ??= (async () => {
      // An open that failed was reported to the call that started it; there is nothing to close then.
      const handle = this.#opening === undefined ? undefined : await this.#opening.catch(() => undefined);
      this.closed = true;
      if (handle !== undefined) await handle.close();
      this.emit('close');
    })();
    this.#closing.then(
      () => process.nextTick(() => cb?.(null)),
      (err: Error) =>
        process.nextTick(() => {
          if (cb === undefined) throw err;
          cb(err);
        }),
    );
  }

  unlink(cb?: Callback): void {
    this.close((err) => {
      if (err !== null) {
        if (cb === undefined) throw err;
        cb(err);
        return;
      }
      this.#fs.promises.unlink(this.#path).then(
        () => {
          this.unlinked = true;
          this.emit('unlink');
          process.nextTick(() => cb?.(null));
        },
        (uerr: Error) =>
          process.nextTick(() => {
            if (cb === undefined) throw uerr;
            cb(uerr);
          }),
      );
    });
  }
}

/** A random-access-storage instance for `path` on the port (see the class). */
export function randomAccessStorage(port: FileSystem, path: string, options?: RandomAccessStorageOptions): RandomAccessStorage {
  return new RandomAccessStorage(port, path, options);
}
