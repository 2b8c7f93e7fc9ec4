import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open as openLmdb } from 'lmdb';
import { LMDB_STATE_FORMAT, LmdbStateStore, decodeLmdbKey, encodeLmdbKey, lmdbState } from '../../src/store-lmdb/lmdb-state.js';
import type { StateStore, StateWrite } from '../../src/store/state-store.js';
import { WalError } from '../../src/errors.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { bundleForNode } from '../helpers/bundle.js';
import { killModel } from './kill-txns.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const put = (key: string, value: string): StateWrite => ({ key, value: enc(value) });
const del = (key: string): StateWrite => ({ key, value: undefined });
const jsOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function failure(promise: Promise<unknown>): Promise<WalError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof WalError) return err;
  throw new Error(`expected a WalError, got ${String(err)}`);
}

let temp: { dir: string; cleanup: () => Promise<void> };
const opened: StateStore[] = [];

async function openState(name = 'state', storeId = 'store-a'): Promise<StateStore> {
  const state = await lmdbState({ path: join(temp.dir, name) })({ storeId });
  opened.push(state);
  return state;
}

beforeEach(async () => {
  temp = await makeTempDir('faultline-lmdb-');
});

afterEach(async () => {
  for (const state of opened.splice(0)) await state.close();
  await temp.cleanup();
});

describe('LMDB keys (a zero byte, then CESU-8)', () => {
  it('round-trip every well-formed string, and byte order is JS string order', () => {
    const compareBytes = (a: Uint8Array, b: Uint8Array): number => {
      for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
      return a.length - b.length;
    };
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }), (a, b) => {
        const ea = encodeLmdbKey(a);
        const eb = encodeLmdbKey(b);
        expect(decodeLmdbKey(ea)).toBe(a);
        expect(Math.sign(compareBytes(ea, eb))).toBe(Math.sign(jsOrder(a, b)));
      }),
      { numRuns: 2000 },
    );
    // BMP keys are plain UTF-8 after the prefix byte.
    expect([...encodeLmdbKey('a\u00e9\uff61')]).toEqual([0, ...enc('a\u00e9\uff61')]);
    expect(encodeLmdbKey('\u{1f600}').length).toBe(1 + 6);
  });

  it('decode refuses bytes this file never writes', () => {
    for (const bytes of [
      [],
      [1, 0x61],
      [0, 0xff],
      [0, 0xc0, 0x80],
      [0, 0xe0, 0x80, 0x80],
      [0, 0xf0, 0x9f, 0x98, 0x80],
      [0, 0xed, 0xa0, 0x80],
      [0, 0xc3],
    ])
      expect(decodeLmdbKey(Uint8Array.from(bytes)), JSON.stringify(bytes)).toBeUndefined();
  });
});

