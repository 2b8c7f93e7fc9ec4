/**
 * `faultline recovery-points <dir>`: the log's segments with their LSN ranges
 * and restore points (reads only).
 *
 * `faultline restore <dir> --to-lsn N | --to-time ISO8601 --out <out> [--store]`:
 * a new log (with --store: a new store directory, snapshot and log) holding
 * exactly what was committed at or before the newest restore point at or
 * below N, or (a log written with timestamps) before the first restore point
 * stamped later than the time; the source, a live directory not open in
 * another process or a backup, is only read.
 *
 * Exit 0 done; 1 the source is damaged (ECORRUPT); 2 usage (a target outside
 * the log's points, a destination that is not empty, unreadable paths).
 */
import { basename, dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { MANIFEST_NAME } from '../../engine/backup-manifest.js';
import { verifyBackup } from '../../engine/backup.js';
import { recoveryPoints, restoreToLsn, restoreToTime } from '../../engine/restore.js';
import { segmentUnion } from '../../engine/segment-union.js';
import type { FileSystem } from '../../ports.js';
import { isWalError, WalError } from '../../errors.js';
import { NodeFileSystem } from '../../real/node-file-system.js';
import { RealClock } from '../../real/real-clock.js';
import { restoreStoreToLsn, restoreStoreToTime } from '../../store/restore-store.js';
import { EXIT_OK, EXIT_USAGE, EXIT_VIOLATION } from '../exit-codes.js';
import { intOption } from './check.js';
import { describeReadError } from './verify.js';

function fail(command: string, err: unknown): void {
  process.stderr.write(`faultline ${command}: ${err instanceof WalError ? err.message : describeReadError(err)}\n`);
  process.exitCode = isWalError(err, 'ECORRUPT') ? EXIT_VIOLATION : EXIT_USAGE;
}

const clockNow = (): number => new RealClock().now();

/**
 * The source a restore reads: the directory itself, or (with --archive) the
 * directory, verified against its manifest when it is a backup, read
 * together with the archived segments (segment-union.ts) as the log `.`.
 */
async function sourceOf(dir: string, archives: readonly string[] | undefined, store: boolean): Promise<{ fs: FileSystem; dir: string }> {
  const fs = new NodeFileSystem(dir);
  if (archives === undefined || archives.length === 0) return { fs, dir: '.' };
  if (store) throw new WalError('EINVAL', '--archive is not offered with --store yet: restore the store from its backup alone');
  if ((await fs.readdir('.')).includes(MANIFEST_NAME)) await verifyBackup(fs, '.');
  const union = await segmentUnion([{ fs, dir: '.' }, ...archives.map((a) => ({ fs: new NodeFileSystem(a), dir: '.' }))]);
  return { fs: union, dir: '.' };
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 date and time with its zone (Z or ±hh:mm), to milliseconds
 * since the epoch. A time without a zone is refused rather than read in the
 * machine's local zone, and so is a date that does not exist (February 30).
 */
export function parseIsoTime(text: string): number {
  const m = ISO_TIME.exec(text);
  const bad = (why: string): WalError =>
    new WalError('EINVAL', `--to-time: ${JSON.stringify(text)} ${why} (e.g. 2026-12-03T19:30:00Z or 2026-12-03T20:30:00+01:00)`);
  if (m === null) throw bad('is not an ISO 8601 date and time with a zone');
  const n = (k: number): number => Number(m[k] ?? 0);
  const [year, month, day, hour, minute, second] = [n(1), n(2) - 1, n(3), n(4), n(5), n(6)];
  const millis = Number((m[7] ?? '').padEnd(3, '0'));
  const local = Date.UTC(year, month, day, hour, minute, second, millis);
  const check = new Date(local);
  const same =
    check.getUTCFullYear() === year &&
    check.getUTCMonth() === month &&
    check.getUTCDate() === day &&
    check.getUTCHours() === hour &&
    check.getUTCMinutes() === minute &&
    check.getUTCSeconds() === second;
  if (!same) throw bad('names a date or time that does not exist');
  const zone = m[8] ?? 'Z';
  const offsetMinutes = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return local - offsetMinutes * 60_000;
}

export function registerRestoreCommands(program: Command): void {
  program
    .command('recovery-points')
    .description("List a log's segments with their LSN ranges and restore points (read only)")
    .argument('<dir>', 'a log directory (or a backup)')
    .option('--json', 'print JSON')
    .option('--archive <dirs...>', 'directories of segments archived after the backup <dir>, read with it as one log')
    .action(async (dir: string, flags: { json?: boolean; archive?: string[] }) => {
      try {
        const { fs } = await sourceOf(dir, flags.archive, false);
        const p = await recoveryPoints(fs, '.', clockNow);
        if (flags.json === true) {
          process.stdout.write(`${JSON.stringify(p)}\n`);
        } else {
          const lines = [`faultline recovery-points: ${dir}`];
          for (const s of p.segments) {
            const points = s.points === undefined ? 'no restore point' : `restore points ${s.points.oldest}..${s.points.newest}`;
            const times =
              s.times === undefined ? '' : `, committed ${new Date(s.times.first).toISOString()}..${new Date(s.times.last).toISOString()}`;
            lines.push(`  ${s.name}  LSN ${s.firstLsn}..${s.lastLsn ?? '-'}  ${s.records} records, ${points}${times}`);
          }
          lines.push(
            p.oldest === undefined
              ? '  no restore point'
              : `  restore to any LSN from ${p.oldest} to ${p.newest} (the newest point at or below it is used)`,
          );
          if (p.oldestTime !== undefined && p.newestTime !== undefined) {
            lines.push(
              `  restore to any time from ${new Date(p.oldestTime).toISOString()} to ${new Date(p.newestTime).toISOString()} (the log up to the first commit after it)`,
            );
          }
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        process.exitCode = EXIT_OK;
      } catch (err) {
        fail('recovery-points', err);
      }
    });
  program
    .command('restore')
    .description('Write a new log (or store) holding exactly what was committed up to an LSN or a time; the source is only read')
    .argument('<dir>', 'the source: a log directory (a store directory with --store), or a backup')
    .addOption(new Option('--to-lsn <n>', 'the target LSN').argParser(intOption('--to-lsn', 1)).conflicts('toTime'))
    .addOption(new Option('--to-time <iso8601>', 'the target time, with its zone (a log written with timestamps)').argParser(parseIsoTime))
    .requiredOption('--out <dir>', 'the new directory: empty or absent')
    .option('--store', 'the source is a store directory (in-memory state): its snapshot is restored with its log')
    .option('--archive <dirs...>', 'directories of segments archived after the backup <dir>, read with it as one log')
    .action(async (dir: string, flags: { toLsn?: number; toTime?: number; out: string; store?: boolean; archive?: string[] }) => {
      try {
        if (flags.toLsn === undefined && flags.toTime === undefined) {
          throw new WalError('EINVAL', 'restore needs a target: --to-lsn N or --to-time ISO8601');
        }
        const out = resolve(flags.out);
        const dest = { fs: new NodeFileSystem(dirname(out)), dir: basename(out) };
        const store = flags.store === true;
        const { fs: src } = await sourceOf(dir, flags.archive, store);
        let r: { lsn: number; segments: number; bytes: number; snapshotLsn?: number | undefined; timeMs?: number };
        let target: string;
        if (flags.toTime !== undefined) {
          r = store
            ? await restoreStoreToTime(src, '.', dest.fs, dest.dir, flags.toTime, clockNow)
            : await restoreToTime(src, '.', dest.fs, dest.dir, flags.toTime, clockNow);
          target = `target ${new Date(flags.toTime).toISOString()}; last commit ${new Date(r.timeMs ?? 0).toISOString()}`;
        } else {
          const lsn = flags.toLsn ?? 0;
          r = store
            ? await restoreStoreToLsn(src, '.', dest.fs, dest.dir, lsn, clockNow)
            : await restoreToLsn(src, '.', dest.fs, dest.dir, lsn, clockNow);
          target = `target ${lsn}`;
        }
        const snapshot = r.snapshotLsn !== undefined ? `, the snapshot at LSN ${r.snapshotLsn}` : '';
        process.stdout.write(
          `faultline restore: ${dir} -> ${flags.out}: up to LSN ${r.lsn} (${target}), ${r.segments} segments, ${r.bytes} bytes${snapshot}\n`,
        );
        process.exitCode = EXIT_OK;
      } catch (err) {
        fail('restore', err);
      }
    });
}
