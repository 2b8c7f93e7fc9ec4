/**
 * Disk: the simulated disk's state, synchronous and fault-free.
 *
 * Two layers per inode. The page cache (`cache`, directory `entries`) is what
 * reads, stat and readdir see. The medium holds, per file, the `durable` bytes
 * plus the ordered `pending` writes and truncates since the last sync, and per
 * directory the `durable` entries; pending directory changes (creates, renames,
 * unlinks) sit in one list in completion order. Files are inodes, not names:
 * renaming or unlinking an open file behaves as on POSIX. Every inode keeps the
 * time of its last modification (`mtimeMs`, from the `now` the disk is given);
 * it lives in the page cache only: images do not carry it, a loaded inode gets
 * the time of the load.
 */
import { fsError } from '../errors.js';
import type { OpenFlags } from '../ports.js';
import { Bytes, PAGE_SIZE } from './bytes.js';
import { imageFileBytes, imageFileSize, sparseImageFile, type DiskImage } from './image.js';
import { joinPath, splitPath } from './paths.js';

export interface PendingWrite {
  readonly type: 'write';
  /** Where the data lands on the medium (differs from where reads see it after a misdirected write). */
  readonly target: number;
  /**
   * A private copy of the written bytes (sparse: zero pages are not stored),
   * at [dataStart, dataStart + length) of `data`.
   */
  readonly data: Bytes;
  readonly dataStart: number;
  /** Bytes written. */
  readonly length: number;
  /** Forced torn by a fault: a crash keeps only a strict prefix of its sectors. */
  readonly torn: boolean;
  /** The file's size in the page cache after this operation. */
  readonly sizeAfter: number;
  /** Disk-wide completion order of data operations (see Disk.dataMark). */
  readonly seq: number;
}

export interface PendingTruncate {
  readonly type: 'truncate';
  readonly size: number;
  readonly sizeAfter: number;
  readonly seq: number;
}

export type PendingDataOp = PendingWrite | PendingTruncate;

export interface FileNode {
  readonly kind: 'file';
  readonly ino: number;
  readonly cache: Bytes;
  readonly durable: Bytes;
  pending: PendingDataOp[];
  /** Names in the page cache. */
  links: number;
  /** Open handles. */
  opens: number;
  /** Last write or truncate (the page cache's view), in the disk's time. */
  mtimeMs: number;
}

export interface DirNode {
  readonly kind: 'dir';
  readonly ino: number;
  readonly entries: Map<string, number>;
  readonly durable: Map<string, number>;
  links: number;
  /** Last change of its entries (the page cache's view), in the disk's time. */
  mtimeMs: number;
}

export type Inode = FileNode | DirNode;

/** One change of one directory entry: name -> ino, or name removed (ino null). */
export interface EntryChange {
  readonly dir: number;
  readonly name: string;
  readonly ino: number | null;
  done: boolean;
}

/** One directory operation; its changes are atomic with respect to crash prefixes. */
export interface PendingDirOp {
  readonly seq: number;
  readonly op: 'create' | 'mkdir' | 'rename' | 'unlink' | 'rmdir';
  readonly changes: EntryChange[];
}

export const ROOT_INO = 0;

export class Disk {
  readonly inodes = new Map<number, Inode>();
  pendingDirOps: PendingDirOp[] = [];
  /** Sequence of the next data operation (write or truncate), disk-wide. */
  private dataSeq = 0;
  private nextIno = 1;
  private dirOpSeq = 0;
  /** Bytes of file content in the page cache of live inodes (named or open). */
  usedBytes = 0;

  /** `now`: the time modifications are stamped with (SimFileSystem passes its virtual time; default always 0). */
  constructor(
    image?: DiskImage,
    private readonly now: () => number = () => 0,
  ) {
    this.inodes.set(ROOT_INO, { kind: 'dir', ino: ROOT_INO, entries: new Map(), durable: new Map(), links: 1, mtimeMs: now() });
    if (image !== undefined) this.load(image);
  }

  private load(image: DiskImage): void {
    const dirs = [...image.dirs].sort((a, b) => splitPath(a, 'load').length - splitPath(b, 'load').length);
    for (const d of dirs) {
      const parts = splitPath(d, 'load');
      if (parts.length === 0) continue;
      const { dir, name } = this.parentOf(parts, 'load', d);
      if (dir.entries.has(name)) continue;
      const node = this.newDir();
      dir.entries.set(name, node.ino);
      dir.durable.set(name, node.ino);
    }
    for (const f of image.files) {
      const parts = splitPath(f.path, 'load');
      const { dir, name } = this.parentOf(parts, 'load', f.path);
      // The image's bytes are shared, not copied: both layers copy on their first change.
      const node = this.newFile(imageFileBytes(f), imageFileBytes(f));
      this.usedBytes += imageFileSize(f);
      dir.entries.set(name, node.ino);
      dir.durable.set(name, node.ino);
    }
  }

