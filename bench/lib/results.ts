/**
 * The benchmark results document (bench/results/<timestamp>.json) and its
 * validation. Every section is either measured (`status: 'ok'`) or skipped
 * with the reason; a skipped section never carries numbers.
 */
import type { MachineInfo } from './machine.js';
import type { LatencySummary } from './stats.js';
import type { TargetResult } from './targets.js';

export const RESULTS_SCHEMA = 'faultline-bench/1';

export type Section<T> = { status: 'ok'; data: T } | { status: 'skipped'; reason: string };

export interface RawLimit {
  batchBytes: number;
  appendSyncsPerSec: number;
  appendP50Us: number;
  preallocatedSyncsPerSec: number;
  preallocatedP50Us: number;
  /** Appends per second the raw disk allows with these batches: best layout's syncs/s times appends per batch. */
  limitAppendsPerSec: number;
}

/** One interleaved round of a cell with a raw baseline: faultline's figures, then the raw limit for that round's batches. */
export interface RawRound {
  opsPerSec: number;
  p50Us: number;
  raw: RawLimit;
}

export interface DurabilityCell {
  level: string;
  durability: Record<string, unknown>;
  durableAppend: boolean;
  recordBytes: number;
  outstanding: number;
  ops: number;
  opsPerSec: number;
  mbPerSec: number;
  latency: LatencySummary;
  batches: number;
  fsyncs: number;
  bytesWritten: number;
  appendsPerBatch: number;
  avgBatchBytes: number;
  /** Present for durable levels (everyWrite, groupCommit) when measured: the median round's raw limit. */
  raw?: RawLimit;
  /** The median round's faultline appends/s divided by its raw.limitAppendsPerSec. */
  ratioToRaw?: number;
  /** Every interleaved round (faultline then raw), when a raw baseline was measured. */
  rawRounds?: RawRound[];
}

export type PeerCell =
  | {
      peer: string;
      version: string;
      config: string;
      recordBytes: number;
      outstanding: number;
      ops: number;
      opsPerSec: number;
      latency: LatencySummary;
    }
  | { peer: string; recordBytes: number; outstanding: number; skipped: string };

export interface LossRow {
  level: string;
  durableAppend: boolean;
  crashes: number;
  /** Crashed epochs where at least one acknowledged record was lost. */
  epochsWithLoss: number;
  lostRecordsMean: number;
  lostRecordsMax: number;
  lostMsMean: number;
  lostMsMax: number;
  /** What "acknowledged" means for this row. */
  acknowledgedMeans: string;
  /** Runs where the harness found a broken contract rule (an engine bug; the row still counts their losses). */
  violations: number;
  firstViolation?: string;
}

export interface RecoveryRow {
  recordBytes: number;
  records: number;
  logBytes: number;
  replayMs: number;
  replayMBps: number;
  replayRecordsPerSec: number;
  rawReadMs: number;
  rawReadMBps: number;
}

export interface CrcRow {
  implementation: string;
  bytes: number;
  opsPerSec: number;
  mbPerSec: number;
}

export interface SimulatorSpeed {
  /** Engine options of the runs below (except engineDefaults). */
  engineOptions: Record<string, unknown>;
  scenariosSingleThread: number;
  scenariosPerSecPerCore: number;
  virtualMs: number;
  wallMs: number;
  virtualTimeSpeedup: number;
  /** Scheduler steps per generated scenario, and steps per second of wall time (single thread). */
  stepsPerScenario: number;
  stepsPerSec: number;
  /** The same on the small fixed crash scenario of the loss suite (4 clients x 20 appends, one crash, one recovery). */
  smallScenario: { scenarios: number; wallMs: number; scenariosPerSec: number; virtualTimeSpeedup: number };
  /**
   * The generated scenarios with the engine's default options (64 MiB preallocated segments).
   * cpuMs, scenariosPerCpuSec: absent in results from before they were measured.
   */
  engineDefaults: { scenarios: number; wallMs: number; scenariosPerSec: number; cpuMs?: number; scenariosPerCpuSec?: number };
  /**
   * Process CPU time (user + system, every thread: GC helpers included) of the
   * single-thread loop, and scenarios per CPU-second: the per-core rate, which
   * the other load of a shared machine does not dilute. Absent in results from
   * before they were measured.
   */
  cpuMs?: number;
  scenariosPerCpuSec?: number;
  /** Workers running the scenarios with `engineOptions`. */
  scaling: SimulatorScaling[];
  /** The same with the engine's default options (absent in results from before it was measured). */
  scalingDefaults?: SimulatorScaling[];
  /** os.loadavg() (1 min) when the section started and ended: how shared the cores were. */
  loadAverage?: [number, number];
}

