/**
 * Item 3, the other side of the tradeoff: for each durability level, how many
 * acknowledged records and how many milliseconds of acknowledged writes a
 * crash loses, over many seeded crashes in the simulator (harness runScenario).
 *
 * The workload is fixed per seed and holds no sync() calls, so what is lost is
 * what the level itself leaves exposed: clients append 100 B records with a
 * few virtual milliseconds of think time, and the power is cut at a seeded
 * filesystem operation; the next epoch's open shows what survived. The engine
 * runs with SIM_ENGINE_OPTIONS (1 MiB segments, see plan.ts). For levels
 * whose append does not wait for durability (none, interval) "acknowledged"
 * is "the append resolved": what the application was told.
 */
import { Rng } from '../../src/rng.js';
import type { Scenario } from '../../src/contract/types.js';
import { durabilityLabel, isDurableLevel, type DurabilitySpec, type EngineModule, type HarnessModule } from '../lib/modules.js';
import { SIM_ENGINE_OPTIONS } from '../lib/plan.js';
import type { LossRow } from '../lib/results.js';

export const LOSS_CLIENTS = 4;
export const LOSS_OPS_PER_CLIENT = 40;
export const LOSS_RECORD_BYTES = 100;
/** The power cut lands at one of the first this-many filesystem operations (later: at the end of the workload). */
export const LOSS_MAX_CUT_OP = 400;

/** The seeded crash workload: no sync calls, think time 0..3 virtual ms between appends. */
export function lossScenario(seed: number): Scenario {
  const rng = new Rng(`loss-${seed}`);
  const clients = Array.from({ length: LOSS_CLIENTS }, () => {
    const ops: Scenario['epochs'][number]['clients'][number] = [];
    for (let i = 0; i < LOSS_OPS_PER_CLIENT; i++) {
      if (i % 2 === 0) ops.push({ op: 'append', size: LOSS_RECORD_BYTES });
      else ops.push({ op: 'sleep', ms: rng.nextInt(4) });
    }
    return ops;
  });
  return {
    simSeed: seed,
    epochs: [
      {
        clients,
        end: {
          type: 'crash',
          at: { class: 'any', nth: 1 + rng.nextInt(LOSS_MAX_CUT_OP), when: rng.nextFloat() < 0.5 ? 'before' : 'after' },
        },
      },
      { clients: [[{ op: 'append', size: LOSS_RECORD_BYTES }]], end: { type: 'restart' } },
    ],
  };
}

export interface LossAccumulator {
  crashes: number;
  epochsWithLoss: number;
  records: number[];
  ms: number[];
}

export function summarizeLoss(level: string, durableAppend: boolean, acc: LossAccumulator, violations: string[] = []): LossRow {
  const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  return {
    level,
    durableAppend,
    crashes: acc.crashes,
    epochsWithLoss: acc.epochsWithLoss,
    lostRecordsMean: mean(acc.records),
    lostRecordsMax: acc.records.length === 0 ? 0 : Math.max(...acc.records),
    lostMsMean: mean(acc.ms),
    lostMsMax: acc.ms.length === 0 ? 0 : Math.max(...acc.ms),
    acknowledgedMeans: durableAppend
      ? 'acknowledged by the contract (append resolved with durableAppend true)'
      : 'append resolved (the application view)',
    violations: violations.length,
    ...(violations[0] !== undefined ? { firstViolation: violations[0] } : {}),
  };
}

export async function runLossSuite(
  engine: EngineModule,
  harness: HarnessModule,
  levels: DurabilitySpec[],
  crashesPerLevel: number,
  timeBudgetMs: number,
  log: (line: string) => void,
): Promise<LossRow[]> {
  const rows: LossRow[] = [];
  for (const level of levels) {
    const label = durabilityLabel(level);
    const plugin = engine.walPlugin({ ...SIM_ENGINE_OPTIONS, durability: level });
    const durable = plugin.durableAppend;
    if (durable !== isDurableLevel(level)) {
      throw new Error(`${label}: plugin durableAppend is ${durable}, expected ${isDurableLevel(level)}`);
    }
    const acc: LossAccumulator = { crashes: 0, epochsWithLoss: 0, records: [], ms: [] };
    const violations: string[] = [];
    const deadline = process.hrtime.bigint() + BigInt(timeBudgetMs) * 1_000_000n;
    for (let seed = 1; seed <= crashesPerLevel && (acc.crashes < 10 || process.hrtime.bigint() < deadline); seed++) {
      const outcome = await harness.runScenario(plugin, { seed, scenario: lossScenario(seed), faults: ['crash'] });
      if (!outcome.ok && outcome.violation) violations.push(`seed ${seed}: ${outcome.violation.rule}: ${outcome.violation.message}`);
      const first = outcome.epochs[0];
      if (first === undefined || first.end !== 'crash' || first.recoveredNext === undefined) continue;
      acc.crashes++;
      const lost = durable ? first.lostAcknowledged : first.lostResolved;
      acc.records.push(lost);
      acc.ms.push(lost > 0 ? first.lostResolvedSpanMs : 0);
      if (lost > 0) acc.epochsWithLoss++;
    }
    if (acc.crashes === 0) throw new Error(`${label}: no scenario ended in a crash followed by a recovery`);
    const row = summarizeLoss(label, durable, acc, violations);
    rows.push(row);
    log(
      `  ${label.padEnd(28)} ${row.crashes} crashes: lost ${row.lostRecordsMean.toFixed(2)} records (max ${row.lostRecordsMax}), ` +
        `${row.lostMsMean.toFixed(2)} ms (max ${row.lostMsMax.toFixed(2)}); ${row.epochsWithLoss} crashes lost data` +
        (row.violations > 0 ? `; ${row.violations} CONTRACT VIOLATIONS, first: ${row.firstViolation}` : ''),
    );
  }
  return rows;
}
