/**
 * Recovery's repairs, run only after every segment has been read (so a read
 * error rejects open before anything changes): truncating a torn tail or the
 * segment pointInTime cuts, unlinking the segments it drops or a torn newest
 * one, removing a leftover preallocated file, and opening the tail segment
 * for the writer once its contents are durable.
 *
 * Each repair is idempotent and made durable before the next (a truncation is
 * fdatasynced, an unlink followed by a directory fsync), and they run in the
 * order recovery collected them (later segments newest first, then the cut),
 * so a crash in the middle of recovery followed by another recovery gives the
 * same result.
 */
import { assert, unreachable } from '../assert.js';
import type { FileHandle, FileSystem } from '../ports.js';
import { PREALLOCATED_NAME, SEGMENT_HEADER_SIZE } from './format.js';
import { joinPath, mustSync, removeFile } from './segments.js';

/** `why` decides where the bytes are reported: a torn tail, or what pointInTime gave up. */
export interface TruncateRepair {
  kind: 'truncate';
  name: string;
  offset: number;
  why: 'torn' | 'dropped';
}

export interface RemoveRepair {
  kind: 'remove';
  name: string;
  why: 'torn' | 'dropped';
}

export type Repair = TruncateRepair | RemoveRepair;

/** The newest kept segment, opened read/write, and where the next record goes. */
export interface RecoveredTail {
  handle: FileHandle;
  writeOffset: number;
  size: number;
}

/** Runs the repairs in order; returns the bytes given up by those whose `why` is 'dropped'. */
export async function applyRepairs(fs: FileSystem, dir: string, repairs: readonly Repair[]): Promise<number> {
  let dropped = 0;
  for (const r of repairs) {
    switch (r.kind) {
      case 'remove':
        if (r.why === 'dropped') dropped += (await fs.stat(joinPath(dir, r.name))).size;
        await removeFile(fs, dir, r.name);
        break;
      case 'truncate':
        dropped += await truncate(fs, dir, r);
        break;
      default:
        unreachable(r, 'a repair is a truncate or a remove');
    }
  }
  return dropped;
}

/** Cuts a segment at the repair's offset unless it is already that short; returns the bytes dropped (0 for a torn tail). */
async function truncate(fs: FileSystem, dir: string, r: TruncateRepair): Promise<number> {
  assert(r.offset >= SEGMENT_HEADER_SIZE, 'a cut never reaches into the segment header', { name: r.name, offset: r.offset });
  let dropped = 0;
  const h = await fs.open(joinPath(dir, r.name), 'r+');
  try {
    const size = (await h.stat()).size;
    if (size > r.offset) {
      if (r.why === 'dropped') dropped = size - r.offset;
      await h.truncate(r.offset);
      await mustSync(h.datasync(), `fsync after truncating ${r.name}`);
    }
  } finally {
    await h.close();
  }
  return dropped;
}

/** Removes a leftover wal-next.prealloc (it holds no records). */
export async function removePreallocated(fs: FileSystem, dir: string): Promise<void> {
  await removeFile(fs, dir, PREALLOCATED_NAME);
}

/**
 * Opens the tail segment `name` for the writer, after the repairs: the next
 * record goes after the last recovered one (`end`), or at the cut if a repair
 * cut the segment shorter. The segment is fdatasynced first: the recovered
 * records may have been read from a page cache, and must be durable before
 * anything builds on them.
 */
export async function openTail(fs: FileSystem, dir: string, name: string, end: number, repairs: readonly Repair[]): Promise<RecoveredTail> {
  const cut = repairs.find((r): r is TruncateRepair => r.kind === 'truncate' && r.name === name);
  const handle = await fs.open(joinPath(dir, name), 'r+');
  const size = (await handle.stat()).size;
  const writeOffset = cut !== undefined ? Math.min(cut.offset, end) : end;
  try {
    // Not `writeOffset <= size`: skipCorrupted keeps a salvaged segment shorter than its header block (end 64).
    assert(writeOffset >= SEGMENT_HEADER_SIZE, 'the tail is written after its header block', { name, writeOffset, size });
    await mustSync(handle.datasync(), `fsync ${name} after recovery`);
  } catch (err) {
    await handle.close().catch(() => undefined); // the sync failure (or the broken invariant) is the error that matters
    throw err;
  }
  return { handle, writeOffset, size };
}
