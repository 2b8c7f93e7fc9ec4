/**
 * SimFileSystem against NodeFileSystem on random operation sequences: the same
 * results, the same error codes, the same final tree and bytes (the page cache
 * behaves like a real filesystem), and, once everything is synced, exactly one
 * crash image equal to that tree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorCode } from '../../src/errors.js';
import type { FileHandle, FileStat, FileSystem, OpenFlags } from '../../src/ports.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { Rng } from '../../src/rng.js';
import { diskImageKey, type DiskImage } from '../../src/sim/index.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { world } from './helpers.js';

type Op =
  | { t: 'open'; path: string; flags: OpenFlags }
  | { t: 'write'; h: number; pos: number; len: number; v: number }
  | { t: 'read'; h: number; pos: number; len: number }
  | { t: 'truncate'; h: number; size: number }
  | { t: 'close'; h: number }
  | { t: 'fstat'; h: number }
  | { t: 'mkdir'; path: string; recursive: boolean }
  | { t: 'rename'; from: string; to: string }
  | { t: 'unlink'; path: string }
  | { t: 'stat'; path: string }
  | { t: 'readdir'; path: string }
  | { t: 'sync'; h: number }
  | { t: 'syncDir'; path: string };

/** The contract's fields of a stat: mtimeMs (optional, added later) is virtual time on one side and the wall clock on the other. */
const contractStat = (st: FileStat): FileStat => ({ size: st.size, isFile: st.isFile, isDirectory: st.isDirectory });

const path = fc.constantFrom('a', 'b', 'd', 'd/a', 'd/e', 'd/e/b', 'a/x');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('open' as const), path, flags: fc.constantFrom<OpenFlags>('r', 'r+', 'w+', 'wx+', 'a+', 'ax+') }),
  fc.record({ t: fc.constant('write' as const), h: fc.nat(3), pos: fc.nat(40), len: fc.nat(20), v: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ t: fc.constant('read' as const), h: fc.nat(3), pos: fc.nat(50), len: fc.nat(30) }),
  fc.record({ t: fc.constant('truncate' as const), h: fc.nat(3), size: fc.nat(60) }),
  fc.record({ t: fc.constant('close' as const), h: fc.nat(3) }),
  fc.record({ t: fc.constant('fstat' as const), h: fc.nat(3) }),
  fc.record({ t: fc.constant('mkdir' as const), path, recursive: fc.boolean() }),
  fc.record({ t: fc.constant('rename' as const), from: path, to: path }),
  fc.record({ t: fc.constant('unlink' as const), path }),
  fc.record({ t: fc.constant('stat' as const), path }),
  fc.record({ t: fc.constant('readdir' as const), path: fc.constantFrom('.', 'd', 'd/e', 'a') }),
  fc.record({ t: fc.constant('sync' as const), h: fc.nat(3) }),
  fc.record({ t: fc.constant('syncDir' as const), path: fc.constantFrom('.', 'd', 'd/e', 'a', 'b') }),
);

