/**
 * The store rules (contract §5), on hand-built store histories: each fires on
 * a history that breaks it, naming the rule and the transaction, and stays
 * quiet on a correct one.
 */
import { describe, expect, it } from 'vitest';
import { checkStoreRecovery, findCycle, storeRecoveryStats, type StoreRecoveryView } from '../../src/contract/store-checker.js';
import { StoreHistory } from '../../src/contract/store-history.js';
import { StoreJudge } from '../../src/contract/store-judge.js';
import type { TxnCall } from '../../src/contract/store-types.js';
import { parseStoreValue, storeValue } from '../../src/contract/store-values.js';

/** A transaction by hand: its steps are noted as the client would note them. */
function txns(durableCommit = true) {
  const h = new StoreHistory(() => 0);
  const api = {
    h,
    begin(client: number, epoch = 0): TxnCall {
      return h.transaction(epoch, client, `e${epoch}.c${client}.t${h.calls.length}`, false);
    },
    put(t: TxnCall, key: string, write = 0): Uint8Array {
      const value = storeValue(t.id, write, 24);
      h.note(t, { op: 'put', key, value });
      return value;
    },
    get(t: TxnCall, key: string, value: Uint8Array | null): void {
      h.note(t, { op: 'get', key, value });
    },
    commit(t: TxnCall): void {
      h.resolve(t);
    },
    view(state: [string, Uint8Array][], more: Partial<StoreRecoveryView> = {}): StoreRecoveryView {
      return { epoch: 1, calls: h.calls, durableCommit, base: new Map(), baseEpoch: 0, state, durabilityRequired: true, ...more };
    },
  };
  return api;
}

describe('store values', () => {
  it('name their transaction and write, at any requested size', () => {
    for (const size of [0, 5, 40, 1000]) {
      const v = storeValue(42, 3, size);
      expect(v.length).toBe(Math.max(size, 'fl42.3;'.length));
      expect(parseStoreValue(v)).toEqual({ txn: 42, write: 3 });
    }
    expect(parseStoreValue(new TextEncoder().encode('garbage'))).toBeUndefined();
  });
});

