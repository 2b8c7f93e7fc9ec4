/**
 * The vitest recipe (docs/node-fs.md): node:fs and node:fs/promises mocked,
 * inside this test file only, to the facade of the current simulated disk, so
 * a library that imports them itself (plugins/steno-like.ts) runs on the
 * simulator unmodified. The mocked modules bind late: each test points them
 * at its own world's facade.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createNodeFs, type NodeFs } from '../../src/nodefs/index.js';
import type { SimWorld } from '../../src/sim/index.js';
import { fileOf, world } from '../sim/helpers.js';
import { load, save } from './plugins/steno-like.js';

const bound = vi.hoisted(() => ({ fs: undefined as NodeFs | undefined }));

vi.mock('node:fs', async () => {
  const { lateBoundNodeFs } = await import('../../src/nodefs/index.js');
  return lateBoundNodeFs(() => bound.fs, 'fs');
});
vi.mock('node:fs/promises', async () => {
  const { lateBoundNodeFs } = await import('../../src/nodefs/index.js');
  return lateBoundNodeFs(() => bound.fs?.promises, 'promises');
});

let w: SimWorld;
beforeEach(() => {
  w = world('vitest-mock');
  bound.fs = createNodeFs(w.fs);
});

describe('a library that imports node:fs itself, on the simulated disk', () => {
  it('its reads and writes are the simulator’s operations', async () => {
    const got = await w.scheduler.run(
      (async () => {
        await save('/db.json', { a: 1 });
        return load('/db.json');
      })(),
    );
    expect(got).toEqual({ a: 1 });
    expect(w.fs.shutdownImage().files.map((f) => f.path)).toEqual(['/db.json']);
  });

  it('the mocked modules forward classes and values too', () => {
    return import('node:fs').then((mocked) => {
      expect(mocked.constants.O_CREAT).toBe(0o100);
      const ReadStream = mocked.ReadStream as unknown as new (path: string) => { path: string; destroy(): void };
      const stream = new ReadStream('/none');
      expect(stream.path).toBe('/none');
      stream.destroy();
    });
  });

  it('its missing fsyncs show: a power cut can leave the document empty or gone', async () => {
    await w.scheduler.run(save('/db.json', { a: 1 }));
    const kept = new Set(
      w.fs.crashImages(10_000).images.map((i) => new TextDecoder().decode(fileOf(i, '/db.json') ?? new Uint8Array([0x2d]))),
    );
    expect(kept).toContain('{"a":1}');
    expect(kept).toContain(''); // renamed, but its data never reached the disk
    expect(kept).toContain('-'); // the rename itself lost
  });
});
