/**
 * The dead-letter queue under power cuts (simulator): a cut before or after
 * every sync-like operation (sync, datasync, syncDir, rename) of an open that
 * dead-letters salvaged bytes, of applyRecovered with a rejecting handler, and
 * of a replay. After each cut and a rerun from the crash image, nothing passed
 * over is lost from both places and nothing is in the queue twice; a rejected
 * record the handler moved past is already durable in the queue; a replayed
 * entry is handed over at most twice (at least once, docs/dlq.md).
 */
import { describe, expect, it } from 'vitest';
import { applyRecovered, DeadLetterQueue, openDeadLetterQueue, Wal, type WalOptions } from '../../src/engine/index.js';
import { RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE } from '../../src/engine/format.js';
import { CrashCutFileSystem } from '../../src/harness/crash-cut.js';
import type { RecoveredRecord } from '../../src/ports.js';
import { Rng } from '../../src/rng.js';
import { createSimWorld, type DiskImage } from '../../src/sim/index.js';
import { dec, enc } from './support.js';

const hostYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const DIR = '/wal';
const base: WalOptions = { segmentSize: 4096, durability: { kind: 'everyWrite' } };
const payload = (i: number): string => `record-${String(i).padStart(3, '0')}-${'q'.repeat(150)}`;
const recordBytes = RECORD_HEADER_SIZE + payload(1).length;

/** A clean image of a log of `count` records (4 KiB segments), and its segment names. */
async function logImage(count: number, options: WalOptions = base): Promise<{ image: DiskImage; segments: string[] }> {
  const world = createSimWorld({ seed: 'dlq-log', hostYield });
  const wal = await world.scheduler.run(Wal.open({ fs: world.fs, clock: world.clock, dir: DIR }, options));
  for (let i = 1; i <= count; i++) await world.scheduler.run(wal.append(enc(payload(i))));
  await world.scheduler.run(wal.close());
  const segments = (await world.scheduler.run(world.fs.readdir(DIR))).filter((n) => n.endsWith('.log')).sort();
  return { image: world.fs.shutdownImage(), segments };
}

/** A copy of `image` with one payload byte of the `index`-th record of `segment` flipped; returns the record's offset. */
function flipped(
  image: DiskImage,
  flips: { segment: string; index: number }[],
): { image: DiskImage; holes: { segment: string; offset: number }[] } {
  const holes: { segment: string; offset: number }[] = [];
  const files = image.files.map((f) => ({ path: f.path, data: f.data.slice() }));
  for (const { segment, index } of flips) {
    const file = files.find((f) => f.path === `${DIR}/${segment}`);
    if (file === undefined) throw new Error(`no ${segment} in the image`);
    const at = SEGMENT_HEADER_SIZE + index * recordBytes;
    file.data[at + RECORD_HEADER_SIZE + 7] = (file.data[at + RECORD_HEADER_SIZE + 7] as number) ^ 0x08;
    holes.push({ segment, offset: at });
  }
  return { image: { dirs: [...image.dirs], files }, holes };
}

interface CutRun<T> {
  fired: boolean;
  image: DiskImage;
  /** What the workload observed before the cut (or at its end). */
  seen: T;
}

/** Runs `work` on a world from `image` with a power cut at the nth sync-like operation (`when` it); the image after the cut, or after a clean end. */
async function runWithCut<T>(
  image: DiskImage,
  nth: number,
  when: 'before' | 'after',
  seen: T,
  work: (env: { fs: CrashCutFileSystem; clock: ReturnType<typeof createSimWorld>['clock']; dir: string }) => Promise<unknown>,
): Promise<CutRun<T>> {
  const world = createSimWorld({ seed: `dlq-cut-${nth}-${when}`, hostYield, image });
  let cutImage: DiskImage | undefined;
  const fs = new CrashCutFileSystem(world.fs, { class: 'sync-like', nth, when }, () => {
    cutImage = world.fs.crash(new Rng(`image-${nth}-${when}`));
  });
  fs.arm();
  await world.scheduler.run(work({ fs, clock: world.clock, dir: DIR }).catch(() => undefined));
  if (cutImage === undefined) return { fired: false, image: world.fs.shutdownImage(), seen };
  return { fired: true, image: cutImage, seen };
}

/** Every cut point of a workload, 'before' and 'after', until the nth is past its end; asserts there were some. */
async function everyCut<T>(
  image: DiskImage,
  fresh: () => T,
  work: (env: { fs: CrashCutFileSystem; clock: ReturnType<typeof createSimWorld>['clock']; dir: string }, seen: T) => Promise<unknown>,
  check: (run: CutRun<T>) => Promise<void>,
): Promise<number> {
  let cuts = 0;
  for (const when of ['before', 'after'] as const) {
    // Bounded: a workload has finitely many sync-like operations; 500 is far above any here.
    for (let nth = 1; nth < 500; nth++) {
      const seen = fresh();
      const run = await runWithCut(image, nth, when, seen, (env) => work(env, seen));
      if (!run.fired) break;
      cuts += 1;
      await check(run);
    }
  }
  return cuts;
}