  private newFile(cache = new Bytes(), durable = new Bytes()): FileNode {
    const node: FileNode = { kind: 'file', ino: this.nextIno++, cache, durable, pending: [], links: 1, opens: 0, mtimeMs: this.now() };
    this.inodes.set(node.ino, node);
    return node;
  }

  private newDir(): DirNode {
    const node: DirNode = { kind: 'dir', ino: this.nextIno++, entries: new Map(), durable: new Map(), links: 1, mtimeMs: this.now() };
    this.inodes.set(node.ino, node);
    return node;
  }

  private node(ino: number): Inode {
    const n = this.inodes.get(ino);
    if (n === undefined) throw new Error(`simulator invariant: inode ${ino} missing`);
    return n;
  }

  /** The inode a path names in the page cache; ENOENT / ENOTDIR as POSIX does. */
  lookupParts(parts: readonly string[], syscall: string, path: string): Inode {
    let cur: Inode = this.node(ROOT_INO);
    for (const part of parts) {
      if (cur.kind !== 'dir') throw fsError('ENOTDIR', syscall, path);
      const ino = cur.entries.get(part);
      if (ino === undefined) throw fsError('ENOENT', syscall, path);
      cur = this.node(ino);
    }
    return cur;
  }

  lookup(path: string, syscall: string): Inode {
    return this.lookupParts(splitPath(path, syscall), syscall, path);
  }

  private parentOf(parts: readonly string[], syscall: string, path: string): { dir: DirNode; name: string } {
    const name = parts[parts.length - 1];
    if (name === undefined) throw fsError('EINVAL', syscall, path);
    const dir = this.lookupParts(parts.slice(0, -1), syscall, path);
    if (dir.kind !== 'dir') throw fsError('ENOTDIR', syscall, path);
    return { dir, name };
  }

  private recordDirOp(op: PendingDirOp['op'], changes: Omit<EntryChange, 'done'>[]): void {
    const t = this.now();
    for (const c of changes) this.node(c.dir).mtimeMs = t;
    this.pendingDirOps.push({ seq: this.dirOpSeq++, op, changes: changes.map((c) => ({ ...c, done: false })) });
  }

  private dropName(node: Inode): void {
    node.links--;
    if (node.kind === 'file' && node.links === 0 && node.opens === 0) this.usedBytes -= node.cache.size;
  }

  // ---- page-cache operations -------------------------------------------------

  open(path: string, flags: OpenFlags): FileNode {
    const parts = splitPath(path, 'open');
    if (parts.length === 0) throw fsError('EISDIR', 'open', path);
    const { dir, name } = this.parentOf(parts, 'open', path);
    const existing = dir.entries.get(name);
    let node: FileNode;
    if (existing !== undefined) {
      const n = this.node(existing);
      if (flags === 'wx+' || flags === 'ax+') throw fsError('EEXIST', 'open', path);
      if (n.kind === 'dir') throw fsError('EISDIR', 'open', path);
      node = n;
      if (flags === 'w+') {
        if (node.cache.size > 0) this.truncate(node, 0);
        else node.mtimeMs = this.now(); // O_TRUNC of an existing file marks it modified even when it was empty
      }
    } else {
      if (flags === 'r' || flags === 'r+') throw fsError('ENOENT', 'open', path);
      node = this.newFile();
      dir.entries.set(name, node.ino);
      this.recordDirOp('create', [{ dir: dir.ino, name, ino: node.ino }]);
    }
    node.opens++;
    return node;
  }

  close(node: FileNode): void {
    node.opens--;
    if (node.links === 0 && node.opens === 0) this.usedBytes -= node.cache.size;
  }

  read(node: FileNode, into: Uint8Array, offset: number): number {
    return node.cache.read(into, offset);
  }

