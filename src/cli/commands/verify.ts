/**
 * `faultline verify <dir> [--json]`: reads a faultline log directory without
 * changing it and says whether it is sound. Exit 0: no damage, or only a torn
 * tail (what a crash leaves; opening the log truncates it). Exit 1: mid-log
 * corruption (opening it in the default mode would refuse with ECORRUPT).
 * Exit 2: bad usage, or the directory cannot be read.
 */
import type { Command } from 'commander';
import { inspectLog, type RecoveryReport } from '../../engine/index.js';
import { errorCode } from '../../errors.js';
import { NodeFileSystem } from '../../real/node-file-system.js';
import { RealClock } from '../../real/real-clock.js';
import { EXIT_OK, EXIT_USAGE, EXIT_VIOLATION } from '../exit-codes.js';

export function formatVerify(dir: string, report: RecoveryReport): string {
  const lines = [`faultline verify: ${dir}`];
  const range = report.firstLsn === undefined ? 'no records' : `LSN ${report.firstLsn}..${report.lastLsn ?? report.firstLsn}`;
  lines.push(`  segments ${report.segments}, records ${report.records} (${range}), ${report.bytes} bytes`);
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
    .description('Check a faultline log directory (read only): exit 0 sound, 1 corrupt, 2 unreadable')
    .argument('<dir>', 'the log directory')
    .option('--json', 'print the recovery report as JSON')
    .action(async (dir: string, flags: { json?: boolean }) => {
      try {
        const { report } = await inspectLog(new NodeFileSystem(dir), '.', () => new RealClock().now());
        const corrupt = report.corruption.some((f) => f.kind === 'mid-log');
        process.stdout.write(flags.json ? JSON.stringify({ ok: !corrupt, report }) + '\n' : formatVerify(dir, report));
        process.exitCode = corrupt ? EXIT_VIOLATION : EXIT_OK;
      } catch (err) {
        process.stderr.write(`faultline verify: cannot read ${dir}: ${errorCode(err) ?? ''} ${(err as Error).message}\n`);
        process.exitCode = EXIT_USAGE;
      }
    });
}
