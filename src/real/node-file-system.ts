/**
 * NodeFileSystem: the filesystem port over node:fs/promises, rooted at a
 * directory. Every path is resolved inside the root; a path that would
 * escape it is rejected with EINVAL. Node's error codes pass through unchanged.
 */
import { constants as fsConstants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { fsError } from '../errors.js';
import type { FileHandle, FileStat, FileSystem, OpenFlags } from '../ports.js';

function toStat(s: { size: number; isFile(): boolean; isDirectory(): boolean; mtimeMs: number }): FileStat {
  return { size: s.size, isFile: s.isFile(), isDirectory: s.isDirectory(), mtimeMs: s.mtimeMs };
}

class NodeFileHandle implements FileHandle {
  constructor(
    private readonly handle: fsp.FileHandle,
    /** Opened with O_APPEND ('a+', 'ax+'): writes go at the descriptor's offset, which the kernel puts at the end. */
    private readonly append: boolean,
  ) {}

  async read(buffer: Uint8Array, position: number): Promise<number> {
    let total = 0;
    // node may return short reads before end of file; loop until full or EOF.
    while (total < buffer.length) {
      const { bytesRead } = await this.handle.read(buffer, total, buffer.length - total, position + total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return total;
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    if (this.append && (!Number.isSafeInteger(position) || position < 0)) throw fsError('EINVAL', 'write');
    let done = 0;
    while (done < data.length) {
      // O_APPEND: no position (POSIX pwrite would honour one; Linux would not): the kernel appends every write.
      const at = this.append ? null : position + done;
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, at);
      done += bytesWritten;
    }
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  truncate(size: number): Promise<void> {
    return this.handle.truncate(size);
  }

  async stat(): Promise<FileStat> {
    return toStat(await this.handle.stat());
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export class NodeFileSystem implements FileSystem {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /**
   * Resolves a port path to a real path inside the root. Relative paths are
   * taken against the root; an absolute path must already lie inside it.
   * Anything that would leave the root (`..`, an absolute path elsewhere) is EINVAL.
   */
  resolve(p: string, syscall = 'resolve'): string {
    if (typeof p !== 'string' || p.length === 0 || p.includes('\0')) throw fsError('EINVAL', syscall, String(p));
    const real = path.resolve(this.root, p);
    if (real !== this.root && !real.startsWith(this.root + path.sep)) throw fsError('EINVAL', syscall, p);
    return real;
  }

  async open(p: string, flags: OpenFlags): Promise<FileHandle> {
    const real = this.resolve(p, 'open');
    let mode: number;
    switch (flags) {
      case 'r':
        mode = fsConstants.O_RDONLY;
        break;
      case 'r+':
        mode = fsConstants.O_RDWR;
        break;
      case 'w+':
        mode = fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_TRUNC;
        break;
      case 'wx+':
        mode = fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_EXCL;
        break;
      case 'a+':
        mode = fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_APPEND;
        break;
      case 'ax+':
        mode = fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_APPEND;
        break;
      default:
        throw fsError('EINVAL', 'open', p);
    }
    const handle = await fsp.open(real, mode, 0o644);
    try {
      const st = await handle.stat();
      if (st.isDirectory()) throw fsError('EISDIR', 'open', p);
    } catch (err) {
      await handle.close();
      throw err;
    }
    return new NodeFileHandle(handle, flags === 'a+' || flags === 'ax+');
  }

  readdir(p: string): Promise<string[]> {
    return fsp.readdir(this.resolve(p, 'readdir'));
  }

  async mkdir(p: string, options?: { recursive?: boolean }): Promise<void> {
    await fsp.mkdir(this.resolve(p, 'mkdir'), { recursive: options?.recursive === true });
  }

  rename(from: string, to: string): Promise<void> {
    return fsp.rename(this.resolve(from, 'rename'), this.resolve(to, 'rename'));
  }

  unlink(p: string): Promise<void> {
    return fsp.unlink(this.resolve(p, 'unlink'));
  }

  /** rmdir(2); the root itself is EBUSY, as rmdir of a mount point would be. */
  rmdir(p: string): Promise<void> {
    const real = this.resolve(p, 'rmdir');
    if (real === this.root) return Promise.reject(fsError('EBUSY', 'rmdir', p));
    return fsp.rmdir(real);
  }

  async stat(p: string): Promise<FileStat> {
    return toStat(await fsp.stat(this.resolve(p, 'stat')));
  }

  async syncDir(p: string): Promise<void> {
    const handle = await fsp.open(this.resolve(p, 'syncDir'), fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