describe('the dead-letter queue under a power cut at every sync point', () => {
  it('salvaged bytes: after a cut anywhere in the open and a second open, each hole is in the queue exactly once', async () => {
    const clean = await logImage(40);
    expect(clean.segments.length).toBeGreaterThanOrEqual(2);
    const { image, holes } = flipped(clean.image, [
      { segment: clean.segments[0] as string, index: 1 },
      { segment: clean.segments[0] as string, index: 4 },
      { segment: clean.segments[1] as string, index: 2 },
    ]);
    const opts: WalOptions = { ...base, recoveryMode: 'skipCorrupted' };
    const cuts = await everyCut(
      image,
      () => undefined,
      async (env) => {
        const wal = await Wal.open(env, opts);
        await wal.close();
      },
      async (run) => {
        const w = createSimWorld({ seed: 'dlq-after', hostYield, image: run.image });
        const wal = await w.scheduler.run(Wal.open({ fs: w.fs, clock: w.clock, dir: DIR }, opts));
        const entries = wal.deadLetters?.list() ?? [];
        expect(entries.map((e) => ({ segment: e.segment, offset: e.offset }))).toEqual(holes);
        for (const e of entries) {
          const file = image.files.find((f) => f.path === `${DIR}/${e.segment}`);
          expect(e.parts[0]?.data).toEqual(file?.data.subarray(e.offset, e.offset + recordBytes));
        }
        // The log itself lost nothing to the cut: every undamaged record is recovered.
        expect(wal.recovered).toHaveLength(40 - holes.length);
        await w.scheduler.run(wal.close());
      },
    );
    expect(cuts).toBeGreaterThan(10);
  }, 120_000);

  it('applyRecovered: a rejected record the handler moved past is durable in the queue; a rerun leaves each rejected record there once', async () => {
    const clean = await logImage(8);
    const rejects = new Set([2, 5, 6]);
    const opts: WalOptions = { ...base, deadLetters: true };
    const handlerFor = (calls: number[]) => ({
      record(r: RecoveredRecord): void {
        calls.push(r.lsn);
        if (rejects.has(r.lsn)) throw new Error(`cannot apply ${dec(r.data).slice(0, 10)}`);
      },
    });
    const cuts = await everyCut(
      clean.image,
      (): number[] => [],
      async (env, calls) => {
        const wal = await Wal.open(env, opts);
        await applyRecovered(wal, handlerFor(calls));
        await wal.close();
      },
      async (run) => {
        const w = createSimWorld({ seed: 'dlq-apply-after', hostYield, image: run.image });
        const env = { fs: w.fs, clock: w.clock, dir: DIR };
        // In the crash image: every rejected record the handler moved past (a later call happened) is in the queue.
        const movedPast = [...rejects].filter((lsn) => run.seen.some((c) => c > lsn));
        const exists = await w.scheduler.run(DeadLetterQueue.exists(env));
        const inImage = exists ? (await w.scheduler.run(DeadLetterQueue.inspect(env))).list().map((e) => e.firstLsn) : [];
        for (const lsn of movedPast) expect(inImage).toContain(lsn);
        const wal = await w.scheduler.run(Wal.open(env, opts));
        const calls: number[] = [];
        await w.scheduler.run(applyRecovered(wal, handlerFor(calls)));
        expect(wal.deadLetters?.list().map((e) => e.firstLsn)).toEqual([...rejects]);
        // A record already in the queue is not handed over again.
        for (const lsn of inImage) expect(calls).not.toContain(lsn);
        await w.scheduler.run(wal.close());
      },
    );
    expect(cuts).toBeGreaterThan(5);
  }, 120_000);

  it('replay: after a cut, each entry is replayed or still live, one the replay moved past is resolved, none is handed over more than twice', async () => {
    // A queue of three live entries (the log's records 1..3, rejected once).
    const clean = await logImage(3);
    const world = createSimWorld({ seed: 'dlq-replay-setup', hostYield, image: clean.image });
    const setupEnv = { fs: world.fs, clock: world.clock, dir: DIR };
    const wal = await world.scheduler.run(Wal.open(setupEnv, { ...base, deadLetters: true }));
    await world.scheduler.run(
      applyRecovered(wal, {
        record: () => {
          throw new Error('down');
        },
      }),
    );
    await world.scheduler.run(wal.close());
    const image = world.fs.shutdownImage();
    const cuts = await everyCut(
      image,
      (): number[] => [],
      async (env, handed) => {
        const q = await openDeadLetterQueue(env);
        await q.replay((e) => void handed.push(e.id));
        await q.close();
      },
      async (run) => {
        const w = createSimWorld({ seed: 'dlq-replay-after', hostYield, image: run.image });
        const env = { fs: w.fs, clock: w.clock, dir: DIR };
        const q = await w.scheduler.run(openDeadLetterQueue(env));
        const all = q.list({ all: true });
        expect(all).toHaveLength(3);
        for (const e of all) expect(['live', 'replayed']).toContain(e.status);
        // An entry the replay moved past (the next one was handed over) had its resolution made durable first.
        for (const id of run.seen.slice(0, -1)) expect(q.get(id).status).toBe('replayed');
        const again: number[] = [];
        await w.scheduler.run(q.replay((e) => void again.push(e.id)));
        expect(q.list()).toEqual([]);
        for (const e of all) {
          const times = [...run.seen, ...again].filter((id) => id === e.id).length;
          expect(times).toBeGreaterThanOrEqual(1);
          expect(times).toBeLessThanOrEqual(2);
        }
        await w.scheduler.run(q.close());
      },
    );
    expect(cuts).toBeGreaterThan(3);
  }, 120_000);
});
