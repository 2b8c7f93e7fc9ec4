import { describe, expect, it } from 'vitest';
import { Wal, walPlugin } from '../../src/engine/index.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { makeTempDir } from '../helpers/tmpdir.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('Wal on NodeFileSystem: the vertical slice', () => {
  it('appends, closes, reopens and recovers every record in order with continuing LSNs', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const env = { fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'log' };
      const wal = await Wal.open(env, { segmentSize: 64 * 1024 });
      expect(wal.report.newLog).toBe(true);
      const lsns = await Promise.all(Array.from({ length: 50 }, (_, i) => wal.append(enc(`r${i}`))));
      expect(lsns).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      await wal.close();
      const again = await Wal.open(env, { segmentSize: 64 * 1024 });
      expect(again.recovered.map((r) => r.lsn)).toEqual(lsns);
      expect(again.recovered.map((r) => dec(r.data))).toEqual(lsns.map((l) => `r${l - 1}`));
      expect(await again.append(enc('next'))).toBe(51);
      await again.close();
    } finally {
      await cleanup();
    }
  });

  it('walPlugin is named faultline and promises durability exactly for everyWrite and groupCommit', () => {
    expect(walPlugin().name).toBe('faultline');
    expect(walPlugin().durableAppend).toBe(true);
    expect(walPlugin({ durability: { kind: 'groupCommit', maxWaitUs: 100 } }).durableAppend).toBe(true);
    expect(walPlugin({ durability: { kind: 'everyWrite' } }).durableAppend).toBe(true);
    expect(walPlugin({ durability: { kind: 'none' } }).durableAppend).toBe(false);
    expect(walPlugin({ durability: { kind: 'interval', ms: 5 } }).durableAppend).toBe(false);
    expect(() => walPlugin({ segmentSize: -1 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
