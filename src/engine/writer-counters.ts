/** The writer's counters, behind WalStats: what it did since the log opened. */
export interface WriterCounters {
  /** Entries resolved: plain appends and transactions (a transaction counts once). */
  appends: number;
  /** Transactions resolved (their commit records written, and durable at everyWrite/groupCommit). */
  transactions: number;
  appendsRejected: number;
  batches: number;
  /** The largest batch written so far, in appends (options.batch.maxBatch is the limit). */
  largestBatch: number;
  recordBytesWritten: number;
  /** What the record bytes written would have been as plain records (equal to recordBytesWritten without compression). */
  bytesBeforeCompression: number;
  /** Groups of records written as one compressed frame. */
  compressedFrames: number;
  /** Groups of records a compressing log wrote as plain records (small, compression did not pay, or a transaction). */
  compressionSkipped: number;
  writeErrors: number;
  rollbacks: number;
  rotations: number;
  segmentsRemoved: number;
  intervalFlushes: number;
  /** fdatasyncs of the active segment (batches, interval, sync(), seals, rollbacks). */
  dataSyncs: number;
  backgroundErrors: number;
}

/** All counters at zero, for a log just opened. */
export function newWriterCounters(): WriterCounters {
  return {
    appends: 0,
    transactions: 0,
    appendsRejected: 0,
    batches: 0,
    largestBatch: 0,
    recordBytesWritten: 0,
    bytesBeforeCompression: 0,
    compressedFrames: 0,
    compressionSkipped: 0,
    writeErrors: 0,
    rollbacks: 0,
    rotations: 0,
    segmentsRemoved: 0,
    intervalFlushes: 0,
    dataSyncs: 0,
    backgroundErrors: 0,
  };
}
