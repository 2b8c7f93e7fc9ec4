/**
 * Pass-through wrappers of the filesystem port: every call goes to the
 * wrapped implementation unchanged. A wrapper that changes one behaviour
 * (counts calls, injects a fault, skips a sync) extends these and overrides
 * only that call, instead of restating the whole port.
 */
import type { FileHandle, FileStat, FileSystem, OpenFlags } from './ports.js';

export class ForwardingFileHandle implements FileHandle {
  constructor(protected readonly inner: FileHandle) {}

  read(buffer: Uint8Array, position: number): Promise<number> {
    return this.inner.read(buffer, position);
  }

  write(data: Uint8Array, position: number): Promise<void> {
    return this.inner.write(data, position);
  }

  sync(): Promise<void> {
    return this.inner.sync();
  }

  datasync(): Promise<void> {
    return this.inner.datasync();
  }

  truncate(size: number): Promise<void> {
    return this.inner.truncate(size);
  }

  stat(): Promise<FileStat> {
    return this.inner.stat();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export class ForwardingFileSystem implements FileSystem {
  constructor(protected readonly inner: FileSystem) {}

  /** Wraps each opened handle; the default keeps the inner one. */
  protected wrapHandle(handle: FileHandle, _path: string, _flags: OpenFlags): FileHandle {
    return handle;
  }

  async open(path: string, flags: OpenFlags): Promise<FileHandle> {
    return this.wrapHandle(await this.inner.open(path, flags), path, flags);
  }

  readdir(path: string): Promise<string[]> {
    return this.inner.readdir(path);
  }

  mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    return this.inner.mkdir(path, options);
  }

  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }

  unlink(path: string): Promise<void> {
    return this.inner.unlink(path);
  }

  stat(path: string): Promise<FileStat> {
    return this.inner.stat(path);
  }

  syncDir(path: string): Promise<void> {
    return this.inner.syncDir(path);
  }

  /** Forwards rmdir (an optional port member); when the wrapped port has none, rejects with a Node-style ENOTSUP. */
  rmdir(path: string): Promise<void> {
    if (this.inner.rmdir === undefined) {
      const err = Object.assign(new Error(`ENOTSUP: rmdir '${path}': the wrapped FileSystem has no rmdir`), {
        code: 'ENOTSUP',
        syscall: 'rmdir',
        path,
      });
      return Promise.reject(err);
    }
    return this.inner.rmdir(path);
  }
}
