import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  SNAPSHOT_CHUNK_BYTES,
  SNAPSHOT_CHUNK_HEADER_SIZE,
  SNAPSHOT_HEADER_SIZE,
  SNAPSHOT_TRAILER_SIZE,
  decodeSnapshot,
  encodeSnapshot,
  type DecodeSnapshotOptions,
} from '../../src/store/snapshot-format.js';
import { MemoryStateStore } from '../../src/store/memory-state.js';
import type { StateSnapshot } from '../../src/store/state-store.js';
import type { FileHandle, FileStat } from '../../src/ports.js';
import { WalError, isWalError } from '../../src/errors.js';
import { crc32 } from '../../src/engine/crc.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const STORE_ID = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const LIMITS: DecodeSnapshotOptions = { maxKeyBytes: 1024, maxValueBytes: 64 * 1024 };

/** A read-only FileHandle over bytes that records each read, optionally returning short reads. */
class BytesFile implements FileHandle {
  readonly reads: Array<{ position: number; length: number }> = [];
  constructor(
    readonly bytes: Uint8Array,
    readonly maxRead = Infinity,
  ) {}
  async read(buffer: Uint8Array, position: number): Promise<number> {
    this.reads.push({ position, length: buffer.length });
    const n = Math.max(0, Math.min(buffer.length, this.bytes.length - position, this.maxRead));
    buffer.set(this.bytes.subarray(position, position + n));
    return n;
  }
  async write(): Promise<void> {
    throw new Error('read-only');
  }
  async sync(): Promise<void> {}
  async datasync(): Promise<void> {}
  async truncate(): Promise<void> {
    throw new Error('read-only');
  }
  async stat(): Promise<FileStat> {
    return { size: this.bytes.length, isFile: true, isDirectory: false };
  }
  async close(): Promise<void> {}
}

/** A StateSnapshot over a plain sorted array, without a size (so the encoder counts). */
function arraySnapshot(appliedLsn: number, entries: Array<[string, Uint8Array]>): StateSnapshot {
  return { appliedLsn, entries: () => entries, release: () => {} };
}

