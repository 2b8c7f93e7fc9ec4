import { describe, expect, it } from 'vitest';
import { firstTraceDivergence, nextEpoch, Trace, worldOptionsFromTrace, type SimWorld } from '../../src/sim/index.js';
import { microtaskDrain } from '../../src/harness/run.js';
import { world } from './helpers.js';

/** Two writers appending concurrently, each with its own file, syncing every few writes, plus a sleeper. */
async function twoWriters(w: SimWorld): Promise<void> {
  const writer = async (name: string): Promise<void> => {
    const h = await w.fs.open(name, 'w+');
    for (let i = 0; i < 20; i++) {
      await h.write(Uint8Array.of(i), i);
      if (i % 5 === 4) await h.datasync();
    }
    await h.close();
  };
  const sleeper = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await w.clock.sleep(3);
  };
  await w.scheduler.run(Promise.all([writer('a'), writer('b'), sleeper()]));
}

const order = (t: Trace): string =>
  Trace.parse(t.toJsonLines())
    .filter((e) => e.ev === 'op')
    .map((e) => String(e.path))
    .join('');

describe('determinism', () => {
  it('the same seed twice gives the same trace hash and lines', async () => {
    const a = world(42);
    const b = world(42);
    await twoWriters(a);
    await twoWriters(b);
    expect(a.trace.length).toBeGreaterThan(40);
    expect(a.trace.hash()).toBe(b.trace.hash());
    expect(a.trace.lines).toEqual(b.trace.lines);
  });

  it('different seeds give different interleavings of the two writers', async () => {
    const orders = new Set<string>();
    const hashes = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5]) {
      const w = world(seed);
      await twoWriters(w);
      orders.add(order(w.trace));
      hashes.add(w.trace.hash());
    }
    expect(orders.size).toBeGreaterThan(1);
    expect(hashes.size).toBe(5);
  });

  it('sleep resolves in virtual time and time only moves when nothing is runnable', async () => {
    const w = world('clock');
    const seen: number[] = [];
    await w.scheduler.run(
      (async () => {
        await w.clock.sleep(1000);
        seen.push(w.clock.now());
        await w.clock.sleep(0);
        seen.push(w.clock.now());
        await w.clock.sleep(2500);
        seen.push(w.clock.now());
      })(),
    );
    expect(seen).toEqual([1000, 1000, 3500]);
  });

  it('a cancelled timer never fires and does not move time', async () => {
    const w = world('cancel');
    let fired = false;
    const t = w.scheduler.cancellableAfter(1000);
    void t.promise.then(() => (fired = true));
    t.cancel();
    await w.scheduler.run(w.clock.sleep(10));
    expect(fired).toBe(false);
    expect(w.scheduler.pending).toBe(0);
    expect(w.clock.now()).toBe(10);
  });

  it('reports a hang instead of spinning when the awaited promise can never settle', async () => {
    const w = world('hang');
    await expect(w.scheduler.run(new Promise<void>(() => undefined))).rejects.toMatchObject({ code: 'ESIM' });
  });

  it('the step bound stops a runaway loop', async () => {
    const w = world('bound', { maxSteps: 100 });
    const loop = async (): Promise<void> => {
      for (;;) await w.fs.stat('.');
    };
    await expect(w.scheduler.run(loop())).rejects.toMatchObject({ code: 'ESIM' });
    expect(w.scheduler.steps).toBe(100);
  });
});

describe('replay from a trace', () => {
  it('the world line of a trace rebuilds a world that reproduces the run exactly', async () => {
    const faults = { version: 1 as const, faults: [{ kind: 'latency' as const, ms: 7, trigger: { probability: 0.3 } }] };
    const first = world('replay-me', { faults, sectorSize: 4096 });
    await twoWriters(first);
    const opts = worldOptionsFromTrace(Trace.parse(first.trace.toJsonLines()));
    expect(opts).toEqual({ seed: 'replay-me', sectorSize: 4096, faults });
    const again = world(opts.seed, { ...(opts.faults ? { faults: opts.faults } : {}), sectorSize: opts.sectorSize });
    await twoWriters(again);
    expect(firstTraceDivergence(first.trace.lines, again.trace.lines)).toBe(-1);
    expect(again.trace.hash()).toBe(first.trace.hash());
    expect(first.trace.lines.some((l) => l.includes('"ev":"fault"'))).toBe(true);
  });

  it('nextEpoch starts from a crash image on the same clock and trace; the old filesystem and clock are dead', async () => {
    const w0 = world('epochs');
    const h = await w0.scheduler.run(w0.fs.open('f', 'w+'));
    await w0.scheduler.run(h.write(Uint8Array.of(1, 2, 3), 0));
    await w0.scheduler.run(h.sync());
    await w0.scheduler.run(w0.fs.syncDir('.'));
    await w0.scheduler.run(w0.clock.sleep(10));
    const image = w0.fs.crash(w0.rng.fork('crash-0'));
    const w1 = nextEpoch(w0, image);
    expect(w1.epoch).toBe(1);
    expect(w1.fs.phase).toBe('recovery');
    expect(w1.clock.now()).toBe(10);
    expect((await w1.scheduler.run(w1.fs.stat('f'))).size).toBe(3);
    await expect(w1.scheduler.run(h.write(Uint8Array.of(9), 0))).rejects.toMatchObject({ code: 'ECRASHED' });
    let woke = false;
    void w0.clock.sleep(1).then(() => (woke = true));
    await w1.scheduler.run(w1.clock.sleep(5));
    expect(woke).toBe(false);
    expect(w1.trace.lines.filter((l) => l.includes('"ev":"epoch"'))).toHaveLength(2);
  });
});

