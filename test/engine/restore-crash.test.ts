/**
 * Point-in-time restore after a power cut, in the simulator: for every crash
 * image of a stamped log (transactions, small segments, writes in flight),
 * the log recovered from it restores, at each of its restore points and at
 * each time it holds, to exactly a prefix of what it recovered, holding every
 * record acknowledged by that point or time (the wall clock runs with
 * virtual time, so an acknowledgement's time bounds its stamp).
 */
import { describe, expect, it } from 'vitest';
import { Wal, type WalOptions } from '../../src/engine/index.js';
import { lsnForTime, recoveryPoints, restoreToLsn, restoreToTime } from '../../src/engine/restore.js';
import { createSimWorld } from '../../src/sim/index.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';

const hostYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const payload = (lsn: number): Uint8Array => new Uint8Array(300).fill(lsn % 251);
const OPTIONS: WalOptions = {
  timestamps: true,
  transactions: true,
  segmentSize: 4096,
  preallocate: false,
  durability: { kind: 'groupCommit' },
};

describe('restore after a power cut (simulator, every crash image)', () => {
  it('each restore point and each commit time restores a prefix of the recovered log, with everything acknowledged by then', async () => {
    const world = createSimWorld({ seed: 'restore-crash', hostYield });
    const env = { fs: world.fs, clock: world.clock, dir: '/wal' };
    const wal = await world.scheduler.run(Wal.open(env, OPTIONS));
    /** LSN -> the wall time its append (or its transaction's) was acknowledged at. */
    const ackedAt = new Map<number, number>();
    const ack = (lsns: number[]) => () => {
      for (const l of lsns) ackedAt.set(l, world.clock.wallNow());
    };
    let next = 1;
    for (let i = 0; i < 24; i++) {
      await world.scheduler.run(world.clock.sleep(3)); // the wall clock moves: batches get marks of their own
      if (i % 3 === 2) {
        const lsns = [next, next + 1];
        const commit = await world.scheduler.run(wal.appendTransaction([payload(next), payload(next + 1)]));
        expect(commit).toBe(next + 2);
        ack(lsns)();
        next += 3;
      } else {
        expect(await world.scheduler.run(wal.append(payload(next)))).toBe(next);
        ack([next])();
        next += 1;
      }
    }
    const inflight = Array.from({ length: 6 }, () => wal.append(payload(0)));
    inflight.forEach((p) => p.catch(() => undefined));
    await world.scheduler.run(inflight[0] as Promise<number>);
    // One more completed operation: the next batch's write, its fdatasync not yet done.
    const target = world.fs.operations + 1;
    const oneMore = new Promise<void>((resolve) => {
      const tick = (): void => (world.fs.operations >= target ? resolve() : void setImmediate(tick));
      tick();
    });
    await world.scheduler.run(oneMore);
    const { images } = world.fs.crashImages(60);
    expect(images.length).toBeGreaterThan(1);
    let restores = 0;
    for (const image of images) {
      const w = createSimWorld({ seed: 'restore-crash-reopen', hostYield, image });
      const reopened = await w.scheduler.run(Wal.open({ fs: w.fs, clock: w.clock, dir: '/wal' }, OPTIONS));
      const recovered = reopened.recovered.map((r) => r.lsn);
      for (const l of ackedAt.keys()) expect(recovered, `acknowledged LSN ${l}`).toContain(l);
      await w.scheduler.run(reopened.close());
      const points = await w.scheduler.run(recoveryPoints(w.fs, '/wal', () => 0));
      const cuts = points.segments.flatMap((s) => (s.points === undefined ? [] : [s.points.oldest, s.points.newest]));
      for (const target of new Set(cuts)) {
        const out = new MemfsFileSystem();
        const r = await w.scheduler.run(restoreToLsn(w.fs, '/wal', out, '/r', target, () => 0));
        const back = await Wal.open({ fs: out, clock: w.clock, dir: '/r' }, OPTIONS);
        const got = back.recovered.map((x) => x.lsn);
        expect(got).toEqual(recovered.filter((l) => l <= r.lsn));
        for (const [l] of ackedAt) if (l <= target && l <= r.lsn) expect(got).toContain(l);
        await back.close();
        restores += 1;
      }
      const oldest = points.oldestTime ?? 0;
      const newest = points.newestTime ?? 0;
      expect(newest).toBeGreaterThan(oldest);
      for (let t = oldest; t <= newest; t += 7) {
        const out = new MemfsFileSystem();
        const r = await w.scheduler.run(restoreToTime(w.fs, '/wal', out, '/r', t, () => 0));
        expect(r.lsn).toBe((await w.scheduler.run(lsnForTime(w.fs, '/wal', t, () => 0))).lsn);
        const back = await Wal.open({ fs: out, clock: w.clock, dir: '/r' }, OPTIONS);
        const got = back.recovered.map((x) => x.lsn);
        expect(got).toEqual(recovered.filter((l) => l <= r.lsn));
        // Everything acknowledged by time t was stamped by then, so it is in the restore.
        for (const [l, at] of ackedAt) if (at <= t) expect(got, `LSN ${l} acknowledged at ${at}, restore to ${t}`).toContain(l);
        await back.close();
        restores += 1;
      }
    }
    expect(restores).toBeGreaterThan(images.length);
  }, 120_000);
});
