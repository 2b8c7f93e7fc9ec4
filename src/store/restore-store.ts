/**
 * Point-in-time restore of a store with the in-memory state (restore.ts for
 * its log): a new store directory whose state, once opened, is exactly the
 * transactions committed at or before the target LSN. The snapshot is
 * copied when it covers no more than the target; a target below the
 * snapshot's LSN needs the log from its first record (LSN 1), else EINVAL
 * (the log it would replay was released). The source is only read. A store
 * with the LMDB state keeps its state outside the store directory, so its
 * restored directory holds the log alone: opened with the in-memory state it
 * rebuilds the state only while that log still starts at LSN 1.
 */
import { errorCode, WalError } from '../errors.js';
import type { FileSystem } from '../ports.js';
import { copyFile, requireEmptyDir } from '../engine/backup.js';
import { FORMAT_MAX_RECORD_SIZE } from '../engine/format.js';
import { lsnForTime, recoveryPoints, restoreToLsn, type RestoreResult } from '../engine/restore.js';
import { joinPath } from '../engine/segments.js';
import { decodeSnapshot } from './snapshot-format.js';
import { SNAPSHOT_NAME } from './snapshot-file.js';
import { STORE_WAL_DIR } from './store.js';

export interface StoreRestoreResult extends RestoreResult {
  /** The snapshot's LSN when it was copied; undefined when the restored state replays the log alone. */
  snapshotLsn: number | undefined;
}

async function snapshotLsnOf(fs: FileSystem, dir: string): Promise<number | undefined> {
  let handle;
  try {
    handle = await fs.open(joinPath(dir, SNAPSHOT_NAME), 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    // The whole file is verified (a damaged snapshot is ECORRUPT), with the widest limits any store takes.
    return (await decodeSnapshot(handle, { maxKeyBytes: 65_536, maxValueBytes: FORMAT_MAX_RECORD_SIZE })).appliedLsn;
  } finally {
    await handle.close();
  }
}

export async function restoreStoreToLsn(
  srcFs: FileSystem,
  srcDir: string,
  destFs: FileSystem,
  destDir: string,
  targetLsn: number,
  clockNow: () => number,
): Promise<StoreRestoreResult> {
  const snapshotLsn = await snapshotLsnOf(srcFs, srcDir);
  const srcWal = joinPath(srcDir, STORE_WAL_DIR);
  if (snapshotLsn !== undefined && targetLsn < snapshotLsn) {
    const points = await recoveryPoints(srcFs, srcWal, clockNow);
    if (points.segments[0]?.firstLsn !== 1) {
      throw new WalError(
        'EINVAL',
        `restore: LSN ${targetLsn} is before the store's snapshot (LSN ${snapshotLsn}) and the log before the snapshot was released`,
        { details: { targetLsn, snapshotLsn } },
      );
    }
  }
  await requireEmptyDir(destFs, destDir);
  const restored = await restoreToLsn(srcFs, srcWal, destFs, joinPath(destDir, STORE_WAL_DIR), targetLsn, clockNow);
  let copied: number | undefined;
  if (snapshotLsn !== undefined && snapshotLsn <= restored.lsn) {
    const src = await srcFs.open(joinPath(srcDir, SNAPSHOT_NAME), 'r');
    try {
      await copyFile(src, undefined, destFs, joinPath(destDir, SNAPSHOT_NAME));
    } finally {
      await src.close();
    }
    copied = snapshotLsn;
  }
  await destFs.syncDir(destDir);
  return { ...restored, snapshotLsn: copied };
}

/**
 * A store restored to a wall-clock time: the transactions its log (written
 * with `wal: { timestamps: true }`) stamped at or before `targetMs`, as
 * lsnForTime resolves the time to a restore point; then as restoreStoreToLsn.
 */
export async function restoreStoreToTime(
  srcFs: FileSystem,
  srcDir: string,
  destFs: FileSystem,
  destDir: string,
  targetMs: number,
  clockNow: () => number,
): Promise<StoreRestoreResult & { timeMs: number }> {
  const target = await lsnForTime(srcFs, joinPath(srcDir, STORE_WAL_DIR), targetMs, clockNow);
  const r = await restoreStoreToLsn(srcFs, srcDir, destFs, destDir, target.lsn, clockNow);
  return { ...r, timeMs: target.timeMs };
}