  /** Writes to the page cache at offset; the medium receives it at `target` when synced. */
  write(node: FileNode, data: Uint8Array, offset: number, target = offset, torn = false): void {
    if (data.length === 0) return;
    node.mtimeMs = this.now();
    const before = node.cache.size;
    // One private copy (zero pages found once) feeds both the page cache and the pending write. A write
    // covering a whole page of the medium is copied aligned to its pages, so the page cache and, once
    // synced, the medium share those pages with it instead of copying them.
    const skew = target % PAGE_SIZE;
    const dataStart = data.length >= 2 * PAGE_SIZE - skew || (skew === 0 && data.length >= PAGE_SIZE) ? skew : 0;
    const copy = Bytes.copyAligned(data, dataStart);
    node.cache.writeFrom(copy, dataStart, data.length, offset);
    this.usedBytes += node.cache.size - before;
    node.pending.push({
      type: 'write',
      target,
      data: copy,
      dataStart,
      length: data.length,
      torn,
      sizeAfter: node.cache.size,
      seq: this.dataSeq++,
    });
  }

  truncate(node: FileNode, size: number): void {
    node.mtimeMs = this.now();
    const before = node.cache.size;
    node.cache.truncate(size);
    this.usedBytes += node.cache.size - before;
    node.pending.push({ type: 'truncate', size, sizeAfter: size, seq: this.dataSeq++ });
  }

  readdir(path: string): string[] {
    const n = this.lookup(path, 'scandir');
    if (n.kind !== 'dir') throw fsError('ENOTDIR', 'scandir', path);
    return [...n.entries.keys()];
  }

  mkdir(path: string, recursive: boolean): void {
    const parts = splitPath(path, 'mkdir');
    if (recursive) {
      let cur = this.node(ROOT_INO);
      for (const part of parts) {
        if (cur.kind !== 'dir') throw fsError('ENOTDIR', 'mkdir', path);
        const ino = cur.entries.get(part);
        if (ino !== undefined) {
          cur = this.node(ino);
          continue;
        }
        const made = this.newDir();
        cur.entries.set(part, made.ino);
        this.recordDirOp('mkdir', [{ dir: cur.ino, name: part, ino: made.ino }]);
        cur = made;
      }
      if (cur.kind !== 'dir') throw fsError('EEXIST', 'mkdir', path);
      return;
    }
    if (parts.length === 0) throw fsError('EEXIST', 'mkdir', path);
    const { dir, name } = this.parentOf(parts, 'mkdir', path);
    if (dir.entries.has(name)) throw fsError('EEXIST', 'mkdir', path);
    const made = this.newDir();
    dir.entries.set(name, made.ino);
    this.recordDirOp('mkdir', [{ dir: dir.ino, name, ino: made.ino }]);
  }

  rename(from: string, to: string): void {
    const fromParts = splitPath(from, 'rename');
    const toParts = splitPath(to, 'rename');
    if (fromParts.length === 0 || toParts.length === 0) throw fsError('EBUSY', 'rename', from);
    // As Linux: both parents resolve first, then the source entry.
    const src = this.parentOf(fromParts, 'rename', from);
    const dst = this.parentOf(toParts, 'rename', to);
    const ino = src.dir.entries.get(src.name);
    if (ino === undefined) throw fsError('ENOENT', 'rename', from);
    const moving = this.node(ino);
    const replacedIno = dst.dir.entries.get(dst.name);
    if (replacedIno === ino) return;
    const isPrefix = (a: string[], b: string[]): boolean => a.length < b.length && a.every((p, i) => b[i] === p);
    // As Linux: the source an ancestor of the target is EINVAL; the target an ancestor of the source, ENOTEMPTY.
    if (isPrefix(fromParts, toParts)) throw fsError('EINVAL', 'rename', from);
    if (isPrefix(toParts, fromParts)) throw fsError('ENOTEMPTY', 'rename', from);
    if (replacedIno !== undefined) {
      const replaced = this.node(replacedIno);
      if (replaced.kind === 'dir' && moving.kind === 'file') throw fsError('EISDIR', 'rename', to);
      if (replaced.kind === 'file' && moving.kind === 'dir') throw fsError('ENOTDIR', 'rename', to);
      if (replaced.kind === 'dir' && replaced.entries.size > 0) throw fsError('ENOTEMPTY', 'rename', to);
      this.dropName(replaced);
    }
    src.dir.entries.delete(src.name);
    dst.dir.entries.set(dst.name, ino);
    this.recordDirOp('rename', [
      { dir: dst.dir.ino, name: dst.name, ino },
      { dir: src.dir.ino, name: src.name, ino: null },
    ]);
  }

