/**
 * The roadmap's store target, "10,000+ txn/s", one row per faultline state
 * store: the best commits/s over the measured concurrencies of 1-write
 * transactions, against 10,000. When it is missed, storeTargetNotes says how
 * far and what the run shows about why (commits per fdatasync, fdatasyncs per
 * second, CPU per commit). Pure: the same results always give the same rows.
 */
import type { BenchResults, StoreCell } from './results.js';
import { evaluateTarget, type TargetResult } from './targets.js';

export const STORE_TARGET_TXN_PER_SEC = 10_000;
export const STORE_TARGET_WRITES = 1;
/** The faultline rows of the store suite (bench/suites/store-systems.ts). */
export const STORE_TARGET_SYSTEMS = ['faultline store (memory state)', 'faultline store (LMDB state)'] as const;

type Measured = Extract<StoreCell, { commitsPerSec: number }>;

/** The fastest measured cell of a system at a write count. */
export function bestStoreCell(r: Pick<BenchResults, 'store'>, system: string, writes = STORE_TARGET_WRITES): Measured | undefined {
  if (r.store?.status !== 'ok') return undefined;
  return r.store.data.cells
    .filter((c): c is Measured => c.system === system && c.writesPerTxn === writes && !('skipped' in c))
    .sort((a, b) => b.commitsPerSec - a.commitsPerSec)[0];
}

/** The cell of a system at the highest measured concurrency, at a write count. */
function bestStoreCellAt(r: Pick<BenchResults, 'store'>, system: string, writes = STORE_TARGET_WRITES): Measured | undefined {
  if (r.store?.status !== 'ok') return undefined;
  return r.store.data.cells
    .filter((c): c is Measured => c.system === system && c.writesPerTxn === writes && !('skipped' in c))
    .sort((a, b) => b.concurrency - a.concurrency)[0];
}

export function storeTargets(r: Pick<BenchResults, 'store'>): TargetResult[] {
  return STORE_TARGET_SYSTEMS.map((system) => {
    const spec = {
      id: `store-txn-per-sec-${system.includes('LMDB') ? 'lmdb' : 'memory'}`,
      description: `${system}, ${STORE_TARGET_WRITES}-write transactions, durable commits/s at the best measured concurrency vs the roadmap's 10,000+ txn/s`,
      rule: 'atLeast' as const,
      threshold: 1,
      referenceLabel: '10,000 txn/s',
    };
    const s = r.store;
    if (s === undefined || s.status !== 'ok') {
      return evaluateTarget(spec, {
        measured: null,
        reference: null,
        skippedReason: s === undefined ? 'store suite not run' : `store skipped: ${s.reason}`,
      });
    }
    const best = bestStoreCell(r, system);
    if (best === undefined) {
      const skipped = s.data.cells.find((c) => c.system === system && 'skipped' in c);
      const reason = skipped !== undefined && 'skipped' in skipped ? skipped.skipped : `no ${STORE_TARGET_WRITES}-write cell of ${system}`;
      return evaluateTarget(spec, { measured: null, reference: null, skippedReason: reason });
    }
    return evaluateTarget(
      { ...spec, description: `${spec.description} (x${best.concurrency})` },
      {
        measured: best.commitsPerSec,
        reference: STORE_TARGET_TXN_PER_SEC,
      },
    );
  });
}

/**
 * For each missed store target, one sentence from the same run: how far, and
 * whether the disk (fdatasyncs/s x commits per fdatasync) or the CPU (CPU
 * time per commit: one core's worth caps commits/s at 1e6 / µs) is the limit.
 */
export function storeTargetNotes(r: Pick<BenchResults, 'store'>, targets: readonly TargetResult[]): string[] {
  const out: string[] = [];
  for (const system of STORE_TARGET_SYSTEMS) {
    const t = targets.find((x) => x.id === `store-txn-per-sec-${system.includes('LMDB') ? 'lmdb' : 'memory'}`);
    const best = bestStoreCell(r, system);
    if (t === undefined || t.status !== 'MISS' || best === undefined) continue;
    const cpuCap = best.cpuUsPerCommit > 0 ? 1e6 / best.cpuUsPerCommit : Infinity;
    const cpuShare = best.commitsPerSec / cpuCap; // fraction of one core's time spent per second
    const parts = [
      `${system} reached ${Math.round(best.commitsPerSec).toLocaleString('en-US')} txn/s at best (x${best.concurrency}), ` +
        `${(100 - (best.commitsPerSec / STORE_TARGET_TXN_PER_SEC) * 100).toFixed(0)}% short of 10,000.`,
    ];
    if (best.commitsPerFsync !== undefined && best.fsyncsPerSec !== undefined) {
      parts.push(
        `The log did ${Math.round(best.fsyncsPerSec).toLocaleString('en-US')} batches (write + fdatasync) per second with ${best.commitsPerFsync.toFixed(1)} commits each.`,
      );
    }
    const busy = cpuShare >= 0.8;
    parts.push(
      `The process spent ${best.cpuUsPerCommit.toFixed(0)} µs of CPU per commit (all threads), ${(cpuShare * 100).toFixed(0)}% of one core at that rate` +
        (busy ? ': CPU-bound (on 2 shared cores, the bench process itself is the limit).' : ', so the CPU is not the limit.'),
    );
    // The most concurrent cell says whether concurrent commits share fdatasyncs at all.
    const widest = bestStoreCellAt(r, system);
    if (!busy && widest !== undefined && widest.commitsPerFsync !== undefined) {
      parts.push(
        widest.commitsPerFsync >= widest.concurrency * 0.5
          ? `At x${widest.concurrency} the commits share fdatasyncs (${widest.commitsPerFsync.toFixed(1)} per batch): the disk's fdatasync rate is the limit.`
          : `At x${widest.concurrency} only ${widest.commitsPerFsync.toFixed(1)} commits shared each fdatasync (${Math.round(widest.commitsPerSec).toLocaleString('en-US')} commits/s): concurrent commits are serialized somewhere other than the disk, so more concurrency does not buy batching.`,
      );
    }
    out.push(parts.join(' '));
  }
  return out;
}
