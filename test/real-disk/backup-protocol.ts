/**
 * What the hot-backup SIGKILL test's parent (backup-loop.ts) and writer child
 * (backup-child.ts) share: the child's configuration, the engine options it
 * implies, the payload of every LSN, how a backup is to be killed, and the
 * IPC messages. Kept apart from the child, whose module runs the child when
 * loaded.
 */
import type { BackupManifest, Durability, WalOptions } from '../../src/engine/index.js';
import { fullPayload } from '../../src/contract/payload.js';

/** The log's directory inside the root; backups and restores go beside it. */
export const WAL_DIR = 'wal';
/** Small segments: the log rotates many times while a backup runs. */
export const SEGMENT_SIZE = 32 * 1024;

export interface WriterConfig {
  /** The parent's temporary directory: the log is WAL_DIR in it, backups are written under it. */
  root: string;
  durability: Durability;
  /** true: the log takes appendTransaction, and the child mixes transactions (1 to 3 records) with plain appends. */
  transactions: boolean;
  /** Concurrent appenders. */
  clients: number;
}

/** The engine options of the child's log, the same in the parent's reopen and in the open of a restored backup. */
export function walOptionsFor(config: Pick<WriterConfig, 'durability' | 'transactions'>): WalOptions {
  return { segmentSize: SEGMENT_SIZE, durability: config.durability, transactions: config.transactions };
}

/** A 32-bit mix of an LSN: the size and shape of its payload. */
function mix(lsn: number): number {
  let h = Math.imul(lsn ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The one payload the record at `lsn` can hold, whichever child appended it:
 * self-identifying (contract/payload.ts, its id is the LSN), mostly small,
 * one in seven up to 3.4 KB, one in five ending in 32 zero bytes (the backup
 * must not mistake them for the zero fill after a segment's last record).
 */
export function payloadForLsn(lsn: number): Uint8Array {
  const h = mix(lsn);
  const size = h % 7 === 0 ? 400 + (h % 3000) : 48 + (h % 300);
  const out = fullPayload(lsn, 0, 0, size);
  if (h % 5 === 0) out.fill(0, size - 32);
  return out;
}

/** Data records of the transaction whose first LSN is `first` (its commit takes the LSN after them). */
export function transactionRecords(first: number): number {
  return 1 + (mix(first) % 3);
}

/**
 * Where the child SIGKILLs itself during a backup (its destination's
 * operations are numbered from 0): before operation `step`; just before the
 * rename that installs the manifest (its temporary copy written and synced);
 * or just after that rename, before the directory is synced. 'time' is the
 * parent's: a SIGKILL after a seeded delay, wherever the backup then is.
 */
export type KillPlan = { at: 'step'; step: number } | { at: 'beforeRename' } | { at: 'afterRename' } | { at: 'time'; delayMs: number };

export type ParentMessage = { t: 'backup'; n: number; dest: string; kill?: KillPlan };

export type WriterMessage =
  /** The log is open; nextLsn is the LSN the child's first append gets. */
  | { t: 'ready'; nextLsn: number }
  /** About to append LSNs first..last (a plain record: first = last; a transaction: data records, then its commit at last). Sent before the append, once handed to the channel. */
  | { t: 'call'; first: number; last: number }
  /** The append (or transaction) ending at `lsn` resolved. */
  | { t: 'ack'; lsn: number }
  /** About to call truncatePrefix(upTo); then it resolved. */
  | { t: 'truncate'; upTo: number }
  | { t: 'truncated'; upTo: number }
  /** backup() is being called now; every LSN through ackedBefore was acknowledged before. */
  | { t: 'backup-begin'; n: number; ackedBefore: number }
  /** The backup is about to run its destination operation `step` (`op` on `path`). */
  | { t: 'step'; n: number; step: number; op: string; path: string }
  /**
   * What ran while backup n copied, after it had opened the segments: the log
   * rotated `rotations` times, truncatePrefix(upTo) removed `removed`
   * segments, and `acks` appends resolved.
   */
  | { t: 'during'; n: number; rotations: number; removed: number; upTo: number; acks: number }
  | { t: 'backup-done'; n: number; manifest: BackupManifest }
  | { t: 'fail'; message: string };
