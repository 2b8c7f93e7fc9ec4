/**
 * Faults are counted where they fire: one `onFault` listener given to
 * createSimWorld hears every epoch's filesystem, in firing order, exactly the
 * faults the trace records; a trace cut at maxTraceLines loses none of them.
 */
import { describe, expect, it } from 'vitest';
import type { FaultKind, FaultPlan } from '../../src/faults/index.js';
import { nextEpoch, type SimWorld } from '../../src/sim/index.js';
import { fill, world } from './helpers.js';

const plan: FaultPlan = {
  version: 1,
  faults: [
    { kind: 'latency', ms: 2, trigger: { probability: 0.3 } },
    { kind: 'torn-write', trigger: { probability: 0.5 } },
    { kind: 'read-error', trigger: { probability: 0.3 } },
  ],
};

/** Some writes, syncs and reads on /f; read errors are expected and ignored. */
async function work(w: SimWorld, rounds: number, flags: 'w+' | 'r+' = 'w+'): Promise<void> {
  const run = <T>(p: Promise<T>): Promise<T> => w.scheduler.run(p);
  const h = await run(w.fs.open('f', flags));
  for (let i = 0; i < rounds; i++) {
    await run(h.write(fill(700, i), i * 700));
    await run(h.sync());
    await run(h.read(new Uint8Array(100), 0)).catch(() => undefined);
  }
}

const traced = (w: SimWorld): FaultKind[] =>
  w.trace.lines.filter((l) => l.includes('"ev":"fault"')).map((l) => (JSON.parse(l) as { kind: FaultKind }).kind);

describe('onFault', () => {
  it('hears every epoch, in firing order, what the trace records; fs.faults.fired counts its own epoch', async () => {
    const heard: FaultKind[] = [];
    let w = world('counts', { faults: plan, onFault: (f) => heard.push(f.kind) });
    await work(w, 20);
    const first = heard.length;
    expect(Object.values(w.fs.faults.fired).reduce((a, b) => a + b, 0)).toBe(first);
    w = nextEpoch(w, w.fs.shutdownImage());
    await work(w, 20, 'r+');
    expect(heard.length).toBeGreaterThan(first);
    expect(new Set(heard)).toEqual(new Set(['latency', 'torn-write', 'read-error']));
    expect(heard).toEqual(traced(w));
    expect(Object.values(w.fs.faults.fired).reduce((a, b) => a + b, 0)).toBe(heard.length - first);
  });

  it('a truncated trace loses no fault', async () => {
    const heard: FaultKind[] = [];
    const full = world('cut', { faults: plan });
    await work(full, 20);
    const w = world('cut', { faults: plan, maxTraceLines: 10, onFault: (f) => heard.push(f.kind) });
    await work(w, 20);
    expect(w.trace.truncated).toBe(true);
    expect(w.trace.hash()).toBe(full.trace.hash()); // the listener changes nothing in the run
    expect(heard).toEqual(traced(full));
    expect(traced(w).length).toBeLessThan(heard.length);
  });
});
