/**
 * The store suite (section `store`; issue 10, items 9 and 4):
 *
 * 1. Commits: for every write count (1, 10 writes per transaction) and
 *    concurrency (1, 8, 64, 256 transactions in flight), each system of
 *    store-systems.ts runs the same closed loop (bench/lib/closed-loop.ts) in
 *    a fresh directory under the run's temp directory: `concurrency` callers
 *    each commit one transaction of distinct keys and ~100 B values, await
 *    it, and start the next. The systems take turns cell by cell, so the
 *    ratios compare numbers taken seconds apart; with several rounds the
 *    systems take turns again and each row is the system's median round.
 *    After each cell the system's key count is checked against the commits
 *    (a dropped write fails the cell).
 * 2. Checkpoint latency: a faultline store per state store, filled with a few
 *    MB of state, runs the same closed loop of 1-write transactions in
 *    interleaved halves: without a checkpoint, then with `store.checkpoint()`
 *    looping back to back in the background; p99 with / without.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { runClosedLoop } from '../lib/closed-loop.js';
import type { CheckpointHalf, CheckpointRow, StoreCell, StorePlan, StoreRun, StoreSystem } from '../lib/results.js';
import { summarize } from '../lib/stats.js';
import { STORE_LMDB, STORE_MEMORY, type LoadedSystem, type SystemDef } from './store-systems.js';

function valueOf(bytes: number): Uint8Array {
  const v = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) v[i] = (i * 131 + 17) & 0xff;
  return v;
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

type Measured = Extract<StoreCell, { commitsPerSec: number }>;

async function runCell(
  def: SystemDef,
  writes: number,
  concurrency: number,
  plan: StorePlan,
  value: Uint8Array,
  tmpRoot: string,
): Promise<Measured> {
  const dir = await mkdtemp(path.join(tmpRoot, 'store-'));
  try {
    const target = await def.open(dir);
    try {
      const batches0 = target.logBatches?.() ?? 0;
      const cpu0 = cpuUs();
      const run = await runClosedLoop((i) => target.commit(i, writes, value), {
        outstanding: concurrency,
        durationMs: plan.durationMs,
        minOps: Math.max(concurrency, 100),
        maxOps: plan.maxOps,
      });
      const cpu = cpuUs() - cpu0;
      const batches = (target.logBatches?.() ?? 0) - batches0;
      const keys = await target.countKeys();
      if (keys !== run.ops * writes) throw new Error(`${keys} keys after ${run.ops} commits of ${writes} writes`);
      const seconds = run.elapsedNs / 1e9;
      return {
        system: def.name,
        writesPerTxn: writes,
        concurrency,
        commits: run.ops,
        commitsPerSec: run.opsPerSec,
        writesPerSec: run.opsPerSec * writes,
        latency: run.latency,
        cpuUsPerCommit: cpu / run.ops,
        ...(target.logBatches !== undefined && batches > 0 ? { fsyncsPerSec: batches / seconds, commitsPerFsync: run.ops / batches } : {}),
      };
    } finally {
      await target.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function half(latencies: Float64Array[], commits: number, elapsedNs: number, delays: IntervalHistogram[]): CheckpointHalf {
  const all = new Float64Array(latencies.reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const l of latencies) {
    all.set(l, at);
    at += l.length;
  }
  return {
    commits,
    commitsPerSec: (commits * 1e9) / elapsedNs,
    latency: summarize(all),
    eventLoopDelayP99Ms: Math.max(...delays.map((d) => d.percentile(99))) / 1e6,
    eventLoopDelayMaxMs: Math.max(...delays.map((d) => d.max)) / 1e6,
  };
}

async function runCheckpointRow(
  def: SystemDef,
  concurrency: number,
  plan: StorePlan,
  value: Uint8Array,
  tmpRoot: string,
): Promise<CheckpointRow> {
  const cp = plan.checkpoint;
  const dir = await mkdtemp(path.join(tmpRoot, 'store-ckpt-'));
  try {
    const target = await def.open(dir);
    const store = target.store;
    try {
      if (store === undefined) throw new Error(`${def.name} has no checkpoint`);
      // The state: stateKeys keys in transactions of 100 writes, 16 at a time.
      const perTxn = 100;
      const fills = Math.ceil(cp.stateKeys / perTxn);
      let nextFill = 0;
      const filler = async (): Promise<void> => {
        while (nextFill < fills) {
          const f = nextFill++;
          const n = Math.min(perTxn, cp.stateKeys - f * perTxn);
          await store.transaction(async (tx) => {
            for (let j = 0; j < n; j++) tx.put(`fill${String(f * perTxn + j).padStart(10, '0')}`, value);
          });
        }
      };
      await Promise.all(Array.from({ length: 16 }, filler));
      await store.checkpoint(); // the log starts empty-ish; the first measured checkpoint writes the whole state
      const stateKeys = cp.stateKeys;
      const stateBytes = (await store.entries()).reduce((n, [k, v]) => n + k.length + v.length, 0);
      let nextTxn = 0;
      // A fresh monitor per half: a re-enabled one counts the disabled gap as one long delay.
      const delayWithout: IntervalHistogram[] = [];
      const delayWith: IntervalHistogram[] = [];
      const loop = async (delays: IntervalHistogram[]) => {
        const delay = monitorEventLoopDelay({ resolution: 1 });
        delays.push(delay);
        delay.enable();
        try {
          return await runClosedLoop(() => target.commit(nextTxn++, 1, value), {
            outstanding: concurrency,
            durationMs: cp.durationMs,
            minOps: Math.max(concurrency, 100),
            maxOps: 1_000_000,
          });
        } finally {
          delay.disable();
        }
      };
      const without = { lat: [] as Float64Array[], commits: 0, ns: 0 };
      const withCk = { lat: [] as Float64Array[], commits: 0, ns: 0 };
      let checkpoints = 0;
      let checkpointNs = 0;
      for (let r = 0; r < cp.rounds; r++) {
        const a = await loop(delayWithout);
        without.lat.push(a.latenciesUs.slice());
        without.commits += a.ops;
        without.ns += a.elapsedNs;
        let stop = false;
        const background = (async () => {
          while (!stop) {
            const t0 = process.hrtime.bigint();
            await store.checkpoint();
            checkpointNs += Number(process.hrtime.bigint() - t0);
            checkpoints += 1;
          }
        })();
        let b;
        try {
          b = await loop(delayWith);
        } finally {
          stop = true;
          await background;
        }
        withCk.lat.push(b.latenciesUs.slice());
        withCk.commits += b.ops;
        withCk.ns += b.elapsedNs;
      }
      if (checkpoints === 0) throw new Error('no checkpoint completed during the measurement');
      const w = half(without.lat, without.commits, without.ns, delayWithout);
      const c = half(withCk.lat, withCk.commits, withCk.ns, delayWith);
      return {
        state: def.name,
        concurrency,
        stateKeys,
        stateBytes,
        rounds: cp.rounds,
        without: w,
        with: c,
        checkpoints,
        checkpointMsMean: checkpointNs / 1e6 / checkpoints,
        p99Ratio: c.latency.p99Us / w.latency.p99Us,
      };
    } finally {
      await target.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);

export async function runStoreSuite(
  systems: LoadedSystem[],
  plan: StorePlan,
  tmpRoot: string,
  log: (line: string) => void,
): Promise<StoreRun> {
  const value = valueOf(plan.valueBytes);
  const infos: StoreSystem[] = systems.map((s) =>
    'skipped' in s ? { system: s.name, skipped: s.skipped } : { system: s.name, version: s.def.version, config: s.def.config },
  );
  for (const s of systems) if ('skipped' in s) log(`  ${s.name}: skipped: ${s.skipped}`);
  const cells: StoreCell[] = [];
  for (const writes of plan.writesPerTxn) {
    for (const concurrency of plan.concurrency) {
      // Rounds interleave the systems (A B C D, A B C D, ...); each system's row is its median round by commits/s.
      const rounds = new Map<string, Measured[]>();
      const failed = new Map<string, string>();
      for (let r = 0; r < plan.rounds; r++) {
        for (const s of systems) {
          if ('skipped' in s || failed.has(s.name)) continue;
          try {
            const c = await runCell(s.def, writes, concurrency, plan, value, tmpRoot);
            rounds.set(s.name, [...(rounds.get(s.name) ?? []), c]);
          } catch (err) {
            failed.set(s.name, `failed: ${(err as Error).message.split('\n')[0]}`);
          }
        }
      }
      for (const s of systems) {
        const reason = 'skipped' in s ? s.skipped : failed.get(s.name);
        const measured = rounds.get(s.name) ?? [];
        if (reason !== undefined || measured.length === 0) {
          const why = reason ?? 'no round measured';
          cells.push({ system: s.name, writesPerTxn: writes, concurrency, skipped: why });
          if (!('skipped' in s)) log(`  ${s.name} ${writes} writes x${concurrency}: ${why}`);
          continue;
        }
        const sorted = [...measured].sort((a, b) => a.commitsPerSec - b.commitsPerSec);
        const c: Measured = {
          ...(sorted[Math.floor((sorted.length - 1) / 2)] as Measured),
          roundsCommitsPerSec: measured.map((m) => m.commitsPerSec),
        };
        cells.push(c);
        log(
          `  ${s.name.padEnd(31)} ${pad(writes, 2)} writes x${String(concurrency).padEnd(3)} ${pad(Math.round(c.commitsPerSec), 7)} commits/s` +
            `  p50 ${pad(c.latency.p50Us.toFixed(0), 6)} µs  p99 ${pad(c.latency.p99Us.toFixed(0), 6)} µs  cpu ${c.cpuUsPerCommit.toFixed(0)} µs/commit` +
            (c.commitsPerFsync !== undefined ? `  ${c.commitsPerFsync.toFixed(1)} commits/fdatasync` : '') +
            (measured.length > 1 ? `  (rounds: ${measured.map((m) => Math.round(m.commitsPerSec)).join(', ')})` : ''),
        );
      }
    }
  }
  const checkpoint: CheckpointRow[] = [];
  for (const name of [STORE_MEMORY, STORE_LMDB]) {
    const s = systems.find((x) => x.name === name);
    for (const concurrency of plan.checkpoint.concurrency) {
      if (s === undefined || 'skipped' in s) {
        checkpoint.push({ state: name, concurrency, skipped: s === undefined ? 'not loaded' : s.skipped });
        continue;
      }
      try {
        const row = await runCheckpointRow(s.def, concurrency, plan, value, tmpRoot);
        checkpoint.push(row);
        if (!('skipped' in row)) {
          log(
            `  checkpoint, ${name} x${concurrency}: p99 ${row.without.latency.p99Us.toFixed(0)} µs without, ${row.with.latency.p99Us.toFixed(0)} µs with ` +
              `(${row.p99Ratio.toFixed(2)}x); event-loop delay p99 ${row.without.eventLoopDelayP99Ms.toFixed(1)} / ${row.with.eventLoopDelayP99Ms.toFixed(1)} ms; ${row.checkpoints} checkpoints of ${(row.stateBytes / 1e6).toFixed(1)} MB, ${row.checkpointMsMean.toFixed(0)} ms each`,
          );
        }
      } catch (err) {
        const reason = `failed: ${(err as Error).message.split('\n')[0]}`;
        checkpoint.push({ state: name, concurrency, skipped: reason });
        log(`  checkpoint, ${name} x${concurrency}: ${reason}`);
      }
    }
  }
  return { valueBytes: plan.valueBytes, systems: infos, cells, checkpoint };
}
