/**
 * Item 5: simulator speed. Crash scenarios per second on one core (seeded
 * runs of the harness's runScenario with the crash fault, faultline's own
 * engine), the same loop in 1..N worker_threads at once, and the virtual-time
 * speedup (virtual ms simulated per wall ms).
 *
 * One scenario is one `runScenario(walPlugin({ segmentSize: 1 MiB }), { seed,
 * faults: ['crash'] })`: the scenario `faultline check` generates for that
 * seed (1-4 epochs of 1-4 concurrent clients, each 0-12 appends of 0 B-1 MiB,
 * syncs, truncatePrefix and sleeps; each epoch ends in a power cut at a
 * sync-like or any operation, during the workload or the recovery, or when
 * idle, or in a clean restart), on the built-in engine over SimFileSystem,
 * with a sampled crash image per cut, a recovery (open) per epoch and after the
 * last, and every contract rule checked on each recovery and workload. Nothing
 * about it is made smaller for the benchmark. See bench/README.md.
 *
 * Both engine configurations are measured the same way, one after the other
 * in one run: SIM_ENGINE_OPTIONS (1 MiB segments) and the engine's defaults
 * (64 MiB preallocated segments: a zero-filled region the simulated disk does
 * not store until it is written). For each: scenarios per CPU-second in this
 * thread (process CPU time, steadier than wall time on a shared machine), and
 * the wall-clock rate of 1..N workers, whose ratio is the scaling.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Scenario } from '../../src/contract/types.js';
import type { EngineModule, HarnessModule } from '../lib/modules.js';
import type { SimulatorScaling, SimulatorSpeed } from '../lib/results.js';
import { SIM_ENGINE_OPTIONS } from '../lib/plan.js';
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
  /** Scheduler steps (one completed simulated operation or timer each). */
  steps: number;
  wallMs: number;
  /** CPU time of the process over the loop (user + system; includes GC helper threads). */
  cpuMs: number;
}

export interface ScenarioLoopOptions {
  firstSeed: number;
  timeMs: number;
  /** Run at least this many scenarios whatever the time (default 3). */
  minScenarios?: number;
  engineOptions: Record<string, unknown>;
  /** Substitutes a fixed scenario per seed for the harness's generated one (what `faultline check` runs). */
  scenarioFor?: (seed: number) => Scenario;
}

