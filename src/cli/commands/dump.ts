/**
 * `faultline dump <dir> [--json] [--limit N]`: prints a faultline log
 * directory (read only): its segments, then each record's LSN, length and the
 * start of its payload (text when printable, else hex), each compressed
 * frame (where, which records, lz4, bytes stored and uncompressed), then any
 * damage found. Exit 0, or 2 when the directory cannot be read.
 */
import type { Command } from 'commander';
import { inspectLog } from '../../engine/index.js';
import { NodeFileSystem } from '../../real/node-file-system.js';
import { RealClock } from '../../real/real-clock.js';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import { intOption } from './check.js';
import { describeReadError, ratioText } from './verify.js';

const PREVIEW_BYTES = 48;

export function previewPayload(data: Uint8Array): string {
  const head = data.subarray(0, PREVIEW_BYTES);
  const printable = head.every((b) => b === 9 || b === 10 || (b >= 32 && b < 127));
  const more = data.length > PREVIEW_BYTES ? '…' : '';
  if (printable) return JSON.stringify(new TextDecoder().decode(head)) + more;
  return Array.from(head, (b) => b.toString(16).padStart(2, '0')).join('') + more;
}

export function registerDumpCommand(program: Command): void {
  program
    .command('dump')
    .description('Print the segments and records of a faultline log directory (read only)')
    .argument('<dir>', 'the log directory')
    .option('--json', 'one JSON object: segments, records (payload as base64), report')
    .option('--limit <n>', 'print at most n records', intOption('--limit', 0))
    .action(async (dir: string, flags: { json?: boolean; limit?: number }) => {
      try {
        const { report, records, segments, frames } = await inspectLog(new NodeFileSystem(dir), '.', () => new RealClock().now());
        const shown = flags.limit === undefined ? records : records.slice(0, flags.limit);
        if (flags.json) {
          const out = {
            segments,
            records: shown.map((r) => ({ lsn: r.lsn, bytes: r.data.length, base64: Buffer.from(r.data).toString('base64') })),
            frames,
            report,
          };
          process.stdout.write(JSON.stringify(out) + '\n');
        } else {
          const lines = [`faultline dump: ${dir}`];
          for (const s of segments) {
            lines.push(`segment ${s.name} first LSN ${s.firstLsn} max record ${s.maxRecordSize} B format v${s.formatVersion}`);
          }
          for (const f of frames) {
            const lsns = `LSN ${f.firstLsn}..${f.firstLsn + f.records - 1} (${f.records} records)`;
            lines.push(
              `frame ${f.segment} offset ${f.offset}: ${lsns}, ${f.codec} ${f.storedBytes} B stored for ${f.contentBytes} B, ${ratioText(f.contentBytes, f.storedBytes)}`,
            );
          }
          for (const r of shown) lines.push(`  ${r.lsn}\t${r.data.length} B\t${previewPayload(r.data)}`);
          if (shown.length < records.length) lines.push(`  ... ${records.length - shown.length} more records`);
          for (const f of report.corruption) lines.push(`${f.kind} in ${f.segment} at offset ${f.offset}: ${f.reason}`);
          process.stdout.write(lines.join('\n') + '\n');
        }
        process.exitCode = EXIT_OK;
      } catch (err) {
        process.stderr.write(`faultline dump: cannot read ${dir}: ${describeReadError(err)}\n`);
        process.exitCode = EXIT_USAGE;
      }
    });
}
