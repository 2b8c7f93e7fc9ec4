import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryStateStore } from '../../src/store/memory-state.js';
import type { StateWrite } from '../../src/store/state-store.js';
import { isWalError } from '../../src/errors.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const put = (key: string, value: string): StateWrite => ({ key, value: enc(value) });
const del = (key: string): StateWrite => ({ key, value: undefined });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

function decoded(entries: Iterable<[string, Uint8Array]>): Array<[string, string | undefined]> {
  return [...entries].map(([k, v]) => [k, dec(v)]);
}

describe('MemoryStateStore', () => {
  it('applies puts and deletes, reports the applied LSN, kind and persistence', async () => {
    const state = new MemoryStateStore();
    expect(state.kind).toBe('memory');
    expect(state.persistent).toBe(false);
    expect(state.appliedLsn).toBe(0);
    await state.apply(1, [put('b', '1'), put('a', '2')]);
    await state.apply(2, [del('b'), put('c', '3'), put('a', '4')]);
    expect(state.appliedLsn).toBe(2);
    expect(dec(state.get('a'))).toBe('4');
    expect(state.get('b')).toBeUndefined();
    expect(decoded(state.entries())).toEqual([
      ['a', '4'],
      ['c', '3'],
    ]);
  });

  it('keeps the last of several writes of one key in a transaction, and an empty value is a value', async () => {
    const state = new MemoryStateStore();
    await state.apply(5, [put('k', 'x'), del('k'), { key: 'k', value: new Uint8Array(0) }]);
    expect(state.get('k')).toEqual(new Uint8Array(0));
    await state.apply(6, [put('k', 'y'), del('k')]);
    expect(state.get('k')).toBeUndefined();
    expect(state.appliedLsn).toBe(6);
  });

  it('skips a transaction whose LSN was applied before (idempotent replay), also LSNs below', async () => {
    const state = new MemoryStateStore();
    await state.apply(3, [put('a', 'first')]);
    await state.apply(3, [put('a', 'replayed')]);
    await state.apply(2, [put('b', 'older')]);
    expect(dec(state.get('a'))).toBe('first');
    expect(state.get('b')).toBeUndefined();
    expect(state.appliedLsn).toBe(3);
  });

  it('copies values on apply: the caller may reuse its buffer', async () => {
    const state = new MemoryStateStore();
    const value = enc('abc');
    await state.apply(1, [{ key: 'k', value }]);
    value[0] = 0x7a;
    expect(dec(state.get('k'))).toBe('abc');
  });

  it('refuses a bad LSN with EINVAL and applies nothing', async () => {
    const state = new MemoryStateStore();
    for (const lsn of [0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1, Infinity]) {
      const err = await rejection(state.apply(lsn, [put('a', 'x')]));
      expect(isWalError(err, 'EINVAL'), String(lsn)).toBe(true);
    }
    expect(state.entries()).toEqual([]);
    expect(state.appliedLsn).toBe(0);
    await state.apply(Number.MAX_SAFE_INTEGER, [put('a', 'x')]);
    expect(state.appliedLsn).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('is all or nothing: a transaction with one bad write applies none of its writes', async () => {
    const state = new MemoryStateStore();
    await state.apply(1, [put('a', 'kept')]);
    const bad: unknown[] = [
      [put('a', 'lost'), { key: 7, value: enc('x') }],
      [put('a', 'lost'), { key: 'b', value: 'not bytes' }],
      [put('a', 'lost'), null],
      [put('a', 'lost'), { key: 'x\ud800', value: enc('lone surrogate') }],
    ];
    for (const writes of bad) {
      const err = await rejection(state.apply(2, writes as StateWrite[]));
      expect(isWalError(err, 'EINVAL')).toBe(true);
    }
    expect(isWalError(await rejection(state.apply(2, 'nope' as unknown as StateWrite[])), 'EINVAL')).toBe(true);
    expect(decoded(state.entries())).toEqual([['a', 'kept']]);
    expect(state.appliedLsn).toBe(1);
  });

  it('orders keys by UTF-16 code units, as JS string comparison (not by code point)', async () => {
    const state = new MemoryStateStore();
    // U+FF61 sorts after U+1F600 in UTF-16 (0xFF61 > 0xD83D) but before it by code point.
    const keys = ['\uff61', '\u{1f600}', 'a', '', 'B', 'aa', '\u00e9'];
    await state.apply(
      1,
      keys.map((k) => put(k, k)),
    );
    expect(state.entries().map(([k]) => k)).toEqual([...keys].sort());
  });

  it('a snapshot is a frozen view: later applies are not seen by it, and it survives them', async () => {
    const state = new MemoryStateStore();
    const writes: StateWrite[] = [];
    for (let i = 0; i < 2000; i++) writes.push(put(`k${String(i).padStart(5, '0')}`, `v${i}`));
    await state.apply(1, writes);
    const snap = state.snapshot();
    expect(snap.appliedLsn).toBe(1);
    expect(snap.size).toBe(2000);
    // Applies go on while the snapshot is read, half-way through.
    const seen: string[] = [];
    let lsn = 1;
    for (const [key, value] of snap.entries()) {
      seen.push(`${key}=${dec(value)}`);
      if (seen.length % 500 === 0) await state.apply(++lsn, [del(key), put(`${key}-new`, 'n'), put('k00000', 'changed')]);
    }
    expect(seen).toEqual(writes.map((w) => `${w.key}=${dec(w.value)}`));
    expect(state.appliedLsn).toBe(5);
    expect(state.entries()).toHaveLength(2000); // four keys deleted, four added
    expect(dec(state.get('k00000'))).toBe('changed');
    expect(snap.appliedLsn).toBe(1);
    snap.release();
    expect(() => snap.entries()).toThrow(/released/);
    snap.release();
  });

  it('loads from a decoded snapshot and refuses unsorted or bad loads', async () => {
    const state = MemoryStateStore.fromSnapshot({
      appliedLsn: 42,
      entries: [
        ['a', enc('1')],
        ['b', enc('2')],
      ],
    });
    expect(state.appliedLsn).toBe(42);
    expect(state.size).toBe(2);
    await state.apply(42, [put('a', 'replayed')]);
    expect(dec(state.get('a'))).toBe('1');
    await state.apply(43, [put('a', 'new')]);
    expect(dec(state.get('a'))).toBe('new');

    const bad = (appliedLsn: number, entries: Array<[string, Uint8Array]>) => () => new MemoryStateStore({ appliedLsn, entries });
    expect(bad(-1, [])).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(bad(1.5, [])).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(
      bad(1, [
        ['b', enc('')],
        ['a', enc('')],
      ]),
    ).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(
      bad(1, [
        ['a', enc('')],
        ['a', enc('')],
      ]),
    ).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('refuses every call after close with ECLOSED', async () => {
    const state = new MemoryStateStore();
    await state.apply(1, [put('a', 'x')]);
    await state.close();
    expect(() => state.get('a')).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
    expect(() => state.entries()).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
    expect(() => state.snapshot()).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
    expect(isWalError(await rejection(state.apply(2, [])), 'ECLOSED')).toBe(true);
    expect(isWalError(await rejection(state.flush()), 'ECLOSED')).toBe(true);
  });

  it('agrees with a model Map under random transactions, with snapshots taken along the way', async () => {
    const write = fc.record({
      key: fc.string({ unit: 'binary', maxLength: 6 }),
      value: fc.option(fc.uint8Array({ maxLength: 8 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.array(write, { maxLength: 8 }), fc.boolean()), { maxLength: 30 }), async (txns) => {
        const state = new MemoryStateStore();
        const model = new Map<string, Uint8Array>();
        const snapshots: Array<{ snap: ReturnType<MemoryStateStore['snapshot']>; expected: Array<[string, Uint8Array]> }> = [];
        let lsn = 0;
        for (const [writes, takeSnapshot] of txns) {
          await state.apply(++lsn, writes);
          for (const { key, value } of writes) {
            if (value === undefined) model.delete(key);
            else model.set(key, value);
          }
          const expected = [...model.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
          expect(state.entries()).toEqual(expected);
          expect(state.appliedLsn).toBe(lsn);
          if (takeSnapshot) snapshots.push({ snap: state.snapshot(), expected });
        }
        for (const { snap, expected } of snapshots) {
          expect([...snap.entries()]).toEqual(expected);
          expect(snap.size).toBe(expected.length);
          snap.release();
        }
      }),
      { numRuns: 200 },
    );
  });
});
