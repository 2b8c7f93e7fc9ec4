/**
 * Item 1 and the raw-disk half of item 2: faultline's append throughput and
 * latency for each durability level, record size and number of outstanding
 * appends, on a real temp directory; for durable levels, the raw-disk limit
 * for the very batches faultline produced (WalStats bytesWritten / batches),
 * measured in RAW_ROUNDS interleaved rounds (faultline, raw, faultline, raw,
 * ...): the ratio printed is the median round's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { runClosedLoop } from '../lib/closed-loop.js';
import { durabilityLabel, isDurableLevel, type DurabilitySpec, type EngineModule } from '../lib/modules.js';
import type { DurabilityCell, RawLimit, RawRound } from '../lib/results.js';
import { summarize } from '../lib/stats.js';
import { rawWriteSyncLoop } from './raw-disk.js';

/** Interleaved faultline/raw rounds of a cell with a raw baseline; its ratio is the median round's. */
export const RAW_ROUNDS = 3;

export interface DurabilityPlan {
  levels: DurabilitySpec[];
  recordSizes: number[];
  outstanding: number[];
  durationMs: number;
  maxOps: number;
  /** Which cells get a raw-disk measurement (time is short in quick mode). */
  wantRaw(level: DurabilitySpec, recordBytes: number, outstanding: number): boolean;
  rawDurationMs: number;
}

export interface DurabilityRun {
  cells: DurabilityCell[];
  /** Per cell key `${level}|${bytes}|${outstanding}`: every latency in µs. */
  latencies: Map<string, Float64Array>;
}

export function cellKey(level: string, recordBytes: number, outstanding: number): string {
  return `${level}|${recordBytes}|${outstanding}`;
}

export function measureRawLimit(dir: string, batchBytes: number, appendsPerBatch: number, durationMs: number): RawLimit {
  const common = { dir, batchBytes, durationMs, minOps: 20, maxOps: 200_000 };
  const append = rawWriteSyncLoop({ ...common, layout: 'append' });
  const pre = rawWriteSyncLoop({ ...common, layout: 'preallocated' });
  const best = Math.max(append.syncsPerSec, pre.syncsPerSec);
  return {
    batchBytes: append.batchBytes,
    appendSyncsPerSec: append.syncsPerSec,
    appendP50Us: append.latency.p50Us,
    preallocatedSyncsPerSec: pre.syncsPerSec,
    preallocatedP50Us: pre.latency.p50Us,
    limitAppendsPerSec: best * appendsPerBatch,
  };
}

export async function runDurabilitySuite(
  engine: EngineModule,
  plan: DurabilityPlan,
  tmpRoot: string,
  log: (line: string) => void,
): Promise<DurabilityRun> {
  const cells: DurabilityCell[] = [];
  const latencies = new Map<string, Float64Array>();
  for (const level of plan.levels) {
    const label = durabilityLabel(level);
    for (const recordBytes of plan.recordSizes) {
      const payload = new Uint8Array(recordBytes);
      for (let i = 0; i < recordBytes; i++) payload[i] = (i * 131 + 17) & 0xff;
      for (const outstanding of plan.outstanding) {
        const dir = await mkdtemp(path.join(tmpRoot, 'wal-'));
        try {
          const wantRaw = isDurableLevel(level) && plan.wantRaw(level, recordBytes, outstanding);
          // Cells with a raw baseline run in RAW_ROUNDS interleaved rounds
          // (faultline, then raw for that round's batches), so both sides of
          // each ratio are measured seconds apart on this shared machine.
          const rounds = wantRaw ? RAW_ROUNDS : 1;
          const env = { fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'wal' };
          const parts: Array<{ ops: number; elapsedNs: number; latenciesUs: Float64Array }> = [];
          const rawRounds: RawRound[] = [];
          const totals = { appends: 0, batches: 0, fsyncs: 0, bytesWritten: 0 };
          for (let r = 0; r < rounds; r++) {
            // The log is closed before each raw loop: close waits for the
            // engine's background work (segment preallocation), which would
            // otherwise share the disk with the raw loop.
            const wal = await engine.Wal.open(env, { durability: level });
            let run;
            try {
              run = await runClosedLoop(() => wal.append(payload), {
                outstanding,
                durationMs: plan.durationMs / rounds,
                minOps: Math.max(outstanding * 4, 50),
                maxOps: Math.floor(plan.maxOps / rounds),
              });
            } finally {
              await wal.close();
            }
            parts.push(run);
            const st = wal.stats();
            totals.appends += run.ops;
            totals.batches += st.batches;
            totals.fsyncs += st.fsyncs;
            totals.bytesWritten += st.bytesWritten;
            if (wantRaw && st.batches > 0) {
              const raw = measureRawLimit(dir, st.bytesWritten / st.batches, run.ops / st.batches, plan.rawDurationMs / rounds);
              rawRounds.push({ opsPerSec: run.opsPerSec, p50Us: run.latency.p50Us, raw });
            }
          }
          const ops = parts.reduce((n, x) => n + x.ops, 0);
          const elapsedNs = parts.reduce((n, x) => n + x.elapsedNs, 0);
          const all = new Float64Array(ops);
          let at = 0;
          for (const x of parts) {
            all.set(x.latenciesUs, at);
            at += x.latenciesUs.length;
          }
          const opsPerSec = (ops * 1e9) / elapsedNs;
          const batches = Math.max(1, totals.batches);
          const appendsPerBatch = totals.appends / batches;
          const avgBatchBytes = totals.bytesWritten / batches;
          const cell: DurabilityCell = {
            level: label,
            durability: { ...level },
            durableAppend: isDurableLevel(level),
            recordBytes,
            outstanding,
            ops,
            opsPerSec,
            mbPerSec: (opsPerSec * recordBytes) / 1e6,
            latency: summarize(all),
            batches: totals.batches,
            fsyncs: totals.fsyncs,
            bytesWritten: totals.bytesWritten,
            appendsPerBatch,
            avgBatchBytes,
          };
          const median = medianRound(rawRounds, (x) => x.opsPerSec / x.raw.limitAppendsPerSec);
          if (median !== undefined) {
            cell.rawRounds = rawRounds;
            cell.raw = median.raw;
            cell.ratioToRaw = median.opsPerSec / median.raw.limitAppendsPerSec;
          }
          cells.push(cell);
          latencies.set(cellKey(label, recordBytes, outstanding), all);
          log(
            `  ${label.padEnd(28)} ${String(recordBytes).padStart(6)} B x${String(outstanding).padEnd(3)} ` +
              `${Math.round(opsPerSec).toString().padStart(8)} appends/s  p50 ${cell.latency.p50Us.toFixed(0)} µs  ` +
              `p99 ${cell.latency.p99Us.toFixed(0)} µs  ${appendsPerBatch.toFixed(1)}/batch` +
              (cell.ratioToRaw !== undefined
                ? `  ${cell.ratioToRaw.toFixed(2)}x raw (rounds: ${rawRounds.map((x) => (x.opsPerSec / x.raw.limitAppendsPerSec).toFixed(2)).join(', ')})`
                : ''),
          );
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
  }
  return { cells, latencies };
}

/** The round whose `key` is the median (the lower middle for an even count); undefined for none. */
export function medianRound<T>(rounds: readonly T[], key: (x: T) => number): T | undefined {
  if (rounds.length === 0) return undefined;
  const sorted = [...rounds].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
