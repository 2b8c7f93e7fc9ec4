/**
 * The targets, read off one run's results. Pure: the same results
 * always give the same verdicts.
 */
import { TARGET_LATENCY_OUTSTANDING, TARGET_RECORD_BYTES, TARGET_THROUGHPUT_OUTSTANDING } from './plan.js';
import type { BenchResults, DurabilityCell, PeerCell, RawRound, SimulatorSpeed } from './results.js';
import { evaluateTarget, type TargetResult } from './targets.js';

type ResultsBody = Omit<BenchResults, 'targets' | 'finishedAt'>;

function cellsOf(r: ResultsBody): DurabilityCell[] {
  return r.durability.status === 'ok' ? r.durability.data : [];
}

/** The fastest groupCommit window at the target cell. */
export function bestGroupCommit(r: ResultsBody): DurabilityCell | undefined {
  return cellsOf(r)
    .filter(
      (c) =>
        c.durability.kind === 'groupCommit' && c.recordBytes === TARGET_RECORD_BYTES && c.outstanding === TARGET_THROUGHPUT_OUTSTANDING,
    )
    .sort((a, b) => b.opsPerSec - a.opsPerSec)[0];
}

function peerCell(r: ResultsBody, peer: string): PeerCell | undefined {
  if (r.peers.status !== 'ok') return undefined;
  return r.peers.data.find(
    (p) => p.peer === peer && p.recordBytes === TARGET_RECORD_BYTES && p.outstanding === TARGET_THROUGHPUT_OUTSTANDING,
  );
}

