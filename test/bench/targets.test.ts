import { describe, expect, it } from 'vitest';
import { evaluateTarget, type TargetSpec } from '../../bench/lib/targets.js';

const atLeast: TargetSpec = { id: 'x', description: 'x vs y', rule: 'atLeast', threshold: 2, referenceLabel: 'peer' };
const atMost: TargetSpec = { id: 'y', description: 'p50 vs raw', rule: 'atMost', threshold: 1.1, referenceLabel: 'raw' };

describe('evaluateTarget', () => {
  it('passes an at-least target at or above the threshold and reports the headroom', () => {
    const r = evaluateTarget(atLeast, { measured: 250, reference: 100 });
    expect(r.status).toBe('PASS');
    expect(r.ratio).toBeCloseTo(2.5);
    expect(r.marginPct).toBeCloseTo(25);
    expect(r.verdict).toContain('PASS 2.50x peer');
    expect(evaluateTarget(atLeast, { measured: 200, reference: 100 }).status).toBe('PASS');
  });

  it('misses an at-least target below the threshold and says by how much', () => {
    const r = evaluateTarget(atLeast, { measured: 150, reference: 100 });
    expect(r.status).toBe('MISS');
    expect(r.marginPct).toBeCloseTo(-25);
    expect(r.verdict).toBe('MISS 1.50x peer (target >= 2x): 25.0% short');
  });

  it('evaluates at-most targets the other way round', () => {
    const pass = evaluateTarget(atMost, { measured: 100, reference: 100 });
    expect(pass.status).toBe('PASS');
    expect(pass.marginPct).toBeCloseTo(((1.1 - 1) / 1.1) * 100);
    const miss = evaluateTarget(atMost, { measured: 165, reference: 100 });
    expect(miss.status).toBe('MISS');
    expect(miss.marginPct).toBeCloseTo(-50);
    expect(miss.verdict).toContain('50.0% over');
  });

  it('skips with the reason instead of inventing a number', () => {
    const a = evaluateTarget(atLeast, { measured: 100, reference: null, skippedReason: 'lmdb: cannot load' });
    expect(a.status).toBe('SKIPPED');
    expect(a.ratio).toBeNull();
    expect(a.marginPct).toBeNull();
    expect(a.verdict).toContain('lmdb: cannot load');
    expect(evaluateTarget(atLeast, { measured: null, reference: 5 }).verdict).toContain('no measurement');
    expect(evaluateTarget(atLeast, { measured: 5, reference: 0 }).status).toBe('SKIPPED');
    expect(evaluateTarget(atLeast, { measured: Number.NaN, reference: 5 }).status).toBe('SKIPPED');
  });

  it('rejects a meaningless threshold', () => {
    expect(() => evaluateTarget({ ...atLeast, threshold: 0 }, { measured: 1, reference: 1 })).toThrow(RangeError);
  });
});
