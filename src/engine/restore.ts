/**
 * Point-in-time restore by LSN (roadmap 6.4): a new log directory holding
 * exactly the records (and transactions) of a source log up to a target
 * LSN, the source never touched. The source may be a live log directory (not
 * open in another process) or a backup (backup.ts): both are log directories.
 *
 * The restore copies the source's segments byte for byte and cuts the last
 * one just after the restore point, so every LSN, the salt and the format
 * stay as they were and the new log opens and appends like the old one. A
 * restore point is the end of a plain record or of a transaction's commit
 * record that is not inside a compressed frame with later records; the point
 * used is the latest one at or below the target (a target inside a
 * transaction restores the transactions committed before it). Restoring by
 * time is not offered yet: records carry no commit time.
 */
import { WalError } from '../errors.js';
import type { FileSystem } from '../ports.js';
import { copyFile, requireEmptyDir } from './backup.js';
import { SEGMENT_HEADER_SIZE, TXN_DATA } from './format.js';
import { recoverLog } from './recovery.js';
import { joinPath } from './segments.js';

export interface RecoveryPoints {
  /** Per segment, oldest first: its name, its LSN range, and the range of restore points in it. */
  segments: {
    name: string;
    firstLsn: number;
    lastLsn: number | undefined;
    records: number;
    points: { oldest: number; newest: number } | undefined;
  }[];
  /** The oldest and newest restore points of the log (undefined: none). */
  oldest: number | undefined;
  newest: number | undefined;
}

interface Cut {
  segment: number;
  lsn: number;
  end: number;
}

/** The restore points of a scanned log, in LSN order, with where each one ends its segment. */
async function scanPoints(
  fs: FileSystem,
  dir: string,
  clockNow: () => number,
): Promise<{ cuts: Cut[]; layout: NonNullable<Awaited<ReturnType<typeof recoverLog>>['layout']> }> {
  // pointInTime without repairs: the undamaged prefix, nothing changed on disk.
  const rec = await recoverLog(fs, dir, 'pointInTime', clockNow, { repair: false, layout: true });
  const layout = rec.layout ?? [];
  const cuts: Cut[] = [];
  layout.forEach((s, segment) => {
    s.records.forEach((r, i) => {
      const next = s.records[i + 1];
      if (r.txn === TXN_DATA) return; // inside a transaction
      if (next !== undefined && next.end === r.end) return; // inside a compressed frame with later records
      cuts.push({ segment, lsn: r.lsn, end: r.end });
    });
  });
  return { cuts, layout };
}

/** Lists the log's segments with their LSN ranges and restore points. Reads only. */
export async function recoveryPoints(fs: FileSystem, dir: string, clockNow: () => number): Promise<RecoveryPoints> {
  const { cuts, layout } = await scanPoints(fs, dir, clockNow);
  const segments = layout.map((s, i) => {
    const mine = cuts.filter((c) => c.segment === i);
    const first = mine[0];
    const last = mine.at(-1);
    return {
      name: s.name,
      firstLsn: s.firstLsn,
      lastLsn: s.records.at(-1)?.lsn,
      records: s.records.length,
      points: first === undefined || last === undefined ? undefined : { oldest: first.lsn, newest: last.lsn },
    };
  });
  return { segments, oldest: cuts[0]?.lsn, newest: cuts.at(-1)?.lsn };
}

export interface RestoreResult {
  /** The restore point used: the newest at or below the target. */
  lsn: number;
  segments: number;
  bytes: number;
}

/**
 * Writes into destDir (empty or absent) a log holding exactly the source's
 * records up to the newest restore point at or below `targetLsn`. A target
 * below the oldest restore point or above the newest is EINVAL; so is a
 * destination that is not empty.
 */
export async function restoreToLsn(
  srcFs: FileSystem,
  srcDir: string,
  destFs: FileSystem,
  destDir: string,
  targetLsn: number,
  clockNow: () => number,
): Promise<RestoreResult> {
  if (!Number.isSafeInteger(targetLsn) || targetLsn < 1)
    throw new WalError('EINVAL', `restore: the target LSN must be a positive integer, got ${String(targetLsn)}`);
  const { cuts, layout } = await scanPoints(srcFs, srcDir, clockNow);
  const oldest = cuts[0];
  const newest = cuts.at(-1);
  if (oldest === undefined || newest === undefined) throw new WalError('EINVAL', `restore: ${srcDir} holds no restore point (no record)`);
  if (targetLsn < oldest.lsn) {
    throw new WalError(
      'EINVAL',
      `restore: LSN ${targetLsn} is before the oldest restore point ${oldest.lsn} (older records were released)`,
      {
        details: { targetLsn, oldest: oldest.lsn, newest: newest.lsn },
      },
    );
  }
  const newestLsn = layout.at(-1)?.records.at(-1)?.lsn ?? newest.lsn;
  if (targetLsn > newestLsn) {
    throw new WalError('EINVAL', `restore: LSN ${targetLsn} is after the newest record ${newestLsn} of ${srcDir}`, {
      details: { targetLsn, oldest: oldest.lsn, newest: newestLsn },
    });
  }
  let cut = oldest;
  for (const c of cuts) if (c.lsn <= targetLsn) cut = c;
  await requireEmptyDir(destFs, destDir);
  let bytes = 0;
  for (let i = 0; i <= cut.segment; i++) {
    const s = layout[i];
    if (s === undefined) continue;
    const end = i === cut.segment ? cut.end : (s.records.at(-1)?.end ?? SEGMENT_HEADER_SIZE);
    const src = await srcFs.open(joinPath(srcDir, s.name), 'r');
    try {
      bytes += (await copyFile(src, end, destFs, joinPath(destDir, s.name))).bytes;
    } finally {
      await src.close();
    }
  }
  await destFs.syncDir(destDir);
  return { lsn: cut.lsn, segments: cut.segment + 1, bytes };
}
