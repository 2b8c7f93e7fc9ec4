/**
 * Each contract rule, on hand-built histories: it fires on a history that
 * breaks it (naming the rule) and stays quiet on a correct one.
 */
import { describe, expect, it } from 'vitest';
import {
  checkDurability,
  checkIntegrity,
  checkLiveness,
  checkLsnsGoOn,
  checkNoHoles,
  checkOrder,
  checkRecovery,
  checkRecoveryWorks,
  checkResolvedOrder,
  identifyRecovered,
  isAcknowledged,
  type RecoveryView,
} from '../../src/contract/checker.js';
import { History } from '../../src/contract/history.js';
import { PayloadFactory } from '../../src/contract/payload.js';
import type { AppendCall } from '../../src/contract/types.js';

/** A little driver for building histories by hand. */
function world() {
  let now = 0;
  const h = new History(() => now);
  const payloads = new PayloadFactory();
  const api = {
    h,
    tick(ms = 1) {
      now += ms;
    },
    /** An append called and left pending. */
    call(epoch: number, client: number, size = 20): AppendCall {
      return h.append(epoch, client, payloads.make(h.calls.length, epoch, client, size), `e${epoch}.c${client}.#${h.calls.length}`);
    },
    /** An append called and resolved with lsn. */
    append(epoch: number, client: number, lsn: number, size = 20): AppendCall {
      const a = api.call(epoch, client, size);
      h.resolve(a, lsn);
      return a;
    },
    view(epoch: number, recovered: { lsn: number; data: Uint8Array }[], over: Partial<RecoveryView> = {}): RecoveryView {
      return {
        epoch,
        calls: h.calls,
        durableAppend: true,
        previous: [],
        previousEpoch: epoch - 1,
        recovered: identifyRecovered(recovered, h.appends()),
        durabilityRequired: true,
        ...over,
      };
    },
  };
  return api;
}

const rec = (a: AppendCall, lsn = a.lsn as number) => ({ lsn, data: a.data });

describe('acknowledged (contract words)', () => {
  it('durableAppend: resolved is acknowledged; otherwise only a later resolved sync acknowledges', () => {
    const w = world();
    const a = w.append(0, 0, 1);
    const pending = w.call(0, 0);
    expect(isAcknowledged(a, w.h.calls, true)).toBe(true);
    expect(isAcknowledged(pending, w.h.calls, true)).toBe(false);
    expect(isAcknowledged(a, w.h.calls, false)).toBe(false);
    const s = w.h.sync(0, 1);
    expect(isAcknowledged(a, w.h.calls, false)).toBe(false);
    w.h.resolve(s);
    expect(isAcknowledged(a, w.h.calls, false)).toBe(true);
    // An append resolved after the sync was called is not covered by it.
    const late = w.append(0, 0, 3);
    expect(isAcknowledged(late, w.h.calls, false)).toBe(false);
  });
});

describe('rule 1: integrity', () => {
  it('quiet when every recovered record is one append with its lsn', () => {
    const w = world();
    const a = w.append(0, 0, 1);
    const b = w.append(0, 1, 2);
    expect(checkIntegrity(w.view(1, [rec(a), rec(b)]))).toBeUndefined();
  });
  it('fires on bytes no append wrote', () => {
    const w = world();
    const a = w.append(0, 0, 1);
    const garbage = a.data.slice();
    garbage[3] = (garbage[3] as number) ^ 1;
    const v = checkIntegrity(w.view(1, [{ lsn: 1, data: garbage }]));
    expect(v?.rule).toBe('integrity');
    expect(v?.message).toContain('not the data of any append');
  });
  it('fires on an append recovered twice', () => {
    const w = world();
    const a = w.append(0, 0, 1);
    const v = checkIntegrity(w.view(1, [rec(a), rec(a, 2)]));
    expect(v?.rule).toBe('integrity');
    expect(v?.message).toContain('twice');
  });
  it('fires when a record comes back under another lsn than it was given', () => {
    const w = world();
    const a = w.append(0, 0, 5);
    expect(checkIntegrity(w.view(1, [rec(a, 4)]))?.evidence).toMatchObject({ knownLsn: 5, recoveredLsn: 4 });
  });
  it('a 0-byte record is attributable too', () => {
    const w = world();
    const a = w.append(0, 0, 1, 0);
    expect(a.data.length).toBe(0);
    expect(checkIntegrity(w.view(1, [rec(a)]))).toBeUndefined();
  });
});

