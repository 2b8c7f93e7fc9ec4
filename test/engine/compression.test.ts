/**
 * The compression option end to end on the engine: what is accepted and
 * refused, which groups become frames (and which stay plain), the stats and
 * metrics of bytes before and after compression, and a reopen that returns
 * every payload as appended.
 */
import { describe, expect, it } from 'vitest';
import { Wal, type WalOptions } from '../../src/engine/index.js';
import { COMPRESS_MIN_BYTES, COMPRESS_SINGLE_MIN_BYTES } from '../../src/engine/compression.js';
import { registerWalMetrics } from '../../src/ops/index.js';
import { dec, enc, memEnv } from './support.js';

const lz4: WalOptions = { segmentSize: 256 * 1024, compression: 'lz4', durability: { kind: 'groupCommit' } };
const json = (i: number, pad = 0): Uint8Array =>
  enc(JSON.stringify({ ts: 1733200000000 + i, type: 'purchase', user: `user-${i % 50}`, sku: `sku-${i % 300}`, note: 'n'.repeat(pad) }));

function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('compression option', () => {
  it('accepts none and lz4; refuses zstd (not offered yet), unknown names and shapes with EINVAL', async () => {
    for (const compression of ['none', 'lz4'] as const) {
      const wal = await Wal.open(memEnv(), { compression });
      expect(wal.options.compression).toBe(compression);
      await wal.close();
    }
    const refused: unknown[] = [
      { kind: 'zstd', level: 1 },
      { kind: 'zstd', level: 3 },
      { kind: 'zstd', level: 99 },
      'zstd',
      'LZ4',
      'gzip',
      1,
      null,
      {},
    ];
    for (const compression of refused) {
      await expect(Wal.open(memEnv(), { compression } as unknown as WalOptions), JSON.stringify(compression)).rejects.toMatchObject({
        code: 'EINVAL',
      });
    }
  });
});

describe('compressed appends', () => {
  it('batches of JSON events become frames: bytes after compression well below before, and every payload comes back', async () => {
    const env = memEnv();
    const wal = await Wal.open(env, lz4);
    const payloads = Array.from({ length: 2000 }, (_, i) => json(i));
    await Promise.all(payloads.map((p) => wal.append(p)));
    const s = wal.stats();
    expect(s.compressedFrames).toBeGreaterThan(0);
    expect(s.bytesAfterCompression).toBe(s.bytesWritten);
    expect(s.bytesBeforeCompression).toBe(payloads.reduce((n, p) => n + 28 + p.length, 0));
    expect(s.bytesAfterCompression * 3).toBeLessThan(s.bytesBeforeCompression);
    const metrics = await registerWalMetrics(wal).metrics();
    expect(metrics).toContain(`\nwal_bytes_before_compression_total ${s.bytesBeforeCompression}\n`);
    expect(metrics).toContain(`\nwal_bytes_after_compression_total ${s.bytesAfterCompression}\n`);
    expect(metrics).toContain(`\nwal_compressed_frames_total ${s.compressedFrames}\n`);
    expect(metrics).toContain(`\nwal_compression_skipped_total ${s.compressionSkipped}\n`);
    await wal.close();
    const again = await Wal.open(env, { ...lz4, compression: 'none' });
    expect(again.recovered.map((r) => dec(r.data))).toEqual(payloads.map(dec));
    expect(again.report.bytes).toBe(s.bytesBeforeCompression);
    await again.close();
  });

  it('without compression nothing changes: before equals after, no frame', async () => {
    const wal = await Wal.open(memEnv(), { ...lz4, compression: 'none' });
    await Promise.all(Array.from({ length: 200 }, (_, i) => wal.append(json(i))));
    const s = wal.stats();
    expect(s.bytesBeforeCompression).toBe(s.bytesAfterCompression);
    expect(s.compressedFrames).toBe(0);
    expect(s.compressionSkipped).toBe(0);
    await wal.close();
  });

  it('small batches and single small records stay plain; a large compressible record is a frame of its own', async () => {
    const wal = await Wal.open(memEnv(), { ...lz4, durability: { kind: 'everyWrite' } });
    const small = json(1);
    expect(small.length + 4).toBeLessThan(COMPRESS_MIN_BYTES);
    await wal.append(small);
    await wal.append(json(2, COMPRESS_SINGLE_MIN_BYTES - 200));
    expect(wal.stats().compressedFrames).toBe(0);
    expect(wal.stats().compressionSkipped).toBe(2);
    await wal.append(json(3, 20_000));
    await wal.append(json(4, 100_000)); // above the 64 KiB frame target: still a frame of its own
    expect(wal.stats().compressedFrames).toBe(2);
    await wal.close();
  });

  it('incompressible records alone (where no header saving pays for the frame) are written plain', async () => {
    const env = memEnv();
    const wal = await Wal.open(env, { ...lz4, durability: { kind: 'everyWrite' } });
    const payloads = Array.from({ length: 100 }, (_, i) => randomBytes(4000, i + 1));
    for (const p of payloads) await wal.append(p);
    const s = wal.stats();
    expect(s.compressedFrames).toBe(0);
    expect(s.compressionSkipped).toBe(100);
    expect(s.bytesAfterCompression).toBe(s.bytesBeforeCompression);
    await wal.close();
    const again = await Wal.open(env, lz4);
    expect(again.recovered.map((r) => Buffer.from(r.data).equals(Buffer.from(payloads[r.lsn - 1] ?? [])))).not.toContain(false);
    await again.close();
  });
});
