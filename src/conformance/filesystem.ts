/**
 * The filesystem port conformance suite: named cases that any `FileSystem`
 * implementation must pass. Framework-agnostic (each case throws on failure)
 * so it runs under vitest here and under any runner elsewhere.
 *
 * A factory gives a fresh, empty filesystem per case. Cases use relative paths.
 */
import assert from 'node:assert/strict';
import { errorCode } from '../errors.js';
import type { FileHandle, FileStat, FileSystem } from '../ports.js';

export type FileSystemFactory = () => Promise<{ fs: FileSystem; cleanup?: () => Promise<void> }>;

export interface ConformanceCase {
  name: string;
  run(fs: FileSystem): Promise<void>;
}

const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  let settled = false;
  try {
    await promise;
    settled = true;
  } catch (err) {
    assert.equal(errorCode(err), code, `expected ${code}, got ${String(err)}`);
  }
  assert.equal(settled, false, `expected rejection with ${code}, but it resolved`);
}

const contractStat = (s: FileStat): FileStat => ({ size: s.size, isFile: s.isFile, isDirectory: s.isDirectory });

/** Opens with an append flag; undefined when the port predates the append flags (it rejects them with EINVAL). */
async function openAppend(fs: FileSystem, path: string, flags: 'a+' | 'ax+'): Promise<FileHandle | undefined> {
  try {
    return await fs.open(path, flags);
  } catch (err) {
    if (errorCode(err) === 'EINVAL') return undefined;
    throw err;
  }
}

async function readAll(fs: FileSystem, path: string): Promise<Uint8Array> {
  const h = await fs.open(path, 'r');
  try {
    const { size } = await h.stat();
    const buf = new Uint8Array(size);
    const n = await h.read(buf, 0);
    assert.equal(n, size);
    return buf;
  } finally {
    await h.close();
  }
}

