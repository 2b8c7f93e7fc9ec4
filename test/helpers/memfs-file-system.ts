/**
 * MemfsFileSystem: a plain adapter of a memfs Volume to the FileSystem port,
 * for running the engine in memory through the port. No durability modelling:
 * sync, datasync and syncDir only check that their target exists (the
 * simulator is the place for crash behaviour). Relative paths resolve
 * against `root`.
 */
import { posix } from 'node:path';
import { Volume } from 'memfs';
import type { FileHandle, FileStat, FileSystem, OpenFlags } from '../../src/ports.js';

type MemfsHandle = Awaited<ReturnType<Volume['promises']['open']>>;

function toStat(st: { size: number | bigint; isFile(): boolean; isDirectory(): boolean }): FileStat {
  return { size: Number(st.size), isFile: st.isFile(), isDirectory: st.isDirectory() };
}

function ebadf(syscall: string): Error {
  return Object.assign(new Error(`EBADF: bad file descriptor, ${syscall}`), { code: 'EBADF', syscall });
}

/** memfs lets a closed handle reach an fd of -1 and writes through 'r': the port says EBADF for both. */
class MemfsFileHandle implements FileHandle {
  private closed = false;

  constructor(
    private readonly h: MemfsHandle,
    private readonly writable: boolean,
  ) {}

  private check(syscall: string, write = false): void {
    if (this.closed || (write && !this.writable)) throw ebadf(syscall);
  }

  async read(buffer: Uint8Array, position: number): Promise<number> {
    this.check('read');
    if (buffer.length === 0) return 0;
    const { bytesRead } = await this.h.read(buffer, 0, buffer.length, position);
    return bytesRead;
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    this.check('write', data.length > 0);
    let done = 0;
    // memfs may write less than asked only in theory; loop until all is written (bounded by data.length).
    while (done < data.length) {
      const { bytesWritten } = await this.h.write(data, done, data.length - done, position + done);
      if (bytesWritten <= 0) throw Object.assign(new Error('EIO: short write'), { code: 'EIO' });
      done += bytesWritten;
    }
  }

  async sync(): Promise<void> {
    this.check('fsync');
    await (this.h as unknown as { sync(): Promise<void> }).sync();
  }

  async datasync(): Promise<void> {
    this.check('fdatasync');
    await this.h.datasync();
  }

  async truncate(size: number): Promise<void> {
    this.check('ftruncate', true);
    await this.h.truncate(size);
  }

  async stat(): Promise<FileStat> {
    this.check('fstat');
    return toStat(await this.h.stat());
  }

  async close(): Promise<void> {
    this.check('close');
    this.closed = true;
    await this.h.close();
  }
}

export class MemfsFileSystem implements FileSystem {
  readonly volume: Volume;

  constructor(
    volume: Volume = new Volume(),
    private readonly root = '/',
  ) {
    this.volume = volume;
    this.volume.mkdirSync(root, { recursive: true });
  }

  private abs(path: string): string {
    return posix.resolve(this.root, path);
  }

  async open(path: string, flags: OpenFlags): Promise<FileHandle> {
    return new MemfsFileHandle(await this.volume.promises.open(this.abs(path), flags), flags !== 'r');
  }

  async readdir(path: string): Promise<string[]> {
    const names = await this.volume.promises.readdir(this.abs(path));
    return names.map((n) => String(n));
  }

  async mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    await this.volume.promises.mkdir(this.abs(path), { recursive: options?.recursive ?? false });
  }

  rename(from: string, to: string): Promise<void> {
    return this.volume.promises.rename(this.abs(from), this.abs(to));
  }

  unlink(path: string): Promise<void> {
    return this.volume.promises.unlink(this.abs(path));
  }

  async stat(path: string): Promise<FileStat> {
    return toStat(await this.volume.promises.stat(this.abs(path)));
  }

  async syncDir(path: string): Promise<void> {
    const st = await this.volume.promises.stat(this.abs(path));
    if (!st.isDirectory()) throw Object.assign(new Error(`ENOTDIR: syncDir '${path}'`), { code: 'ENOTDIR', syscall: 'fsync' });
  }
}