describe('concurrent calls complete in seeded orders', () => {
  it('a write and a datasync issued together: either order happens, and the flush never has to cover the write', async () => {
    const outcomes = new Set<string>();
    for (let seed = 0; seed < 16; seed++) {
      const w = world(`wd-${seed}`, { image: { dirs: [], files: [{ path: '/f', data: new Uint8Array(4) }] } });
      const h = await w.scheduler.run(w.fs.open('f', 'r+'));
      await w.scheduler.run(Promise.all([h.write(Uint8Array.of(1, 1, 1, 1), 0), h.datasync()]));
      const ops = Trace.parse(w.trace.toJsonLines())
        .filter((e) => e.ev === 'op')
        .map((e) => e.op);
      const syncFirst = ops.indexOf('datasync') < ops.indexOf('write');
      const images = w.fs.crashImages(100).images.map((im) => im.files[0]?.data.join(''));
      // The datasync was called before the write completed, so (as fdatasync(2)) it need not
      // cover it, whichever completes first: a crash may keep the write or lose it.
      expect(new Set(images)).toEqual(new Set(['0000', '1111']));
      outcomes.add(syncFirst ? 'sync-first' : 'write-first');
    }
    expect(outcomes).toEqual(new Set(['sync-first', 'write-first']));
  });

  it('two unlinks of one file: exactly one succeeds, the other is ENOENT', async () => {
    const w = world('unlinks', { image: { dirs: [], files: [{ path: '/f', data: new Uint8Array(1) }] } });
    const results = await w.scheduler.run(Promise.allSettled([w.fs.unlink('f'), w.fs.unlink('f')]));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toMatchObject({ code: 'ENOENT', syscall: 'unlink' });
  });
});

describe('drain between picks (microtasks only, no event-loop turn)', () => {
  /**
   * Each completion starts a long microtask chain before the next operation is
   * issued: a write completes, then `depth` nested awaits later the writer issues
   * its next call. A drain that stops early would pick before that call exists.
   */
  async function deepChains(w: SimWorld, depth: number): Promise<void> {
    const hops = async (n: number): Promise<void> => {
      if (n > 0) await hops(n - 1);
    };
    const writer = async (name: string, chain: number): Promise<void> => {
      const h = await w.fs.open(name, 'w+');
      for (let i = 0; i < 12; i++) {
        await h.write(Uint8Array.of(i), i);
        await hops(chain);
        if (i % 4 === 3) {
          await hops(chain);
          await h.datasync();
        }
      }
      await h.close();
    };
    // A client whose first call comes only after a microtask chain started before run() is.
    const late = async (): Promise<void> => {
      await hops(depth);
      await writer('d', 2);
    };
    await w.scheduler.run(Promise.all([writer('a', depth), writer('b', 1), writer('c', depth * 2), late()]));
  }

  it('gives exactly the trace of a full host yield per pick, for every seed', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const slow = world(seed);
      const fast = world(seed, { drain: microtaskDrain });
      await deepChains(slow, 40);
      // Started from a macrotask (not inside a microtask), as a host callback would.
      await new Promise<void>((resolve, reject) => setImmediate(() => deepChains(fast, 40).then(resolve, reject)));
      expect(fast.trace.lines).toEqual(slow.trace.lines);
      expect(fast.trace.hash()).toBe(slow.trace.hash());
    }
  });

  it('a drain that stops after a fixed number of hops picks too early and changes the interleaving (what the nextTick drain avoids)', async () => {
    const fewHops = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) await undefined;
    };
    let differs = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const slow = world(seed);
      const early = world(seed, { drain: fewHops });
      await deepChains(slow, 40);
      await deepChains(early, 40);
      if (early.trace.hash() !== slow.trace.hash()) differs++;
    }
    expect(differs).toBeGreaterThan(0);
  });
});
