/**
 * What recovery hands back: the RecoveryResult (records, kept segments, the
 * tail for the writer), the RecoveryReport in it (`wal.report`, and what
 * `faultline verify` prints), the findings in the report, and the WalError
 * ECORRUPT a finding becomes when the recovery mode refuses it. The policy
 * that decides all of it is recovery.ts, which re-exports these types.
 */
import { WalError } from '../errors.js';
import type { RecoveredRecord } from '../ports.js';
import type { FormatVersion } from './format.js';
import { noTransactions, type RecoveredTransaction, type TransactionCounts } from './recovery-transactions.js';
import type { RecoveryMode } from './options.js';
import type { RecoveredTail } from './recovery-repair.js';
import type { ScanDamage } from './segment-scan.js';

export interface CorruptionFinding {
  kind: 'torn-tail' | 'mid-log';
  segment: string;
  offset: number;
  /** The LSN expected at that offset, when known. */
  lsn: number | undefined;
  reason: string;
}

export interface RecoveryReport {
  mode: RecoveryMode;
  /** True when no segment was found (or none survived) and a new log was started. */
  newLog: boolean;
  /** Segment files scanned. */
  segments: number;
  /** Records recovered: plain records and the data records of committed transactions (commit records are not counted). */
  records: number;
  /** Bytes of the records accepted, headers included (commit records and rolled-back transactions included). */
  bytes: number;
  /** The LSN range of the records accepted (a commit record's LSN included). */
  firstLsn: number | undefined;
  lastLsn: number | undefined;
  /** Transactions found (format v3): committed ones applied, incomplete ones (a torn or missing commit) rolled back. */
  transactions: TransactionCounts;
  /** Bytes of a torn tail removed (non-zero bytes after the last valid record of the newest segment). */
  tornBytesTruncated: number;
  /** Everything found wrong, oldest first (under skipCorrupted, every hole salvaged around). */
  corruption: CorruptionFinding[];
  /** What pointInTime or skipCorrupted gave up, and torn newest segments removed. */
  dropped: { segments: string[]; bytes: number };
  /** Milliseconds on the injected clock. */
  durationMs: number;
}

export interface KeptSegment {
  firstLsn: number;
  name: string;
  maxRecordSize: number;
  /** 1; 2: the segment may hold compressed frames; 3: frames and transaction records (docs/format.md). */
  formatVersion: FormatVersion;
}

/** A compressed frame recovery read (for `faultline dump` and `verify`): where, which records, its sizes. */
export interface FrameSummary {
  segment: string;
  offset: number;
  firstLsn: number;
  records: number;
  codec: 'lz4';
  /** Bytes as stored (after compression), frame header excluded. */
  storedBytes: number;
  /** Bytes once decompressed: the records, each behind a 4-byte length. */
  contentBytes: number;
}

export interface RecoveryResult {
  report: RecoveryReport;
  records: RecoveredRecord[];
  /** The committed transactions applied, oldest first (their data records are in `records` too). */
  transactions: RecoveredTransaction[];
  /** The log's salt, undefined when a new log must be started. */
  salt: Uint8Array | undefined;
  segments: KeptSegment[];
  /** Per kept segment (as `segments`): the offset just after its last accepted record. */
  segmentEnds: number[];
  /** The compressed frames whose records were recovered, oldest first. */
  frames: FrameSummary[];
  /** With the `layout` option: where each accepted record of each kept segment ends. */
  layout?: {
    name: string;
    firstLsn: number;
    records: { lsn: number; end: number; txn: number }[];
    /** The segment's time marks, in offset order: the first LSN each stamps and its wall-clock time. */
    times: { lsn: number; wallMs: number }[];
  }[];
  /** The newest kept segment, opened read/write, or undefined for a new log. */
  tail: RecoveredTail | undefined;
  nextLsn: number;
  /** Bytes seen in files that could not be read as segments (their salts must not be reused). */
  foreignSalts: Uint8Array[];
  /** A fingerprint of the directory's state, for deriving a salt without a random source. */
  stateHash: Uint8Array[];
}

/** The report before the scan: nothing found yet. */
export function emptyReport(mode: RecoveryMode, segments: number): RecoveryReport {
  return {
    mode,
    newLog: false,
    segments,
    records: 0,
    bytes: 0,
    firstLsn: undefined,
    lastLsn: undefined,
    transactions: noTransactions(),
    tornBytesTruncated: 0,
    corruption: [],
    dropped: { segments: [], bytes: 0 },
    durationMs: 0,
  };
}

/** The error of a finding the recovery mode refuses: the finding and the mode are its details. */
export function corruptionError(f: CorruptionFinding, mode: RecoveryMode): WalError {
  return new WalError(
    'ECORRUPT',
    `${f.kind === 'torn-tail' ? 'torn tail' : 'log corruption'} in ${f.segment} at offset ${f.offset}: ${f.reason} (recovery mode ${mode})`,
    {
      details: { ...f, mode },
    },
  );
}

/** A scan's damage as a finding (mid-log until the policy says otherwise). */
export function midLogFinding(segment: string, d: ScanDamage): CorruptionFinding {
  return { kind: 'mid-log', segment, offset: d.offset, lsn: d.lsn, reason: d.reason };
}
