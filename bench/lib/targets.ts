/**
 * The targets, evaluated as ratios measured in one run: a target is
 * `measured / reference` compared with a threshold (at least, or at most).
 * Absolute targets (replay GB/s, scenarios per second per core) use the
 * required figure itself as the reference, so their ratio reads "fraction of
 * the target reached". A target whose inputs are missing is SKIPPED with the
 * reason, never given a number.
 */

export type TargetRule = 'atLeast' | 'atMost';
export type TargetStatus = 'PASS' | 'MISS' | 'SKIPPED';

export interface TargetSpec {
  id: string;
  /** What is compared, in words. */
  description: string;
  rule: TargetRule;
  /** Threshold on measured / reference. */
  threshold: number;
  /** Names the reference in the printed ratio, e.g. "lmdb-js" or "1 GB/s". */
  referenceLabel: string;
}

export interface TargetInput {
  measured: number | null;
  reference: number | null;
  /** Why an input is missing (peer not installed, suite skipped, ...). */
  skippedReason?: string;
}

export interface TargetResult extends TargetSpec {
  status: TargetStatus;
  measured: number | null;
  reference: number | null;
  ratio: number | null;
  /**
   * How far from the threshold, in percent of the threshold: positive is
   * headroom (PASS), negative is the shortfall or excess (MISS). Null when skipped.
   */
  marginPct: number | null;
  /** One line for tables: "MISS 0.62x raw-disk (target >= 0.8x): 22.5% short". */
  verdict: string;
}

function fmtRatio(r: number): string {
  if (r >= 100) return r.toFixed(0);
  if (r >= 10) return r.toFixed(1);
  return r.toFixed(2);
}

export function evaluateTarget(spec: TargetSpec, input: TargetInput): TargetResult {
  if (!(spec.threshold > 0) || !Number.isFinite(spec.threshold)) {
    throw new RangeError(`target ${spec.id}: threshold must be a positive finite number`);
  }
  const sign = spec.rule === 'atLeast' ? '>=' : '<=';
  const missingReason =
    input.skippedReason ?? (input.measured === null ? 'no measurement' : input.reference === null ? 'no reference measurement' : undefined);
  const usable =
    input.measured !== null &&
    input.reference !== null &&
    Number.isFinite(input.measured) &&
    Number.isFinite(input.reference) &&
    input.reference > 0 &&
    input.measured >= 0;
  if (missingReason !== undefined || !usable) {
    const reason = missingReason ?? `unusable inputs (measured ${input.measured}, reference ${input.reference})`;
    return {
      ...spec,
      status: 'SKIPPED',
      measured: input.measured,
      reference: input.reference,
      ratio: null,
      marginPct: null,
      verdict: `SKIPPED (target ${sign} ${spec.threshold}x ${spec.referenceLabel}): ${reason}`,
    };
  }
  const measured = input.measured as number;
  const reference = input.reference as number;
  const ratio = measured / reference;
  const pass = spec.rule === 'atLeast' ? ratio >= spec.threshold : ratio <= spec.threshold;
  const marginPct =
    spec.rule === 'atLeast' ? ((ratio - spec.threshold) / spec.threshold) * 100 : ((spec.threshold - ratio) / spec.threshold) * 100;
  const status: TargetStatus = pass ? 'PASS' : 'MISS';
  const how = pass
    ? `${Math.abs(marginPct).toFixed(1)}% headroom`
    : spec.rule === 'atLeast'
      ? `${Math.abs(marginPct).toFixed(1)}% short`
      : `${Math.abs(marginPct).toFixed(1)}% over`;
  return {
    ...spec,
    status,
    measured,
    reference,
    ratio,
    marginPct,
    verdict: `${status} ${fmtRatio(ratio)}x ${spec.referenceLabel} (target ${sign} ${spec.threshold}x): ${how}`,
  };
}
