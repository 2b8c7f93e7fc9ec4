/**
 * The facade's conformance cases: scripts written against node:fs's API that
 * return what they saw (results and error codes) as plain data. The same case
 * runs against the real node:fs in a temporary directory and against the
 * facade (over NodeFileSystem and over the simulator); the test requires the
 * three to agree, so "errors as node:fs raises them" is checked against
 * node:fs itself, not against our reading of its docs.
 */
import { Buffer } from 'node:buffer';

/** The part of node:fs the cases use, as loosely typed as a JavaScript library sees it. */
/* eslint-disable @typescript-eslint/no-explicit-any */
export type FsLike = any;

export interface FacadeCase {
  name: string;
  /** `root`: an existing, empty directory (absolute); every path the case uses lies inside it. */
  run(fs: FsLike, root: string): Promise<unknown>;
}

/** The code of a rejection, or 'resolved' (what a case records for a call expected to fail). */
async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
}

/** Runs a callback-style call; resolves with [err code or null, ...results]. */
function cb(fs: FsLike, name: string, ...args: unknown[]): Promise<unknown[]> {
  return new Promise((resolve) => {
    fs[name](...args, (err: { code?: string } | null, ...results: unknown[]) =>
      resolve([err === null ? null : String(err.code), ...results]),
    );
  });
}

const str = (b: unknown): string => (Buffer.isBuffer(b) ? `buf:${b.toString('utf8')}` : `str:${String(b)}`);

function streamDone(stream: { on(ev: string, f: (x?: unknown) => void): unknown }, ev: 'finish' | 'end' | 'close'): Promise<string> {
  return new Promise((resolve) => {
    stream.on(ev, () => resolve('ok'));
    stream.on('error', (err) => resolve(`error:${String((err as { code?: string }).code)}`));
  });
}

