import { describe, expect, it } from 'vitest';
import { COMPRESSION_MIXES, compressionTargets } from '../../bench/lib/compression-targets.js';
import type { CompressionRun } from '../../bench/lib/results.js';

function engineRow(mix: string, compression: 'none' | 'lz4', before: number, after: number): CompressionRun['engine'][number] {
  return {
    mix,
    compression,
    outstanding: 64,
    appendsPerSec: 1000,
    payloadMBps: 1,
    bytesBeforeCompression: before,
    bytesAfterCompression: after,
    diskRatio: before / after,
    compressedFrames: 1,
    compressionSkipped: 0,
    rounds: 1,
    replayRecords: 10,
    replayMs: 1,
    replayPayloadMBps: 1,
    replayStoredMBps: 1,
  };
}

describe('compression targets', () => {
  it('one row per mix, SKIPPED with the reason when the section did not run', () => {
    const absent = compressionTargets({});
    expect(absent.map((t) => t.status)).toEqual(COMPRESSION_MIXES.map(() => 'SKIPPED'));
    expect(absent[0]?.verdict).toContain('compression not run');
    const skipped = compressionTargets({ compression: { status: 'skipped', reason: 'not selected (--only)' } });
    expect(skipped[0]?.verdict).toContain('not selected');
  });

  it('reads the lz4 row of each mix: bytes before / after against 3x', () => {
    const data: CompressionRun = {
      frameTargetBytes: 65536,
      compressMinBytes: 256,
      codec: [],
      threshold: [],
      engine: [
        engineRow('json events', 'none', 1000, 1000),
        engineRow('json events', 'lz4', 1000, 250),
        engineRow('random bytes', 'lz4', 1000, 900),
      ],
    };
    const t = compressionTargets({ compression: { status: 'ok', data } });
    expect(t.map((x) => x.status)).toEqual(['PASS', 'MISS', 'SKIPPED']);
    expect(t[0]?.ratio).toBe(4);
    expect(t[2]?.verdict).toContain('no lz4 run of repetitive text');
  });
});
