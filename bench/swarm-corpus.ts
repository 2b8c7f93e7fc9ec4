/**
 * The swarm workload against the default one on the WAL corpus
 * (test/corpus/corpus-table.ts): for every buggy WAL and fast-check seeds
 * 1..SEEDS, the runs and the CPU time checkWal needs to catch it (a cap of
 * CAP runs), with { swarm: false } and { swarm: true }. Prints a table and
 * the totals: bugs caught, and caught per CPU-second. Asserts nothing.
 * Run: npx tsx bench/swarm-corpus.ts [seeds] [cap] [fixture]  (fixture: only that one)
 */
import { CORPUS } from '../test/corpus/corpus-table.js';
import { checkWal } from '../src/harness/check.js';
import { loadPluginModule } from '../src/harness/plugin-module.js';

const SEEDS = Number(process.argv[2] ?? 5);
const CAP = Number(process.argv[3] ?? 300);
const ONLY = process.argv[4];

interface Cell {
  caught: number;
  runs: number;
  cpuMs: number;
}

async function measure(fixture: string, faults: readonly string[], swarm: boolean): Promise<Cell> {
  const plugin = await loadPluginModule(`test/fixtures/wals/${fixture}.ts`);
  const cell: Cell = { caught: 0, runs: 0, cpuMs: 0 };
  for (let seed = 1; seed <= SEEDS; seed++) {
    const cpu = process.cpuUsage();
    const r = await checkWal(plugin, { seed, runs: CAP, faults: faults as never, swarm, maxShrinkRuns: 0 });
    const used = process.cpuUsage(cpu);
    cell.cpuMs += (used.user + used.system) / 1000;
    cell.runs += r.ok ? CAP : r.runs + 1;
    if (!r.ok) cell.caught += 1;
  }
  return cell;
}

const rows: string[] = [
  '| fixture | faults | default: caught / runs / CPU s | swarm: caught / runs / CPU s |',
  '| --- | --- | --- | --- |',
];
const total = { default: { caught: 0, cpuMs: 0 }, swarm: { caught: 0, cpuMs: 0 } };
for (const entry of CORPUS) {
  if (entry.undetectedBecause !== undefined || (ONLY !== undefined && entry.fixture !== ONLY)) continue;
  const d = await measure(entry.fixture, entry.faults, false);
  const s = await measure(entry.fixture, entry.faults, true);
  total.default.caught += d.caught;
  total.default.cpuMs += d.cpuMs;
  total.swarm.caught += s.caught;
  total.swarm.cpuMs += s.cpuMs;
  const fmt = (c: Cell): string => `${c.caught}/${SEEDS} / ${c.runs} / ${(c.cpuMs / 1000).toFixed(1)}`;
  rows.push(`| ${entry.fixture} | ${entry.faults.join(',')} | ${fmt(d)} | ${fmt(s)} |`);
  process.stderr.write(`${rows.at(-1)}\n`);
}
const perSec = (t: { caught: number; cpuMs: number }): string => (t.caught / (t.cpuMs / 1000)).toFixed(2);
rows.push(
  `| total | | ${total.default.caught} caught, ${perSec(total.default)} per CPU-s | ${total.swarm.caught} caught, ${perSec(total.swarm)} per CPU-s |`,
);
process.stdout.write(
  `${rows.join('\n')}\n\n(seeds 1..${SEEDS}, at most ${CAP} runs each, no shrinking; runs = runs to the first failure, or the cap)\n`,
);