export async function runScenariosFor(engine: EngineModule, harness: HarnessModule, o: ScenarioLoopOptions): Promise<ScenarioLoopResult> {
  const plugin = engine.walPlugin(o.engineOptions);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(Math.round(o.timeMs * 1e6));
  const min = o.minScenarios ?? 3;
  let scenarios = 0;
  let crashes = 0;
  let violations = 0;
  let virtualMs = 0;
  let steps = 0;
  while (scenarios < MAX_SCENARIOS && (scenarios < min || process.hrtime.bigint() < deadline)) {
    const seed = o.firstSeed + scenarios;
    const outcome = await harness.runScenario(
      plugin,
      o.scenarioFor === undefined ? { seed, faults: ['crash'] } : { seed, faults: ['crash'], scenario: o.scenarioFor(seed) },
    );
    scenarios++;
    virtualMs += outcome.virtualMs;
    steps += outcome.steps;
    crashes += outcome.epochs.filter((e) => e.end === 'crash').length;
    if (!outcome.ok) violations++;
  }
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { scenarios, crashes, violations, virtualMs, steps, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function runWorker(firstSeed: number, timeMs: number, engineOptions: Record<string, unknown>): Promise<ScenarioLoopResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(pathToFileURL(WORKER_BOOTSTRAP), {
      workerData: { entry: WORKER_ENTRY, firstSeed, timeMs, engineOptions },
    });
    w.once('message', (m: ScenarioLoopResult | { error: string }) => {
      if ('error' in m) reject(new Error(`simulator worker: ${m.error}`));
      else resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

const rate = (r: ScenarioLoopResult): number => r.scenarios / (r.wallMs / 1000);
const perCpuSecond = (r: ScenarioLoopResult): number => r.scenarios / (r.cpuMs / 1000);

/** 1..N workers at once, each running the generated scenarios for timeMs with these engine options. */
async function scalingOf(
  workerCounts: number[],
  timeMs: number,
  engineOptions: Record<string, unknown>,
  label: string,
  log: (line: string) => void,
): Promise<SimulatorScaling[]> {
  const scaling: SimulatorScaling[] = [];
  for (const workers of workerCounts) {
    const t0 = process.hrtime.bigint();
    const results = await Promise.all(Array.from({ length: workers }, (_, i) => runWorker(10_000_000 * (i + 1), timeMs, engineOptions)));
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const scenarios = results.reduce((n, r) => n + r.scenarios, 0);
    // Rate over each worker's own measured loop (startup excluded), summed.
    const scenariosPerSec = results.reduce((n, r) => n + rate(r), 0);
    scaling.push({ workers, scenarios, wallMs, scenariosPerSec });
    const one = scaling[0];
    const ratio =
      one !== undefined && workers !== one.workers
        ? `, ${(scenariosPerSec / one.scenariosPerSec).toFixed(2)}x ${one.workers} worker(s)`
        : '';
    log(
      `  ${label}, ${workers} worker(s): ${scenarios} scenarios, ${scenariosPerSec.toFixed(1)}/s wall-clock in total${ratio} (${wallMs.toFixed(0)} ms with startup)`,
    );
  }
  return scaling;
}

export async function runSimulatorSuite(
  engine: EngineModule,
  harness: HarnessModule,
  timeMs: number,
  workerCounts: number[],
  log: (line: string) => void,
): Promise<SimulatorSpeed> {
  const loadAtStart = os.loadavg()[0] ?? 0;
  const engineOptions = { ...SIM_ENGINE_OPTIONS };
  // Warm-up (JIT), then the single-thread measurement in this process.
  await runScenariosFor(engine, harness, { firstSeed: 1_000_000, timeMs: Math.min(300, timeMs / 4), engineOptions });
  const single = await runScenariosFor(engine, harness, { firstSeed: 1, timeMs, engineOptions });
  const perCore = rate(single);
  log(
    `  1 thread, ${JSON.stringify(engineOptions)}: ${single.scenarios} scenarios (${single.crashes} crashes); ` +
      `process CPU ${single.cpuMs.toFixed(0)} ms = ${perCpuSecond(single).toFixed(1)} scenarios per CPU-second; ` +
      `wall ${single.wallMs.toFixed(0)} ms = ${perCore.toFixed(1)}/s; ` +
      `virtual ${single.virtualMs.toFixed(0)} ms = ${(single.virtualMs / single.wallMs).toFixed(2)}x; ` +
      `${Math.round(single.steps / single.scenarios)} scheduler steps per scenario, ${Math.round(single.steps / (single.wallMs / 1000))} steps/s` +
      (single.violations > 0 ? `; ${single.violations} runs found a violation` : ''),
  );
  const small = await runScenariosFor(engine, harness, { firstSeed: 1, timeMs: timeMs / 2, engineOptions, scenarioFor: lossScenario });
  log(
    `  1 thread, small crash scenario (the loss workload): ${small.scenarios} in ${small.wallMs.toFixed(0)} ms = ${rate(small).toFixed(1)}/s`,
  );
  const defaults = await runScenariosFor(engine, harness, { firstSeed: 1, timeMs, engineOptions: {} });
  log(
    `  1 thread, engine defaults (64 MiB preallocated segments): ${defaults.scenarios} scenarios; ` +
      `process CPU ${defaults.cpuMs.toFixed(0)} ms = ${perCpuSecond(defaults).toFixed(1)} scenarios per CPU-second; ` +
      `wall ${defaults.wallMs.toFixed(0)} ms = ${rate(defaults).toFixed(1)}/s` +
      (defaults.violations > 0 ? `; ${defaults.violations} runs found a violation` : ''),
  );
  const scaling = await scalingOf(workerCounts, timeMs, engineOptions, JSON.stringify(engineOptions), log);
  const scalingDefaults = await scalingOf(workerCounts, timeMs, {}, 'engine defaults', log);
  const loadAtEnd = os.loadavg()[0] ?? 0;
  log(`  load average (1 min) ${loadAtStart.toFixed(2)} at the start, ${loadAtEnd.toFixed(2)} at the end, on ${os.cpus().length} cores`);
  return {
    engineOptions,
    scenariosSingleThread: single.scenarios,
    scenariosPerSecPerCore: perCore,
    cpuMs: single.cpuMs,
    scenariosPerCpuSec: perCpuSecond(single),
    virtualMs: single.virtualMs,
    wallMs: single.wallMs,
    virtualTimeSpeedup: single.virtualMs / single.wallMs,
    stepsPerScenario: single.steps / single.scenarios,
    stepsPerSec: single.steps / (single.wallMs / 1000),
    smallScenario: {
      scenarios: small.scenarios,
      wallMs: small.wallMs,
      scenariosPerSec: rate(small),
      virtualTimeSpeedup: small.virtualMs / small.wallMs,
    },
    engineDefaults: {
      scenarios: defaults.scenarios,
      wallMs: defaults.wallMs,
      scenariosPerSec: rate(defaults),
      cpuMs: defaults.cpuMs,
      scenariosPerCpuSec: perCpuSecond(defaults),
    },
    scaling,
    scalingDefaults,
    loadAverage: [loadAtStart, loadAtEnd],
  };
}