  unlink(path: string): void {
    const parts = splitPath(path, 'unlink');
    if (parts.length === 0) throw fsError('EISDIR', 'unlink', path);
    const { dir, name } = this.parentOf(parts, 'unlink', path);
    const ino = dir.entries.get(name);
    if (ino === undefined) throw fsError('ENOENT', 'unlink', path);
    const n = this.node(ino);
    if (n.kind === 'dir') throw fsError('EISDIR', 'unlink', path);
    dir.entries.delete(name);
    this.dropName(n);
    this.recordDirOp('unlink', [{ dir: dir.ino, name, ino: null }]);
  }

  /** rmdir(2): removes an empty directory (EBUSY for the root, ENOTDIR for a file, ENOTEMPTY). */
  rmdir(path: string): void {
    const parts = splitPath(path, 'rmdir');
    if (parts.length === 0) throw fsError('EBUSY', 'rmdir', path);
    const { dir, name } = this.parentOf(parts, 'rmdir', path);
    const ino = dir.entries.get(name);
    if (ino === undefined) throw fsError('ENOENT', 'rmdir', path);
    const n = this.node(ino);
    if (n.kind !== 'dir') throw fsError('ENOTDIR', 'rmdir', path);
    if (n.entries.size > 0) throw fsError('ENOTEMPTY', 'rmdir', path);
    dir.entries.delete(name);
    this.dropName(n);
    this.recordDirOp('rmdir', [{ dir: dir.ino, name, ino: null }]);
  }

  statOf(n: Inode): { size: number; isFile: boolean; isDirectory: boolean; mtimeMs: number } {
    return n.kind === 'file'
      ? { size: n.cache.size, isFile: true, isDirectory: false, mtimeMs: n.mtimeMs }
      : { size: 4096, isFile: false, isDirectory: true, mtimeMs: n.mtimeMs };
  }

  // ---- durability ------------------------------------------------------------

  /**
   * A mark of the data operations completed so far. fsync/fdatasync take it
   * when they are *called*: they must cover what completed before the call,
   * and need not cover writes that complete while they are in flight.
   */
  dataMark(): number {
    return this.dataSeq;
  }

  /**
   * fsync/fdatasync: the file's pending data that completed before `mark`
   * reaches the medium (its names do not). Later writes stay pending: a crash
   * may keep them or not, as on a real disk where they raced the flush.
   */
  syncFile(node: FileNode, mark = Number.POSITIVE_INFINITY): void {
    let k = 0;
    while (k < node.pending.length && (node.pending[k] as PendingDataOp).seq < mark) {
      applyDataOp(node.durable, node.pending[k] as PendingDataOp);
      k++;
    }
    node.pending = k === node.pending.length ? [] : node.pending.slice(k);
  }

  /** fsync failed and the kernel marked the dirty pages clean: the pending data never lands. */
  dropDirty(node: FileNode): number {
    const n = node.pending.length;
    node.pending = [];
    return n;
  }

  /** fsync on a directory: its pending entry changes become durable, in order. */
  syncDir(path: string): void {
    const n = this.lookup(path, 'fsync');
    if (n.kind !== 'dir') throw fsError('ENOTDIR', 'fsync', path);
    for (const op of this.pendingDirOps) {
      for (const c of op.changes) {
        if (c.dir === n.ino && !c.done) {
          applyEntryChange(n.durable, c);
          c.done = true;
        }
      }
    }
    this.pendingDirOps = this.pendingDirOps.filter((op) => op.changes.some((c) => !c.done));
  }

  /** The page cache as an image (what a clean shutdown with every sync done would leave). */
  cacheImage(): DiskImage {
    const image: DiskImage = { dirs: [], files: [] };
    const walk = (dir: DirNode, prefix: string[]): void => {
      for (const [name, ino] of dir.entries) {
        const child = this.node(ino);
        const parts = [...prefix, name];
        if (child.kind === 'dir') {
          image.dirs.push(joinPath(parts));
          walk(child, parts);
        } else {
          image.files.push(sparseImageFile(joinPath(parts), child.cache.clone()));
        }
      }
    };
    walk(this.node(ROOT_INO) as DirNode, []);
    return image;
  }
}

export function applyDataOp(target: Bytes, op: PendingDataOp): void {
  if (op.type === 'write') target.writeFrom(op.data, op.dataStart, op.length, op.target);
  else target.truncate(op.size);
}

export function applyEntryChange(entries: Map<string, number>, c: EntryChange): void {
  if (c.ino === null) entries.delete(c.name);
  else entries.set(c.name, c.ino);
}