async function apply(fs: FileSystem, ops: Op[], drive: <T>(p: Promise<T>) => Promise<T>): Promise<string[]> {
  const handles: (FileHandle | undefined)[] = [];
  const out: string[] = [];
  for (const op of ops) {
    try {
      let r: unknown;
      switch (op.t) {
        case 'open':
          handles.push(await drive(fs.open(op.path, op.flags)));
          r = handles.length - 1;
          break;
        case 'write': {
          const h = handles[op.h];
          if (h === undefined) continue;
          await drive(h.write(new Uint8Array(op.len).fill(op.v), op.pos));
          break;
        }
        case 'read': {
          const h = handles[op.h];
          if (h === undefined) continue;
          const buf = new Uint8Array(op.len);
          const n = await drive(h.read(buf, op.pos));
          r = Array.from(buf.subarray(0, n)).join(',');
          break;
        }
        case 'truncate': {
          const h = handles[op.h];
          if (h === undefined) continue;
          await drive(h.truncate(op.size));
          break;
        }
        case 'close': {
          const h = handles[op.h];
          if (h === undefined) continue;
          handles[op.h] = undefined;
          await drive(h.close());
          break;
        }
        case 'fstat': {
          const h = handles[op.h];
          if (h === undefined) continue;
          r = contractStat(await drive(h.stat()));
          break;
        }
        case 'mkdir':
          await drive(fs.mkdir(op.path, { recursive: op.recursive }));
          break;
        case 'rename':
          await drive(fs.rename(op.from, op.to));
          break;
        case 'unlink':
          await drive(fs.unlink(op.path));
          break;
        case 'stat':
          r = contractStat(await drive(fs.stat(op.path)));
          if ((r as { isDirectory: boolean }).isDirectory) r = 'dir';
          break;
        case 'readdir':
          r = [...(await drive(fs.readdir(op.path)))].sort();
          break;
        case 'sync': {
          const h = handles[op.h];
          if (h === undefined) continue;
          await drive(h.sync());
          break;
        }
        case 'syncDir':
          await drive(fs.syncDir(op.path));
          break;
      }
      out.push(`${op.t} ok ${JSON.stringify(r)}`);
    } catch (err) {
      out.push(`${op.t} ${errorCode(err) ?? String(err)}`);
    }
  }
  for (const h of handles) if (h !== undefined) await drive(h.close());
  return out;
}

/** The whole tree of a filesystem as an image (read through the port). */
async function snapshot(fs: FileSystem, drive: <T>(p: Promise<T>) => Promise<T>): Promise<DiskImage> {
  const image: DiskImage = { dirs: [], files: [] };
  const walk = async (dir: string): Promise<void> => {
    for (const name of await drive(fs.readdir(dir))) {
      const p = dir === '.' ? name : `${dir}/${name}`;
      const st = await drive(fs.stat(p));
      if (st.isDirectory) {
        image.dirs.push(`/${p}`);
        await walk(p);
      } else {
        const h = await drive(fs.open(p, 'r'));
        const data = new Uint8Array(st.size);
        await drive(h.read(data, 0));
        await drive(h.close());
        image.files.push({ path: `/${p}`, data });
      }
    }
  };
  await walk('.');
  return image;
}

describe('SimFileSystem behaves like NodeFileSystem', () => {
  it('same results, error codes and final tree on random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
        const { dir, cleanup } = await makeTempDir('faultline-diff-');
        try {
          const real = new NodeFileSystem(dir);
          const id = <T>(p: Promise<T>): Promise<T> => p;
          const expected = await apply(real, ops, id);
          const w = world('diff');
          const drive = <T>(p: Promise<T>): Promise<T> => w.scheduler.run(p);
          const got = await apply(w.fs, ops, drive);
          expect(got).toEqual(expected);
          const realTree = await snapshot(real, id);
          expect(diskImageKey(await snapshot(w.fs, drive))).toBe(diskImageKey(realTree));
          expect(diskImageKey(w.fs.shutdownImage())).toBe(diskImageKey(realTree));
          // Sync every file and directory: then a crash can leave one image only, the tree itself.
          for (const f of realTree.files) {
            const h = await drive(w.fs.open(f.path, 'r'));
            await drive(h.sync());
            await drive(h.close());
          }
          for (const d of ['/', ...realTree.dirs]) await drive(w.fs.syncDir(d));
          const after = w.fs.crashImages(100);
          expect(after.images.map(diskImageKey)).toEqual([diskImageKey(realTree)]);
        } finally {
          await cleanup();
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('crash images on random operation sequences', () => {
  it('every sampled image is one of the exhaustively enumerated ones', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.integer(), async (ops, seed) => {
        const w = world(`crash-prop-${seed}`, { sectorSize: 16 });
        await apply(w.fs, ops, (p) => w.scheduler.run(p));
        const space = w.fs.crashImages(20_000);
        fc.pre(!space.capped);
        const all = new Set(space.images.map(diskImageKey));
        expect(space.images.length).toBeGreaterThan(0);
        const rng = new Rng(seed);
        for (let i = 0; i < 10; i++) expect(all.has(diskImageKey(w.fs.crash(rng)))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