export interface SimulatorScaling {
  workers: number;
  scenarios: number;
  wallMs: number;
  /** Sum over workers of each one's scenarios / its own loop's wall time. */
  scenariosPerSec: number;
}

export interface MemoryRow {
  mode: 'bounded' | 'unbounded';
  options: Record<string, unknown>;
  appendsIssued: number;
  appendsResolved: number;
  appendsRejected: number;
  peakRssMiB: number;
  baselineRssMiB: number;
  /** How the peak was read (VmHWM on Linux; getrusage maxRSS elsewhere). */
  rssSource: string;
}

export interface CompressionPlan {
  /** Time per codec measurement (compress, then decompress) per mix. */
  codecMs: number;
  /** Time per append cell (one mix, one compression). */
  appendMs: number;
  outstanding: number;
  maxOps: number;
  /** Records of the log replayed per mix and compression. */
  replayRecords: number;
  /** Interleaved rounds of each choice per mix. */
  rounds: number;
}

export interface CompressionRun {
  frameTargetBytes: number;
  compressMinBytes: number;
  /** The codec alone on one frame-target block of each mix. */
  codec: Array<{ mix: string; codec: string; blockBytes: number; ratio: number; compressMBps: number; decompressMBps: number }>;
  /** The engine: appends at `outstanding` (groupCommit), bytes before and after compression, then the replay of that log. */
  engine: Array<{
    mix: string;
    compression: 'none' | 'lz4';
    outstanding: number;
    appendsPerSec: number;
    payloadMBps: number;
    bytesBeforeCompression: number;
    bytesAfterCompression: number;
    diskRatio: number;
    compressedFrames: number;
    compressionSkipped: number;
    /** Interleaved rounds measured; the row is the median round by appends/s, replay figures the median of all rounds. */
    rounds: number;
    replayRecords: number;
    replayMs: number;
    replayPayloadMBps: number;
    replayStoredMBps: number;
  }>;
  /** Bytes of n records of a mix as plain records and as one lz4 frame. */
  threshold: Array<{ mix: string; records: number; contentBytes: number; plainBytes: number; frameBytes: number }>;
}

/** The store suite's sizes (bench/suites/store.ts). */
export interface StorePlan {
  /** Concurrent transactions (closed loop: each caller awaits its commit and starts the next). */
  concurrency: number[];
  /** Writes per transaction, each to a distinct key. */
  writesPerTxn: number[];
  valueBytes: number;
  /** Time per cell (one system, one concurrency, one write count), after at least max(concurrency, 100) commits. */
  durationMs: number;
  /** Interleaved rounds per cell: the systems take turns this many times; each row is the median round. */
  rounds: number;
  maxOps: number;
  checkpoint: {
    /** Keys written before the measurement (valueBytes each): the state a checkpoint writes. */
    stateKeys: number;
    concurrency: number[];
    /** Time of each half-round (without, then with checkpoints looping). */
    durationMs: number;
    rounds: number;
  };
}

/** One system the store suite drives: a faultline store configuration or a peer. */
export type StoreSystem = { system: string; version: string; config: string } | { system: string; skipped: string };

export type StoreCell =
  | {
      system: string;
      writesPerTxn: number;
      concurrency: number;
      commits: number;
      commitsPerSec: number;
      writesPerSec: number;
      latency: LatencySummary;
      /** Process CPU time (user + system, every thread) per commit. */
      cpuUsPerCommit: number;
      /** faultline only: log batches (one write + one fdatasync each) per second, and commits per batch. */
      fsyncsPerSec?: number;
      commitsPerFsync?: number;
      /** Commits/s of every interleaved round; the row's other figures are the median round's. */
      roundsCommitsPerSec?: number[];
    }
  | { system: string; writesPerTxn: number; concurrency: number; skipped: string };

