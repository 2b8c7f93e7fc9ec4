/**
 * `faultline recovery-points <dir>`: the log's segments with their LSN ranges
 * and restore points (reads only).
 *
 * `faultline restore <dir> --to-lsn N --out <out> [--store]`: a new log (with
 * --store: a new store directory, snapshot and log) holding exactly what was
 * committed at or before the newest restore point at or below N; the source,
 * a live directory not open in another process or a backup, is only read.
 * Restoring by time is not offered yet (records carry no commit time).
 *
 * Exit 0 done; 1 the source is damaged (ECORRUPT); 2 usage (a target outside
 * the log's points, a destination that is not empty, unreadable paths).
 */
import { basename, dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { recoveryPoints, restoreToLsn } from '../../engine/restore.js';
import { isWalError, WalError } from '../../errors.js';
import { NodeFileSystem } from '../../real/node-file-system.js';
import { RealClock } from '../../real/real-clock.js';
import { restoreStoreToLsn } from '../../store/restore-store.js';
import { EXIT_OK, EXIT_USAGE, EXIT_VIOLATION } from '../exit-codes.js';
import { intOption } from './check.js';
import { describeReadError } from './verify.js';

function fail(command: string, err: unknown): void {
  process.stderr.write(`faultline ${command}: ${err instanceof WalError ? err.message : describeReadError(err)}\n`);
  process.exitCode = isWalError(err, 'ECORRUPT') ? EXIT_VIOLATION : EXIT_USAGE;
}

const clockNow = (): number => new RealClock().now();

export function registerRestoreCommands(program: Command): void {
  program
    .command('recovery-points')
    .description("List a log's segments with their LSN ranges and restore points (read only)")
    .argument('<dir>', 'a log directory (or a backup)')
    .option('--json', 'print JSON')
    .action(async (dir: string, flags: { json?: boolean }) => {
      try {
        const p = await recoveryPoints(new NodeFileSystem(dir), '.', clockNow);
        if (flags.json === true) {
          process.stdout.write(`${JSON.stringify(p)}\n`);
        } else {
          const lines = [`faultline recovery-points: ${dir}`];
          for (const s of p.segments) {
            const points = s.points === undefined ? 'no restore point' : `restore points ${s.points.oldest}..${s.points.newest}`;
            lines.push(`  ${s.name}  LSN ${s.firstLsn}..${s.lastLsn ?? '-'}  ${s.records} records, ${points}`);
          }
          lines.push(
            p.oldest === undefined
              ? '  no restore point'
              : `  restore to any LSN from ${p.oldest} to ${p.newest} (the newest point at or below it is used)`,
          );
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        process.exitCode = EXIT_OK;
      } catch (err) {
        fail('recovery-points', err);
      }
    });
  program
    .command('restore')
    .description('Write a new log (or store) holding exactly what was committed up to an LSN; the source is only read')
    .argument('<dir>', 'the source: a log directory (a store directory with --store), or a backup')
    .addOption(new Option('--to-lsn <n>', 'the target LSN').argParser(intOption('--to-lsn', 1)).makeOptionMandatory())
    .requiredOption('--out <dir>', 'the new directory: empty or absent')
    .option('--store', 'the source is a store directory (in-memory state): its snapshot is restored with its log')
    .action(async (dir: string, flags: { toLsn: number; out: string; store?: boolean }) => {
      try {
        const out = resolve(flags.out);
        const dest = { fs: new NodeFileSystem(dirname(out)), dir: basename(out) };
        const src = new NodeFileSystem(dir);
        const r =
          flags.store === true
            ? await restoreStoreToLsn(src, '.', dest.fs, dest.dir, flags.toLsn, clockNow)
            : await restoreToLsn(src, '.', dest.fs, dest.dir, flags.toLsn, clockNow);
        const snapshot = 'snapshotLsn' in r && r.snapshotLsn !== undefined ? `, the snapshot at LSN ${r.snapshotLsn}` : '';
        process.stdout.write(
          `faultline restore: ${dir} -> ${flags.out}: up to LSN ${r.lsn} (target ${flags.toLsn}), ${r.segments} segments, ${r.bytes} bytes${snapshot}\n`,
        );
        process.exitCode = EXIT_OK;
      } catch (err) {
        fail('restore', err);
      }
    });
}
