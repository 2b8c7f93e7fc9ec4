/**
 * Transactions in a recovered log: which of the records the scan accepted
 * recovery applies. A transaction (format v3, docs/format.md "Transactions")
 * is its data records at consecutive LSNs, followed at once by its commit
 * record, which says how many data records it commits; the writer writes a
 * whole transaction in one write, into one segment.
 *
 * A transaction is applied only when its commit record and every data record
 * it covers were accepted. Data records no verified commit covers (a torn or
 * missing commit, a commit lost to damage, a data record lost to damage under
 * skipCorrupted) are rolled back: left out of what the log recovers, and
 * counted. Plain records are recovered as before.
 */
import { assert } from '../assert.js';
import type { RecoveredRecord } from '../ports.js';
import { commitCount, TXN_COMMIT, TXN_DATA, TXN_NONE } from './format.js';

/** A committed transaction recovery applied: its commit record's LSN and its data records, oldest first. */
export interface RecoveredTransaction {
  lsn: number;
  records: readonly RecoveredRecord[];
}

/** What recovery found of transactions. */
export interface TransactionCounts {
  /** Transactions applied (their commit and every data record verified). */
  committed: number;
  /** Runs of data records that no verified commit covers, rolled back. */
  incomplete: number;
  /** Data records in those runs. */
  incompleteRecords: number;
}

export function noTransactions(): TransactionCounts {
  return { committed: 0, incomplete: 0, incompleteRecords: 0 };
}

export interface ResolvedTransactions {
  /** The records recovered: plain ones and the data records of committed transactions, in LSN order (commit records are not among them). */
  records: RecoveredRecord[];
  transactions: RecoveredTransaction[];
  counts: TransactionCounts;
}

/**
 * Applies the transaction rules to the accepted records (oldest first, LSNs
 * strictly increasing) and their marks (TxnMark by index; undefined: none
 * takes part in a transaction, and the records are returned as they are).
 */
export function resolveTransactions(records: RecoveredRecord[], marks: Uint8Array | undefined): ResolvedTransactions {
  const counts = noTransactions();
  if (marks === undefined) return { records, transactions: [], counts };
  const out: RecoveredRecord[] = [];
  const transactions: RecoveredTransaction[] = [];
  /** The run of consecutive data records since the last record that was not one. */
  let run: RecoveredRecord[] = [];
  /** Rolls back n data records as one incomplete transaction (none: nothing to roll back, unless `always`). */
  const rollBack = (n: number, always = false): void => {
    if (n === 0 && !always) return;
    counts.incomplete += 1;
    counts.incompleteRecords += n;
  };
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as RecoveredRecord;
    const mark = marks[i];
    if (mark === TXN_DATA) {
      const last = run.at(-1);
      if (last !== undefined && last.lsn + 1 !== r.lsn) {
        rollBack(run.length);
        run = [];
      }
      run.push(r);
      continue;
    }
    if (mark === TXN_COMMIT) {
      const count = commitCount(r.data);
      const last = run.at(-1);
      if (last === undefined || last.lsn + 1 !== r.lsn || run.length < count) {
        // The commit's data records are not all here: the transaction is rolled back, with whatever of it is.
        rollBack(run.length, true);
        run = [];
        continue;
      }
      rollBack(run.length - count); // an earlier transaction's data records, left without their commit
      const mine = run.slice(run.length - count);
      assert((mine[0] as RecoveredRecord).lsn === r.lsn - count, 'a commit covers the data records just before it');
      transactions.push({ lsn: r.lsn, records: mine });
      for (const d of mine) out.push(d);
      counts.committed += 1;
      run = [];
      continue;
    }
    assert(mark === TXN_NONE, 'a record is plain, a data record or a commit', { mark });
    rollBack(run.length);
    run = [];
    out.push(r);
  }
  rollBack(run.length);
  return { records: out, transactions, counts };
}
