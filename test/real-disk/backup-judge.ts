/**
 * The hot-backup test's judge: what the parent knows of the writer child's
 * appends (a ledger of every LSN announced before its append was made, and
 * which were transactions), and the check of a recovered log (a restored
 * backup, or the live log after a kill) against it. Problems are returned as
 * data, one sentence each, so a failing run says everything that went wrong.
 */
import { bytesEqual } from '../../src/engine/zero-bytes.js';
import type { RecoveredTransaction } from '../../src/engine/index.js';
import type { RecoveredRecord } from '../../src/ports.js';
import { payloadForLsn } from './backup-protocol.js';

/** One announced append: LSNs first..last (a plain record when first === last; else a transaction whose commit is at last). */
export interface CallRange {
  first: number;
  last: number;
}

export class Ledger {
  private readonly byLsn = new Map<number, CallRange>();
  /** The highest LSN announced. */
  maxCalled = 0;
  /** The highest LSN acknowledged (after a kill: the end of what the log kept). */
  maxAcked = 0;
  /** Appends acknowledged, over every child. */
  acknowledged = 0;

  call(first: number, last: number): void {
    if (first !== this.maxCalled + 1)
      throw new Error(`the child announced LSNs ${first}..${last} after ${this.maxCalled}: not the next ones`);
    const range = { first, last };
    for (let lsn = first; lsn <= last; lsn++) this.byLsn.set(lsn, range);
    this.maxCalled = last;
  }

  ack(lsn: number): void {
    const range = this.byLsn.get(lsn);
    if (range === undefined || range.last !== lsn) throw new Error(`the child acknowledged LSN ${lsn}, which ends no announced append`);
    this.maxAcked = Math.max(this.maxAcked, lsn);
    this.acknowledged++;
  }

  at(lsn: number): CallRange | undefined {
    return this.byLsn.get(lsn);
  }

  /**
   * After a kill: the log kept LSNs through `last`; announced appends above it
   * never happened (the next child hands those LSNs out again).
   */
  keepThrough(last: number): void {
    for (let lsn = last + 1; lsn <= this.maxCalled; lsn++) this.byLsn.delete(lsn);
    this.maxCalled = last;
    // What the log kept is in it, acknowledged or not: the next child counts it as acknowledged.
    this.maxAcked = last;
  }
}

export interface PrefixExpectation {
  /** The first LSN, when the log is not empty (a backup: its first segment's first LSN). */
  first?: number;
  /** The first LSN is at most this (what truncatePrefix had released before, at most). */
  firstAtMost: number;
  /** Every LSN from the first through this one is present (everything acknowledged before). */
  holdsThrough: number;
  /** The last LSN exactly (a backup: its manifest's durableThrough). */
  last?: number;
}

/**
 * Judges a recovered log (its records and committed transactions): a
 * gap-free run of LSNs, each data record holding payloadForLsn(lsn), each
 * transaction whole and where the ledger has one, nothing above the highest
 * announced LSN, and the bounds of `expect`.
 */
export function judgePrefix(
  label: string,
  records: readonly RecoveredRecord[],
  transactions: readonly RecoveredTransaction[],
  ledger: Ledger,
  expect: PrefixExpectation,
): string[] {
  const problems: string[] = [];
  const say = (what: string): void => {
    if (problems.length < 20) problems.push(`${label}: ${what}`);
  };
  const commits = new Map(transactions.map((t) => [t.lsn, t]));
  const lsns = [...records.map((r) => r.lsn), ...commits.keys()].sort((a, b) => a - b);
  const first = lsns[0];
  const last = lsns.at(-1);
  for (let i = 1; i < lsns.length; i++) {
    const lsn = lsns[i] ?? 0;
    const prev = lsns[i - 1] ?? 0;
    if (lsn !== prev + 1) say(`LSN ${lsn} follows ${prev}: ${lsn === prev ? 'a duplicate' : `a gap of ${lsn - prev - 1}`}`);
  }
  if (first === undefined || last === undefined) {
    if (expect.holdsThrough >= expect.firstAtMost) say(`holds no record, but every LSN through ${expect.holdsThrough} was acknowledged`);
    return problems;
  }
  if (expect.first !== undefined && first !== expect.first) say(`begins at LSN ${first}, not at ${expect.first}`);
  if (first > Math.max(expect.firstAtMost, 1))
    say(`begins at LSN ${first}, above ${Math.max(expect.firstAtMost, 1)}, the most truncatePrefix had released`);
  if (last < expect.holdsThrough) say(`ends at LSN ${last}, below ${expect.holdsThrough}, acknowledged before`);
  if (expect.last !== undefined && last !== expect.last) say(`ends at LSN ${last}, not at ${expect.last}`);
  if (last > ledger.maxCalled)
    say(`ends at LSN ${last}, above ${ledger.maxCalled}, the last append ever made: records that were never appended`);
  const inTransaction = new Set<number>();
  for (const t of transactions) {
    const call = ledger.at(t.lsn);
    const firstData = t.lsn - t.records.length;
    if (call === undefined || call.last !== t.lsn || call.first !== firstData) {
      say(
        `a transaction committed at LSN ${t.lsn} with ${t.records.length} records, which the writer did not append (${JSON.stringify(call)})`,
      );
    }
    t.records.forEach((r, i) => {
      if (r.lsn !== firstData + i) say(`transaction ${t.lsn} holds LSN ${r.lsn} at position ${i}`);
      inTransaction.add(r.lsn);
    });
  }
  for (const r of records) {
    const call = ledger.at(r.lsn);
    if (call === undefined) {
      say(`LSN ${r.lsn} was never appended`);
      continue;
    }
    const wantsTransaction = call.first !== call.last;
    if (wantsTransaction !== inTransaction.has(r.lsn)) {
      say(
        `LSN ${r.lsn} is ${inTransaction.has(r.lsn) ? '' : 'not '}in a transaction, the writer appended it ${wantsTransaction ? 'in one' : 'plain'}`,
      );
    }
    if (!bytesEqual(r.data, payloadForLsn(r.lsn))) say(`LSN ${r.lsn} holds ${r.data.length} bytes other than the ones appended`);
  }
  return problems;
}
