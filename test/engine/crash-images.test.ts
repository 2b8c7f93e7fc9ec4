import { describe, expect, it } from 'vitest';
import { Wal, type Durability } from '../../src/engine/index.js';
import { createSimWorld } from '../../src/sim/index.js';

const hostYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const payload = (i: number): Uint8Array => new Uint8Array(700).fill(i); // crosses 512-byte sectors

describe('every crash image of a log with writes in flight recovers a consistent prefix (default mode, simulator)', () => {
  for (const durability of [{ kind: 'none' }, { kind: 'groupCommit' }] as Durability[]) {
    it(`${durability.kind}: open never refuses, recovered LSNs are 1..k with the appended bytes, acknowledged ones included`, async () => {
      const world = createSimWorld({ seed: `crash-images-${durability.kind}`, hostYield });
      const env = { fs: world.fs, clock: world.clock, dir: '/wal' };
      const options = { segmentSize: 65536, durability };
      const wal = await world.scheduler.run(Wal.open(env, options));
      for (let i = 1; i <= 6; i++) await world.scheduler.run(wal.append(payload(i)));
      const acked = durability.kind === 'groupCommit' ? 6 : 0;
      const inflight = Array.from({ length: 8 }, (_, k) => wal.append(payload(7 + k)));
      inflight.forEach((p) => p.catch(() => undefined));
      await world.scheduler.run(inflight[0] as Promise<number>);
      // groupCommit: one more completed operation, the next batch's write, its fdatasync not yet done.
      const target = world.fs.operations + (durability.kind === 'groupCommit' ? 1 : 0);
      const oneMore = new Promise<void>((resolve) => {
        const tick = (): void => (world.fs.operations >= target ? resolve() : void setImmediate(tick));
        tick();
      });
      await world.scheduler.run(oneMore);
      const { images, explored } = world.fs.crashImages(400);
      expect(images.length).toBeGreaterThan(1);
      expect(explored).toBeGreaterThan(1);
      let tornSeen = 0;
      for (const image of images) {
        const w = createSimWorld({ seed: 'reopen', hostYield, image });
        const reopened = await w.scheduler.run(Wal.open({ fs: w.fs, clock: w.clock, dir: '/wal' }, options));
        const lsns = reopened.recovered.map((r) => r.lsn);
        expect(lsns).toEqual(Array.from({ length: lsns.length }, (_, i) => i + 1));
        expect(lsns.length).toBeGreaterThanOrEqual(acked);
        for (const r of reopened.recovered) expect(r.data).toEqual(payload(r.lsn));
        if (reopened.report.tornBytesTruncated > 0) tornSeen += 1;
        expect(reopened.report.corruption.every((f) => f.kind === 'torn-tail')).toBe(true);
      }
      expect(tornSeen).toBeGreaterThan(0); // some images really had torn writes to classify
    }, 60_000);
  }
});
