/**
 * Item 5: simulator speed. Crash scenarios per second on one core (seeded
 * runs of the harness's runScenario with the crash fault, faultline's own
 * engine at its default level), the same loop in 1..N worker_threads at
 * once, and the virtual-time speedup (virtual ms simulated per wall ms).
 */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Scenario } from '../../src/harness/types.js';
import type { EngineModule, HarnessModule } from '../lib/modules.js';
import type { SimulatorSpeed } from '../lib/results.js';
import { lossScenario } from './loss.js';

const CHILD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'child');
/** Node 20 ignores `--import tsx` in a worker's execArgv: ts-worker.mjs registers tsx, then imports the entry. */
const WORKER_BOOTSTRAP = path.join(CHILD_DIR, 'ts-worker.mjs');
const WORKER_ENTRY = pathToFileURL(path.join(CHILD_DIR, 'sim-worker.ts')).href;
/** Bound on scenarios per loop, whatever the time budget. */
const MAX_SCENARIOS = 1_000_000;

export interface ScenarioLoopResult {
  scenarios: number;
  crashes: number;
  violations: number;
  virtualMs: number;
  wallMs: number;
}

/**
 * Runs seeded scenarios for timeMs. Default workload: the harness's generated
 * scenarios (what `faultline check` runs); `scenarioFor` substitutes a fixed one per seed.
 */
export async function runScenariosFor(
  engine: EngineModule,
  harness: HarnessModule,
  firstSeed: number,
  timeMs: number,
  scenarioFor?: (seed: number) => Scenario,
): Promise<ScenarioLoopResult> {
  const plugin = engine.walPlugin();
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(Math.round(timeMs * 1e6));
  let scenarios = 0;
  let crashes = 0;
  let violations = 0;
  let virtualMs = 0;
  while (scenarios < MAX_SCENARIOS && (scenarios < 3 || process.hrtime.bigint() < deadline)) {
    const seed = firstSeed + scenarios;
    const outcome = await harness.runScenario(
      plugin,
      scenarioFor === undefined ? { seed, faults: ['crash'] } : { seed, faults: ['crash'], scenario: scenarioFor(seed) },
    );
    scenarios++;
    virtualMs += outcome.virtualMs;
    crashes += outcome.epochs.filter((e) => e.end === 'crash').length;
    if (!outcome.ok) violations++;
  }
  return { scenarios, crashes, violations, virtualMs, wallMs: Number(process.hrtime.bigint() - t0) / 1e6 };
}

function runWorker(firstSeed: number, timeMs: number): Promise<ScenarioLoopResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(pathToFileURL(WORKER_BOOTSTRAP), { workerData: { entry: WORKER_ENTRY, firstSeed, timeMs } });
    w.once('message', (m: ScenarioLoopResult | { error: string }) => {
      if ('error' in m) reject(new Error(`simulator worker: ${m.error}`));
      else resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

export async function runSimulatorSuite(
  engine: EngineModule,
  harness: HarnessModule,
  timeMs: number,
  workerCounts: number[],
  log: (line: string) => void,
): Promise<SimulatorSpeed> {
  // Warm-up (JIT), then the single-thread measurement in this process.
  await runScenariosFor(engine, harness, 1_000_000, Math.min(300, timeMs / 4));
  const single = await runScenariosFor(engine, harness, 1, timeMs);
  const perCore = single.scenarios / (single.wallMs / 1000);
  log(
    `  1 thread: ${single.scenarios} scenarios (${single.crashes} crashes) in ${single.wallMs.toFixed(0)} ms = ${perCore.toFixed(0)}/s; ` +
      `virtual ${single.virtualMs.toFixed(0)} ms = ${(single.virtualMs / single.wallMs).toFixed(1)}x` +
      (single.violations > 0 ? `; ${single.violations} runs found a violation` : ''),
  );
  const small = await runScenariosFor(engine, harness, 1, timeMs / 2, lossScenario);
  const smallRate = small.scenarios / (small.wallMs / 1000);
  log(
    `  1 thread, small crash scenario (the loss workload): ${small.scenarios} in ${small.wallMs.toFixed(0)} ms = ${smallRate.toFixed(0)}/s; ` +
      `virtual ${(small.virtualMs / small.wallMs).toFixed(1)}x`,
  );
  const scaling: SimulatorSpeed['scaling'] = [];
  for (const workers of workerCounts) {
    const t0 = process.hrtime.bigint();
    const results = await Promise.all(Array.from({ length: workers }, (_, i) => runWorker(10_000_000 * (i + 1), timeMs)));
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const scenarios = results.reduce((n, r) => n + r.scenarios, 0);
    // Rate over each worker's own measured loop (startup excluded), summed.
    const scenariosPerSec = results.reduce((n, r) => n + r.scenarios / (r.wallMs / 1000), 0);
    scaling.push({ workers, scenarios, wallMs, scenariosPerSec });
    log(`  ${workers} worker(s): ${scenarios} scenarios, ${scenariosPerSec.toFixed(0)}/s in total (${wallMs.toFixed(0)} ms with startup)`);
  }
  return {
    scenariosSingleThread: single.scenarios,
    scenariosPerSecPerCore: perCore,
    virtualMs: single.virtualMs,
    wallMs: single.wallMs,
    virtualTimeSpeedup: single.virtualMs / single.wallMs,
    smallScenario: {
      scenarios: small.scenarios,
      wallMs: small.wallMs,
      scenariosPerSec: smallRate,
      virtualTimeSpeedup: small.virtualMs / small.wallMs,
    },
    scaling,
  };
}
