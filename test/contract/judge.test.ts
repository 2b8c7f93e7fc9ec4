/**
 * The judge's verdict sequence, on hand-built histories: what a passing
 * recovery leaves as the base of the next one, what a failing one does not,
 * and which open's LSNs rule 6 measures the next workload against.
 */
import { describe, expect, it } from 'vitest';
import { History } from '../../src/contract/history.js';
import { Judge } from '../../src/contract/judge.js';
import { PayloadFactory } from '../../src/contract/payload.js';
import type { AppendCall } from '../../src/contract/types.js';

function setup(durableAppend = true) {
  const history = new History(() => 0);
  const payloads = new PayloadFactory();
  const judge = new Judge(history, durableAppend);
  const append = (epoch: number, lsn: number | undefined): AppendCall => {
    const a = history.append(epoch, 0, payloads.make(history.calls.length, epoch, 0, 24), `e${epoch}.c0.#${history.calls.length}`);
    if (lsn !== undefined) history.resolve(a, lsn);
    return a;
  };
  return { history, judge, append };
}

const rec = (a: AppendCall) => ({ lsn: a.lsn as number, data: a.data });

describe('Judge', () => {
  it('passes a recovery of every acknowledged append and annotates the open call', () => {
    const { history, judge, append } = setup();
    const a = append(0, 1);
    const b = append(0, 2);
    const open = history.open(1);
    const verdict = judge.afterOpen(1, [rec(a), rec(b)], { durabilityRequired: true, openCall: open });
    expect(verdict.violation).toBeUndefined();
    expect(verdict.recovered.map((r) => r.label)).toEqual([a.label, b.label]);
    expect(open.recovered).toEqual([
      { lsn: 1, appendId: a.id, size: 24 },
      { lsn: 2, appendId: b.id, size: 24 },
    ]);
  });

  it('names durability when an acknowledged append is missing, and not when durability is not required', () => {
    const { judge, append } = setup();
    const a = append(0, 1);
    append(0, 2);
    expect(judge.afterOpen(1, [rec(a)], { durabilityRequired: false }).violation).toBeUndefined();
    const { judge: strict, append: append2 } = setup();
    const c = append2(0, 1);
    append2(0, 2);
    expect(strict.afterOpen(1, [rec(c)], { durabilityRequired: true }).violation?.rule).toBe('durability');
  });

  it('judges each open against the previous passing one: a record once recovered may not vanish', () => {
    const { judge, append } = setup(false); // not durable: nothing is acknowledged by its append alone
    const a = append(0, 1);
    expect(judge.afterOpen(1, [rec(a)], { durabilityRequired: true }).violation).toBeUndefined();
    // a was recovered by the open of epoch 1, so it counts as acknowledged from then on.
    const lost = judge.afterOpen(2, [], { durabilityRequired: true });
    expect(lost.violation?.rule).toBe('durability');
    expect(lost.view.previous.map((r) => r.label)).toEqual([a.label]);
    expect(lost.view.previousEpoch).toBe(1);
  });

  it('a failing recovery does not become the base of the next open', () => {
    const { judge, append } = setup(false);
    const a = append(0, 1);
    const b = append(0, 2);
    expect(judge.afterOpen(1, [rec(b)], { durabilityRequired: true }).violation?.rule).toBe('no-holes');
    const next = judge.afterOpen(2, [rec(a), rec(b)], { durabilityRequired: true });
    expect(next.view.previous).toEqual([]);
    expect(next.view.previousEpoch).toBe(0);
  });

  it('rule 6 measures a workload against the LSNs its epoch opened with', () => {
    const { judge, append } = setup();
    const a = append(0, 1);
    const b = append(0, 2);
    expect(judge.afterWorkload(0)).toBeUndefined();
    expect(judge.afterOpen(1, [rec(a), rec(b)], { durabilityRequired: true }).violation).toBeUndefined();
    append(1, 3);
    expect(judge.afterWorkload(1)).toBeUndefined();
    append(2, 2); // reuses lsn 2, recovered by the open of epoch 1
    expect(judge.afterWorkload(2)?.rule).toBe('lsns-go-on');
  });

  it('rule 3 on the live log: an append called after another resolved gets a larger LSN', () => {
    const { judge, append } = setup();
    append(0, 5);
    append(0, 4);
    expect(judge.afterWorkload(0)?.rule).toBe('order');
  });

  it('an open that rejects breaks rule 5 unless a fault allowed it', () => {
    const { judge } = setup();
    expect(judge.afterOpenRejected(0, { code: 'EIO', message: 'read failed' }, 'read-error')).toBeUndefined();
    const v = judge.afterOpenRejected(0, { code: 'ECORRUPT', message: 'bad' }, undefined);
    expect(v?.rule).toBe('recovery-works');
    expect(v?.message).toBe('open rejected: ECORRUPT: bad');
  });
});
