import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRecord,
  decodeSegmentHeader,
  encodeRecords,
  encodeSegmentHeader,
  crc32,
  crc32Short,
  parseSegmentName,
  RECORD_HEADER_SIZE,
  saltSeed,
  SEGMENT_HEADER_COPY_SIZE,
  SEGMENT_HEADER_SIZE,
  segmentName,
} from '../../src/engine/format.js';

const SALT = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const SEED = saltSeed(SALT);
const MAX = 1024 * 1024;

describe('record codec', () => {
  it('round-trips any batch of records, including empty ones', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        (payloads, firstLsn) => {
          const records = payloads.map((data, i) => ({ lsn: firstLsn + i, syncedThrough: firstLsn - 1, data }));
          const bytes = encodeRecords(records, SEED);
          let offset = 0;
          for (const r of records) {
            const d = decodeRecord(bytes, offset, SEED, MAX);
            if (!d.ok) throw new Error(d.reason);
            expect(d.record.lsn).toBe(r.lsn);
            expect(d.record.syncedThrough).toBe(r.syncedThrough);
            expect(Array.from(d.record.data)).toEqual(Array.from(r.data));
            offset = d.record.end;
          }
          expect(offset).toBe(bytes.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an empty payload whose buffer has zero length still gets the salted checksum', () => {
    // Node 20's zlib.crc32 returns 0 for such a view whatever the running value; the wrapper keeps the value.
    const empty = new TextEncoder().encode('');
    expect(crc32(empty, 12345)).toBe(12345);
    const bytes = encodeRecords([{ lsn: 1, syncedThrough: 0, data: empty }], SEED);
    expect(new DataView(bytes.buffer).getUint32(24, true)).not.toBe(0);
    expect(decodeRecord(bytes, 0, SEED, MAX).ok).toBe(true);
    expect(decodeRecord(bytes, 0, saltSeed(Uint8Array.from([8, 7, 6, 5, 4, 3, 2, 1])), MAX).ok).toBe(false);
  });

  it('detects every single-byte change and every single-bit flip of a record header', () => {
    const bytes = encodeRecords([{ lsn: 77, syncedThrough: 70, data: Uint8Array.from([9, 8, 7, 6, 5]) }], SEED);
    for (let i = 0; i < RECORD_HEADER_SIZE; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = bytes.slice();
        copy[i] = (copy[i] as number) ^ (1 << bit);
        expect(decodeRecord(copy, 0, SEED, MAX).ok, `byte ${i} bit ${bit}`).toBe(false);
      }
      for (let v = 0; v < 256; v++) {
        if (v === bytes[i]) continue;
        const copy = bytes.slice();
        copy[i] = v;
        expect(decodeRecord(copy, 0, SEED, MAX).ok, `byte ${i} = ${v}`).toBe(false);
      }
    }
  });

  it('detects a bit flip anywhere in the payload, and a record of another log (other salt)', () => {
    const bytes = encodeRecords([{ lsn: 5, syncedThrough: 4, data: new Uint8Array(64).fill(0xab) }], SEED);
    for (let i = RECORD_HEADER_SIZE; i < bytes.length; i++) {
      const copy = bytes.slice();
      copy[i] = (copy[i] as number) ^ 0x10;
      expect(decodeRecord(copy, 0, SEED, MAX).ok).toBe(false);
    }
    expect(decodeRecord(bytes, 0, saltSeed(new Uint8Array(8)), MAX)).toEqual({ ok: false, reason: 'checksum mismatch' });
  });

  it('rejects an oversized length field from the header alone, before touching the payload', () => {
    const bytes = encodeRecords([{ lsn: 1, syncedThrough: 0, data: new Uint8Array(4) }], SEED);
    new DataView(bytes.buffer).setUint32(0, 0xffffffff, true);
    const r = decodeRecord(bytes, 0, SEED, MAX);
    expect(r).toEqual({ ok: false, reason: `length ${0xffffffff} above the maximum ${MAX}` });
    // Within the limit but past the end of the bytes: refused as truncated, no read past the end.
    new DataView(bytes.buffer).setUint32(0, 1000, true);
    expect(decodeRecord(bytes, 0, SEED, MAX)).toEqual({ ok: false, reason: 'truncated payload' });
  });

  it('a zero-filled region never decodes as a record', () => {
    expect(decodeRecord(new Uint8Array(100), 0, SEED, MAX).ok).toBe(false);
  });
});

describe('segment header', () => {
  const header = { firstLsn: 123456789, salt: SALT, maxRecordSize: MAX };

  it('round-trips and stores two identical copies', () => {
    const bytes = encodeSegmentHeader(header);
    expect(bytes.length).toBe(SEGMENT_HEADER_SIZE);
    expect(Array.from(bytes.subarray(0, 32))).toEqual(Array.from(bytes.subarray(32, 64)));
    const d = decodeSegmentHeader(bytes);
    expect(d.ok && d.header).toEqual(header);
    expect(d.ok && d.validCopies).toBe(2);
  });

  it('detects every single-bit flip in a copy (the other copy still identifies the segment)', () => {
    const bytes = encodeSegmentHeader(header);
    for (let i = 0; i < SEGMENT_HEADER_SIZE; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = bytes.slice();
        copy[i] = (copy[i] as number) ^ (1 << bit);
        const d = decodeSegmentHeader(copy);
        // The damaged copy is detected: only one copy validates, and it is the undamaged one.
        expect(d.ok && d.validCopies, `byte ${i} bit ${bit}`).toBe(1);
        expect(d.ok && d.header).toEqual(header);
      }
    }
  });

  it('detects every single-byte change of both copies at the same offset', () => {
    const bytes = encodeSegmentHeader(header);
    for (let i = 0; i < SEGMENT_HEADER_COPY_SIZE; i++) {
      for (let v = 0; v < 256; v++) {
        if (v === bytes[i]) continue;
        const copy = bytes.slice();
        copy[i] = v;
        copy[i + SEGMENT_HEADER_COPY_SIZE] = v;
        expect(decodeSegmentHeader(copy).ok, `byte ${i} = ${v}`).toBe(false);
      }
    }
  });

  it('refuses zeros and short files', () => {
    expect(decodeSegmentHeader(new Uint8Array(64)).ok).toBe(false);
    expect(decodeSegmentHeader(encodeSegmentHeader(header).subarray(0, 40)).ok).toBe(false);
  });
});

describe('segment names', () => {
  it('are wal-<16 digits>.log and parse back', () => {
    expect(segmentName(1)).toBe('wal-0000000000000001.log');
    expect(parseSegmentName(segmentName(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ['wal-1.log', 'wal-0000000000000000.log', 'wal-0000000000000001.log.tmp', 'x', 'wal-next.prealloc']) {
      expect(parseSegmentName(bad)).toBeUndefined();
    }
  });
});

describe('crc32Short', () => {
  it('equals zlib-backed crc32 for any bytes, range and running value', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), (bytes, a, b, seed) => {
        const from = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const to = from + (bytes.length - from === 0 ? 0 : b % (bytes.length - from + 1));
        return crc32Short(bytes, from, to, seed) === crc32(bytes.subarray(from, to), seed);
      }),
      { numRuns: 500 },
    );
    expect(crc32Short(new TextEncoder().encode('123456789'), 0, 9, 0)).toBe(0xcbf43926);
  });
});
