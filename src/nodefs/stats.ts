/**
 * Stats and Dirent shaped as node:fs's, from the port's FileStat. What the
 * port does not know is stated, not invented: no inode numbers or devices
 * (0), no owners (0), no permission bits (0644 files, 0755 directories), no
 * links (1), one time (mtime; atime, ctime and birthtime repeat it; 0 when
 * the port reports none), no symlinks, devices, FIFOs or sockets.
 */
import type { FileStat } from '../ports.js';
import { DIR_MODE, FILE_MODE } from './constants.js';

/** The type predicates Stats and Dirent share: a file or a directory, never a symlink, device, FIFO or socket. */
abstract class EntryKind {
  readonly #directory: boolean;

  constructor(directory: boolean) {
    this.#directory = directory;
  }

  isFile(): boolean {
    return !this.#directory;
  }
  isDirectory(): boolean {
    return this.#directory;
  }
  isSymbolicLink(): boolean {
    return false;
  }
  isBlockDevice(): boolean {
    return false;
  }
  isCharacterDevice(): boolean {
    return false;
  }
  isFIFO(): boolean {
    return false;
  }
  isSocket(): boolean {
    return false;
  }
}

export class Stats extends EntryKind {
  readonly dev = 0;
  readonly ino = 0;
  readonly mode: number;
  readonly nlink = 1;
  readonly uid = 0;
  readonly gid = 0;
  readonly rdev = 0;
  readonly size: number;
  readonly blksize = 4096;
  readonly blocks: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly birthtimeMs: number;
  readonly atime: Date;
  readonly mtime: Date;
  readonly ctime: Date;
  readonly birthtime: Date;

  constructor(stat: FileStat) {
    super(stat.isDirectory);
    this.mode = stat.isDirectory ? DIR_MODE : FILE_MODE;
    this.size = stat.size;
    this.blocks = Math.ceil(stat.size / 512);
    const t = stat.mtimeMs ?? 0;
    this.atimeMs = t;
    this.mtimeMs = t;
    this.ctimeMs = t;
    this.birthtimeMs = t;
    this.atime = new Date(t);
    this.mtime = new Date(t);
    this.ctime = new Date(t);
    this.birthtime = new Date(t);
  }
}

export class Dirent extends EntryKind {
  constructor(
    readonly name: string | Buffer,
    /** The directory the entry is in (node 20's `parentPath`; `path` is its older name). */
    readonly parentPath: string,
    directory: boolean,
  ) {
    super(directory);
  }

  get path(): string {
    return this.parentPath;
  }
}
