/**
 * `faultline verify <dir> [--json]`: reads a faultline log directory without
 * changing it and says whether it is sound. Every record is checked, and every
 * compressed frame is decompressed (bounded by its declared length) and its
 * records checked. Exit 0: no damage, or only a torn tail (what a crash
 * leaves; opening the log truncates it). Exit 1: mid-log corruption (opening
 * it in the default mode would refuse with ECORRUPT). Exit 2: bad usage, the
 * directory cannot be read, or it holds no segment (nothing to verify is not
 * "OK": a wrong path must not pass).
 */
import type { Command } from 'commander';
import { inspectLog, type RecoveryReport } from '../../engine/index.js';
// Not (yet) a public export: the shape of inspectLog's `frames`.
import type { FrameSummary } from '../../engine/recovery.js';
import { errorCode } from '../../errors.js';
import { NodeFileSystem } from '../../real/node-file-system.js';
import { RealClock } from '../../real/real-clock.js';
import { EXIT_OK, EXIT_USAGE, EXIT_VIOLATION } from '../exit-codes.js';

/** An error as `verify` and `dump` print it: its code once (a Node message often begins with it already), then its message. */
export function describeReadError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCode(err);
  if (code === undefined || message.startsWith(code)) return message;
  return `${code} ${message}`;
}

/** Compressed frames in a log: how many, and their bytes stored and uncompressed. */
export function frameTotals(frames: readonly FrameSummary[]): {
  frames: number;
  records: number;
  storedBytes: number;
  contentBytes: number;
} {
  let records = 0;
  let storedBytes = 0;
  let contentBytes = 0;
  for (const f of frames) {
    records += f.records;
    storedBytes += f.storedBytes;
    contentBytes += f.contentBytes;
  }
  return { frames: frames.length, records, storedBytes, contentBytes };
}

/** "ratio 3.21" of uncompressed to stored bytes. */
export function ratioText(contentBytes: number, storedBytes: number): string {
  return `ratio ${(contentBytes / Math.max(1, storedBytes)).toFixed(2)}`;
}

export function formatVerify(dir: string, report: RecoveryReport, frames: readonly FrameSummary[] = []): string {
  const lines = [`faultline verify: ${dir}`];
  const range = report.firstLsn === undefined ? 'no records' : `LSN ${report.firstLsn}..${report.lastLsn ?? report.firstLsn}`;
  lines.push(`  segments ${report.segments}, records ${report.records} (${range}), ${report.bytes} bytes`);
  if (frames.length > 0) {
    const t = frameTotals(frames);
    lines.push(
      `  compressed frames ${t.frames} (lz4, ${t.records} records, each decompressed and checked): ${t.storedBytes} B stored for ${t.contentBytes} B, ${ratioText(t.contentBytes, t.storedBytes)}`,
    );
  }
  const t = report.transactions;
  if (t.committed > 0 || t.incomplete > 0) {
    const rolledBack =
      t.incomplete === 0 ? '' : `, ${t.incomplete} incomplete (${t.incompleteRecords} data records, no verified commit: rolled back)`;
    lines.push(`  transactions ${t.committed} committed${rolledBack}`);
  }
  for (const f of report.corruption) {
    const what = f.kind === 'torn-tail' ? 'torn tail (a crash; opening the log truncates it)' : 'CORRUPTION';
    lines.push(`  ${what}: ${f.segment} offset ${f.offset}${f.lsn === undefined ? '' : ` (LSN ${f.lsn})`}: ${f.reason}`);
  }
  lines.push(report.corruption.some((f) => f.kind === 'mid-log') ? 'CORRUPT: mid-log damage found' : 'OK');
  return lines.join('\n') + '\n';
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('Check a faultline log directory (read only): exit 0 sound, 1 corrupt, 2 unreadable or no segment')
    .argument('<dir>', 'the log directory')
    .option('--json', 'print the recovery report as JSON')
    .action(async (dir: string, flags: { json?: boolean }) => {
      try {
        const { report, frames } = await inspectLog(new NodeFileSystem(dir), '.', () => new RealClock().now());
        if (report.segments === 0) {
          const message = `no segment found in ${dir}: not a faultline log directory (or an empty one); nothing was verified`;
          if (flags.json) process.stdout.write(JSON.stringify({ ok: false, outcome: 'no-segment', message, report }) + '\n');
          process.stderr.write(`faultline verify: ${message}\n`);
          process.exitCode = EXIT_USAGE;
          return;
        }
        const corrupt = report.corruption.some((f) => f.kind === 'mid-log');
        const out = flags.json
          ? JSON.stringify({ ok: !corrupt, outcome: corrupt ? 'corrupt' : 'ok', report, compression: frameTotals(frames) }) + '\n'
          : formatVerify(dir, report, frames);
        process.stdout.write(out);
        process.exitCode = corrupt ? EXIT_VIOLATION : EXIT_OK;
      } catch (err) {
        process.stderr.write(`faultline verify: cannot read ${dir}: ${describeReadError(err)}\n`);
        process.exitCode = EXIT_USAGE;
      }
    });
}
