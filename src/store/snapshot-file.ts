/**
 * The memory state's checkpoint file on the FileSystem port: written to
 * `snapshot.tmp` chunk by chunk (an await between chunks, so commits go on),
 * fdatasync'd, renamed over `snapshot`, then the directory fsync'd; only then
 * is the snapshot durable and may the log prefix it covers be released. A
 * crash at any point leaves either the old snapshot or the new one.
 */
import { errorCode, WalError } from '../errors.js';
import type { FileSystem } from '../ports.js';
import { joinPath } from '../engine/segments.js';
import type { StateSnapshot } from './state-store.js';
import { decodeSnapshot, encodeSnapshot, type DecodedSnapshot } from './snapshot-format.js';

export const SNAPSHOT_NAME = 'snapshot';
export const SNAPSHOT_TEMP_NAME = 'snapshot.tmp';
/**
 * Chunks of at most 64 KiB: each is encoded synchronously, so this bounds how
 * long a checkpoint holds the event loop between two awaits (commits run in
 * between); 1 MiB chunks measurably raised the p99 commit latency (bench/README.md).
 */
const SNAPSHOT_WRITE_CHUNK = 64 * 1024;

/** Writes the snapshot durably; resolves with its size in bytes. */
export async function writeSnapshotFile(fs: FileSystem, dir: string, snapshot: StateSnapshot, storeId: Uint8Array): Promise<number> {
  const temp = joinPath(dir, SNAPSHOT_TEMP_NAME);
  const handle = await fs.open(temp, 'w+');
  let at = 0;
  try {
    for (const chunk of encodeSnapshot(snapshot, storeId, { chunkBytes: SNAPSHOT_WRITE_CHUNK })) {
      await handle.write(chunk, at);
      at += chunk.length;
    }
    await handle.datasync();
  } catch (err) {
    await handle.close().catch(() => undefined); // the write or sync error is the one reported
    throw err;
  }
  await handle.close();
  await fs.rename(temp, joinPath(dir, SNAPSHOT_NAME));
  await fs.syncDir(dir);
  return at;
}

/** The durable snapshot, or undefined when there is none. A damaged or foreign one is ECORRUPT (never loaded). */
export async function readSnapshotFile(
  fs: FileSystem,
  dir: string,
  limits: { maxKeyBytes: number; maxValueBytes: number; expectedStoreId: Uint8Array },
): Promise<DecodedSnapshot | undefined> {
  let handle;
  try {
    handle = await fs.open(joinPath(dir, SNAPSHOT_NAME), 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return await decodeSnapshot(handle, limits);
  } finally {
    await handle.close();
  }
}

/** Removes a snapshot.tmp a crash left behind (it was never renamed in, so nothing refers to it). */
export async function removeTempSnapshot(fs: FileSystem, dir: string): Promise<void> {
  try {
    await fs.unlink(joinPath(dir, SNAPSHOT_TEMP_NAME));
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw new WalError('EIO', `cannot remove a leftover ${SNAPSHOT_TEMP_NAME} in ${dir}`, { cause: err });
  }
}
