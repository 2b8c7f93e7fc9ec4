/**
 * What the facade adds beyond node:fs's behaviour (which differential.test.ts
 * checks against node:fs itself): the refusals (every node:fs call outside the
 * subset and every *Sync call is WalError ENOTSUP naming itself), descriptors,
 * error objects as node:fs shapes them, bad arguments, the simulator's clock
 * as mtime, faults and crashes seen through the facade, and that the facade's
 * calls (streams included) are the simulator's operations.
 */
import * as realFs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isWalError, WalError } from '../../src/errors.js';
import { createNodeFs, NODE_FS_CALLS, type NodeFs } from '../../src/nodefs/index.js';
import type { FileSystem } from '../../src/ports.js';
import { FaultyFileSystem } from '../../src/real/faulty-file-system.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { Trace, type SimWorld } from '../../src/sim/index.js';
import { Rng } from '../../src/rng.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { fileOf, world } from '../sim/helpers.js';

const sim = <T>(w: SimWorld, body: () => Promise<T>): Promise<T> => w.scheduler.run(body());
const ops = (w: SimWorld): string[] =>
  Trace.parse(w.trace.toJsonLines())
    .filter((e) => e.ev === 'op')
    .map((e) => `${String(e['op'])} ${String(e['path'])}`);
const call = (fs: NodeFs, name: string): ((...args: unknown[]) => unknown) => fs[name] as (...args: unknown[]) => unknown;

