/**
 * Item 6: peak RSS under overload, the bounded queue against the same load
 * unbounded. Each mode runs in its own child process (bench/child/memory-overload.ts)
 * so one run's heap does not inflate the other's peak.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemoryRow } from '../lib/results.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.resolve(HERE, '..', 'child', 'memory-overload.ts');

/**
 * The engine options of each mode. "bounded" is the engine's default queue
 * (10,000 appends / 64 MiB, policy reject); "unbounded" sets both bounds beyond
 * anything the load reaches.
 */
export function overloadOptions(mode: 'bounded' | 'unbounded'): Record<string, unknown> {
  return mode === 'bounded'
    ? { durability: { kind: 'groupCommit' } }
    : { durability: { kind: 'groupCommit' }, maxQueueDepth: Number.MAX_SAFE_INTEGER, maxQueueBytes: Number.MAX_SAFE_INTEGER };
}

export function runMemorySuite(records: number, recordBytes: number, tmpRoot: string, log: (line: string) => void): MemoryRow[] {
  const rows: MemoryRow[] = [];
  for (const mode of ['bounded', 'unbounded'] as const) {
    let out: string;
    try {
      out = execFileSync(process.execPath, ['--import', 'tsx', CHILD, mode, String(records), String(recordBytes), tmpRoot], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 5 * 60_000,
        maxBuffer: 1 << 20,
      });
    } catch (err) {
      const e = err as Error & { stderr?: string };
      throw new Error(`memory child (${mode}) failed: ${(e.stderr ?? e.message).trim().split('\n').slice(0, 2).join(' ')}`);
    }
    const line = out.trim().split('\n').pop() ?? '';
    const r = JSON.parse(line) as {
      options: Record<string, unknown>;
      appendsIssued: number;
      appendsResolved: number;
      appendsRejected: number;
      peakRssKiB: number;
      baselineRssKiB: number;
      rssSource: string;
    };
    const row: MemoryRow = {
      mode,
      options: r.options,
      appendsIssued: r.appendsIssued,
      appendsResolved: r.appendsResolved,
      appendsRejected: r.appendsRejected,
      peakRssMiB: r.peakRssKiB / 1024,
      baselineRssMiB: r.baselineRssKiB / 1024,
      rssSource: r.rssSource,
    };
    rows.push(row);
    log(
      `  ${mode.padEnd(9)} peak RSS ${row.peakRssMiB.toFixed(0)} MiB (start ${row.baselineRssMiB.toFixed(0)} MiB), ` +
        `${row.appendsResolved} resolved, ${row.appendsRejected} rejected of ${row.appendsIssued}`,
    );
  }
  return rows;
}