export const filesystemConformanceCases: readonly ConformanceCase[] = [
  {
    name: "open 'r' requires the file and refuses writes",
    async run(fs) {
      await rejectsWith(fs.open('missing', 'r'), 'ENOENT');
      const w = await fs.open('f', 'w+');
      await w.write(text('abc'), 0);
      await w.close();
      const r = await fs.open('f', 'r');
      const buf = new Uint8Array(3);
      assert.equal(await r.read(buf, 0), 3);
      assert.deepEqual(buf, text('abc'));
      let wrote = false;
      try {
        await r.write(text('x'), 0);
        wrote = true;
      } catch (err) {
        assert.ok(errorCode(err) !== undefined, 'a refused write carries a code');
      }
      assert.equal(wrote, false, "write through an 'r' handle must fail");
      await r.close();
    },
  },
  {
    name: "open 'r+' requires the file and keeps its content",
    async run(fs) {
      await rejectsWith(fs.open('missing', 'r+'), 'ENOENT');
      const w = await fs.open('f', 'w+');
      await w.write(text('hello'), 0);
      await w.close();
      const h = await fs.open('f', 'r+');
      await h.write(text('J'), 0);
      await h.close();
      assert.deepEqual(await readAll(fs, 'f'), text('Jello'));
    },
  },
  {
    name: "open 'w+' creates, and truncates an existing file",
    async run(fs) {
      const a = await fs.open('f', 'w+');
      await a.write(text('0123456789'), 0);
      await a.close();
      const b = await fs.open('f', 'w+');
      assert.equal((await b.stat()).size, 0);
      await b.close();
      assert.equal((await fs.stat('f')).size, 0);
    },
  },
  {
    name: "open 'wx+' creates exclusively: EEXIST when present",
    async run(fs) {
      const a = await fs.open('f', 'wx+');
      await a.write(text('x'), 0);
      await a.close();
      await rejectsWith(fs.open('f', 'wx+'), 'EEXIST');
      assert.deepEqual(await readAll(fs, 'f'), text('x'));
    },
  },
  {
    name: 'open of a directory for writing is EISDIR',
    async run(fs) {
      await fs.mkdir('d');
      await rejectsWith(fs.open('d', 'r+'), 'EISDIR');
      await rejectsWith(fs.open('d', 'w+'), 'EISDIR');
    },
  },
  {
    name: 'writes at positions; past the end leaves a hole that reads as zeros',
    async run(fs) {
      const h = await fs.open('f', 'w+');
      await h.write(bytes(1, 2, 3), 0);
      await h.write(bytes(9, 9), 10);
      assert.equal((await h.stat()).size, 12);
      const buf = new Uint8Array(12).fill(0xff);
      assert.equal(await h.read(buf, 0), 12);
      assert.deepEqual(buf, bytes(1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 9, 9));
      await h.write(bytes(7), 1);
      const mid = new Uint8Array(3);
      assert.equal(await h.read(mid, 0), 3);
      assert.deepEqual(mid, bytes(1, 7, 3));
      await h.close();
    },
  },
  {
    name: 'short read at end of file, zero past it',
    async run(fs) {
      const h = await fs.open('f', 'w+');
      await h.write(text('abcdef'), 0);
      const buf = new Uint8Array(10);
      assert.equal(await h.read(buf, 4), 2);
      assert.deepEqual(buf.subarray(0, 2), text('ef'));
      assert.equal(await h.read(buf, 6), 0);
      assert.equal(await h.read(buf, 100), 0);
      assert.equal(await h.read(new Uint8Array(0), 0), 0);
      await h.close();
    },
  },
  {
    name: 'empty write is a no-op that keeps the size',
    async run(fs) {
      const h = await fs.open('f', 'w+');
      await h.write(text('ab'), 0);
      await h.write(new Uint8Array(0), 0);
      assert.equal((await h.stat()).size, 2);
      await h.close();
    },
  },
  {
    name: 'truncate shrinks and grows (growth reads as zeros)',
    async run(fs) {
      const h = await fs.open('f', 'w+');
      await h.write(text('abcdef'), 0);
      await h.truncate(3);
      assert.equal((await h.stat()).size, 3);
      await h.truncate(6);
      assert.equal((await h.stat()).size, 6);
      const buf = new Uint8Array(6).fill(0xff);
      assert.equal(await h.read(buf, 0), 6);
      assert.deepEqual(buf, bytes(0x61, 0x62, 0x63, 0, 0, 0));
      await h.truncate(0);
      assert.equal((await fs.stat('f')).size, 0);
      await h.close();
    },
  },
  {
    name: 'sync and datasync resolve on an open file',
    async run(fs) {
      const h = await fs.open('f', 'w+');
      await h.write(text('abc'), 0);
      await h.datasync();
      await h.sync();
      await h.close();
      assert.deepEqual(await readAll(fs, 'f'), text('abc'));
    },
  },
  {
    name: 'rename moves a file and atomically replaces the target',
    async run(fs) {
      const a = await fs.open('a', 'w+');
      await a.write(text('new'), 0);
      await a.close();
      const b = await fs.open('b', 'w+');
      await b.write(text('old-content'), 0);
      await b.close();
      await fs.rename('a', 'b');
      assert.deepEqual(await readAll(fs, 'b'), text('new'));
      await rejectsWith(fs.stat('a'), 'ENOENT');
      await rejectsWith(fs.rename('a', 'c'), 'ENOENT');
      await fs.mkdir('d');
      await fs.rename('b', 'd/b');
      assert.deepEqual(await readAll(fs, 'd/b'), text('new'));
      assert.deepEqual(await fs.readdir('.'), ['d']);
    },
  },
  {
    name: 'readdir lists names only; ENOENT for a missing directory',
    async run(fs) {
      await fs.mkdir('d');
      for (const n of ['x', 'y', 'z']) await (await fs.open(`d/${n}`, 'w+')).close();
      await fs.mkdir('d/sub');
      assert.deepEqual([...(await fs.readdir('d'))].sort(), ['sub', 'x', 'y', 'z']);
      assert.deepEqual(await fs.readdir('d/sub'), []);
      await rejectsWith(fs.readdir('nope'), 'ENOENT');
    },
  },
  {
    name: 'unlink removes a file; ENOENT when missing',
    async run(fs) {
      await (await fs.open('f', 'w+')).close();
      await fs.unlink('f');
      await rejectsWith(fs.stat('f'), 'ENOENT');
      await rejectsWith(fs.unlink('f'), 'ENOENT');
      assert.deepEqual(await fs.readdir('.'), []);
    },
  },
  {
    name: 'unlink keeps an open handle readable',
    async run(fs) {
      const h = await fs.open('f', 'w+');
      await h.write(text('still here'), 0);
      await fs.unlink('f');
      const buf = new Uint8Array(10);
      assert.equal(await h.read(buf, 0), 10);
      assert.deepEqual(buf, text('still here'));
      await h.close();
      await rejectsWith(fs.stat('f'), 'ENOENT');
    },
  },
  {
    name: 'mkdir: non-recursive needs the parent and refuses an existing path',
    async run(fs) {
      await rejectsWith(fs.mkdir('a/b'), 'ENOENT');
      await fs.mkdir('a');
      await rejectsWith(fs.mkdir('a'), 'EEXIST');
      await fs.mkdir('a/b');
      assert.ok((await fs.stat('a/b')).isDirectory);
    },
  },
  {
    name: 'mkdir recursive makes every parent and tolerates an existing directory',
    async run(fs) {
      await fs.mkdir('p/q/r', { recursive: true });
      assert.ok((await fs.stat('p')).isDirectory);
      assert.ok((await fs.stat('p/q/r')).isDirectory);
      await fs.mkdir('p/q/r', { recursive: true });
      await fs.mkdir('p', { recursive: true });
    },
  },
  {
    name: 'stat tells files from directories and reports size; ENOENT when missing',
    async run(fs) {
      await fs.mkdir('d');
      const h = await fs.open('d/f', 'w+');
      await h.write(new Uint8Array(1234), 0);
      const hs = await h.stat();
      // Only the contract's three fields: a port may add optional ones (mtimeMs).
      assert.deepEqual(contractStat(hs), { size: 1234, isFile: true, isDirectory: false });
      await h.close();
      assert.deepEqual(contractStat(await fs.stat('d/f')), { size: 1234, isFile: true, isDirectory: false });
      const ds = await fs.stat('d');
      assert.equal(ds.isDirectory, true);
      assert.equal(ds.isFile, false);
      await rejectsWith(fs.stat('d/none'), 'ENOENT');
    },
  },
  {
    name: 'syncDir resolves on a directory (root and nested); ENOENT when missing',
    async run(fs) {
      await fs.mkdir('d');
      await (await fs.open('d/f', 'w+')).close();
      await fs.syncDir('d');
      await fs.syncDir('.');
      await rejectsWith(fs.syncDir('missing'), 'ENOENT');
    },
  },
  {
    name: 'a closed handle is EBADF for every call',
    async run(fs) {
      const h = await fs.open('f', 'w+');
      await h.close();
      await rejectsWith(h.read(new Uint8Array(1), 0), 'EBADF');
      await rejectsWith(h.write(bytes(1), 0), 'EBADF');
      await rejectsWith(h.sync(), 'EBADF');
      await rejectsWith(h.datasync(), 'EBADF');
      await rejectsWith(h.truncate(0), 'EBADF');
      await rejectsWith(h.stat(), 'EBADF');
    },
  },
  {
    name: 'two handles on one file see each other’s writes',
    async run(fs) {
      const a = await fs.open('f', 'w+');
      const b = await fs.open('f', 'r+');
      await a.write(text('shared'), 0);
      const buf = new Uint8Array(6);
      assert.equal(await b.read(buf, 0), 6);
      assert.deepEqual(buf, text('shared'));
      await a.close();
      await b.close();
    },
  },
  {
    name: "open 'a+' (when offered) creates, never truncates, and every write lands at the end",
    async run(fs) {
      const a = await openAppend(fs, 'f', 'a+');
      if (a === undefined) {
        // A port that predates the append flags must refuse both of them the same way.
        await rejectsWith(fs.open('g', 'ax+'), 'EINVAL');
        return;
      }
      await a.write(text('abc'), 0);
      await a.write(text('de'), 0);
      assert.equal((await a.stat()).size, 5);
      const seen = new Uint8Array(5);
      assert.equal(await a.read(seen, 0), 5, "an 'a+' handle reads");
      assert.deepEqual(seen, text('abcde'));
      await a.close();
      const b = await fs.open('f', 'a+');
      assert.equal((await b.stat()).size, 5, "'a+' keeps an existing file's content");
      const other = await fs.open('f', 'r+');
      await other.write(text('!'), 9);
      await b.write(text('X'), 1);
      await other.close();
      await b.close();
      assert.deepEqual(await readAll(fs, 'f'), Uint8Array.from([...text('abcde'), 0, 0, 0, 0, ...text('!X')]));
      await fs.mkdir('d');
      await rejectsWith(fs.open('d', 'a+'), 'EISDIR');
      await rejectsWith(fs.open('missing/f', 'a+'), 'ENOENT');
    },
  },
  {
    name: "open 'ax+' (when offered) creates exclusively and appends",
    async run(fs) {
      const h = await openAppend(fs, 'f', 'ax+');
      if (h === undefined) {
        await rejectsWith(fs.open('g', 'a+'), 'EINVAL');
        return;
      }
      await h.write(text('one'), 0);
      await h.write(text('two'), 1);
      await h.close();
      assert.deepEqual(await readAll(fs, 'f'), text('onetwo'));
      await rejectsWith(fs.open('f', 'ax+'), 'EEXIST');
      assert.deepEqual(await readAll(fs, 'f'), text('onetwo'));
    },
  },
  {
    name: 'rmdir (when offered) removes an empty directory; ENOENT, ENOTDIR, ENOTEMPTY',
    async run(fs) {
      if (fs.rmdir === undefined) return; // an optional member: a port without it cannot remove directories
      await fs.mkdir('d/e', { recursive: true });
      await (await fs.open('f', 'w+')).close();
      await rejectsWith(fs.rmdir('d'), 'ENOTEMPTY');
      await rejectsWith(fs.rmdir('f'), 'ENOTDIR');
      await rejectsWith(fs.rmdir('none'), 'ENOENT');
      await fs.rmdir('d/e');
      assert.deepEqual(await fs.readdir('d'), []);
      await fs.rmdir('d');
      await rejectsWith(fs.stat('d'), 'ENOENT');
      await fs.syncDir('.');
      assert.deepEqual(await fs.readdir('.'), ['f']);
    },
  },
  {
    name: 'mtimeMs (when reported) is a finite time that stat and fstat agree on',
    async run(fs) {
      const h = await fs.open('f', 'w+');
      await h.write(text('abc'), 0);
      const viaHandle = (await h.stat()).mtimeMs;
      const viaPath = (await fs.stat('f')).mtimeMs;
      await h.close();
      assert.equal(viaHandle === undefined, viaPath === undefined, 'stat and fstat both report mtimeMs, or neither');
      if (viaHandle === undefined) return;
      assert.ok(Number.isFinite(viaHandle) && viaHandle >= 0, `mtimeMs ${viaHandle}`);
      assert.equal(viaPath, viaHandle);
      await fs.mkdir('d');
      const dirTime = (await fs.stat('d')).mtimeMs;
      assert.ok(dirTime !== undefined && Number.isFinite(dirTime), 'a directory reports mtimeMs too');
    },
  },
  {
    name: 'binary content survives byte for byte (all 256 byte values, 1 MiB)',
    async run(fs) {
      const data = new Uint8Array(1 << 20);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 8)) & 0xff;
      const h = await fs.open('big', 'w+');
      await h.write(data, 0);
      await h.close();
      assert.deepEqual(await readAll(fs, 'big'), data);
    },
  },
];

/** Runs every case against fresh filesystems from the factory; resolves with the failures (empty when conformant). */
export async function runFilesystemConformance(factory: FileSystemFactory): Promise<{ name: string; error: unknown }[]> {
  const failures: { name: string; error: unknown }[] = [];
  for (const c of filesystemConformanceCases) {
    const { fs, cleanup } = await factory();
    try {
      await c.run(fs);
    } catch (error) {
      failures.push({ name: c.name, error });
    } finally {
      await cleanup?.();
    }
  }
  return failures;
}