/** The round whose key is the median (lower middle for an even count). */
function medianOf(rounds: readonly RawRound[] | undefined, key: (x: RawRound) => number): RawRound | undefined {
  if (rounds === undefined || rounds.length === 0) return undefined;
  const sorted = [...rounds].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

const bestRawP50 = (x: RawRound): number => Math.min(x.raw.appendP50Us, x.raw.preallocatedP50Us);

function sectionReason(r: ResultsBody, name: 'durability' | 'peers' | 'recovery' | 'simulator'): string | undefined {
  const s = r[name];
  return s.status === 'skipped' ? `${name} skipped: ${s.reason}` : undefined;
}

export function evaluateTargets(r: ResultsBody): TargetResult[] {
  const out: TargetResult[] = [];
  const gc = bestGroupCommit(r);
  const cellMissing = `no groupCommit cell at ${TARGET_RECORD_BYTES} B x ${TARGET_THROUGHPUT_OUTSTANDING}`;

  const lmdb = peerCell(r, 'lmdb');
  const lmdbSkip =
    sectionReason(r, 'peers') ??
    (lmdb === undefined ? 'lmdb not measured' : 'skipped' in lmdb ? `lmdb skipped: ${lmdb.skipped}` : undefined);
  const lmdbTargetSkip = sectionReason(r, 'durability') ?? (gc ? undefined : cellMissing) ?? lmdbSkip;
  out.push(
    evaluateTarget(
      {
        id: 'groupCommit-vs-lmdb',
        description: `${gc?.level ?? 'groupCommit (fastest window)'}, ${TARGET_THROUGHPUT_OUTSTANDING} outstanding ${TARGET_RECORD_BYTES} B appends/s vs lmdb-js durable commits/s`,
        rule: 'atLeast',
        threshold: 2,
        referenceLabel: 'lmdb-js',
      },
      {
        measured: gc?.opsPerSec ?? null,
        reference: lmdb !== undefined && !('skipped' in lmdb) ? lmdb.opsPerSec : null,
        ...(lmdbTargetSkip ? { skippedReason: lmdbTargetSkip } : {}),
      },
    ),
  );

  // Both sides from the same interleaved round: the round with the median ratio.
  const gcRound = medianOf(gc?.rawRounds, (x) => x.opsPerSec / x.raw.limitAppendsPerSec);
  const rawSkip = sectionReason(r, 'durability') ?? (gc ? (gc.raw ? undefined : 'no raw-disk measurement for that cell') : cellMissing);
  out.push(
    evaluateTarget(
      {
        id: 'groupCommit-vs-raw',
        description: `${gc?.level ?? 'groupCommit (fastest window)'}, ${TARGET_THROUGHPUT_OUTSTANDING} outstanding ${TARGET_RECORD_BYTES} B appends/s vs raw write+fdatasync limit for the same batches (median of interleaved rounds)`,
        rule: 'atLeast',
        threshold: 0.8,
        referenceLabel: 'raw-disk limit',
      },
      {
        measured: gcRound?.opsPerSec ?? gc?.opsPerSec ?? null,
        reference: gcRound?.raw.limitAppendsPerSec ?? gc?.raw?.limitAppendsPerSec ?? null,
        ...(rawSkip ? { skippedReason: rawSkip } : {}),
      },
    ),
  );

  const ew = cellsOf(r).find(
    (c) => c.durability.kind === 'everyWrite' && c.recordBytes === TARGET_RECORD_BYTES && c.outstanding === TARGET_LATENCY_OUTSTANDING,
  );
  const ewRound = medianOf(ew?.rawRounds, (x) => x.p50Us / bestRawP50(x));
  const ewSkip =
    sectionReason(r, 'durability') ??
    (ew
      ? ew.raw
        ? undefined
        : 'no raw-disk measurement for that cell'
      : `no everyWrite cell at ${TARGET_RECORD_BYTES} B x ${TARGET_LATENCY_OUTSTANDING}`);
  out.push(
    evaluateTarget(
      {
        id: 'everyWrite-p50',
        description: `everyWrite p50 latency, ${TARGET_RECORD_BYTES} B, ${TARGET_LATENCY_OUTSTANDING} outstanding (µs) vs raw write+fdatasync p50 of the same batch (µs, best layout; median of interleaved rounds)`,
        rule: 'atMost',
        threshold: 1.1,
        referenceLabel: 'raw fdatasync p50',
      },
      {
        measured: ewRound?.p50Us ?? ew?.latency.p50Us ?? null,
        reference: ewRound ? bestRawP50(ewRound) : ew?.raw ? Math.min(ew.raw.appendP50Us, ew.raw.preallocatedP50Us) : null,
        ...(ewSkip ? { skippedReason: ewSkip } : {}),
      },
    ),
  );

  const replay = r.recovery.status === 'ok' ? r.recovery.data.find((x) => x.recordBytes === 4096) : undefined;
  const replaySkip = sectionReason(r, 'recovery') ?? (replay ? undefined : 'no 4 KiB replay measurement');
  out.push(
    evaluateTarget(
      {
        id: 'replay-4k',
        description: 'replay MB/s on 4 KiB records vs 1 GB/s (1,000 MB/s)',
        rule: 'atLeast',
        threshold: 1,
        referenceLabel: '1 GB/s',
      },
      { measured: replay?.replayMBps ?? null, reference: 1000, ...(replaySkip ? { skippedReason: replaySkip } : {}) },
    ),
  );

  out.push(...simulatorTargets(r));
  return out;
}

/** Scenarios per second a simulator target asks of one core, and the scaling it asks of 2 workers. */
export const SIMULATOR_PER_CORE_TARGET = 2000;
export const SIMULATOR_TWO_WORKER_SCALING = 1.8;

/**
 * The simulator's targets (issue 13): scenarios per CPU-second of one thread
 * against 2,000, and the wall-clock rate of 2 workers against 1.8x that of one
 * worker, each with the bench's segments and with the engine's default 64 MiB
 * preallocated ones, all from the same run.
 */
export function simulatorTargets(r: ResultsBody): TargetResult[] {
  const sim = r.simulator.status === 'ok' ? r.simulator.data : undefined;
  const simSkip = sectionReason(r, 'simulator');
  const noCpu = 'no CPU-time measurement (results from before it was taken)';
  const small = sim === undefined ? 'the bench segments' : `segments ${JSON.stringify(sim.engineOptions)}`;
  const perCore = (id: string, what: string, measured: number | undefined): TargetResult =>
    evaluateTarget(
      {
        id,
        description: `crash scenarios per CPU-second of one thread vs 2,000 (${what})`,
        rule: 'atLeast',
        threshold: 1,
        referenceLabel: '2,000/s/core',
      },
      {
        measured: measured ?? null,
        reference: SIMULATOR_PER_CORE_TARGET,
        ...(simSkip !== undefined ? { skippedReason: simSkip } : measured === undefined ? { skippedReason: noCpu } : {}),
      },
    );
  const twoWorkers = (id: string, what: string, rows: SimulatorSpeed['scaling'] | undefined): TargetResult => {
    const one = rows?.find((w) => w.workers === 1);
    const two = rows?.find((w) => w.workers === 2);
    const missing =
      rows === undefined
        ? 'not measured (results from before it was)'
        : one === undefined || two === undefined
          ? 'no 1- and 2-worker rows'
          : undefined;
    return evaluateTarget(
      {
        id,
        description: `scenarios/s of 2 workers vs 1 worker, wall-clock (${what})`,
        rule: 'atLeast',
        threshold: SIMULATOR_TWO_WORKER_SCALING,
        referenceLabel: '1 worker',
      },
      {
        measured: two?.scenariosPerSec ?? null,
        reference: one?.scenariosPerSec ?? null,
        ...(simSkip !== undefined ? { skippedReason: simSkip } : missing !== undefined ? { skippedReason: missing } : {}),
      },
    );
  };
  return [
    perCore('simulator-per-core', small, sim?.scenariosPerCpuSec),
    perCore('simulator-per-core-defaults', 'engine defaults: 64 MiB preallocated segments', sim?.engineDefaults.scenariosPerCpuSec),
    twoWorkers('simulator-2-workers', small, sim?.scaling),
    twoWorkers('simulator-2-workers-defaults', 'engine defaults: 64 MiB preallocated segments', sim?.scalingDefaults),
  ];
}
