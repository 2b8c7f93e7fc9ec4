/**
 * Item 1 and the raw-disk half of item 2: faultline's append throughput and
 * latency for each durability level, record size and number of outstanding
 * appends, on a real temp directory; for durable levels, the raw-disk limit
 * for the very batches faultline produced (WalStats bytesWritten / batches),
 * measured right after the cell and again after all cells (best of the two).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { runClosedLoop } from '../lib/closed-loop.js';
import { durabilityLabel, isDurableLevel, type DurabilitySpec, type EngineModule } from '../lib/modules.js';
import type { DurabilityCell, RawLimit } from '../lib/results.js';
import { rawWriteSyncLoop } from './raw-disk.js';

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
          const env = { fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'wal' };
          const wal = await engine.Wal.open(env, { durability: level });
          let run;
          try {
            run = await runClosedLoop(() => wal.append(payload), {
              outstanding,
              durationMs: plan.durationMs,
              minOps: Math.max(outstanding * 4, 50),
              maxOps: plan.maxOps,
            });
          } finally {
            await wal.close();
          }
          const st = wal.stats();
          const batches = Math.max(1, st.batches);
          const appendsPerBatch = run.ops / batches;
          const avgBatchBytes = st.bytesWritten / batches;
          const cell: DurabilityCell = {
            level: label,
            durability: { ...level },
            durableAppend: isDurableLevel(level),
            recordBytes,
            outstanding,
            ops: run.ops,
            opsPerSec: run.opsPerSec,
            mbPerSec: (run.opsPerSec * recordBytes) / 1e6,
            latency: run.latency,
            batches: st.batches,
            fsyncs: st.fsyncs,
            bytesWritten: st.bytesWritten,
            appendsPerBatch,
            avgBatchBytes,
          };
          if (isDurableLevel(level) && plan.wantRaw(level, recordBytes, outstanding) && st.batches > 0) {
            cell.raw = measureRawLimit(dir, avgBatchBytes, appendsPerBatch, plan.rawDurationMs);
            cell.ratioToRaw = run.opsPerSec / cell.raw.limitAppendsPerSec;
          }
          cells.push(cell);
          latencies.set(cellKey(label, recordBytes, outstanding), Float64Array.from(run.latenciesUs));
          log(
            `  ${label.padEnd(28)} ${String(recordBytes).padStart(6)} B x${String(outstanding).padEnd(3)} ` +
              `${Math.round(run.opsPerSec).toString().padStart(8)} appends/s  p50 ${run.latency.p50Us.toFixed(0)} µs  ` +
              `p99 ${run.latency.p99Us.toFixed(0)} µs  ${appendsPerBatch.toFixed(1)}/batch` +
              (cell.ratioToRaw !== undefined ? `  ${cell.ratioToRaw.toFixed(2)}x raw` : ''),
          );
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
  }
  // A second raw pass once every cell ran: the limit is the best of the two
  // passes, so a load spike from elsewhere during one raw loop cannot make
  // faultline look better than the disk allows.
  for (const cell of cells) {
    if (cell.raw === undefined) continue;
    const dir = await mkdtemp(path.join(tmpRoot, 'raw-'));
    try {
      const again = measureRawLimit(dir, cell.avgBatchBytes, cell.appendsPerBatch, plan.rawDurationMs);
      cell.raw = bestRawLimit(cell.raw, again);
      cell.ratioToRaw = cell.opsPerSec / cell.raw.limitAppendsPerSec;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { cells, latencies };
}

/** The better of two raw measurements of the same batch: highest rates, lowest p50s. */
export function bestRawLimit(a: RawLimit, b: RawLimit): RawLimit {
  if (a.batchBytes !== b.batchBytes) throw new RangeError(`raw limits of different batches: ${a.batchBytes} and ${b.batchBytes}`);
  return {
    batchBytes: a.batchBytes,
    appendSyncsPerSec: Math.max(a.appendSyncsPerSec, b.appendSyncsPerSec),
    appendP50Us: Math.min(a.appendP50Us, b.appendP50Us),
    preallocatedSyncsPerSec: Math.max(a.preallocatedSyncsPerSec, b.preallocatedSyncsPerSec),
    preallocatedP50Us: Math.min(a.preallocatedP50Us, b.preallocatedP50Us),
    limitAppendsPerSec: Math.max(a.limitAppendsPerSec, b.limitAppendsPerSec),
  };
}
