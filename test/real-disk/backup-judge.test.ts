/**
 * The hot-backup test's judge (backup-judge.ts) fails what it must: a log
 * that matches the ledger passes, and each way a restored backup can be
 * wrong (a gap, other bytes, a missing acknowledged tail, a record never
 * appended, a transaction split or turned plain, the wrong first or last
 * LSN) is named.
 */
import { describe, expect, it } from 'vitest';
import type { RecoveredTransaction } from '../../src/engine/index.js';
import type { RecoveredRecord } from '../../src/ports.js';
import { judgePrefix, Ledger, type PrefixExpectation } from './backup-judge.js';
import { payloadForLsn } from './backup-protocol.js';

/** LSNs 1..6: plain 1, 2; a transaction of data 3, 4 with its commit at 5; plain 6. */
function ledger(): Ledger {
  const l = new Ledger();
  l.call(1, 1);
  l.call(2, 2);
  l.call(3, 5);
  l.call(6, 6);
  for (const lsn of [1, 2, 5, 6]) l.ack(lsn);
  return l;
}

const rec = (lsn: number): RecoveredRecord => ({ lsn, data: payloadForLsn(lsn) });
const txn: RecoveredTransaction = { lsn: 5, records: [rec(3), rec(4)] };
const whole = { records: [1, 2, 3, 4, 6].map(rec), transactions: [txn] };
const expectAll: PrefixExpectation = { first: 1, firstAtMost: 1, holdsThrough: 6, last: 6 };

function judge(records: RecoveredRecord[], transactions: RecoveredTransaction[], expect: PrefixExpectation = expectAll): string[] {
  return judgePrefix('t', records, transactions, ledger(), expect);
}

describe('judgePrefix', () => {
  it('passes the log the ledger describes', () => {
    expect(judge(whole.records, whole.transactions)).toEqual([]);
    // A prefix passes when it holds everything required of it.
    expect(judge([1, 2].map(rec), [], { firstAtMost: 1, holdsThrough: 2 })).toEqual([]);
  });

  it('names a gap, other bytes, a short tail, and records never appended', () => {
    expect(judge([1, 3, 4, 6].map(rec), [txn])).toEqual(['t: LSN 3 follows 1: a gap of 1']);
    const changed = rec(2);
    changed.data = changed.data.slice();
    changed.data[20] = (changed.data[20] ?? 0) ^ 1;
    expect(judge([rec(1), changed, rec(3), rec(4), rec(6)], [txn])).toEqual([
      `t: LSN 2 holds ${changed.data.length} bytes other than the ones appended`,
    ]);
    expect(judge([1, 2, 3, 4].map(rec), [txn])).toEqual(['t: ends at LSN 5, below 6, acknowledged before', 't: ends at LSN 5, not at 6']);
    expect(judge([...whole.records, rec(7)], [txn], { ...expectAll, last: 7 })).toEqual([
      't: ends at LSN 7, above 6, the last append ever made: records that were never appended',
      't: LSN 7 was never appended',
    ]);
  });

  it('names a transaction split or turned plain', () => {
    expect(judge([1, 2, 3, 4, 6].map(rec), [])).toEqual([
      't: LSN 6 follows 4: a gap of 1',
      't: LSN 3 is not in a transaction, the writer appended it in one',
      't: LSN 4 is not in a transaction, the writer appended it in one',
    ]);
    const split: RecoveredTransaction = { lsn: 5, records: [rec(4)] };
    expect(judge([1, 2, 3, 4, 6].map(rec), [split])).toEqual([
      't: a transaction committed at LSN 5 with 1 records, which the writer did not append ({"first":3,"last":5})',
      't: LSN 3 is not in a transaction, the writer appended it in one',
    ]);
  });

  it('names the wrong first LSN, and a start above what truncatePrefix released', () => {
    const fromTwo = { records: [2, 3, 4, 6].map(rec), transactions: [txn] };
    expect(judge(fromTwo.records, fromTwo.transactions)).toEqual([
      't: begins at LSN 2, not at 1',
      't: begins at LSN 2, above 1, the most truncatePrefix had released',
    ]);
    expect(judge(fromTwo.records, fromTwo.transactions, { ...expectAll, first: 2, firstAtMost: 2 })).toEqual([]);
    expect(judge([], [], { firstAtMost: 1, holdsThrough: 2 })).toEqual(['t: holds no record, but every LSN through 2 was acknowledged']);
  });
});
