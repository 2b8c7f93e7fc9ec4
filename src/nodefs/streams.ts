/**
 * createReadStream and createWriteStream over the facade's own open, read,
 * write, fsync and close, on node:stream's Readable and Writable: every byte a
 * stream moves is a port call the simulator sees (and can fault, cut or tear).
 * Options are node's: flags, encoding, fd (a descriptor or a FileHandle),
 * mode, autoClose, emitClose, start, end (inclusive), highWaterMark, signal,
 * and for writes flush (fsync when the stream finishes, before the close).
 * A custom `fs` is refused: the facade is the fs.
 */
import { Buffer } from 'node:buffer';
import { Readable, Writable } from 'node:stream';
import { WalError } from '../errors.js';
import { isHandle, type NodeFsApi } from './api.js';
import { booleanArg, encodingArg, fdArg, integerArg, modeArg, signalArg } from './args.js';
import { invalidArg, notSupported } from './errors.js';

export interface StreamOptions {
  flags?: string | number;
  encoding?: BufferEncoding | null;
  fd?: number | { readonly fd: number; close(): Promise<void> } | null;
  mode?: number | string;
  autoClose?: boolean;
  emitClose?: boolean;
  start?: number;
  end?: number;
  highWaterMark?: number;
  signal?: AbortSignal;
  flush?: boolean;
  fs?: unknown;
}

interface Shared {
  readonly path: string | undefined;
  readonly flags: string | number;
  readonly fd: number | undefined;
  readonly handle: { close(): Promise<void> } | undefined;
  readonly autoClose: boolean;
  readonly emitClose: boolean;
  readonly start: number | undefined;
  readonly highWaterMark: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly encoding: BufferEncoding | undefined;
}

function streamOptions(api: NodeFsApi, path: unknown, raw: StreamOptions | string | undefined, call: string, defaultFlags: string): Shared {
  const o: StreamOptions = typeof raw === 'string' ? { encoding: raw as BufferEncoding } : (raw ?? {});
  if (typeof o !== 'object') throw invalidArg(`${call}: options must be an object or an encoding string`);
  if (o.fs !== undefined && o.fs !== null) throw notSupported(call, 'a custom fs option (the facade is the fs)');
  modeArg(o.mode, call);
  const encoding = encodingArg(o.encoding, call);
  if (encoding === 'buffer') throw invalidArg(`${call}: encoding 'buffer' is not a stream encoding (leave it out for Buffers)`);
  let fd: number | undefined;
  let handle: { close(): Promise<void> } | undefined;
  if (isHandle(o.fd)) {
    fd = o.fd.fd;
    handle = o.fd as { close(): Promise<void> };
  } else if (o.fd !== undefined && o.fd !== null) {
    fd = fdArg(o.fd, call);
  }
  let shown: string | undefined;
  if (fd === undefined) shown = api.path(path).shown;
  const start = o.start === undefined ? undefined : integerArg(o.start, `${call} start`, 0);
  const highWaterMark = o.highWaterMark === undefined ? undefined : integerArg(o.highWaterMark, `${call} highWaterMark`, 0, 1);
  return {
    path: shown,
    flags: o.flags ?? defaultFlags,
    fd,
    handle,
    autoClose: booleanArg(o.autoClose, `${call} autoClose`, true),
    emitClose: booleanArg(o.emitClose, `${call} emitClose`, true),
    start,
    highWaterMark,
    signal: signalArg(o.signal, call),
    encoding,
  };
}

/** Opens the stream's file (unless it was given a descriptor), then tells 'open' and 'ready' as node's streams do. */
function construct(
  stream: FacadeReadStream | FacadeWriteStream,
  api: NodeFsApi,
  pathArg: unknown,
  flags: string | number,
  callback: (err?: Error | null) => void,
): void {
  if (stream.fd !== null) {
    callback();
    return;
  }
  api.open(pathArg, flags, undefined).then(
    (fd) => {
      stream.fd = fd;
      stream.pending = false;
      stream.emit('open', fd);
      stream.emit('ready');
      callback();
    },
    (err: Error) => callback(err),
  );
}

function closeOnDestroy(
  api: NodeFsApi,
  shared: Shared,
  fd: number | null,
  err: Error | null,
  callback: (error?: Error | null) => void,
): void {
  if (!shared.autoClose || fd === null) {
    callback(err);
    return;
  }
  const closing = shared.handle !== undefined ? shared.handle.close() : api.close(fd);
  closing.then(
    () => callback(err),
    (closeErr: Error) => callback(err ?? closeErr),
  );
}

export class FacadeReadStream extends Readable {
  fd: number | null;
  pending: boolean;
  bytesRead = 0;
  readonly path: string | undefined;
  readonly flags: string | number;
  readonly start: number | undefined;
  readonly end: number;
  private pos: number | undefined;
  private readonly shared: Shared;

