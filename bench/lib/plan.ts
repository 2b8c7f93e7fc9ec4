/** What a full and a quick run measure: the matrix of item 1 and the sizes of the other items. */
import type { DurabilitySpec } from './modules.js';
import type { CompressionPlan, StorePlan } from './results.js';

export interface BenchPlan {
  mode: 'quick' | 'full';
  levels: DurabilitySpec[];
  recordSizes: number[];
  outstanding: number[];
  cellDurationMs: number;
  maxOpsPerCell: number;
  rawDurationMs: number;
  /** true: raw limit for every durable cell; false: only the cells the targets use. */
  rawForAllDurableCells: boolean;
  peerDurationMs: number;
  crcSizes: number[];
  crcTimeMs: number;
  recovery: Array<{ recordBytes: number; records: number }>;
  compression: CompressionPlan;
  store: StorePlan;
  lossCrashesPerLevel: number;
  lossTimeBudgetMsPerLevel: number;
  simulatorTimeMs: number;
  simulatorWorkers: number[];
  memoryRecords: number;
  memoryRecordBytes: number;
}

export const LEVELS: DurabilitySpec[] = [
  { kind: 'none' },
  { kind: 'interval', ms: 1 },
  { kind: 'interval', ms: 10 },
  { kind: 'everyWrite' },
  { kind: 'groupCommit' },
  { kind: 'groupCommit', maxWaitUs: 100 },
  { kind: 'groupCommit', maxWaitUs: 1000 },
];

/**
 * Engine options for every simulator run (loss table, simulator speed): 1 MiB
 * segments. With the default 64 MiB the simulated disk zero-fills 64 MiB per
 * preallocated segment, every crash image carries it, and one scenario takes
 * seconds; segment size does not change what a durability level loses.
 */
export const SIM_ENGINE_OPTIONS: Readonly<Record<string, unknown>> = { segmentSize: 1 << 20 };

/** The cell the targets read: 100 B records; 1 outstanding for latency, 64 for throughput. */
export const TARGET_RECORD_BYTES = 100;
export const TARGET_THROUGHPUT_OUTSTANDING = 64;
export const TARGET_LATENCY_OUTSTANDING = 1;

/** The store suite's matrix (issue 10, item 9): the same in both modes; only the time per cell differs. */
export const STORE_CONCURRENCY = [1, 8, 64, 256];
export const STORE_WRITES_PER_TXN = [1, 10];
export const STORE_VALUE_BYTES = 100;

export function makePlan(mode: 'quick' | 'full'): BenchPlan {
  if (mode === 'full') {
    return {
      mode,
      levels: LEVELS,
      recordSizes: [100, 1024, 16384],
      outstanding: [1, 8, 64, 256],
      cellDurationMs: 1000,
      maxOpsPerCell: 2_000_000,
      rawDurationMs: 500,
      rawForAllDurableCells: true,
      peerDurationMs: 1000,
      crcSizes: [100, 4096, 1 << 20],
      crcTimeMs: 300,
      recovery: [
        { recordBytes: 100, records: 500_000 },
        { recordBytes: 4096, records: 65_536 },
      ],
      compression: {
        codecMs: 500,
        appendMs: 1500,
        outstanding: TARGET_THROUGHPUT_OUTSTANDING,
        maxOps: 2_000_000,
        replayRecords: 400_000,
        rounds: 3,
      },
      store: {
        concurrency: STORE_CONCURRENCY,
        writesPerTxn: STORE_WRITES_PER_TXN,
        valueBytes: STORE_VALUE_BYTES,
        durationMs: 700,
        rounds: 3,
        maxOps: 2_000_000,
        checkpoint: { stateKeys: 60_000, concurrency: [1, 64], durationMs: 1500, rounds: 3 },
      },
      lossCrashesPerLevel: 300,
      lossTimeBudgetMsPerLevel: 15_000,
      simulatorTimeMs: 3000,
      simulatorWorkers: [1, 2, 4],
      memoryRecords: 500_000,
      memoryRecordBytes: 1024,
    };
  }
  return {
    mode,
    levels: LEVELS,
    recordSizes: [TARGET_RECORD_BYTES],
    outstanding: [TARGET_LATENCY_OUTSTANDING, TARGET_THROUGHPUT_OUTSTANDING],
    cellDurationMs: 500,
    maxOpsPerCell: 1_000_000,
    rawDurationMs: 300,
    rawForAllDurableCells: false,
    peerDurationMs: 500,
    crcSizes: [100, 4096, 1 << 20],
    crcTimeMs: 100,
    recovery: [
      { recordBytes: 100, records: 100_000 },
      { recordBytes: 4096, records: 16_384 },
    ],
    compression: {
      codecMs: 200,
      appendMs: 300,
      outstanding: TARGET_THROUGHPUT_OUTSTANDING,
      maxOps: 1_000_000,
      replayRecords: 100_000,
      rounds: 3,
    },
    store: {
      concurrency: STORE_CONCURRENCY,
      writesPerTxn: STORE_WRITES_PER_TXN,
      valueBytes: STORE_VALUE_BYTES,
      durationMs: 150,
      rounds: 1,
      maxOps: 500_000,
      checkpoint: { stateKeys: 30_000, concurrency: [8], durationMs: 400, rounds: 2 },
    },
    lossCrashesPerLevel: 60,
    lossTimeBudgetMsPerLevel: 3000,
    simulatorTimeMs: 1500,
    simulatorWorkers: [1, 2],
    memoryRecords: 200_000,
    memoryRecordBytes: 1024,
  };
}
