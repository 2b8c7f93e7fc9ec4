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
 * transaction restores the transactions committed before it).
 *
 * Restoring to a time needs a log written with `timestamps` (format v4 time
 * marks: each batch carries the wall-clock time it was encoded at, so a
 * transaction's records share one time, its commit time). The restore is
 * still a prefix of the log: it stops before the first restore point stamped
 * later than the target, as PostgreSQL's recovery_target_time stops at the
 * first commit after it. With a wall clock that jumped backwards, a later
 * point stamped at or before the target is therefore not included.
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
    /** The commit times (wall-clock ms) of its first and last restore points; undefined when they carry none (no timestamps). */
    times: { first: number; last: number } | undefined;
  }[];
  /** The oldest and newest restore points of the log (undefined: none). */
  oldest: number | undefined;
  newest: number | undefined;
  /** The commit times of the oldest and newest restore points that carry one (undefined: none does). */
  oldestTime: number | undefined;
  newestTime: number | undefined;
}

interface Cut {
  segment: number;
  lsn: number;
  end: number;
  /** The commit time of the records this point ends (their batch's time mark); undefined: written without timestamps. */
  timeMs: number | undefined;
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
    let mark = 0; // the index of the first of the segment's marks not yet passed
    let timeMs: number | undefined;
    s.records.forEach((r, i) => {
      for (; mark < s.times.length && (s.times[mark]?.lsn ?? Infinity) <= r.lsn; mark++) timeMs = s.times[mark]?.wallMs;
      const next = s.records[i + 1];
      if (r.txn === TXN_DATA) return; // inside a transaction
      if (next !== undefined && next.end === r.end) return; // inside a compressed frame with later records
      cuts.push({ segment, lsn: r.lsn, end: r.end, timeMs });
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
    const firstTime = first?.timeMs;
    const lastTime = last?.timeMs;
    return {
      name: s.name,
      firstLsn: s.firstLsn,
      lastLsn: s.records.at(-1)?.lsn,
      records: s.records.length,
      points: first === undefined || last === undefined ? undefined : { oldest: first.lsn, newest: last.lsn },
      times: firstTime === undefined || lastTime === undefined ? undefined : { first: firstTime, last: lastTime },
    };
  });
  const timed = cuts.filter((c) => c.timeMs !== undefined);
  return {
    segments,
    oldest: cuts[0]?.lsn,
    newest: cuts.at(-1)?.lsn,
    oldestTime: timed[0]?.timeMs,
    newestTime: timed.at(-1)?.timeMs,
  };
}

/** What a time resolves to: the restore point used and its commit time. */
export interface TimeTarget {
  lsn: number;
  timeMs: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The restore point a restore to `targetMs` (wall-clock ms) uses: the last of
 * the log's points before the first one stamped later than the target. EINVAL
 * when the target is before the oldest point's time or after the newest's,
 * and when the answer depends on points written without timestamps (a log
 * that took timestamps only from some segment on, or stopped taking them).
 */
export async function lsnForTime(fs: FileSystem, dir: string, targetMs: number, clockNow: () => number): Promise<TimeTarget> {
  if (!Number.isFinite(targetMs))
    throw new WalError('EINVAL', `restore: the target time must be a finite number of milliseconds, got ${String(targetMs)}`);
  const { cuts } = await scanPoints(fs, dir, clockNow);
  if (cuts.length === 0) throw new WalError('EINVAL', `restore: ${dir} holds no restore point (no record)`);
  const timed = cuts.filter((c) => c.timeMs !== undefined);
  const firstTimed = timed[0];
  const lastTimed = timed.at(-1);
  if (firstTimed?.timeMs === undefined || lastTimed?.timeMs === undefined) {
    throw new WalError('EINVAL', `restore: ${dir} carries no commit times (it was written without timestamps); restore to an LSN instead`);
  }
  const details = { targetMs, oldestTime: firstTimed.timeMs, newestTime: lastTimed.timeMs };
  let used: Cut | undefined;
  for (const c of cuts) {
    if (c.timeMs === undefined) {
      if (used === undefined && c.lsn < firstTimed.lsn) {
        // Points before the first stamped one: committed before it, but when is unknown.
        if (targetMs < firstTimed.timeMs) {
          throw new WalError(
            'EINVAL',
            `restore: ${iso(targetMs)} is before the oldest commit time ${iso(firstTimed.timeMs)} (LSN ${firstTimed.lsn}), and the points before it carry no time (written without timestamps); restore to an LSN instead`,
            { details },
          );
        }
        continue;
      }
      throw new WalError(
        'EINVAL',
        `restore: the points from LSN ${c.lsn} on carry no commit time (written without timestamps), so whether they were committed by ${iso(targetMs)} is unknown; restore to an LSN instead`,
        { details: { ...details, unstampedFrom: c.lsn } },
      );
    }
    if (c.timeMs > targetMs) break;
    used = c;
  }
  if (used === undefined) {
    throw new WalError(
      'EINVAL',
      `restore: ${iso(targetMs)} is before the oldest commit time ${iso(firstTimed.timeMs)} (LSN ${firstTimed.lsn}; older records were released or never written)`,
      { details },
    );
  }
  if (used === cuts.at(-1) && targetMs > lastTimed.timeMs) {
    throw new WalError(
      'EINVAL',
      `restore: ${iso(targetMs)} is after the newest commit time ${iso(lastTimed.timeMs)} (LSN ${lastTimed.lsn}); to restore everything, restore to LSN ${lastTimed.lsn}`,
      { details },
    );
  }
  return { lsn: used.lsn, timeMs: used.timeMs ?? firstTimed.timeMs };
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

/**
 * Writes into destDir (empty or absent) a log holding exactly the source's
 * records committed at or before `targetMs`, as lsnForTime resolves it; the
 * result also says the commit time of the restore point used.
 */
export async function restoreToTime(
  srcFs: FileSystem,
  srcDir: string,
  destFs: FileSystem,
  destDir: string,
  targetMs: number,
  clockNow: () => number,
): Promise<RestoreResult & { timeMs: number }> {
  const target = await lsnForTime(srcFs, srcDir, targetMs, clockNow);
  const r = await restoreToLsn(srcFs, srcDir, destFs, destDir, target.lsn, clockNow);
  return { ...r, timeMs: target.timeMs };
}
