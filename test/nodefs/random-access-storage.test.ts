/**
 * randomAccessStorage(port, path): the random-access-storage API over the
 * port (on the simulator and on a real disk), and a log built on it under the
 * harness: with random-access-file's behaviour (no fsync at all) it loses
 * acknowledged records; with a flush after each write (and its own directory
 * sync) it passes.
 */
import { Buffer } from 'node:buffer';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { checkWal } from '../../src/harness/check.js';
import { randomAccessStorage, type RandomAccessStorage } from '../../src/nodefs/random-access-storage.js';
import type { FileSystem } from '../../src/ports.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { Trace } from '../../src/sim/index.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { world } from '../sim/helpers.js';
import rasLog from './plugins/ras-log.js';

function api(s: RandomAccessStorage) {
  return {
    open: promisify(s.open.bind(s)),
    read: promisify(s.read.bind(s)) as (offset: number, size: number) => Promise<Buffer>,
    write: promisify(s.write.bind(s)) as (offset: number, data: Uint8Array) => Promise<void>,
    del: promisify(s.del.bind(s)) as (offset: number, size: number) => Promise<void>,
    truncate: promisify(s.truncate.bind(s)) as (offset: number) => Promise<void>,
    stat: promisify(s.stat.bind(s)) as () => Promise<{ size: number }>,
    close: promisify(s.close.bind(s)),
    unlink: promisify(s.unlink.bind(s)),
  };
}

async function script(port: FileSystem, root: string): Promise<unknown[]> {
  const cwd = { cwd: root };
  const s = randomAccessStorage(port, `${root}/sub/dir/file`, cwd);
  const events: string[] = [];
  s.on('open', () => events.push('open'))
    .on('close', () => events.push('close'))
    .on('unlink', () => events.push('unlink'));
  const a = api(s);
  const out: unknown[] = [s.readable, s.writable, s.deletable, s.truncatable, s.statable, s.opened, typeof s.flush];
  await a.write(10, Buffer.from('hello'));
  out.push(s.opened, (await a.stat()).size, (await a.read(10, 5)).toString(), [...(await a.read(8, 3))]);
  out.push(await a.read(12, 10).catch((e: { code?: string; message: string }) => `${String(e.code)} ${e.message.split(':')[0] ?? ''}`));
  await a.del(11, 2);
  out.push([...(await a.read(10, 5))]);
  await a.del(12, 100);
  out.push((await a.stat()).size);
  await a.truncate(2);
  out.push((await a.stat()).size);
  await a.close();
  out.push(s.closed, await a.stat().catch((e: { code?: string }) => e.code));
  const ro = randomAccessStorage(port, `${root}/sub/dir/file`, { ...cwd, writable: false });
  out.push((await api(ro).stat()).size);
  expect(() => ro.write(0, Buffer.from('x'))).toThrow(/opened read-only/);
  await api(ro).close();
  const again = randomAccessStorage(port, `${root}/sub/dir/file`, { ...cwd, size: 4 });
  out.push((await api(again).stat()).size);
  again.on('unlink', () => events.push('unlink'));
  await api(again).unlink();
  out.push(again.unlinked, events);
  return out;
}

describe('randomAccessStorage', () => {
  it('behaves the same on the simulator and on a real disk', async () => {
    const w = world('ras');
    const onSim = await w.scheduler.run(script(w.fs, '/'));
    const { dir, cleanup } = await makeTempDir();
    try {
      const onDisk = await script(new NodeFileSystem(dir), dir);
      expect(onSim).toEqual(onDisk);
      expect(onSim).toEqual([
        true,
        true,
        true,
        true,
        true,
        false,
        'undefined',
        true,
        15,
        'hello',
        [0, 0, 104],
        'EINVAL Could not satisfy length',
        [104, 0, 0, 108, 111],
        12,
        2,
        true,
        'ECLOSED',
        2,
        4,
        true,
        ['open', 'close', 'unlink'],
      ]);
    } finally {
      await cleanup();
    }
  });

  it('adds no sync of its own: without the flush option nothing is synced; with it, flush is one fdatasync', async () => {
    const syncs = async (flush: boolean): Promise<string[]> => {
      const w = world(`ras-syncs-${String(flush)}`);
      await w.scheduler.run(
        (async () => {
          const s = randomAccessStorage(w.fs, '/f', flush ? { flush: 'fdatasync' } : {});
          await api(s).write(0, Buffer.from('data'));
          if (s.flush !== undefined) await promisify(s.flush.bind(s))();
          await api(s).close();
        })(),
      );
      return Trace.parse(w.trace.toJsonLines())
        .filter((e) => e.ev === 'op')
        .map((e) => String(e['op']));
    };
    // mkdir -p of '/' finds it (stat); O_CREAT alone is 'r+' (ENOENT) then 'wx+'.
    expect(await syncs(false)).toEqual(['stat', 'open', 'open', 'write', 'close']);
    expect(await syncs(true)).toEqual(['stat', 'open', 'open', 'write', 'datasync', 'close']);
  });

  it('refuses options it cannot honour', () => {
    const w = world('ras-options');
    expect(() => randomAccessStorage(w.fs, '/f', { lock: true } as never)).toThrow(/option lock/);
    expect(() => randomAccessStorage(w.fs, '/f', { flush: 'always' as never })).toThrow(/flush must be/);
    expect(() => randomAccessStorage(w.fs, '/f', { writable: false, truncate: true })).toThrow(/need writable/);
  });
});

describe('a log on random-access-storage under the harness', () => {
  it('with no fsync at all (random-access-file’s behaviour) acknowledged records are lost', async () => {
    const r = await checkWal(rasLog(), { seed: 7, runs: 100, faults: ['crash'] });
    expect(r.ok).toBe(false);
    expect(['durability', 'recovery-works']).toContain(r.failure?.rule);
  });

  it('with a flush after each write and its own directory sync it passes', async () => {
    const r = await checkWal(rasLog({ flush: true }), { seed: 7, runs: 60, faults: ['crash', 'fsync-error', 'disk-full', 'read-error'] });
    expect(r.failure).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});