function refusal(f: () => unknown): WalError {
  try {
    f();
  } catch (err) {
    if (err instanceof WalError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const PROMISES_SERVED = [
  'open',
  'readFile',
  'writeFile',
  'appendFile',
  'access',
  'mkdir',
  'readdir',
  'realpath',
  'rename',
  'rm',
  'rmdir',
  'stat',
  'lstat',
  'truncate',
  'unlink',
];

describe('refusals: ENOTSUP naming the call', () => {
  const fs = createNodeFs(world('refusals').fs);

  it('every function of node:fs is on the facade; those outside the subset throw ENOTSUP naming themselves', () => {
    const served = new Set<string>([
      ...NODE_FS_CALLS,
      'createReadStream',
      'createWriteStream',
      'ReadStream',
      'WriteStream',
      'FileReadStream',
      'FileWriteStream',
      'Stats',
      'Dirent',
    ]);
    const names = Object.keys(realFs).filter((k) => typeof (realFs as Record<string, unknown>)[k] === 'function');
    expect(names.length).toBeGreaterThan(90);
    for (const name of names) {
      expect(typeof fs[name], name).toBe('function');
      if (served.has(name)) continue;
      const err = refusal(() => call(fs, name)('/x', () => undefined));
      expect(err.code, name).toBe('ENOTSUP');
      expect(err.message.startsWith(`${name}:`), err.message).toBe(true);
    }
  });

  it('every *Sync call is refused, saying why', () => {
    for (const name of Object.keys(realFs).filter((k) => k.endsWith('Sync'))) {
      const err = refusal(() => call(fs, name)('/x'));
      expect(err.code, name).toBe('ENOTSUP');
      expect(err.message).toContain(`${name}: synchronous calls are not served`);
    }
    expect(refusal(() => (fs['realpathSync'] as { native: () => unknown }).native()).code).toBe('ENOTSUP');
  });

  it('every function of node:fs/promises is there; those outside the subset throw ENOTSUP naming themselves', () => {
    const p = fs.promises as Record<string, unknown>;
    for (const [name, value] of Object.entries(realFs.promises)) {
      if (typeof value !== 'function') continue;
      expect(typeof p[name], name).toBe('function');
      if (PROMISES_SERVED.includes(name)) continue;
      const err = refusal(() => (p[name] as (...a: unknown[]) => unknown)('/x'));
      expect(err.code, name).toBe('ENOTSUP');
      expect(err.message.startsWith(`promises.${name}:`), err.message).toBe(true);
    }
  });

  it('FileHandle methods outside the subset reject ENOTSUP naming themselves', async () => {
    const w = world('handle-refusals');
    const f = createNodeFs(w.fs);
    await sim(w, async () => {
      const h = await f.promises.open('/f', 'w');
      for (const name of ['chmod', 'chown', 'utimes', 'readv', 'writev', 'readLines', 'readableWebStream']) {
        await expect((h as unknown as Record<string, () => Promise<unknown>>)[name]?.(), name).rejects.toMatchObject({
          code: 'ENOTSUP',
          message: expect.stringMatching(new RegExp(`^filehandle\\.${name}:`)) as unknown,
        });
      }
      await h.close();
    });
  });

  it('options node:fs defines that the facade does not serve are refused, not ignored', async () => {
    const w = world('option-refusals');
    const f = createNodeFs(w.fs);
    await sim(w, async () => {
      await f.promises.mkdir('/d');
      await expect(f.promises.readdir('/d', { recursive: true })).rejects.toMatchObject({ code: 'ENOTSUP' });
      await expect(f.promises.stat('/d', { bigint: true })).rejects.toMatchObject({ code: 'ENOTSUP' });
      await expect(f.promises.rm('/d', { recursive: true, maxRetries: 3 })).rejects.toMatchObject({ code: 'ENOTSUP' });
      await expect(f.promises.rmdir('/d', { recursive: true })).rejects.toMatchObject({ code: 'ENOTSUP' });
      await expect(f.promises.open('/f', f.constants.O_RDWR | f.constants.O_CREAT | f.constants.O_DIRECT)).rejects.toMatchObject({
        code: 'ENOTSUP',
      });
      await expect(f.promises.open('/f', f.constants.O_RDWR | f.constants.O_APPEND)).rejects.toMatchObject({ code: 'ENOTSUP' });
      await expect(f.promises.writeFile('/f', ['a', 'b'])).rejects.toMatchObject({ code: 'ENOTSUP' });
      expect(refusal(() => f.createReadStream('/f', { fs: realFs })).code).toBe('ENOTSUP');
    });
  });

  it('rmdir over a port without rmdir is ENOTSUP naming it', async () => {
    const w = world('no-rmdir');
    const inner = w.fs;
    const bare: FileSystem = {
      open: (p, f) => inner.open(p, f),
      readdir: (p) => inner.readdir(p),
      mkdir: (p, o) => inner.mkdir(p, o),
      rename: (a, b) => inner.rename(a, b),
      unlink: (p) => inner.unlink(p),
      stat: (p) => inner.stat(p),
      syncDir: (p) => inner.syncDir(p),
    };
    const f = createNodeFs(bare);
    await sim(w, async () => {
      await f.promises.mkdir('/d');
      await expect(f.promises.rmdir('/d')).rejects.toMatchObject({ code: 'ENOTSUP', message: expect.stringMatching(/^rmdir:/) as unknown });
      await expect(f.promises.rm('/d', { recursive: true })).rejects.toMatchObject({ code: 'ENOTSUP' });
    });
  });
});

describe('descriptors', () => {
  it('start at 3, never 0-2, and the lowest free one is handed out again', async () => {
    const w = world('fds');
    const f = createNodeFs(w.fs);
    const seen = await sim(w, async () => {
      const open = (p: string): Promise<number> =>
        new Promise((resolve, reject) => f.open(p, 'w', (err: unknown, fd: number) => (err === null ? resolve(fd) : reject(err as Error))));
      const close = (fd: number): Promise<void> =>
        new Promise((resolve, reject) => f.close(fd, (err: unknown) => (err === null ? resolve() : reject(err as Error))));
      const a = await open('/a');
      const b = await open('/b');
      const c = await open('/c');
      await close(b);
      const d = await open('/d');
      const handle = await f.promises.open('/e', 'w');
      const all = [a, b, c, d, handle.fd, f.openDescriptors()];
      await Promise.all([close(a), close(c), close(d), handle.close()]);
      return [...all, f.openDescriptors()];
    });
    expect(seen).toEqual([3, 4, 5, 4, 6, [3, 4, 5, 6], []]);
  });

  it('calls on a descriptor never opened are EBADF, as node:fs answers', async () => {
    const w = world('ebadf');
    const f = createNodeFs(w.fs);
    await sim(w, async () => {
      for (const fd of [0, 1, 2, 99]) {
        await expect(new Promise((resolve) => f.fsync(fd, resolve))).resolves.toMatchObject({ code: 'EBADF', syscall: 'fsync' });
      }
    });
  });
});

describe('errors', () => {
  it('are shaped as node:fs shapes them: code, errno, syscall, path as given, message', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const shape = (e: unknown): Record<string, unknown> => {
        const x = e as Record<string, unknown>;
        return { code: x['code'], errno: x['errno'], syscall: x['syscall'], path: x['path'], dest: x['dest'], message: x['message'] };
      };
      const script = async (fs: typeof realFs.promises, root: string): Promise<Record<string, unknown>[]> => {
        const out: Record<string, unknown>[] = [];
        const grab = async (p: Promise<unknown>): Promise<void> => {
          await p.then(
            () => out.push({ resolved: true }),
            (e: unknown) => out.push(shape(e)),
          );
        };
        await fs.mkdir(`${root}/d`);
        await grab(fs.open(`${root}/missing`, 'r'));
        await grab(fs.readFile(`${root}/missing`));
        await grab(fs.mkdir(`${root}/d`));
        await grab(fs.rename(`${root}/nope`, `${root}/d/x`));
        await grab(fs.unlink(`${root}/nope`));
        await grab(fs.rmdir(`${root}/nope`));
        await grab(fs.stat(`${root}/nope`));
        await grab(fs.readdir(`${root}/nope`));
        return out;
      };
      const expected = (await script(realFs.promises, dir)).map((e) => JSON.parse(JSON.stringify(e).replaceAll(dir, '<root>')) as unknown);
      const w = world('error-shapes');
      const f = createNodeFs(w.fs);
      const onSim = await sim(w, async () => {
        await f.promises.mkdir('/r');
        return script(f.promises as unknown as typeof realFs.promises, '/r');
      });
      expect(onSim.map((e) => JSON.parse(JSON.stringify(e).replaceAll('/r', '<root>')) as unknown)).toEqual(expected);
    } finally {
      await cleanup();
    }
  });

  it('bad arguments are WalError EINVAL', async () => {
    const w = world('einval');
    const f = createNodeFs(w.fs);
    await sim(w, async () => {
      await expect(f.promises.open('/f', 'q')).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(f.promises.open('/f', 'w', 'not octal')).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(f.promises.readFile('/f', { encoding: 'klingon' })).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(f.promises.stat(42)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(f.promises.stat('/a\0b')).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(f.promises.stat(new URL('https://example.com/x'))).rejects.toMatchObject({ code: 'EINVAL' });
      const h = await f.promises.open('/f', 'w+');
      await expect(h.write(Buffer.from('abc'), 2, 5)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(h.read(Buffer.alloc(4), 0, 4, -5)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(h.write(12)).rejects.toMatchObject({ code: 'EINVAL' });
      await h.close();
    });
    expect(refusal(() => f.stat('/f')).code).toBe('EINVAL'); // no callback
    expect(() => createNodeFs(w.fs, { cwd: 'relative' })).toThrow(WalError);
    expect(() => createNodeFs({} as FileSystem)).toThrow(WalError);
  });

  it('paths: relative ones resolve against cwd; Buffers and file: URLs are paths', async () => {
    const w = world('paths');
    const f = createNodeFs(w.fs, { cwd: '/work' });
    const seen = await sim(w, async () => {
      await f.promises.mkdir('/work');
      await f.promises.writeFile('rel.txt', 'r');
      await f.promises.writeFile(Buffer.from('/work/buf.txt'), 'b');
      await f.promises.writeFile(new URL('file:///work/url.txt'), 'u');
      return [((await f.promises.readdir('/work')) as string[]).sort(), await f.promises.realpath('./sub/../rel.txt')];
    });
    expect(seen).toEqual([['buf.txt', 'rel.txt', 'url.txt'], '/work/rel.txt']);
  });
});

describe('on the simulator', () => {
  it('mtime is the simulated clock of the last change', async () => {
    const w = world('mtime');
    const f = createNodeFs(w.fs);
    const seen = await sim(w, async () => {
      await f.promises.writeFile('/f', 'one');
      await w.clock.sleep(5_000);
      const before = (await f.promises.stat('/f')).mtime.getTime();
      await f.promises.appendFile('/f', 'two');
      return [before, (await f.promises.stat('/f')).mtimeMs, (await f.promises.stat('/')).mtimeMs, w.clock.now()];
    });
    expect(seen).toEqual([0, 5_000, 0, 5_000]);
  });

  it('every facade call is a simulator operation: the idiom write, fsync, rename, fsync dir reaches the trace in order', async () => {
    const w = world('ops');
    const f = createNodeFs(w.fs);
    await sim(w, async () => {
      await f.promises.mkdir('/d');
      const root = await f.promises.open('/', 'r');
      await root.sync();
      await root.close();
      const h = await f.promises.open('/d/f.tmp', 'w');
      await h.writeFile('data');
      await h.sync();
      await h.close();
      await f.promises.rename('/d/f.tmp', '/d/f');
      const dir = await f.promises.open('/d', 'r');
      await dir.sync();
      await dir.close();
    });
    expect(ops(w)).toEqual([
      'mkdir /d',
      'open /',
      'syncDir /',
      'open /d/f.tmp',
      'write /d/f.tmp',
      'sync /d/f.tmp',
      'close /d/f.tmp',
      'rename /d/f.tmp',
      'open /d',
      'syncDir /d',
    ]);
    // Everything was synced: every crash image holds the file under its final name.
    for (const image of w.fs.crashImages(1000).images) expect(new TextDecoder().decode(fileOf(image, '/d/f'))).toBe('data');
  });

  it('streams write and fsync through the simulator; without flush a crash may lose the data', async () => {
    const write = async (flush: boolean): Promise<{ ops: string[]; contents: Set<string | undefined> }> => {
      const w = world(`stream-${String(flush)}`);
      const f = createNodeFs(w.fs);
      await sim(w, async () => {
        const s = f.createWriteStream('/log', { flush });
        s.write('a'.repeat(600));
        s.end('b');
        await new Promise((resolve, reject) => s.on('close', resolve).on('error', reject));
        const dir = await f.promises.open('/', 'r');
        await dir.sync();
        await dir.close();
      });
      const contents = new Set(w.fs.crashImages(10_000).images.map((i) => fileOf(i, '/log')?.length.toString()));
      return { ops: ops(w), contents: contents as Set<string | undefined> };
    };
    const flushed = await write(true);
    expect(flushed.ops).toEqual(['open /log', 'write /log', 'write /log', 'sync /log', 'close /log', 'open /', 'syncDir /']);
    expect(flushed.contents).toEqual(new Set(['601']));
    const unflushed = await write(false);
    expect(unflushed.ops).not.toContain('sync /log');
    expect(unflushed.contents.has('601')).toBe(true);
    expect(unflushed.contents.has('0')).toBe(true);
  });

  it('faults come through as node:fs errors (fsync-error is EIO from fsync); a power cut is WalError ECRASHED', async () => {
    const w = world('faults', { faults: { version: 1, faults: [{ kind: 'fsync-error', trigger: { nth: 1 } }] } });
    const f = createNodeFs(w.fs);
    const err = await sim(w, async () => {
      const fd = await f.promises.open('/f', 'w');
      await fd.writeFile('x');
      return fd.sync().then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    expect(err).toMatchObject({ code: 'EIO', syscall: 'fsync', errno: expect.any(Number) as unknown });
    w.fs.crash(new Rng('cut'));
    const after = await sim(w, () =>
      f.promises.readFile('/f').then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(isWalError(after, 'ECRASHED')).toBe(true);
  });
});

describe('over other ports', () => {
  it('serves a fault wrapper over the real disk: its injected ENOSPC is node:fs ENOSPC from write', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const faulty = new FaultyFileSystem(new NodeFileSystem(dir), { seed: 1, probabilities: { 'disk-full': 1 } });
      const f = createNodeFs(faulty, { cwd: dir });
      await expect(f.promises.writeFile(`${dir}/f`, 'will not fit')).rejects.toMatchObject({ code: 'ENOSPC', syscall: 'write' });
      expect(faulty.injected.map((i) => i.kind)).toEqual(['disk-full']);
      expect(f.openDescriptors()).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
