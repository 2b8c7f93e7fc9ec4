/**
 * Scenarios per CPU-second of `faultline check` on the built-in engine: runs
 * checkWal as the command does (`--runs N --seed S`, the contract's faults)
 * and prints the process CPU time (user + system, every thread) over the
 * check alone, so start-up and module loading are not counted. CPU time
 * rather than wall time: on a shared machine the other load does not count.
 *
 *   npx tsx bench/check-cpu.ts [--runs 300] [--seed 1] [--segment-size BYTES | --engine-defaults] [--hash]
 *
 * Default engine options are the check's (BUILTIN_CHECK_OPTIONS, 256 KiB
 * segments); --engine-defaults gives the engine's own defaults (64 MiB
 * preallocated segments). --hash also prints a hash over every run's trace
 * hash, to compare behaviour before and after a change.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { BUILTIN_CHECK_OPTIONS, builtinPlugin, checkWal, runScenario } from '../src/harness/index.js';
import { CONTRACT_FAULT_KINDS } from '../src/faults/kinds.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    'segment-size': { type: 'string' },
    'engine-defaults': { type: 'boolean', default: false },
    hash: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const seed = Number(values.seed);
const options: Record<string, unknown> = values['engine-defaults']
  ? {}
  : values['segment-size'] !== undefined
    ? { ...BUILTIN_CHECK_OPTIONS, segmentSize: Number(values['segment-size']) }
    : BUILTIN_CHECK_OPTIONS;
const plugin = await builtinPlugin(options);

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
const c0 = process.cpuUsage();
const result = await checkWal(plugin, { runs, seed });
const checkCpu = cpuMs(process.cpuUsage(c0));
console.log(
  `check --runs ${runs} --seed ${seed} (engine ${JSON.stringify(options)}): ${result.ok ? 'ok' : 'VIOLATION'}, ` +
    `${result.summary.runs} runs, ${result.summary.epochs} epochs, ${result.summary.crashes} power cuts; ` +
    `CPU ${checkCpu.toFixed(0)} ms = ${(result.summary.runs / (checkCpu / 1000)).toFixed(1)} scenarios per CPU-second`,
);
if (values.hash) {
  const h = createHash('sha256');
  const c1 = process.cpuUsage();
  for (let s = seed; s < seed + runs; s++) {
    const outcome = await runScenario(plugin, { seed: s, faults: [...CONTRACT_FAULT_KINDS] });
    h.update(`${s}:${outcome.ok ? 'ok' : 'violation'}:${outcome.traceHash}\n`);
  }
  const hashCpu = cpuMs(process.cpuUsage(c1));
  console.log(
    `runScenario seeds ${seed}..${seed + runs - 1}: trace hashes ${h.digest('hex').slice(0, 16)}; ` +
      `CPU ${hashCpu.toFixed(0)} ms = ${(runs / (hashCpu / 1000)).toFixed(1)} scenarios per CPU-second`,
  );
}