describe('LmdbStateStore', () => {
  it('applies, gets synchronously and lists entries in JS string order', async () => {
    const state = await openState();
    expect(state.kind).toBe('lmdb');
    expect(state.persistent).toBe(true);
    expect(state.appliedLsn).toBe(0);
    const keys = ['b', '\u{1f600}', '\uff61', '', 'a', 'aa', '\u00e9'];
    await state.apply(
      1,
      keys.map((k) => put(k, `v:${k}`)),
    );
    await state.apply(2, [del('b'), put('a', 'changed'), { key: 'empty', value: new Uint8Array(0) }]);
    expect(state.appliedLsn).toBe(2);
    expect(dec(state.get('a'))).toBe('changed');
    expect(state.get('b')).toBeUndefined();
    expect(state.get('empty')).toEqual(new Uint8Array(0));
    expect(dec(state.get(''))).toBe('v:');
    const expected = [...keys.filter((k) => k !== 'b'), 'empty'].sort();
    expect(state.entries().map(([k]) => k)).toEqual(expected);
    expect(state.entries().find(([k]) => k === '\u{1f600}')?.[1]).toEqual(enc('v:\u{1f600}'));
  });

  it('skips transactions already applied (idempotent replay), also across a reopen', async () => {
    const state = await openState();
    await state.apply(1, [put('a', '1')]);
    await state.apply(2, [put('b', '2')]);
    await state.apply(2, [put('b', 'replayed')]);
    await state.apply(1, [put('a', 'replayed')]);
    expect(dec(state.get('a'))).toBe('1');
    expect(dec(state.get('b'))).toBe('2');
    await state.close();
    opened.length = 0;
    const again = await openState();
    expect(again.appliedLsn).toBe(2);
    await again.apply(1, [put('a', 'replayed')]);
    await again.apply(2, [put('b', 'replayed')]);
    await again.apply(3, [put('c', '3')]);
    expect(again.entries().map(([k, v]) => `${k}=${dec(v)}`)).toEqual(['a=1', 'b=2', 'c=3']);
  });

  it('applies many transactions issued in one event turn, each whole, in LSN order', async () => {
    const state = await openState();
    const pending: Array<Promise<void>> = [];
    for (let lsn = 1; lsn <= 50; lsn++) pending.push(state.apply(lsn, [put('counter', String(lsn)), put(`k${lsn}`, 'x')]));
    pending.push(state.apply(20, [put('counter', 'stale')]));
    await Promise.all(pending);
    expect(state.appliedLsn).toBe(50);
    expect(dec(state.get('counter'))).toBe('50');
    expect(state.entries()).toHaveLength(51);
  });

  it('is all or nothing: a bad write or an over-long key applies nothing', async () => {
    const state = await openState();
    await state.apply(1, [put('a', 'kept')]);
    const over = 'x'.repeat((state as LmdbStateStore).maxKeyBytes + 1);
    const tooLarge = await failure(state.apply(2, [put('a', 'lost'), put(over, 'v')]));
    expect(tooLarge.code).toBe('ETOOLARGE');
    // A multi-byte character counts by its bytes: 659 three-byte characters is 1977 bytes, one more is over.
    expect((state as LmdbStateStore).maxKeyBytes).toBe(1977);
    expect((await failure(state.apply(2, [put('\uff61'.repeat(660), 'v')]))).code).toBe('ETOOLARGE');
    expect((await failure(state.apply(2, [put('a', 'lost'), { key: 'b', value: 'text' as unknown as Uint8Array }]))).code).toBe('EINVAL');
    expect((await failure(state.apply(2, [put('a', 'lost'), put('\ud800', 'lone')]))).code).toBe('EINVAL');
    expect((await failure(state.apply(1.5, [put('a', 'lost')]))).code).toBe('EINVAL');
    expect(state.entries().map(([k, v]) => `${k}=${dec(v)}`)).toEqual(['a=kept']);
    expect(state.appliedLsn).toBe(1);
    expect(state.get(over)).toBeUndefined();
    await state.apply(2, [put('\uff61'.repeat(659), 'fits'), put('y'.repeat(1977), 'fits')]);
    expect(dec(state.get('\uff61'.repeat(659)))).toBe('fits');
  });

  it('a snapshot is a read transaction: applies go on and are not seen by it', async () => {
    const state = await openState();
    const initial: StateWrite[] = [];
    for (let i = 0; i < 500; i++) initial.push(put(`k${String(i).padStart(4, '0')}`, `v${i}`));
    await state.apply(1, initial);
    const snap = state.snapshot() as ReturnType<StateStore['snapshot']> & { size: number };
    expect(snap.appliedLsn).toBe(1);
    expect(snap.size).toBe(500);
    const seen: string[] = [];
    let lsn = 1;
    for (const [key, value] of snap.entries()) {
      seen.push(`${key}=${dec(value)}`);
      if (seen.length % 100 === 0) await state.apply(++lsn, [del(key), put('k0000', 'changed'), put(`${key}-new`, 'n')]);
    }
    expect(seen).toEqual(initial.map((w) => `${w.key}=${dec(w.value)}`));
    expect(state.appliedLsn).toBe(6);
    expect(dec(state.get('k0000'))).toBe('changed');
    expect(state.entries()).toHaveLength(500); // five deleted, five added
    // A second walk of the same snapshot still sees the old state.
    expect([...snap.entries()].map(([k]) => k)).toEqual(initial.map((w) => w.key));
    snap.release();
    expect(() => snap.entries()).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
    snap.release();
  });

  it('refuses a directory of another store (EINVAL) and keeps it untouched', async () => {
    const state = await openState('shared', 'store-a');
    await state.apply(7, [put('a', '1')]);
    await state.close();
    opened.length = 0;
    const err = await failure(lmdbState({ path: join(temp.dir, 'shared') })({ storeId: 'store-b' }));
    expect(err.code).toBe('EINVAL');
    expect(err.details).toMatchObject({ reason: 'store id mismatch', found: 'store-a', expected: 'store-b' });
    const owner = await openState('shared', 'store-a');
    expect(owner.appliedLsn).toBe(7);
    expect(dec(owner.get('a'))).toBe('1');
  });

  it('refuses an LMDB directory that is not a faultline state (ECORRUPT), without adding to it', async () => {
    const foreignPath = join(temp.dir, 'foreign');
    const foreign = openLmdb({ path: foreignPath });
    await foreign.put('someone-else', { data: 1 });
    await foreign.close();
    const err = await failure(lmdbState({ path: foreignPath })({ storeId: 'store-a' }));
    expect(err.code).toBe('ECORRUPT');
    const check = openLmdb({ path: foreignPath });
    expect([...check.getKeys()]).toEqual(['someone-else']);
    await check.close();

    // Our databases, but the marker missing (data without a format) or unknown.
    const noMarkerPath = join(temp.dir, 'no-marker');
    const noMarker = openLmdb({ path: noMarkerPath, maxDbs: 4 });
    await noMarker
      .openDB({ name: 'faultline-data', encoding: 'binary', keyEncoding: 'binary' })
      .put(Buffer.from([0, 0x61]), Buffer.from('x'));
    await noMarker.close();
    expect((await failure(lmdbState({ path: noMarkerPath })({ storeId: 'store-a' }))).details.reason).toBe('no format marker');

    const futurePath = join(temp.dir, 'future');
    const future = openLmdb({ path: futurePath, maxDbs: 4 });
    await future.openDB({ name: 'faultline-meta', encoding: 'string' }).put('format', 'faultline-state-lmdb/99');
    await future.close();
    const unknown = await failure(lmdbState({ path: futurePath })({ storeId: 'store-a' }));
    expect(unknown.code).toBe('ECORRUPT');
    expect(unknown.details.reason).toBe('unknown format');
    expect(LMDB_STATE_FORMAT).toBe('faultline-state-lmdb/1');
  });

  it('refuses a data file that is not LMDB at all (ECORRUPT) before lmdb-js sees it', async () => {
    const { mkdir } = await import('node:fs/promises');
    for (const [name, bytes] of [
      ['zeros', new Uint8Array(64 * 1024)],
      ['garbage', new Uint8Array(64 * 1024).fill(0x5a)],
      ['tiny', Uint8Array.of(1, 2, 3)],
    ] as const) {
      const path = join(temp.dir, name);
      await mkdir(path);
      await writeFile(join(path, 'data.mdb'), bytes);
      const err = await failure(lmdbState({ path })({ storeId: 'store-a' }));
      expect(err.code, name).toBe('ECORRUPT');
      expect(err.details.reason).toBe('not an LMDB data file');
    }
  });

  it('reopen keeps data and the applied LSN; flush resolves with everything applied', async () => {
    const state = await openState();
    for (let lsn = 1; lsn <= 20; lsn++) await state.apply(lsn, [put(`k${lsn}`, `v${lsn}`), del(`k${lsn - 5}`)]);
    await state.flush();
    const before = state.entries();
    await state.close();
    opened.length = 0;
    const again = await openState();
    expect(again.appliedLsn).toBe(20);
    expect(again.entries()).toEqual(before);
    expect(before.map(([k]) => k)).toEqual(['k16', 'k17', 'k18', 'k19', 'k20']);
  });

  it('a missing lmdb package is a WalError EPLUGIN that says what to install', async () => {
    const missing = Object.assign(new Error("Cannot find package 'lmdb'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const err = await failure(lmdbState({ path: join(temp.dir, 'x'), loadLmdb: () => Promise.reject(missing) })({ storeId: 's' }));
    expect(err.code).toBe('EPLUGIN');
    expect(err.message).toMatch(/npm install lmdb/);
    expect(err.cause).toBe(missing);
    const wrong = await failure(lmdbState({ path: join(temp.dir, 'x'), loadLmdb: async () => ({}) })({ storeId: 's' }));
    expect(wrong.code).toBe('EPLUGIN');
  });

  it('refuses bad options and every call after close', async () => {
    expect(() => lmdbState({ path: '' })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => lmdbState({ path: 'x', mapSize: -1 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect((await failure(lmdbState({ path: join(temp.dir, 'y') })({ storeId: '' }))).code).toBe('EINVAL');
    const state = await openState();
    await state.apply(1, [put('a', '1')]);
    const snap = state.snapshot();
    await state.close();
    opened.length = 0;
    expect(() => snap.entries()).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
    expect(() => state.get('a')).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
    expect(() => state.entries()).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
    expect((await failure(state.apply(2, []))).code).toBe('ECLOSED');
    expect((await failure(state.flush())).code).toBe('ECLOSED');
    await state.close();
  });
});

describe('LmdbStateStore under SIGKILL', () => {
  const KILLS = 6;

  /** Runs the child until it has printed `after` applied LSNs, then SIGKILLs it; resolves with the last printed LSN. */
  async function runAndKill(child: string, path: string, after: number): Promise<{ ready: number; lastPrinted: number }> {
    const proc = spawn(process.execPath, [child, path, 'kill-store'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.on('exit', (code, signal) => resolve({ code, signal })),
    );
    let ready = -1;
    let lastPrinted = 0;
    let printed = 0;
    for await (const line of createInterface({ input: proc.stdout })) {
      const [word, lsn] = line.split(' ');
      if (word === 'ready') {
        ready = Number(lsn);
        lastPrinted = ready;
      } else if (word === 'applied') {
        lastPrinted = Math.max(lastPrinted, Number(lsn));
        if (++printed === after) proc.kill('SIGKILL');
      }
    }
    const { signal } = await exited;
    expect(signal, `the child died by itself: ${stderr}`).toBe('SIGKILL');
    return { ready, lastPrinted };
  }

  it('keeps every transaction whose apply resolved, and only whole transactions', async () => {
    const child = await bundleForNode(fileURLToPath(new URL('./kill-child.ts', import.meta.url)), 'lmdb-kill-child.mjs');
    const path = join(temp.dir, 'killed');
    let previousApplied = 0;
    for (let round = 0; round < KILLS; round++) {
      // Kill after a varying number of acknowledged applies, while more are in flight.
      const { ready, lastPrinted } = await runAndKill(child, path, 40 + round * 37);
      expect(ready).toBe(previousApplied);
      const state = await lmdbState({ path })({ storeId: 'kill-store' });
      try {
        expect(state.appliedLsn).toBeGreaterThanOrEqual(lastPrinted);
        // Exactly transactions 1..appliedLsn, none half-applied (each writes three keys).
        expect(state.entries()).toEqual(killModel(state.appliedLsn));
        previousApplied = state.appliedLsn;
      } finally {
        await state.close();
      }
    }
    expect(previousApplied).toBeGreaterThan(KILLS * 40);
  });
});
