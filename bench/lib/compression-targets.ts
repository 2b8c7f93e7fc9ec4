/**
 * The roadmap's compression target, one row per record mix: lz4 makes the
 * log 3-5x smaller. Read off the engine's own counters in the append run
 * (bytes before compression / bytes after), so a mix that does not compress
 * (random bytes) is reported as the MISS it is.
 */
import type { BenchResults } from './results.js';
import { evaluateTarget, type TargetResult } from './targets.js';

/** The record mixes of the compression suite (bench/suites/compression.ts). */
export const COMPRESSION_MIXES = ['json events', 'random bytes', 'repetitive text'] as const;

export const COMPRESSION_RATIO_TARGET = 3;

export function compressionTargets(r: Pick<BenchResults, 'compression'>): TargetResult[] {
  return COMPRESSION_MIXES.map((mix) => {
    const spec = {
      id: `lz4-ratio-${mix.replace(/ /g, '-')}`,
      description: `lz4, ${mix}: bytes before compression / bytes written (64 outstanding appends; roadmap 3-5x)`,
      rule: 'atLeast' as const,
      threshold: COMPRESSION_RATIO_TARGET,
      referenceLabel: 'smaller on disk',
    };
    const s = r.compression;
    if (s === undefined || s.status !== 'ok') {
      return evaluateTarget(spec, {
        measured: null,
        reference: null,
        skippedReason: s === undefined ? 'compression not run' : `compression skipped: ${s.reason}`,
      });
    }
    const row = s.data.engine.find((e) => e.mix === mix && e.compression === 'lz4');
    if (row === undefined) return evaluateTarget(spec, { measured: null, reference: null, skippedReason: `no lz4 run of ${mix}` });
    return evaluateTarget(spec, { measured: row.bytesBeforeCompression, reference: row.bytesAfterCompression });
  });
}
