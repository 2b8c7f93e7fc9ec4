/**
 * applyRecovered: hands what a log recovered to the application, in LSN
 * order (each plain record to `handler.record`, each committed transaction,
 * whole, to `handler.transaction`), and sends what the handler rejects (it
 * throws or its promise rejects) to the log's dead-letter queue with the
 * error, instead of stopping or dropping it. The next item is handed over
 * only once the rejected one is durable in the queue: a rejected item is
 * "handled" exactly when the queue holds it. An item the queue already holds
 * (dead-lettered before a crash, or by an earlier run) is not handed over
 * again: it is the queue's to replay (`faultline dlq replay`).
 */
import { WalError } from '../errors.js';
import type { RecoveredRecord } from '../ports.js';
import { segmentOf, sourceKey, type DeadLetterQueue } from './dead-letter-queue.js';
import type { RecoveredTransaction } from './recovery-transactions.js';

export interface RecoveredHandler {
  /** Applies one plain record (not part of a transaction). */
  record?(record: RecoveredRecord): unknown;
  /** Applies one committed transaction: its commit LSN and its data records. */
  transaction?(transaction: RecoveredTransaction): unknown;
}

/** What a log recovered, as applyRecovered reads it (a Wal opened with deadLetters has all of it). */
export interface RecoveredSource {
  readonly recovered: readonly RecoveredRecord[];
  readonly recoveredTransactions: readonly RecoveredTransaction[];
  readonly logId: string;
  readonly deadLetters: DeadLetterQueue | undefined;
}

export interface ApplyOutcome {
  /** Records and transactions the handler took. */
  applied: number;
  /** Ids of the dead letters this call made, oldest first. */
  deadLettered: number[];
  /** Items not handed over because the queue already held them. */
  alreadyDeadLettered: number;
}

type Item = { kind: 'record'; record: RecoveredRecord } | { kind: 'transaction'; transaction: RecoveredTransaction };

/** The recovered items in LSN order: plain records, and each transaction at the place of its first data record. */
function itemsOf(source: RecoveredSource): Item[] {
  const inTransaction = new Set<number>();
  const byFirst = new Map<number, RecoveredTransaction>();
  for (const t of source.recoveredTransactions) {
    for (const r of t.records) inTransaction.add(r.lsn);
    const first = t.records[0];
    if (first !== undefined) byFirst.set(first.lsn, t);
  }
  const items: Item[] = [];
  for (const record of source.recovered) {
    const t = byFirst.get(record.lsn);
    if (t !== undefined) items.push({ kind: 'transaction', transaction: t });
    else if (!inTransaction.has(record.lsn)) items.push({ kind: 'record', record });
  }
  return items;
}

/**
 * Applies what `wal` recovered through `handler` (see the module comment).
 * Refuses (EINVAL, before anything is handed over) a log without a
 * dead-letter queue and a handler that lacks a method the log's contents
 * need. Rejects, with the queue's error, when a rejected item cannot be made
 * durable there: that item and every later one are then neither applied nor
 * dead-lettered, and are handed over again by the next call.
 */
export async function applyRecovered(wal: RecoveredSource, handler: RecoveredHandler): Promise<ApplyOutcome> {
  const queue = wal.deadLetters;
  if (queue === undefined) throw new WalError('EINVAL', 'applyRecovered needs a log opened with deadLetters: true');
  const items = itemsOf(wal);
  for (const kind of ['record', 'transaction'] as const) {
    if (items.some((i) => i.kind === kind) && typeof handler[kind] !== 'function') {
      throw new WalError('EINVAL', `the log recovered ${kind}s, and the handler has no ${kind}() method`, { details: { kind } });
    }
  }
  const segments = await queue.sourceSegments();
  const out: ApplyOutcome = { applied: 0, deadLettered: [], alreadyDeadLettered: 0 };
  for (const item of items) {
    const records = item.kind === 'record' ? [item.record] : item.transaction.records;
    const lastLsn = item.kind === 'record' ? item.record.lsn : item.transaction.lsn;
    const first = records[0]?.lsn ?? lastLsn;
    const key = sourceKey({ kind: item.kind, logId: wal.logId, segment: '', offset: 0, firstLsn: first, lastLsn, parts: [] });
    if (queue.idOfSource(key) !== undefined) {
      out.alreadyDeadLettered += 1;
      continue;
    }
    try {
      await (item.kind === 'record' ? handler.record?.(item.record) : handler.transaction?.(item.transaction));
      out.applied += 1;
    } catch (error) {
      const segment = segmentOf(segments, first);
      out.deadLettered.push(await queue.reject({ kind: item.kind, logId: wal.logId, records, lastLsn, segment, error }));
    }
  }
  return out;
}