export const facadeCases: readonly FacadeCase[] = [
  {
    name: 'writeFile and readFile: strings, Buffers, encodings, flags w / wx / a',
    async run(fs, root) {
      const p = fs.promises;
      const f = `${root}/f.txt`;
      await p.writeFile(f, 'héllo');
      const out: unknown[] = [str(await p.readFile(f)), await p.readFile(f, 'utf8'), await p.readFile(f, { encoding: 'hex' })];
      await p.writeFile(f, Buffer.from('bytes'), { flag: 'w' });
      out.push(await p.readFile(f, 'utf8'));
      out.push(await code(p.writeFile(f, 'x', { flag: 'wx' })));
      await p.writeFile(f, '+more', { flag: 'a' });
      await p.writeFile(`${root}/new`, 'n', { flag: 'wx', mode: 0o600 });
      out.push(await p.readFile(f, 'utf8'), await p.readFile(`${root}/new`, 'latin1'));
      await p.writeFile(f, new Uint16Array([0x6968]));
      out.push(await p.readFile(f, 'utf8'));
      await p.writeFile(f, 'flushed', { flush: true });
      out.push(await p.readFile(f, 'utf8'));
      out.push(await code(p.readFile(`${root}/missing`)), await code(p.readFile(root)));
      out.push(await code(p.writeFile(`${root}/no/such/dir`, 'x')));
      return out;
    },
  },
  {
    name: 'appendFile creates, appends, and honours its flag',
    async run(fs, root) {
      const p = fs.promises;
      const f = `${root}/log`;
      await p.appendFile(f, 'a');
      await p.appendFile(f, Buffer.from('b'));
      await p.appendFile(f, 'c', 'utf8');
      const out: unknown[] = [await p.readFile(f, 'utf8')];
      out.push(await code(p.appendFile(f, 'd', { flag: 'ax' })));
      return out;
    },
  },
  {
    name: 'mkdir: plain, recursive (the first directory made), and its errors',
    async run(fs, root) {
      const p = fs.promises;
      const out: unknown[] = [];
      out.push(await code(p.mkdir(`${root}/a/b`)));
      out.push(await p.mkdir(`${root}/a`));
      out.push(await code(p.mkdir(`${root}/a`)));
      out.push(String(await p.mkdir(`${root}/a/b/c/d`, { recursive: true })).replace(root, '<root>'));
      out.push(await p.mkdir(`${root}/a/b/c`, { recursive: true }));
      await p.writeFile(`${root}/file`, '');
      out.push(await code(p.mkdir(`${root}/file`, { recursive: true })));
      out.push(await code(p.mkdir(`${root}/file/sub`, { recursive: true })));
      out.push(await code(p.mkdir(`${root}/file/sub`)));
      out.push(await code(p.mkdir(`${root}/file`)));
      return out;
    },
  },
  {
    name: 'readdir: names, withFileTypes, encodings, errors',
    async run(fs, root) {
      const p = fs.promises;
      await p.mkdir(`${root}/d/sub`, { recursive: true });
      await p.writeFile(`${root}/d/x`, '1');
      await p.writeFile(`${root}/d/y`, '2');
      const names = ((await p.readdir(`${root}/d`)) as string[]).sort();
      const typed = (
        (await p.readdir(`${root}/d`, { withFileTypes: true })) as { name: string; isFile(): boolean; isDirectory(): boolean }[]
      )
        .map((d) => `${d.name}:${d.isFile() ? 'f' : ''}${d.isDirectory() ? 'd' : ''}`)
        .sort();
      const buffers = ((await p.readdir(`${root}/d`, 'buffer')) as Buffer[]).map((b) => str(b)).sort();
      return [names, typed, buffers, await code(p.readdir(`${root}/none`)), await code(p.readdir(`${root}/d/x`))];
    },
  },
  {
    name: 'stat and lstat: size, kind, Dates; errors',
    async run(fs, root) {
      const p = fs.promises;
      await p.writeFile(`${root}/f`, 'twelve bytes');
      await p.mkdir(`${root}/d`);
      const s = await p.stat(`${root}/f`);
      const l = await p.lstat(`${root}/f`);
      const d = await p.stat(`${root}/d`);
      return [
        s.size,
        s.isFile(),
        s.isDirectory(),
        s.isSymbolicLink(),
        s.mtime instanceof Date,
        typeof s.mtimeMs,
        l.size,
        l.isFile(),
        d.isDirectory(),
        d.isFile(),
        await code(p.stat(`${root}/none`)),
        await code(p.lstat(`${root}/none`)),
        await code(p.stat(`${root}/f/under-a-file`)),
      ];
    },
  },
  {
    name: 'access and realpath',
    async run(fs, root) {
      const p = fs.promises;
      await p.mkdir(`${root}/a/b`, { recursive: true });
      await p.writeFile(`${root}/a/b/f`, 'x');
      return [
        await code(p.access(`${root}/a/b/f`)),
        await code(p.access(`${root}/a/b/f`, fs.constants.R_OK | fs.constants.W_OK)),
        await code(p.access(`${root}/a/b/none`)),
        await code(p.access(`${root}/a`, fs.constants.X_OK)),
        String(await p.realpath(`${root}/a/./b/../b/f`)).replace(root, '<root>'),
        str(await p.realpath(`${root}/a`, 'buffer')).replace(root, '<root>'),
        await code(p.realpath(`${root}/a/none`)),
      ];
    },
  },
  {
    name: 'rename: moves, replaces, and its errors',
    async run(fs, root) {
      const p = fs.promises;
      await p.writeFile(`${root}/a`, 'new');
      await p.writeFile(`${root}/b`, 'old content');
      await p.rename(`${root}/a`, `${root}/b`);
      await p.mkdir(`${root}/d`);
      await p.mkdir(`${root}/e`);
      await p.writeFile(`${root}/e/x`, '');
      const out: unknown[] = [await p.readFile(`${root}/b`, 'utf8'), await code(p.stat(`${root}/a`))];
      out.push(await code(p.rename(`${root}/none`, `${root}/c`)));
      out.push(await code(p.rename(`${root}/b`, `${root}/d`)));
      out.push(await code(p.rename(`${root}/d`, `${root}/b`)));
      out.push(await code(p.rename(`${root}/d`, `${root}/e`)));
      await p.rename(`${root}/b`, `${root}/d/b`);
      out.push(await p.readFile(`${root}/d/b`, 'utf8'));
      return out;
    },
  },
  {
    name: 'unlink, rmdir and rm',
    async run(fs, root) {
      const p = fs.promises;
      await p.mkdir(`${root}/d/e`, { recursive: true });
      await p.writeFile(`${root}/d/e/f`, 'x');
      await p.writeFile(`${root}/g`, 'x');
      const out: unknown[] = [];
      out.push(await code(p.unlink(`${root}/none`)), await code(p.unlink(`${root}/d`)));
      out.push(await code(p.rmdir(`${root}/d`)), await code(p.rmdir(`${root}/g`)), await code(p.rmdir(`${root}/none`)));
      out.push(await code(p.rm(`${root}/d`)), await code(p.rm(`${root}/none`)), await code(p.rm(`${root}/none`, { force: true })));
      await p.rm(`${root}/g`);
      await p.rm(`${root}/d`, { recursive: true });
      await p.mkdir(`${root}/empty`);
      await p.rmdir(`${root}/empty`);
      out.push(await p.readdir(root));
      return out;
    },
  },
  {
    name: 'descriptors: open flags, positions, pread/pwrite, fstat, ftruncate, close',
    async run(fs, root) {
      const f = `${root}/f`;
      const out: unknown[] = [];
      const [e0, fd] = (await cb(fs, 'open', f, 'w+')) as [null, number];
      out.push(e0, fd >= 3);
      out.push(await cb(fs, 'write', fd, Buffer.from('hello')));
      out.push(await cb(fs, 'write', fd, ' world'));
      out.push(await cb(fs, 'write', fd, Buffer.from('HW'), 0, 1, 0));
      const buf = Buffer.alloc(11);
      const [e1, n] = await cb(fs, 'read', fd, buf, 0, 11, 0);
      out.push(e1, n, buf.toString());
      const [e2, st] = (await cb(fs, 'fstat', fd)) as [null, { size: number }];
      out.push(e2, st.size);
      out.push(await cb(fs, 'ftruncate', fd, 5));
      const small = Buffer.alloc(8);
      out.push((await cb(fs, 'read', fd, small, 0, 8, 0)).slice(0, 2), small.toString('utf8', 0, 5));
      out.push(await cb(fs, 'fsync', fd), await cb(fs, 'fdatasync', fd));
      out.push(await cb(fs, 'close', fd), await cb(fs, 'close', fd));
      const [, ro] = (await cb(fs, 'open', f, 'r')) as [null, number];
      out.push((await cb(fs, 'write', ro, 'x'))[0], (await cb(fs, 'ftruncate', ro, 0))[0]);
      const seq = Buffer.alloc(2);
      out.push(
        (await cb(fs, 'read', ro, seq, 0, 2, null))[1],
        seq.toString(),
        (await cb(fs, 'read', ro, seq, 0, 2, -1))[1],
        seq.toString(),
      );
      await cb(fs, 'close', ro);
      const [, wo] = (await cb(fs, 'open', f, 'w')) as [null, number];
      out.push((await cb(fs, 'read', wo, Buffer.alloc(1), 0, 1, 0))[0]);
      await cb(fs, 'close', wo);
      out.push((await cb(fs, 'open', `${root}/none`, 'r'))[0], (await cb(fs, 'open', `${root}/none`, 'r+'))[0]);
      out.push((await cb(fs, 'open', f, 'wx'))[0], (await cb(fs, 'open', f, 'ax+'))[0]);
      out.push((await cb(fs, 'open', root, 'w'))[0], (await cb(fs, 'open', root, 'a'))[0]);
      return out;
    },
  },
  {
    name: "append descriptors: 'a' writes at the end whatever the position; 'a+' reads from the start",
    async run(fs, root) {
      const p = fs.promises;
      const f = `${root}/log`;
      await p.writeFile(f, '0123');
      const a = await p.open(f, 'a');
      await a.write('AB', 0);
      await a.write(Buffer.from('CD'), 0, 2, 1);
      await a.close();
      const ap = await p.open(f, 'a+');
      const head = Buffer.alloc(3);
      const first = await ap.read(head, 0, 3, null);
      await ap.write('EF');
      const rest = await ap.read(Buffer.alloc(4), 0, 4, null);
      await ap.close();
      return [await p.readFile(f, 'utf8'), first.bytesRead, head.toString(), rest.bytesRead];
    },
  },
  {
    name: 'a directory descriptor: open(dir) + fsync + close; reading it is EISDIR',
    async run(fs, root) {
      const p = fs.promises;
      await p.mkdir(`${root}/d`);
      await p.writeFile(`${root}/d/f`, 'x');
      const [e0, fd] = (await cb(fs, 'open', `${root}/d`, 'r')) as [null, number];
      const out: unknown[] = [e0, await cb(fs, 'fsync', fd), await cb(fs, 'fdatasync', fd)];
      const [e1, st] = (await cb(fs, 'fstat', fd)) as [null, { isDirectory(): boolean }];
      out.push(e1, st.isDirectory());
      out.push((await cb(fs, 'read', fd, Buffer.alloc(1), 0, 1, null))[0]);
      out.push(await cb(fs, 'close', fd));
      const h = await p.open(`${root}/d`, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      await h.sync();
      await h.close();
      out.push(await code(p.open(`${root}/d/f`, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY)));
      return out;
    },
  },
  {
    name: 'numeric flags: O_CREAT alone keeps content, O_TRUNC without O_CREAT needs the file, O_EXCL',
    async run(fs, root) {
      const p = fs.promises;
      const C = fs.constants;
      const f = `${root}/f`;
      const h = await p.open(f, C.O_RDWR | C.O_CREAT);
      await h.write('abc', 0);
      await h.close();
      const h2 = await p.open(f, C.O_RDWR | C.O_CREAT);
      const kept = await h2.readFile('utf8');
      await h2.close();
      const out: unknown[] = [kept, await code(p.open(`${root}/none`, C.O_WRONLY | C.O_TRUNC))];
      const t = await p.open(f, C.O_WRONLY | C.O_TRUNC);
      await t.close();
      out.push((await p.stat(f)).size, await code(p.open(f, C.O_WRONLY | C.O_CREAT | C.O_EXCL)));
      const s = await p.open(f, 'as');
      await s.write('synced');
      await s.close();
      out.push(await p.readFile(f, 'utf8'));
      return out;
    },
  },
  {
    name: 'FileHandle: read, write, stat, sync, truncate, readFile, writeFile, appendFile, double close',
    async run(fs, root) {
      const p = fs.promises;
      const h = await p.open(`${root}/f`, 'w+');
      const out: unknown[] = [typeof h.fd];
      out.push((await h.write('hello world')).bytesWritten);
      const r = await h.read(Buffer.alloc(5), 0, 5, 6);
      out.push(r.bytesRead, r.buffer.toString());
      const o = await h.read({ buffer: Buffer.alloc(4), position: 0 });
      out.push(o.bytesRead, o.buffer.toString());
      out.push((await h.stat()).size);
      await h.sync();
      await h.datasync();
      await h.truncate(5);
      out.push((await h.stat()).size);
      await h.writeFile(' there');
      await h.appendFile('!');
      out.push(await p.readFile(`${root}/f`, 'utf8'));
      const r2 = await p.open(`${root}/f`, 'r');
      await r2.read(Buffer.alloc(2), 0, 2, null);
      out.push(await r2.readFile('utf8'));
      await r2.close();
      await h.close();
      out.push(await code(h.close()), h.fd);
      return out;
    },
  },
  {
    name: 'the callback API: whole-file calls and path calls',
    async run(fs, root) {
      const out: unknown[] = [];
      out.push(await cb(fs, 'mkdir', `${root}/d`));
      out.push(await cb(fs, 'writeFile', `${root}/d/f`, 'cb'));
      out.push(await cb(fs, 'appendFile', `${root}/d/f`, '!'));
      out.push(await cb(fs, 'readFile', `${root}/d/f`, 'utf8'));
      out.push((await cb(fs, 'readFile', `${root}/d/f`)).map((x) => (Buffer.isBuffer(x) ? str(x) : x)));
      out.push(await cb(fs, 'readdir', `${root}/d`));
      out.push((await cb(fs, 'stat', `${root}/d/f`)).map((x) => (x === null ? x : (x as { size: number }).size)));
      out.push((await cb(fs, 'lstat', `${root}/none`))[0]);
      out.push(await cb(fs, 'access', `${root}/d/f`), (await cb(fs, 'access', `${root}/none`))[0]);
      out.push((await cb(fs, 'realpath', `${root}/d/../d/f`)).map((x) => String(x).replace(root, '<root>')));
      out.push((await cb(fs.realpath, 'native', `${root}/d/f`)).map((x) => String(x).replace(root, '<root>')));
      out.push(await cb(fs, 'rename', `${root}/d/f`, `${root}/d/g`));
      out.push(await cb(fs, 'truncate', `${root}/d/g`, 1), await cb(fs, 'readFile', `${root}/d/g`, 'utf8'));
      out.push(await cb(fs, 'unlink', `${root}/d/g`), (await cb(fs, 'unlink', `${root}/d/g`))[0]);
      out.push(await cb(fs, 'rmdir', `${root}/d`), (await cb(fs, 'rm', `${root}/d`))[0]);
      return out;
    },
  },
  {
    name: 'streams: createWriteStream and createReadStream (start, end, encoding, errors)',
    async run(fs, root) {
      const f = `${root}/s`;
      const w = fs.createWriteStream(f);
      const opened = new Promise((resolve) => w.on('open', (fd: number) => resolve(fd >= 3)));
      w.write('chunk one, ');
      w.write(Buffer.from('chunk two, '));
      w.end('end');
      const out: unknown[] = [await streamDone(w, 'close'), await opened, w.bytesWritten];
      const all: string[] = [];
      const r = fs.createReadStream(f, { encoding: 'utf8', highWaterMark: 4 });
      r.on('data', (c: string) => all.push(c));
      out.push(await streamDone(r, 'close'), all.join(''), all.length > 1);
      const part: Buffer[] = [];
      const r2 = fs.createReadStream(f, { start: 6, end: 8 });
      r2.on('data', (c: Buffer) => part.push(c));
      out.push(await streamDone(r2, 'end'), Buffer.concat(part).toString());
      const w2 = fs.createWriteStream(f, { flags: 'r+', start: 0, flush: true });
      w2.end('CHUNK');
      out.push(await streamDone(w2, 'finish'), await fs.promises.readFile(f, 'utf8'));
      const a = fs.createWriteStream(f, { flags: 'a' });
      a.end('+');
      await streamDone(a, 'close');
      out.push(await fs.promises.readFile(f, 'utf8'));
      const bad = fs.createReadStream(`${root}/none`);
      bad.on('data', () => undefined);
      out.push(await streamDone(bad, 'close'));
      out.push(await streamDone(fs.createWriteStream(`${root}/no/dir/f`), 'close'));
      const h = await fs.promises.open(f, 'r');
      const viaHandle: Buffer[] = [];
      const r3 = h.createReadStream({ start: 0, end: 4 });
      r3.on('data', (c: Buffer) => viaHandle.push(c));
      out.push(await streamDone(r3, 'close'), Buffer.concat(viaHandle).toString(), h.fd);
      return out;
    },
  },
];