describe('rule 2: durability', () => {
  it('quiet when every acknowledged record is recovered; unacknowledged and released ones may go', () => {
    const w = world();
    const a = w.append(0, 0, 1);
    const b = w.append(0, 0, 2);
    w.call(0, 1); // pending: outcome unknown
    expect(checkDurability(w.view(1, [rec(a), rec(b)]))).toBeUndefined();
    w.h.resolve(w.h.truncatePrefix(0, 0, 2));
    expect(checkDurability(w.view(1, [rec(b)]))).toBeUndefined();
  });
  it('fires when an acknowledged record is missing, with expected and recovered', () => {
    const w = world();
    const a = w.append(0, 0, 1);
    w.append(0, 0, 2);
    const v = checkDurability(w.view(1, [rec(a)]));
    expect(v?.rule).toBe('durability');
    expect(v?.expected).toHaveLength(2);
    expect(v?.recovered).toEqual([`${a.label}@1`]);
  });
  it('a record recovered by the previous open stays acknowledged', () => {
    const w = world();
    const a = w.append(0, 0, 1);
    const previous = identifyRecovered([rec(a)], w.h.appends());
    expect(checkDurability(w.view(2, [], { previous, previousEpoch: 1 }))?.rule).toBe('durability');
    expect(checkDurability(w.view(2, [rec(a)], { previous, previousEpoch: 1 }))).toBeUndefined();
  });
  it('not required once a destructive fault fired (bitflip, lying-fsync)', () => {
    const w = world();
    w.append(0, 0, 1);
    expect(checkDurability(w.view(1, [], { durabilityRequired: false }))).toBeUndefined();
  });
});

describe('rule 3: order', () => {
  it('quiet on increasing lsns in real-time order', () => {
    const w = world();
    const a = w.append(0, 0, 1);
    const b = w.append(0, 0, 2);
    expect(checkOrder(w.view(1, [rec(a), rec(b)]))).toBeUndefined();
  });
  it('fires when recovered lsns do not increase', () => {
    const w = world();
    const a = w.append(0, 0, 1);
    const b = w.append(0, 0, 2);
    expect(checkOrder(w.view(1, [rec(b), rec(a)]))?.rule).toBe('order');
  });
  it('fires when a record resolved before another was called comes after it', () => {
    const w = world();
    const a = w.append(0, 0, 2);
    const b = w.append(0, 1, 1); // called after a resolved, yet a lower lsn
    const v = checkOrder(w.view(1, [rec(b), rec(a)]));
    expect(v?.rule).toBe('order');
    expect(v?.message).toContain('resolved before');
  });
  it('concurrent appends may come in either order', () => {
    const w = world();
    const a = w.call(0, 0);
    const b = w.call(0, 1);
    w.h.resolve(b, 1);
    w.h.resolve(a, 2);
    expect(checkOrder(w.view(1, [rec(b), rec(a)]))).toBeUndefined();
    expect(checkResolvedOrder(w.h.calls, 0)).toBeUndefined();
  });
  it('resolved lsns of a live log follow real-time order', () => {
    const w = world();
    w.append(0, 0, 5);
    w.append(0, 0, 3);
    expect(checkResolvedOrder(w.h.calls, 0)?.rule).toBe('order');
  });
});

