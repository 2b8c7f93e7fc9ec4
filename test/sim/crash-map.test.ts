/**
 * The per-sector map of a crash image (CrashSpace.describe, the side channel
 * SimFileSystem's onCrashImage hears): it says which sectors were durable,
 * kept or lost and which pending writes were torn, it draws exactly the image
 * sampleCrashImage draws, and listening leaves the trace (and its hash) as it was.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/rng.js';
import { CrashSpace, sampleCrashImage, diskImageKey, type SimWorld } from '../../src/sim/index.js';
import { sampleCrashImageWithMap } from '../../src/sim/crash.js';
import { fill, world } from './helpers.js';

async function sim<T>(w: SimWorld, body: () => Promise<T>): Promise<T> {
  return w.scheduler.run(body());
}

/** /a: 1024 durable bytes, then two unsynced one-sector writes, one of them growing the file. */
async function pendingWorld(seed: string): Promise<SimWorld> {
  const w = world(seed);
  await sim(w, async () => {
    const h = await w.fs.open('a', 'w+');
    await h.write(fill(1024, 0x11), 0);
    await h.sync();
    await w.fs.syncDir('/');
    await h.write(fill(512, 0xaa), 512);
    await h.write(fill(1024, 0xbb), 1024);
    await h.close();
  });
  return w;
}

describe('crash image sector maps', () => {
  it('draws the same image as sampleCrashImage from the same generator', async () => {
    for (let i = 0; i < 20; i++) {
      const w = await pendingWorld(`same-${i}`);
      const a = sampleCrashImage(w.fs.disk, 512, new Rng(`r${i}`));
      const b = sampleCrashImageWithMap(w.fs.disk, 512, new Rng(`r${i}`));
      expect(diskImageKey(b.image)).toBe(diskImageKey(a));
    }
  });

  it('every assignment: sectors no pending write touched are durable, the others kept or lost as the image shows', async () => {
    const w = await pendingWorld('every');
    const space = new CrashSpace(w.fs.disk, 512);
    const radices = space.radices;
    const choice = radices.map(() => 0);
    let seen = 0;
    for (;;) {
      const image = space.build(choice);
      const map = space.describe(choice, image);
      const file = map.files.find((f) => f.path === '/a');
      const data = image.files.find((f) => f.path === '/a')?.data;
      expect(file).toBeDefined();
      expect(file?.size).toBe(data?.length);
      expect(file?.durableSize).toBe(1024);
      expect(file?.cacheSize).toBe(2048);
      // Ranges tile [0, size) in order.
      let at = 0;
      for (const r of file?.ranges ?? []) {
        expect(r.start).toBe(at);
        at = r.end;
      }
      expect(at).toBe(file?.size);
      const stateAt = (byte: number): string | undefined => file?.ranges.find((r) => r.start <= byte && byte < r.end)?.state;
      expect(stateAt(0)).toBe('durable');
      // Sector 1 (bytes 512..1023): 0xaa when its write was kept, the durable 0x11 when lost.
      expect(stateAt(512)).toBe(data?.[512] === 0xaa ? 'kept' : 'lost');
      if ((data?.length ?? 0) > 1024) expect(stateAt(1024)).toBe(data?.[1024] === 0xbb ? 'kept' : 'lost');
      for (const wr of file?.writes ?? []) expect(wr.keptSectors).toBeLessThanOrEqual(wr.sectors);
      seen++;
      let i = 0;
      while (i < radices.length) {
        const v = (choice[i] ?? 0) + 1;
        if (v < (radices[i] ?? 1)) {
          choice[i] = v;
          break;
        }
        choice[i] = 0;
        i++;
      }
      if (i === radices.length) break;
    }
    expect(seen).toBe(space.total);
  });

  it('a write kept in part is reported torn: some of its sectors kept, not all', async () => {
    const w = world('torn');
    await sim(w, async () => {
      const h = await w.fs.open('a', 'w+');
      await h.sync();
      await w.fs.syncDir('/');
      await h.write(fill(2048, 0xcc), 0);
    });
    const space = new CrashSpace(w.fs.disk, 512);
    // size point: the write's size persisted; sectors: kept, lost, kept, lost.
    const choice = space.radices.map(() => 0);
    choice[1] = 1;
    choice[2] = 1;
    choice[4] = 1;
    const image = space.build(choice);
    const f = space.describe(choice, image).files[0];
    expect(f?.writes).toEqual([{ start: 0, end: 2048, keptSectors: 2, sectors: 4, forcedTorn: false }]);
    expect(f?.ranges.map((r) => r.state)).toEqual(['kept', 'lost', 'kept', 'lost']);
  });

  it('a listener hears every crash image with its trace position, and the trace hash is unchanged', async () => {
    const run = async (listen: boolean): Promise<{ hash: string; heard: number[]; lines: readonly string[] }> => {
      const heard: number[] = [];
      const w2 = listen ? world('listen', { onCrashImage: (c) => heard.push(c.traceSeq) }) : world('listen');
      await sim(w2, async () => {
        const h = await w2.fs.open('a', 'w+');
        await h.write(fill(700, 1), 0);
      });
      w2.fs.crash(new Rng('cut'));
      return { hash: w2.trace.hash(), heard, lines: w2.trace.lines };
    };
    const quiet = await run(false);
    const loud = await run(true);
    expect(loud.hash).toBe(quiet.hash);
    expect(loud.heard).toHaveLength(1);
    expect(JSON.parse(loud.lines[loud.heard[0] ?? -1] ?? '{}')).toMatchObject({ ev: 'crash-image' });
  });
});
