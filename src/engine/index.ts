// Public surface of src/engine: re-exported from src/index.ts.
export { Wal, type WalStats } from './wal.js';
export { walPlugin } from './plugin.js';
export type { Durability, WalOptions, RecoveryMode, Retention, Backpressure } from './options.js';
export { DEFAULT_BREAKER, DEFAULT_RETRY, RETRIED_ERROR_CODES, type BreakerOptions, type RetryOptions } from './retry-policy.js';
export type { BreakerState } from './circuit-breaker.js';
export { SILENT_LOGGER, type WalLogger, type WalLogFields } from './logger.js';
export { inspectLog, type RecoveryReport, type CorruptionFinding, type KeptSegment } from './recovery.js';
export type { RecoveredTransaction, TransactionCounts } from './recovery-transactions.js';
export { backup, restoreBackup, verifyBackup, type BackupManifest, type BackupSegment } from './backup.js';
export {
  lsnForTime,
  recoveryPoints,
  restoreToLsn,
  restoreToTime,
  type RecoveryPoints,
  type RestoreResult,
  type TimeTarget,
} from './restore.js';
export { segmentUnion, type SegmentSource } from './segment-union.js';
export type { WriterStatus as WalState } from './writer.js';
export { crc32 as walCrc32, segmentName, parseSegmentName } from './format.js';
export {
  DeadLetterQueue,
  DEAD_LETTER_DIR,
  type DeadLetter,
  type DeadLetterHandler,
  type DeadLetterStats,
  type ReplayOutcome,
} from './dead-letter-queue.js';
export type { DeadLetterKind, DeadLetterPart, DeadLetterReason, ResolutionAction } from './dead-letter-entry.js';
export { openDeadLetterQueue } from './dead-letter-open.js';
export { applyRecovered, type ApplyOutcome, type RecoveredHandler, type RecoveredSource } from './dead-letter-apply.js';
