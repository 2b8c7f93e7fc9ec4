/**
 * The port's later additions (the append flags, rmdir, mtimeMs) in the
 * implementations that ship them: the simulator (durability, faults, trace,
 * virtual time), NodeFileSystem, and ForwardingFileSystem over a port without
 * rmdir. The generic behaviour is in the conformance suite.
 */
import { describe, expect, it } from 'vitest';
import { ForwardingFileSystem } from '../../src/forwarding-file-system.js';
import type { FileHandle, FileStat, FileSystem, OpenFlags } from '../../src/ports.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { Trace, type DiskImage, type SimWorld, type TraceEvent } from '../../src/sim/index.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { fileOf, world } from '../sim/helpers.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const sim = <T>(w: SimWorld, body: () => Promise<T>): Promise<T> => w.scheduler.run(body());
const ops = (w: SimWorld, op: string): TraceEvent[] => Trace.parse(w.trace.toJsonLines()).filter((e) => e.ev === 'op' && e['op'] === op);

describe('append flags', () => {
  it('the simulator and NodeFileSystem offer them (no EINVAL)', async () => {
    const w = world('append-offered');
    await sim(w, async () => {
      for (const flags of ['a+', 'ax+'] as const) await (await w.fs.open(`f-${flags}`, flags)).close();
    });
    const { dir, cleanup } = await makeTempDir();
    try {
      const fs = new NodeFileSystem(dir);
      for (const flags of ['a+', 'ax+'] as const) await (await fs.open(`f-${flags}`, flags)).close();
      await expect((async () => (await fs.open('f-a+', 'a+')).write(text('x'), -1))()).rejects.toMatchObject({ code: 'EINVAL' });
    } finally {
      await cleanup();
    }
  });

  it('two appends in flight on the simulator never overwrite each other, whatever order the scheduler picks', async () => {
    for (const seed of ['race-1', 'race-2', 'race-3', 'race-4']) {
      const w = world(seed);
      const content = await sim(w, async () => {
        const a = await w.fs.open('log', 'a+');
        const b = await w.fs.open('log', 'a+');
        await Promise.all([a.write(text('AAAA'), 0), b.write(text('BB'), 0), a.write(text('C'), 0)]);
        const buf = new Uint8Array(16);
        const n = await a.read(buf, 0);
        await a.close();
        await b.close();
        return new TextDecoder().decode(buf.subarray(0, n));
      });
      expect(content).toHaveLength(7);
      expect([...content].sort().join('')).toBe('AAAABBC');
      expect(content).toMatch(/AAAA/);
      expect(content).toMatch(/BB/);
    }
  });

  it('the trace and the faults see an append write at the offset where it landed', async () => {
    const w = world('append-trace');
    await sim(w, async () => {
      const h = await w.fs.open('log', 'a+');
      await h.write(text('12345'), 0);
      await h.write(text('678'), 0);
      await h.close();
    });
    const writes = ops(w, 'write');
    expect(writes.map((e) => [e['offset'], e['length']])).toEqual([
      [0, 5],
      [5, 3],
    ]);
  });

  it('an unsynced append is pending like any write: a crash may keep it or not; a datasync makes it durable', async () => {
    const w = world('append-durable');
    await sim(w, async () => {
      const h = await w.fs.open('log', 'a+');
      await h.write(text('one'), 0);
      await h.datasync();
      await w.fs.syncDir('/');
      await h.write(text('two'), 0);
      await h.close();
    });
    const contents = new Set(w.fs.crashImages(1000).images.map((i) => new TextDecoder().decode(fileOf(i, '/log'))));
    expect(contents).toEqual(new Set(['one', 'onetwo', 'one\0\0\0']));
  });
});

describe('rmdir', () => {
  it('on the simulator: durable only after syncDir of the parent, atomic in crash images, traced as rmdir', async () => {
    const w = world('rmdir-durable');
    await sim(w, async () => {
      await w.fs.mkdir('/d/e', { recursive: true });
      await w.fs.syncDir('/');
      await w.fs.syncDir('/d');
      await w.fs.rmdir('/d/e');
    });
    const before = w.fs.crashImages(100).images.map((i: DiskImage) => i.dirs);
    expect(new Set(before.map((d) => d.join(',')))).toEqual(new Set(['/d,/d/e', '/d']));
    await sim(w, () => w.fs.syncDir('/d'));
    expect(w.fs.crashImages(100).images.map((i) => i.dirs)).toEqual([['/d']]);
    const rm = ops(w, 'rmdir');
    expect(rm.map((e) => e['path'])).toEqual(['/d/e']);
    await expect(sim(w, () => w.fs.rmdir('/'))).rejects.toMatchObject({ code: 'EBUSY' });
  });

  it('NodeFileSystem refuses to remove its root (EBUSY)', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      await expect(new NodeFileSystem(dir).rmdir('.')).rejects.toMatchObject({ code: 'EBUSY' });
    } finally {
      await cleanup();
    }
  });

  it('ForwardingFileSystem over a port without rmdir rejects ENOTSUP naming it', async () => {
    const bare: FileSystem = {
      open: (_p: string, _f: OpenFlags): Promise<FileHandle> => Promise.reject(new Error('unused')),
      readdir: () => Promise.resolve([]),
      mkdir: () => Promise.resolve(),
      rename: () => Promise.resolve(),
      unlink: () => Promise.resolve(),
      stat: (): Promise<FileStat> => Promise.resolve({ size: 0, isFile: false, isDirectory: true }),
      syncDir: () => Promise.resolve(),
    };
    await expect(new ForwardingFileSystem(bare).rmdir('d')).rejects.toMatchObject({ code: 'ENOTSUP', syscall: 'rmdir', path: 'd' });
  });
});

describe('mtimeMs on the simulator', () => {
  it('is the virtual time of the last write, truncate or entry change', async () => {
    const w = world('mtime');
    const seen = await sim(w, async () => {
      const h = await w.fs.open('f', 'w+');
      const created = (await h.stat()).mtimeMs;
      await w.clock.sleep(1500);
      await h.write(text('x'), 0);
      const written = (await w.fs.stat('f')).mtimeMs;
      await w.clock.sleep(250);
      const untouched = (await h.stat()).mtimeMs;
      await h.truncate(0);
      const truncated = (await h.stat()).mtimeMs;
      await h.close();
      await w.clock.sleep(1000);
      await w.fs.mkdir('d');
      return { created, written, untouched, truncated, root: (await w.fs.stat('/')).mtimeMs, at: w.clock.now() };
    });
    expect(seen.created).toBe(0);
    expect(seen.written).toBe(1500);
    expect(seen.untouched).toBe(1500);
    expect(seen.truncated).toBe(1750);
    expect(seen.root).toBe(seen.at);
  });
});