describe('rule 4: no holes', () => {
  it('quiet on a gap-free prefix, and when the missing ones were released', () => {
    const w = world();
    const a = w.append(0, 0, 1);
    const b = w.append(0, 0, 2);
    w.append(0, 0, 3);
    expect(checkNoHoles(w.view(1, [rec(a), rec(b)]))).toBeUndefined();
    w.h.resolve(w.h.truncatePrefix(0, 0, 2));
    expect(checkNoHoles(w.view(1, [rec(b)]))).toBeUndefined();
  });
  it('fires when a known-lsn append below a recovered one is missing (even if never acknowledged)', () => {
    const w = world();
    const a = w.append(0, 0, 1);
    w.append(0, 0, 2);
    const c = w.append(0, 0, 3);
    const v = checkNoHoles(w.view(1, [rec(a), rec(c)], { durableAppend: false }));
    expect(v?.rule).toBe('no-holes');
    expect(v?.evidence).toMatchObject({ laterRecovered: `${c.label}@3` });
  });
  it('a rejected append may be missing', () => {
    const w = world();
    const a = w.append(0, 0, 1);
    const r = w.call(0, 0);
    w.h.reject(r, new Error('EIO'));
    const c = w.append(0, 0, 3);
    expect(checkNoHoles(w.view(1, [rec(a), rec(c)]))).toBeUndefined();
  });
});

describe('rule 5: recovery works', () => {
  it('fires on a rejected open with no fault to excuse it, quiet when one does', () => {
    expect(checkRecoveryWorks(2, { code: 'ECORRUPT', message: 'torn tail' }, undefined)?.rule).toBe('recovery-works');
    expect(checkRecoveryWorks(2, { code: 'EIO', message: 'read' }, 'read-error')).toBeUndefined();
  });
});

describe('rule 6: LSNs go on', () => {
  it('quiet when appends after recovery get lsns above every recovered one', () => {
    const w = world();
    w.append(1, 0, 4);
    expect(checkLsnsGoOn(w.h.calls, 1, 3)).toBeUndefined();
  });
  it('fires when an lsn restarts, or is not a positive safe integer', () => {
    const w = world();
    w.append(1, 0, 2);
    expect(checkLsnsGoOn(w.h.calls, 1, 3)?.rule).toBe('lsns-go-on');
    const w2 = world();
    w2.append(0, 0, 0);
    expect(checkLsnsGoOn(w2.h.calls, 0, 0)?.message).toContain('positive safe integer');
  });
});

describe('rule 7: liveness', () => {
  it('fires with the unsettled calls, quiet when nothing hangs', () => {
    const w = world();
    const a = w.call(0, 0);
    expect(checkLiveness(0, [a], 1000, 'workload')?.rule).toBe('liveness');
    expect(checkLiveness(0, [], 1000, '')).toBeUndefined();
  });

  it('with no call pending it says so, instead of "0 call(s) did not settle"', () => {
    const v = checkLiveness(0, [], 1000, 'workload');
    expect(v?.rule).toBe('liveness');
    expect(v?.message).toBe('the run did not go on within 1000 ms of virtual time (workload), although no call was pending');
    const w = world();
    expect(checkLiveness(0, [w.call(0, 1)], 1000, 'workload')?.message).toMatch(
      /^1 call\(s\) did not settle within 1000 ms of virtual time \(workload\): append /,
    );
  });
});

describe('history', () => {
  it('after a power cut the dead process answers nobody: settlements are ignored', () => {
    const w = world();
    const a = w.call(0, 0);
    w.h.freeze(0);
    expect(w.h.resolve(a, 1)).toBe(false);
    expect(a.outcome).toBe('pending');
  });
  it('checkRecovery names the first broken rule', () => {
    const w = world();
    const a = w.append(0, 0, 1);
    w.append(0, 0, 2);
    const c = w.append(0, 0, 3);
    expect(checkRecovery(w.view(1, [rec(a), rec(c)]))?.rule).toBe('no-holes');
    expect(checkRecovery(w.view(1, [rec(a)]))?.rule).toBe('durability');
    expect(checkRecovery(w.view(1, [rec(a), rec(w.h.appends()[1] as AppendCall), rec(c)]))).toBeUndefined();
  });
});
