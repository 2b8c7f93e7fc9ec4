/**
 * worker_threads entry of the simulator-speed benchmark (item 5): runs seeded
 * crash scenarios for a fixed wall time and posts how many it completed.
 * workerData: { entry, firstSeed, timeMs, engineOptions }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadEngine, loadHarness } from '../lib/modules.js';
import { runScenariosFor } from '../suites/simulator.js';

async function main(): Promise<void> {
  const { firstSeed, timeMs, engineOptions } = workerData as { firstSeed: number; timeMs: number; engineOptions: Record<string, unknown> };
  const engine = await loadEngine();
  const harness = await loadHarness();
  if (!engine.ok) throw new Error(engine.reason);
  if (!harness.ok) throw new Error(harness.reason);
  const r = await runScenariosFor(engine.value, harness.value, { firstSeed, timeMs, engineOptions });
  parentPort?.postMessage(r);
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ error: (err as Error).message });
});