function concat(parts: Iterable<Uint8Array>): Uint8Array {
  const list = [...parts];
  const out = new Uint8Array(list.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of list) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sortedUnique(entries: Array<[string, Uint8Array]>): Array<[string, Uint8Array]> {
  const map = new Map(entries);
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

async function decodeError(bytes: Uint8Array, options: DecodeSnapshotOptions = LIMITS): Promise<WalError> {
  try {
    await decodeSnapshot(new BytesFile(bytes), options);
  } catch (err) {
    if (err instanceof WalError) return err;
    throw err;
  }
  throw new Error('decoded without complaint');
}

/** A small file with several chunks: 30 entries cut at 64 payload bytes. */
function sampleFile(): { bytes: Uint8Array; entries: Array<[string, Uint8Array]> } {
  const entries: Array<[string, Uint8Array]> = [];
  for (let i = 0; i < 30; i++) entries.push([`key-${String(i).padStart(2, '0')}-\u00e9\u{1f600}`, enc(`value ${i}`.repeat(i % 4))]);
  return { bytes: concat(encodeSnapshot(arraySnapshot(77, entries), STORE_ID, { chunkBytes: 64 })), entries };
}

const entryArb = fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.uint8Array({ maxLength: 40 }));

describe('snapshot file format', () => {
  it('round-trips any state, any chunk size, through short reads too', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArb, { maxLength: 60 }),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 64 }),
        async (raw, appliedLsn, storeId, chunkBytes, maxRead) => {
          const entries = sortedUnique(raw);
          const bytes = concat(encodeSnapshot(arraySnapshot(appliedLsn, entries), storeId, { chunkBytes }));
          const decoded = await decodeSnapshot(new BytesFile(bytes, maxRead), { ...LIMITS, expectedStoreId: storeId });
          expect(decoded.appliedLsn).toBe(appliedLsn);
          expect(decoded.storeId).toEqual(storeId);
          expect(decoded.entries).toEqual(entries);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('round-trips a MemoryStateStore snapshot (which knows its size) into a new store', async () => {
    const state = new MemoryStateStore();
    await state.apply(9, [
      { key: 'b', value: enc('2') },
      { key: 'a', value: enc('1') },
      { key: '', value: new Uint8Array(0) },
    ]);
    const snap = state.snapshot();
    const bytes = concat(encodeSnapshot(snap, STORE_ID));
    snap.release();
    const loaded = MemoryStateStore.fromSnapshot(await decodeSnapshot(new BytesFile(bytes), LIMITS));
    expect(loaded.appliedLsn).toBe(9);
    expect(loaded.entries()).toEqual(state.entries());
  });

  it('an empty state is a header and a trailer', async () => {
    const bytes = concat(encodeSnapshot(arraySnapshot(0, []), STORE_ID));
    expect(bytes.length).toBe(SNAPSHOT_HEADER_SIZE + SNAPSHOT_TRAILER_SIZE);
    expect(await decodeSnapshot(new BytesFile(bytes), LIMITS)).toEqual({ appliedLsn: 0, storeId: STORE_ID, entries: [] });
  });

  it('yields the file in pieces of at most a chunk; an entry larger than a chunk gets a chunk of its own', () => {
    const small: Array<[string, Uint8Array]> = [];
    for (let i = 0; i < 5000; i++) small.push([`k${String(i).padStart(5, '0')}`, new Uint8Array(500).fill(i & 0xff)]);
    const pieces = [...encodeSnapshot(arraySnapshot(1, small), STORE_ID)];
    // Header, ceil(5000 * 514 / 1 MiB) = 3 chunks, trailer.
    expect(pieces.length).toBe(5);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(SNAPSHOT_CHUNK_HEADER_SIZE + SNAPSHOT_CHUNK_BYTES);

    const big: Array<[string, Uint8Array]> = [
      ['a', enc('x')],
      ['b', new Uint8Array(SNAPSHOT_CHUNK_BYTES + 10)],
      ['c', enc('y')],
    ];
    const bigPieces = [...encodeSnapshot(arraySnapshot(1, big), STORE_ID)];
    expect(bigPieces.map((p) => p.length)).toEqual([
      SNAPSHOT_HEADER_SIZE,
      SNAPSHOT_CHUNK_HEADER_SIZE + 8 + 1 + 1,
      SNAPSHOT_CHUNK_HEADER_SIZE + 8 + 1 + SNAPSHOT_CHUNK_BYTES + 10,
      SNAPSHOT_CHUNK_HEADER_SIZE + 8 + 1 + 1,
      SNAPSHOT_TRAILER_SIZE,
    ]);
  });

  it('is lazy: nothing past the header is encoded before it is asked for', () => {
    let walked = 0;
    const snapshot = {
      appliedLsn: 3,
      size: 3,
      *entries(): Generator<[string, Uint8Array]> {
        for (const key of ['a', 'b', 'c']) {
          walked++;
          yield [key, enc(key)];
        }
      },
      release: () => {},
    };
    const pieces = encodeSnapshot(snapshot, STORE_ID, { chunkBytes: 9 });
    expect(pieces.next().value?.length).toBe(SNAPSHOT_HEADER_SIZE);
    expect(walked).toBe(0);
    pieces.next();
    expect(walked).toBe(2); // the second entry did not fit the first chunk
  });

  it('detects every single-byte corruption, with the offset in details', async () => {
    const { bytes } = sampleFile();
    expect(bytes.length).toBeGreaterThan(SNAPSHOT_HEADER_SIZE + 5 * SNAPSHOT_CHUNK_HEADER_SIZE + SNAPSHOT_TRAILER_SIZE);
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const damaged = bytes.slice();
        damaged[i] = (damaged[i] as number) ^ mask;
        const err = await decodeError(damaged);
        expect(err.code, `byte ${i}`).toBe('ECORRUPT');
        expect(typeof err.details.offset).toBe('number');
        expect(typeof err.details.reason).toBe('string');
        expect(err.details.offset as number).toBeLessThanOrEqual(i);
      }
    }
  });

  it('detects every truncation and any trailing bytes', async () => {
    const { bytes } = sampleFile();
    for (let length = 0; length < bytes.length; length++) {
      const err = await decodeError(bytes.subarray(0, length));
      expect(err.code, `truncated to ${length}`).toBe('ECORRUPT');
    }
    for (const extra of [Uint8Array.of(0), enc('garbage')]) {
      expect((await decodeError(concat([bytes, extra]))).code).toBe('ECORRUPT');
    }
  });

  it('refuses a snapshot of another store, and bad magic, version or flags', async () => {
    const { bytes } = sampleFile();
    const other = await decodeError(bytes, { ...LIMITS, expectedStoreId: Uint8Array.from([8, 7, 6, 5, 4, 3, 2, 1]) });
    expect(other.code).toBe('ECORRUPT');
    expect(other.details.reason).toMatch(/another store/);

    // Re-sign the header after changing one field, so only that field's check can refuse it.
    const resigned = (at: number, value: number): Uint8Array => {
      const copy = bytes.slice();
      const view = new DataView(copy.buffer);
      view.setUint16(at, value, true);
      view.setUint32(40, crc32(copy.subarray(0, 40)), true);
      return copy;
    };
    expect((await decodeError(resigned(8, 2))).details.reason).toMatch(/version/);
    expect((await decodeError(resigned(10, 1))).details.reason).toMatch(/flags/);
    expect((await decodeError(enc('not a snapshot at all, '.repeat(4)))).details.reason).toMatch(/magic/);
  });

  it('bounds every read and allocation by the file size and the limits, whatever a length says', async () => {
    // A chunk header claiming a 4 GiB payload, and one claiming more entries than exist.
    const { bytes } = sampleFile();
    for (const [field, value] of [
      [0, 0xffff_ffff],
      [0, 0x7fff_0000],
      [4, 0xffff_ffff],
    ] as const) {
      const damaged = bytes.slice();
      new DataView(damaged.buffer).setUint32(SNAPSHOT_HEADER_SIZE + field, value, true);
      const file = new BytesFile(damaged);
      await expect(decodeSnapshot(file, LIMITS)).rejects.toMatchObject({ code: 'ECORRUPT' });
      for (const read of file.reads) expect(read.length).toBeLessThanOrEqual(damaged.length);
    }

    // A chunk longer than the limits allow (one 2 MiB entry, values limited to 1000 bytes) is refused before it is read.
    const huge = concat(encodeSnapshot(arraySnapshot(1, [['k', new Uint8Array(2 * SNAPSHOT_CHUNK_BYTES)]]), STORE_ID));
    const file = new BytesFile(huge);
    const err = await decodeSnapshot(file, { maxKeyBytes: 16, maxValueBytes: 1000 }).catch((e: unknown) => e);
    expect(isWalError(err, 'ECORRUPT')).toBe(true);
    expect((err as WalError).details.reason).toMatch(/chunk length/);
    expect(Math.max(...file.reads.map((r) => r.length))).toBeLessThanOrEqual(SNAPSHOT_HEADER_SIZE);
    // Within the limits the same file decodes.
    expect((await decodeSnapshot(new BytesFile(huge), { maxKeyBytes: 16, maxValueBytes: 2 * SNAPSHOT_CHUNK_BYTES })).entries).toHaveLength(
      1,
    );

    // Lengths inside a chunk whose CRC was recomputed to match: the entry checks refuse them.
    const forged = (keyLength: number, valueLength: number): Uint8Array => {
      const one = concat(encodeSnapshot(arraySnapshot(1, [['key', enc('value')]]), STORE_ID)).slice();
      const view = new DataView(one.buffer);
      const payloadAt = SNAPSHOT_HEADER_SIZE + SNAPSHOT_CHUNK_HEADER_SIZE;
      view.setUint32(payloadAt, keyLength, true);
      view.setUint32(payloadAt + 4, valueLength, true);
      const seed = crc32(one.subarray(0, 40));
      const length = view.getUint32(SNAPSHOT_HEADER_SIZE, true);
      const crc = crc32(
        one.subarray(payloadAt, payloadAt + length),
        crc32(one.subarray(SNAPSHOT_HEADER_SIZE, SNAPSHOT_HEADER_SIZE + 8), seed),
      );
      view.setUint32(SNAPSHOT_HEADER_SIZE + 8, crc, true);
      return one;
    };
    expect((await decodeError(forged(0xffff_ffff, 5))).details.reason).toMatch(/key longer/);
    expect((await decodeError(forged(3, 0xffff_ffff))).details.reason).toMatch(/value longer/);
    expect((await decodeError(forged(3, 500))).details.reason).toMatch(/past the end/);
    expect((await decodeError(forged(2, 5))).details.reason).toMatch(/left over/);
  });

  it('refuses a header whose entry count the file cannot hold', async () => {
    const bytes = concat(encodeSnapshot(arraySnapshot(1, []), STORE_ID)).slice();
    const view = new DataView(bytes.buffer);
    view.setUint32(32, 0xffff_ffff, true);
    view.setUint32(36, 0x1f_ffff, true);
    view.setUint32(40, crc32(bytes.subarray(0, 40)), true);
    expect((await decodeError(bytes)).details.reason).toMatch(/entry count/);
  });

  it('refuses a key that is not valid UTF-8, even with every CRC right', async () => {
    for (const badKey of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x61, 0x80]]) {
      // Build the file by hand: one chunk with one entry whose key bytes are badKey.
      const header = concat(encodeSnapshot(arraySnapshot(5, [['x', enc('v')]]), STORE_ID)).subarray(0, SNAPSHOT_HEADER_SIZE);
      const seed = crc32(header.subarray(0, 40));
      const payload = new Uint8Array(8 + badKey.length + 1);
      const pv = new DataView(payload.buffer);
      pv.setUint32(0, badKey.length, true);
      pv.setUint32(4, 1, true);
      payload.set(badKey, 8);
      payload[8 + badKey.length] = 0x76;
      const chunk = new Uint8Array(SNAPSHOT_CHUNK_HEADER_SIZE + payload.length);
      const cv = new DataView(chunk.buffer);
      cv.setUint32(0, payload.length, true);
      cv.setUint32(4, 1, true);
      const chunkCrc = crc32(payload, crc32(chunk.subarray(0, 8), seed));
      cv.setUint32(8, chunkCrc, true);
      chunk.set(payload, SNAPSHOT_CHUNK_HEADER_SIZE);
      const trailer = new Uint8Array(SNAPSHOT_TRAILER_SIZE);
      const tv = new DataView(trailer.buffer);
      trailer.set(enc('FLTLSEND'), 0);
      tv.setUint32(8, 1, true);
      tv.setUint32(16, 1, true);
      const crcBytes = new Uint8Array(4);
      new DataView(crcBytes.buffer).setUint32(0, chunkCrc, true);
      tv.setUint32(20, crc32(crcBytes, seed), true);
      const err = await decodeError(concat([header, chunk, trailer]));
      expect(err.code).toBe('ECORRUPT');
      expect(err.details.reason).toMatch(/UTF-8/);
    }
  });

  it('refuses to encode a key with a lone surrogate, unsorted entries, or a bad store id', () => {
    expect(() => [...encodeSnapshot(arraySnapshot(1, [['a\udc00', enc('v')]]), STORE_ID)]).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(() => [
      ...encodeSnapshot(
        arraySnapshot(1, [
          ['b', enc('')],
          ['a', enc('')],
        ]),
        STORE_ID,
      ),
    ]).toThrow(expect.objectContaining({ code: 'EASSERT' }));
    expect(() => [...encodeSnapshot(arraySnapshot(1, []), new Uint8Array(4))]).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => [...encodeSnapshot(arraySnapshot(-1, []), STORE_ID)]).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => [...encodeSnapshot(arraySnapshot(1, []), STORE_ID, { chunkBytes: SNAPSHOT_CHUNK_BYTES + 1 })]).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
  });

  it('keeps reordered chunks out: swapping two whole chunks is refused', async () => {
    const { bytes } = sampleFile();
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const firstLength = SNAPSHOT_CHUNK_HEADER_SIZE + view.getUint32(SNAPSHOT_HEADER_SIZE, true);
    const secondAt = SNAPSHOT_HEADER_SIZE + firstLength;
    const secondLength = SNAPSHOT_CHUNK_HEADER_SIZE + view.getUint32(secondAt, true);
    const swapped = concat([
      bytes.subarray(0, SNAPSHOT_HEADER_SIZE),
      bytes.subarray(secondAt, secondAt + secondLength),
      bytes.subarray(SNAPSHOT_HEADER_SIZE, secondAt),
      bytes.subarray(secondAt + secondLength),
    ]);
    expect((await decodeError(swapped)).code).toBe('ECORRUPT');
  });
});
