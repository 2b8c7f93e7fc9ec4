/**
 * Simulator speed: a 10,000-operation workload (two concurrent appenders,
 * datasync every 8 writes, a reader, a rename/syncDir now and then) on
 * SimFileSystem, with a crash image at the end, with a setImmediate per pick
 * and with the drain runScenario uses. Prints ops/s; asserts nothing.
 * Run: npx tsx bench/sim-speed.ts
 */
import { performance } from 'node:perf_hooks';
import { createSimWorld, Rng, swarmFaultPlan, type SimWorld } from '../src/index.js';

const hostYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** What runScenario passes as the Scheduler's drain: the microtask queue run empty, no event-loop turn. */
const drain = async (): Promise<void> => {
  await undefined;
  await new Promise<void>((resolve) => process.nextTick(resolve));
};

async function workload(w: SimWorld, ops: number): Promise<number> {
  let done = 0;
  const record = new Uint8Array(200).fill(7);
  const appender = async (name: string): Promise<void> => {
    const h = await w.fs.open(name, 'w+');
    let off = 0;
    while (done < ops) {
      try {
        await h.write(record, off);
        off += record.length;
        done++;
        if (done % 8 === 0) {
          await h.datasync();
          done++;
        }
        if (done % 500 === 0) {
          const buf = new Uint8Array(200);
          await h.read(buf, 0);
          await w.fs.syncDir('/');
          done += 2;
        }
      } catch {
        done++; // faults (ENOSPC, EIO) count as operations too
      }
    }
    await h.close();
  };
  await w.scheduler.run(Promise.all([appender('a.log'), appender('b.log')]));
  return done;
}

async function main(): Promise<void> {
  const swarm = swarmFaultPlan(new Rng(9), {
    kinds: ['fsync-error', 'disk-full', 'read-error', 'lying-fsync', 'torn-write', 'misdirected-write', 'latency'],
    onChance: 1,
  });
  for (const [label, faults, withDrain] of [
    ['no faults, setImmediate', undefined, false],
    ['no faults, drain', undefined, true],
    ['swarm faults, drain', swarm, true],
  ] as const) {
    for (let round = 0; round < 3; round++) {
      const base = withDrain ? { seed: round, hostYield, drain } : { seed: round, hostYield };
      const w = createSimWorld(faults === undefined ? base : { ...base, faults });
      const t0 = performance.now();
      const ops = await workload(w, 10_000);
      const t1 = performance.now();
      const image = w.fs.crash(new Rng(round));
      const t2 = performance.now();
      console.log(
        `${label.padEnd(26)} round ${round}: ${ops} ops in ${(t1 - t0).toFixed(1)} ms ` +
          `(${Math.round((ops / (t1 - t0)) * 1000)} ops/s), ${w.scheduler.steps} steps, trace ${w.trace.length} lines, ` +
          `crash image ${image.files.length} files in ${(t2 - t1).toFixed(2)} ms`,
      );
    }
  }
}

await main();
