/**
 * The facade's FileHandle (what `promises.open` resolves with): a descriptor
 * of the facade's table with node's FileHandle methods. Like node's, its
 * readFile and writeFile work from the descriptor's current position, and a
 * second close resolves without doing anything.
 */
import type { Buffer } from 'node:buffer';
import { HANDLES, type NodeFsApi } from './api.js';
import { notSupported } from './errors.js';
import type { Stats } from './stats.js';
import { FacadeReadStream, FacadeWriteStream, type StreamOptions } from './streams.js';

const UNSUPPORTED_HANDLE_METHODS = ['chmod', 'chown', 'utimes', 'readv', 'writev', 'readLines', 'readableWebStream'] as const;

export class FacadeFileHandle {
  #fd: number;
  #closing: Promise<void> | undefined;

  constructor(
    private readonly api: NodeFsApi,
    fd: number,
  ) {
    this.#fd = fd;
    HANDLES.add(this);
    for (const name of UNSUPPORTED_HANDLE_METHODS) {
      Object.defineProperty(this, name, {
        value: () => Promise.reject(notSupported(`filehandle.${name}`, 'not in the facade’s subset of node:fs')),
        enumerable: false,
      });
    }
  }

  /** The descriptor; -1 once closed (as node's). */
  get fd(): number {
    return this.#fd;
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    if (this.#fd === -1) return Promise.resolve();
    const fd = this.#fd;
    this.#closing = this.api.close(fd).finally(() => {
      this.#fd = -1;
    });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async read(
    bufferOrOptions?: unknown,
    offset?: unknown,
    length?: unknown,
    position?: unknown,
  ): Promise<{ bytesRead: number; buffer: Uint8Array }> {
    return this.api.read(this.#fd, bufferOrOptions, offset, length, position);
  }

  async write<T>(data: T, a?: unknown, b?: unknown, c?: unknown): Promise<{ bytesWritten: number; buffer: T }> {
    return this.api.write(this.#fd, data, a, b, c);
  }

  async readFile(options?: unknown): Promise<string | Buffer> {
    return this.api.readFile(this, options);
  }

  async writeFile(data: unknown, options?: unknown): Promise<void> {
    return this.api.writeFile(this, data, options, 'w', 'filehandle.writeFile');
  }

  async appendFile(data: unknown, options?: unknown): Promise<void> {
    return this.api.writeFile(this, data, options, 'a', 'filehandle.appendFile');
  }

  async stat(options?: unknown): Promise<Stats> {
    return this.api.fstat(this.#fd, options);
  }

  async sync(): Promise<void> {
    return this.api.fsync(this.#fd);
  }

  async datasync(): Promise<void> {
    return this.api.fdatasync(this.#fd);
  }

  async truncate(length?: unknown): Promise<void> {
    return this.api.ftruncate(this.#fd, length);
  }

  createReadStream(options?: StreamOptions): FacadeReadStream {
    return new FacadeReadStream(this.api, undefined, { ...options, fd: this });
  }

  createWriteStream(options?: StreamOptions): FacadeWriteStream {
    return new FacadeWriteStream(this.api, undefined, { ...options, fd: this });
  }
}
