/**
 * The transient-error fault on the simulated disk: reads and writes reject
 * with one of its codes, a write may land a strict prefix in the page cache
 * first, the medium is untouched, and a burst makes the same call fail
 * several times in a row (counted as fired each time, without trigger draws).
 */
import { describe, expect, it } from 'vitest';
import { injectorFor, parseFaultPlan, type FaultPlan, type FaultSpec } from '../../src/faults/index.js';
import type { SimWorld } from '../../src/sim/index.js';
import { fill, world } from '../sim/helpers.js';

const plan = (...faults: FaultSpec[]): FaultPlan => ({ version: 1, faults });
const run = <T>(w: SimWorld, p: Promise<T>): Promise<T> => w.scheduler.run(p);

function prepared(seed: string, faults: FaultPlan, size = 1024, value = 0): SimWorld {
  return world(seed, { image: { dirs: [], files: [{ path: '/f', data: fill(size, value) }] }, faults });
}

/** Calls `op` until it succeeds; returns the codes of the failures before. */
async function failuresBefore(w: SimWorld, op: () => Promise<unknown>): Promise<string[]> {
  const codes: string[] = [];
  for (;;) {
    try {
      await run(w, op());
      return codes;
    } catch (err) {
      codes.push((err as { code: string }).code);
      if (codes.length > 50) throw new Error('no end to the failures');
    }
  }
}

describe('transient-error', () => {
  it('a read rejects with one of the codes and then reads what the medium holds', async () => {
    const w = prepared('t-read', plan({ kind: 'transient-error', codes: ['EINTR'], trigger: { nth: 1 } }), 16, 5);
    const h = await run(w, w.fs.open('f', 'r'));
    const buf = new Uint8Array(16);
    await expect(run(w, h.read(buf, 0))).rejects.toMatchObject({ code: 'EINTR', syscall: 'read' });
    expect(await run(w, h.read(buf, 0))).toBe(16);
    expect(Array.from(buf)).toEqual(Array.from(fill(16, 5)));
  });

  it('a failed write may leave a strict prefix in the cache; writing again at the same position leaves exactly the data', async () => {
    let sawPrefix = false;
    for (let seed = 0; seed < 20; seed++) {
      const w = prepared(`t-write-${seed}`, plan({ kind: 'transient-error', trigger: { nth: 1 } }), 1024, 0);
      const h = await run(w, w.fs.open('f', 'r+'));
      const data = fill(600, 0xab);
      const err = await run(w, h.write(data, 100)).catch((e: unknown) => e);
      expect(['EAGAIN', 'EINTR', 'EBUSY']).toContain((err as { code: string }).code);
      const after = new Uint8Array(1024);
      await run(w, h.read(after, 0));
      const landed = after.subarray(100, 700).findIndex((b) => b !== 0xab);
      expect(landed).not.toBe(-1); // a strict prefix, never the whole write
      if (landed > 0) sawPrefix = true;
      expect(after.subarray(100 + landed, 1024).every((b) => b === 0)).toBe(true);
      await run(w, h.write(data, 100));
      await run(w, h.read(after, 0));
      expect(after.subarray(100, 700).every((b) => b === 0xab)).toBe(true);
      expect(after.subarray(0, 100).every((b) => b === 0) && after.subarray(700).every((b) => b === 0)).toBe(true);
      // Nothing reached the medium: the failure and the retry are page-cache writes until a sync.
      expect(w.fs.crashImages(1000).images.some((im) => im.files.find((f) => f.path === '/f')?.data.every((b) => b === 0))).toBe(true);
    }
    expect(sawPrefix).toBe(true);
  });

  it('burst n: the same call fails between 1 and n times in a row with one code, each counted as fired; another call is not held up', async () => {
    const streaks = new Set<number>();
    for (let seed = 0; seed < 30; seed++) {
      const w = prepared(`t-burst-${seed}`, plan({ kind: 'transient-error', burst: 4, trigger: { nth: 1 } }));
      const h = await run(w, w.fs.open('f', 'r'));
      const buf = new Uint8Array(8);
      const codes = await failuresBefore(w, () => h.read(buf, 64));
      expect(codes.length).toBeGreaterThanOrEqual(1);
      expect(codes.length).toBeLessThanOrEqual(4);
      expect(new Set(codes).size).toBe(1);
      expect(w.fs.faults.fired['transient-error']).toBe(codes.length);
      streaks.add(codes.length);
      // nth: 1 fired once; a read elsewhere is not part of the streak.
      expect(await run(w, h.read(buf, 0))).toBe(8);
    }
    expect(streaks.size).toBeGreaterThan(1);
  });

  it('bad parameters are refused with EINVAL', () => {
    expect(() => injectorFor({ kind: 'transient-error', codes: [] })).toThrow(/non-empty list/);
    expect(() => injectorFor({ kind: 'transient-error', codes: ['EIO' as 'EAGAIN'] })).toThrow(/"EIO" is not one of EAGAIN, EINTR, EBUSY/);
    expect(() => injectorFor({ kind: 'transient-error', burst: 0 })).toThrow(/burst must be an integer in \[1, 1000\], got 0/);
    expect(() => parseFaultPlan({ version: 1, faults: [{ kind: 'transient-error', burst: 1.5 }] })).toThrow(/fault 0 \(transient-error\)/);
  });
});