export interface CheckpointHalf {
  commits: number;
  commitsPerSec: number;
  latency: LatencySummary;
  /** Event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution; the worst round's p99, and the max): how long the thread was blocked. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
}

export type CheckpointRow =
  | {
      state: string;
      concurrency: number;
      /** Keys and bytes of the state when the measurement started. */
      stateKeys: number;
      stateBytes: number;
      rounds: number;
      without: CheckpointHalf;
      with: CheckpointHalf;
      /** Checkpoints completed while the "with" halves ran, and their mean duration. */
      checkpoints: number;
      checkpointMsMean: number;
      /** p99 commit latency with a checkpoint running / without. */
      p99Ratio: number;
    }
  | { state: string; concurrency: number; skipped: string };

export interface StoreRun {
  valueBytes: number;
  systems: StoreSystem[];
  cells: StoreCell[];
  checkpoint: CheckpointRow[];
}

export interface BenchResults {
  schema: typeof RESULTS_SCHEMA;
  mode: 'quick' | 'full';
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  durability: Section<DurabilityCell[]>;
  peers: Section<PeerCell[]>;
  loss: Section<LossRow[]>;
  recovery: Section<RecoveryRow[]>;
  crc: Section<CrcRow[]>;
  simulator: Section<SimulatorSpeed>;
  memory: Section<MemoryRow[]>;
  /** Absent in results from before compression existed. */
  compression?: Section<CompressionRun>;
  /** Absent in results from before the store suite existed. */
  store?: Section<StoreRun>;
  targets: TargetResult[];
  notes: string[];
}

const SECTIONS = ['durability', 'peers', 'loss', 'recovery', 'crc', 'simulator', 'memory'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every finite-number problem under `v`, as paths. */
function nonFinite(v: unknown, at: string, out: string[], depth = 0): void {
  if (depth > 12) return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) out.push(`${at} is ${v}`);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => nonFinite(x, `${at}[${i}]`, out, depth + 1));
  } else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) nonFinite(x, `${at}.${k}`, out, depth + 1);
  }
}

/** Returns the list of problems with a results document; empty when it is valid. */
export function validateResults(doc: unknown): string[] {
  const errs: string[] = [];
  if (!isObject(doc)) return ['results must be an object'];
  if (doc.schema !== RESULTS_SCHEMA) errs.push(`schema must be ${RESULTS_SCHEMA}`);
  if (doc.mode !== 'quick' && doc.mode !== 'full') errs.push('mode must be quick or full');
  for (const k of ['startedAt', 'finishedAt']) {
    if (typeof doc[k] !== 'string' || Number.isNaN(Date.parse(doc[k] as string))) errs.push(`${k} must be an ISO date`);
  }
  if (!isObject(doc.machine) || typeof doc.machine.cpuModel !== 'string' || typeof doc.machine.cores !== 'number') {
    errs.push('machine must describe cpuModel and cores');
  }
  const optional = (['compression', 'store'] as const).filter((name) => name in doc);
  for (const name of [...SECTIONS, ...optional]) {
    const s = doc[name];
    if (!isObject(s)) {
      errs.push(`${name} section missing`);
      continue;
    }
    if (s.status === 'ok') {
      if (!('data' in s)) errs.push(`${name}: ok without data`);
    } else if (s.status === 'skipped') {
      if (typeof s.reason !== 'string' || s.reason.length === 0) errs.push(`${name}: skipped without a reason`);
      if ('data' in s) errs.push(`${name}: skipped but carries data`);
    } else {
      errs.push(`${name}: status must be ok or skipped`);
    }
  }
  if (!Array.isArray(doc.targets)) {
    errs.push('targets must be an array');
  } else {
    doc.targets.forEach((t, i) => {
      if (!isObject(t)) return errs.push(`targets[${i}] must be an object`);
      if (t.status !== 'PASS' && t.status !== 'MISS' && t.status !== 'SKIPPED') errs.push(`targets[${i}].status invalid`);
      if (t.status === 'SKIPPED' && t.ratio !== null) errs.push(`targets[${i}]: skipped with a ratio`);
      if (t.status !== 'SKIPPED' && typeof t.ratio !== 'number') errs.push(`targets[${i}]: ${t.status} without a ratio`);
      if (typeof t.verdict !== 'string') errs.push(`targets[${i}].verdict missing`);
      return undefined;
    });
  }
  if (!Array.isArray(doc.notes)) errs.push('notes must be an array');
  nonFinite(doc, '$', errs);
  return errs;
}
