/**
 * Segment files on the FileSystem port: the log directory, listing, creating a
 * segment (prepared under a temporary name, zero-filled, header written and
 * synced, then renamed into place), unlinking, and the directory fsyncs that
 * make each of those durable.
 *
 * Every failure of sync/datasync/syncDir is raised as WalError EFAILSTOP: the
 * caller must stop (a failed fsync is never retried).
 */
import * as path from 'node:path';
import { errorCode, WalError } from '../errors.js';
import type { FileHandle, FileSystem } from '../ports.js';
import { encodeSegmentHeader, parseSegmentName, PREALLOCATED_NAME, segmentName, type SegmentHeader } from './format.js';

const posix = path.posix;
const ZERO_CHUNK = new Uint8Array(1024 * 1024);
/** Directory nesting we are willing to create. */
const MAX_DIR_DEPTH = 64;

/** Runs a sync-like call; its failure becomes EFAILSTOP (never retried). */
export async function mustSync(op: Promise<void>, what: string): Promise<void> {
  try {
    await op;
  } catch (err) {
    throw new WalError('EFAILSTOP', `${what} failed: ${String((err as Error)?.message ?? err)}`, { cause: err, details: { op: what } });
  }
}

export function joinPath(dir: string, name: string): string {
  return posix.join(dir, name);
}

/** Creates dir and missing parents; each mkdir is followed by a syncDir of its parent. */
export async function ensureDirectory(fs: FileSystem, dir: string, depth = 0): Promise<void> {
  if (depth > MAX_DIR_DEPTH) throw new WalError('EINVAL', `log directory nesting deeper than ${MAX_DIR_DEPTH}: ${dir}`);
  try {
    const st = await fs.stat(dir);
    if (!st.isDirectory) throw new WalError('EINVAL', `log directory path is not a directory: ${dir}`, { details: { dir } });
    return;
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
  const parent = posix.dirname(dir);
  if (parent !== dir) await ensureDirectory(fs, parent, depth + 1);
  try {
    await fs.mkdir(dir);
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw err;
  }
  await mustSync(fs.syncDir(parent), `syncDir ${parent}`);
}

export interface SegmentFile {
  firstLsn: number;
  name: string;
}

/** Segment files in LSN order, and whether a leftover preallocated file exists. */
export async function listSegments(fs: FileSystem, dir: string): Promise<{ segments: SegmentFile[]; preallocated: boolean }> {
  const names = await fs.readdir(dir);
  const segments: SegmentFile[] = [];
  for (const name of names) {
    const firstLsn = parseSegmentName(name);
    if (firstLsn !== undefined) segments.push({ firstLsn, name });
  }
  segments.sort((a, b) => a.firstLsn - b.firstLsn);
  return { segments, preallocated: names.includes(PREALLOCATED_NAME) };
}

/** A created but not yet named segment: the temporary file, zero-filled when preallocated. */
export interface PreparedSegment {
  handle: FileHandle;
  /** The file's size now (segmentSize when preallocated, else 0). */
  size: number;
}

/**
 * Creates the temporary segment file, zero-fills it to size when preallocate
 * is on, fsyncs it and the directory. Runs ahead of time, off the append path.
 */
export async function prepareSegment(fs: FileSystem, dir: string, size: number, preallocate: boolean): Promise<PreparedSegment> {
  const handle = await fs.open(joinPath(dir, PREALLOCATED_NAME), 'w+');
  try {
    let written = 0;
    if (preallocate) {
      while (written < size) {
        const n = Math.min(ZERO_CHUNK.length, size - written);
        await handle.write(n === ZERO_CHUNK.length ? ZERO_CHUNK : ZERO_CHUNK.subarray(0, n), written);
        written += n;
      }
      await mustSync(handle.sync(), `fsync ${PREALLOCATED_NAME}`);
    }
    await mustSync(fs.syncDir(dir), `syncDir ${dir}`);
    return { handle, size: written };
  } catch (err) {
    await handle.close().catch(() => undefined); // the first error is the one that matters; the file is removed at the next open
    throw err;
  }
}

/**
 * Turns a prepared file into segment `header.firstLsn`: writes the header,
 * makes it durable, renames the file into place and fsyncs the directory.
 * Only after this resolves may a record in the segment be acknowledged.
 */
export async function installSegment(fs: FileSystem, dir: string, prepared: PreparedSegment, header: SegmentHeader): Promise<string> {
  const bytes = encodeSegmentHeader(header);
  await prepared.handle.write(bytes, 0);
  const grew = bytes.length > prepared.size;
  await mustSync(grew ? prepared.handle.sync() : prepared.handle.datasync(), `sync header of ${segmentName(header.firstLsn)}`);
  if (grew) prepared.size = bytes.length;
  const name = segmentName(header.firstLsn);
  await fs.rename(joinPath(dir, PREALLOCATED_NAME), joinPath(dir, name));
  await mustSync(fs.syncDir(dir), `syncDir ${dir}`);
  return name;
}

/** Unlinks one file and makes the unlink durable before returning. */
export async function removeFile(fs: FileSystem, dir: string, name: string): Promise<void> {
  await fs.unlink(joinPath(dir, name));
  await mustSync(fs.syncDir(dir), `syncDir ${dir}`);
}
