import { describe, expect, it } from 'vitest';
import { fullPayload, PAYLOAD_HEADER_BYTES, PayloadFactory } from '../../src/contract/payload.js';

describe('payloads', () => {
  it('a full payload is a function of (id, epoch, client, size) only', () => {
    for (const size of [16, 17, 19, 20, 64, 4099, 300_001]) {
      // Other allocations in between must not change it.
      const a = fullPayload(7, 1, 2, size);
      const junk = Buffer.allocUnsafeSlow(size).fill(0xa5);
      const b = fullPayload(7, 1, 2, size);
      expect(junk.length).toBe(size);
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
      expect(a.length).toBe(size);
      expect([...a.subarray(0, 4)]).toEqual([0x46, 0x4c, 0x52, 0x31]);
      const view = new DataView(a.buffer, a.byteOffset, a.length);
      expect([view.getUint32(4), view.getUint16(8), view.getUint16(10), view.getUint32(12)]).toEqual([7, 1, 2, size]);
      expect(Buffer.from(fullPayload(8, 1, 2, size)).equals(Buffer.from(a))).toBe(false);
    }
    // The filler depends on the id only: a longer payload of the same id starts with the shorter one's filler.
    expect(Buffer.from(fullPayload(1, 0, 0, 24).subarray(PAYLOAD_HEADER_BYTES)).toString('hex')).toBe(
      Buffer.from(fullPayload(1, 0, 0, 40).subarray(PAYLOAD_HEADER_BYTES, 24)).toString('hex'),
    );
  });

  it('the factory never hands out the same bytes twice, short or full', () => {
    const f = new PayloadFactory();
    const seen = new Set<string>();
    for (let id = 0; id < 600; id++) {
      const p = f.make(id, 0, id % 3, id % 40);
      const k = Buffer.from(p).toString('hex');
      expect(seen.has(k)).toBe(false);
      seen.add(k);
    }
  });
});