describe('store checker', () => {
  it('passes a state that applies whole committed transactions in real-time order', () => {
    const w = txns();
    const t1 = w.begin(0);
    const a = w.put(t1, 'k0');
    const b = w.put(t1, 'k1', 1);
    w.commit(t1);
    const t2 = w.begin(1);
    w.get(t2, 'k0', a);
    const c = w.put(t2, 'k0');
    w.commit(t2);
    expect(
      checkStoreRecovery(
        w.view([
          ['k0', c],
          ['k1', b],
        ]),
      ),
    ).toBeUndefined();
  });

  it('atomicity: a transaction visible on one key but not on another is partial', () => {
    const w = txns();
    const t1 = w.begin(0);
    const a = w.put(t1, 'k0');
    w.put(t1, 'k1', 1);
    const v = checkStoreRecovery(w.view([['k0', a]]));
    expect(v?.rule).toBe('atomicity');
    expect(v?.evidence).toMatchObject({ partial: t1.label, missingKey: 'k1' });
  });

  it('atomicity: bytes no transaction wrote', () => {
    const w = txns();
    expect(checkStoreRecovery(w.view([['k0', new TextEncoder().encode('fl9.0;zzz')]]))?.rule).toBe('atomicity');
  });

  it('durability: an acknowledged transaction the state provably lacks', () => {
    const w = txns();
    const t1 = w.begin(0);
    w.put(t1, 'k0');
    w.commit(t1);
    const v = checkStoreRecovery(w.view([]));
    expect(v?.rule).toBe('durability');
    expect(v?.message).toContain(t1.label);
    // Under a fault that may destroy data, losing it is allowed.
    expect(checkStoreRecovery(w.view([], { durabilityRequired: false }))).toBeUndefined();
  });

  it('durability: without durableCommit only a transaction a later sync covered is acknowledged', () => {
    const w = txns(false);
    const t1 = w.begin(0);
    w.put(t1, 'k0');
    w.commit(t1);
    expect(checkStoreRecovery(w.view([]))).toBeUndefined();
    w.h.resolve(w.h.sync(0, 0));
    expect(checkStoreRecovery(w.view([]))?.rule).toBe('durability');
  });

  it('aborted: the write of a transaction whose fn rejected is applied', () => {
    const w = txns();
    const t1 = w.begin(0);
    const a = w.put(t1, 'k0');
    t1.fnRejected = { message: 'the workload aborts it' };
    w.h.reject(t1, new Error('the workload aborts it'));
    const v = checkStoreRecovery(w.view([['k0', a]]));
    expect(v?.rule).toBe('aborted');
    expect(v?.evidence).toMatchObject({ aborted: t1.label });
  });

  it('aborted: a transaction that timed out (ETIMEDOUT) is applied', () => {
    const w = txns();
    const t1 = w.begin(0);
    const a = w.put(t1, 'k0');
    w.h.reject(t1, Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    expect(checkStoreRecovery(w.view([['k0', a]]))?.rule).toBe('aborted');
  });

  it('order: a committed transaction read an aborted one (a dirty read)', () => {
    const w = txns();
    const t1 = w.begin(0);
    const a = w.put(t1, 'k0');
    const t2 = w.begin(1);
    w.get(t2, 'k0', a);
    w.commit(t2);
    w.h.reject(t1, Object.assign(new Error('conflict'), { code: 'ECONFLICT' }));
    const v = checkStoreRecovery(w.view([]));
    expect(v?.rule).toBe('order');
    expect(v?.message).toContain('dirty read');
  });

  it('order: a lost update (both read the same version, both committed) is a cycle', () => {
    const w = txns();
    const t1 = w.begin(0);
    const t2 = w.begin(1);
    w.get(t1, 'k0', null);
    w.get(t2, 'k0', null);
    w.put(t1, 'k0');
    const b = w.put(t2, 'k0');
    w.commit(t1);
    w.commit(t2);
    const v = checkStoreRecovery(w.view([['k0', b]]));
    expect(v?.rule).toBe('order');
    expect(v?.evidence['cycle']).toEqual(expect.arrayContaining([expect.stringContaining('-rw(k0)->')]));
  });

  it('order: a stale read after a transaction resolved is a cycle with a real-time edge', () => {
    const w = txns();
    const t1 = w.begin(0);
    const a = w.put(t1, 'k0');
    w.commit(t1);
    const t2 = w.begin(1);
    w.get(t2, 'k0', null);
    w.commit(t2);
    const v = checkStoreRecovery(w.view([['k0', a]]));
    expect(v?.rule).toBe('order');
    expect(String(v?.message)).toMatch(/-rt->/);
  });

  it('order: applied while a real-time predecessor (resolved, not acknowledged) is not: no prefix', () => {
    const w = txns(false);
    const t1 = w.begin(0);
    w.put(t1, 'k0');
    w.commit(t1);
    const t2 = w.begin(1);
    const b = w.put(t2, 'k1');
    w.commit(t2);
    const v = checkStoreRecovery(w.view([['k1', b]]));
    expect(v?.rule).toBe('order');
    expect(v?.evidence).toMatchObject({ applied: t2.label, missingPredecessor: t1.label, edge: 'rt' });
  });

  it('order: a read that did not return the transaction’s own write', () => {
    const w = txns();
    const t1 = w.begin(0);
    const a = w.put(t1, 'k0');
    w.get(t1, 'k0', null);
    w.commit(t1);
    expect(checkStoreRecovery(w.view([['k0', a]]))?.message).toContain('not its own write');
  });

  it('a transaction pending at the cut may or may not be applied, but never in part', () => {
    const w = txns();
    const t1 = w.begin(0);
    const a = w.put(t1, 'k0');
    const b = w.put(t1, 'k1', 1);
    w.h.freeze(0);
    expect(checkStoreRecovery(w.view([]))).toBeUndefined();
    expect(
      checkStoreRecovery(
        w.view([
          ['k0', a],
          ['k1', b],
        ]),
      ),
    ).toBeUndefined();
    expect(checkStoreRecovery(w.view([['k1', b]]))?.rule).toBe('atomicity');
  });

  it('checkpoint: a violation after a cut during checkpoint() is rule 5, naming the rule it broke', () => {
    const w = txns();
    const t1 = w.begin(0);
    w.put(t1, 'k0');
    w.commit(t1);
    w.h.checkpoint(0, 1);
    w.h.freeze(0);
    const v = checkStoreRecovery(w.view([]));
    expect(v?.rule).toBe('checkpoint');
    expect(v?.evidence).toMatchObject({ brokenRule: 'durability' });
  });

  it('the judge keeps the last good state as the base: a key that vanishes later is lost durability', () => {
    const w = txns();
    const judge = new StoreJudge(w.h, true);
    const t1 = w.begin(0);
    const a = w.put(t1, 'k0');
    w.commit(t1);
    expect(judge.afterOpen(1, [['k0', a]], { durabilityRequired: true }).violation).toBeUndefined();
    const v = judge.afterOpen(2, [], { durabilityRequired: true }).violation;
    expect(v?.rule).toBe('durability');
    expect(v?.message).toContain('k0');
  });

  it('counts what was at stake and lost', () => {
    const w = txns();
    const t1 = w.begin(0);
    w.put(t1, 'k0');
    w.commit(t1);
    expect(storeRecoveryStats(w.view([]))).toEqual({ atStake: 1, lostAcknowledged: 1, applied: 0 });
  });

  it('findCycle: finds a cycle, and none in a DAG', () => {
    expect(findCycle([[{ to: 1 }], [{ to: 2 }], []])).toBeUndefined();
    const c = findCycle([[{ to: 1 }], [{ to: 2 }], [{ to: 0 }], []]);
    expect(c?.length).toBe(3);
  });
});