  constructor(
    private readonly api: NodeFsApi,
    private readonly pathArg: unknown,
    options?: StreamOptions | string,
  ) {
    const shared = streamOptions(api, pathArg, options, 'createReadStream', 'r');
    const raw = typeof options === 'object' ? options : {};
    super({
      autoDestroy: shared.autoClose,
      emitClose: shared.emitClose,
      ...(shared.highWaterMark === undefined ? {} : { highWaterMark: shared.highWaterMark }),
      ...(shared.signal === undefined ? {} : { signal: shared.signal }),
      ...(shared.encoding === undefined ? {} : { encoding: shared.encoding }),
    });
    this.shared = shared;
    this.path = shared.path;
    this.flags = shared.flags;
    this.fd = shared.fd ?? null;
    this.pending = this.fd === null;
    this.start = shared.start;
    this.end = raw.end === undefined ? Infinity : integerArg(raw.end, 'createReadStream end', 0);
    if (this.start !== undefined && this.start > this.end)
      throw invalidArg(`createReadStream: start ${this.start} is after end ${this.end}`);
    this.pos = this.start;
  }

  override _construct(callback: (err?: Error | null) => void): void {
    construct(this, this.api, this.pathArg, this.flags, callback);
  }

  override _read(size: number): void {
    const fd = this.fd;
    if (fd === null) {
      this.destroy(new WalError('EASSERT', 'createReadStream: _read ran without a descriptor'));
      return;
    }
    let want = size;
    // As node's: with a start, `end` is a file offset; without one, a count of bytes from where reading began.
    if (this.end !== Infinity) want = Math.min(want, this.end - (this.pos ?? this.bytesRead) + 1);
    if (want <= 0) {
      this.push(null);
      return;
    }
    const chunk = Buffer.alloc(want);
    this.api.read(fd, chunk, 0, want, this.pos ?? null).then(
      ({ bytesRead }) => {
        if (bytesRead === 0) {
          this.push(null);
          return;
        }
        this.bytesRead += bytesRead;
        if (this.pos !== undefined) this.pos += bytesRead;
        this.push(bytesRead === want ? chunk : chunk.subarray(0, bytesRead));
      },
      (err: Error) => this.destroy(err),
    );
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    const fd = this.fd;
    this.fd = null;
    closeOnDestroy(this.api, this.shared, fd, err, callback);
  }

  /** node's ReadStream.close: destroys the stream; the callback runs on 'close'. */
  close(callback?: (err?: Error | null) => void): void {
    if (callback !== undefined) this.once('close', callback);
    this.destroy();
  }
}

export class FacadeWriteStream extends Writable {
  fd: number | null;
  pending: boolean;
  bytesWritten = 0;
  readonly path: string | undefined;
  readonly flags: string | number;
  readonly start: number | undefined;
  private pos: number | undefined;
  private readonly flush: boolean;
  private readonly shared: Shared;

  constructor(
    private readonly api: NodeFsApi,
    private readonly pathArg: unknown,
    options?: StreamOptions | string,
  ) {
    const shared = streamOptions(api, pathArg, options, 'createWriteStream', 'w');
    const raw = typeof options === 'object' ? options : {};
    super({
      autoDestroy: shared.autoClose,
      emitClose: shared.emitClose,
      decodeStrings: true,
      defaultEncoding: shared.encoding ?? 'utf8',
      ...(shared.highWaterMark === undefined ? {} : { highWaterMark: shared.highWaterMark }),
      ...(shared.signal === undefined ? {} : { signal: shared.signal }),
    });
    this.shared = shared;
    this.path = shared.path;
    this.flags = shared.flags;
    this.fd = shared.fd ?? null;
    this.pending = this.fd === null;
    this.start = shared.start;
    this.pos = shared.start;
    this.flush = booleanArg(raw.flush, 'createWriteStream flush', false);
  }

  override _construct(callback: (err?: Error | null) => void): void {
    construct(this, this.api, this.pathArg, this.flags, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    const fd = this.fd;
    if (fd === null) {
      callback(new WalError('EASSERT', 'createWriteStream: _write ran without a descriptor'));
      return;
    }
    this.api.write(fd, chunk, 0, chunk.length, this.pos ?? null).then(
      ({ bytesWritten }) => {
        this.bytesWritten += bytesWritten;
        if (this.pos !== undefined) this.pos += bytesWritten;
        callback();
      },
      (err: Error) => callback(err),
    );
  }

  override _final(callback: (err?: Error | null) => void): void {
    const fd = this.fd;
    if (!this.flush || fd === null) {
      callback();
      return;
    }
    this.api.fsync(fd).then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    const fd = this.fd;
    this.fd = null;
    closeOnDestroy(this.api, this.shared, fd, err, callback);
  }

  /** node's WriteStream.close: ends the stream (it closes when finished); the callback runs on 'close'. */
  close(callback?: (err?: Error | null) => void): void {
    if (callback !== undefined) {
      if (this.closed) {
        process.nextTick(callback);
        return;
      }
      this.once('close', callback);
    }
    if (!this.shared.autoClose) this.once('finish', () => this.destroy());
    this.end();
  }
}
