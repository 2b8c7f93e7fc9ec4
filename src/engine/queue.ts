/**
 * The bounded admission queue (backpressure). An append is admitted when the
 * appends admitted but not yet settled stay within maxQueueDepth entries and
 * maxQueueBytes payload bytes; otherwise, by policy, it is rejected at once
 * (WalError EBACKPRESSURE) or waits in FIFO order until space frees or its
 * timeout on the injected clock runs out (then EBACKPRESSURE too). Admission
 * order is call order, so LSN order follows real-time order.
 */
import { WalError } from '../errors.js';
import type { Clock } from '../ports.js';
import type { Backpressure } from './options.js';

/**
 * One entry of the queue: a plain append (one record), or a whole
 * transaction (its data records, then its commit record, written together).
 */
export interface QueuedAppend {
  /** A plain append's payload; a transaction's commit record payload. */
  readonly data: Uint8Array;
  /** A transaction's data records (written before its commit); undefined for a plain append. */
  readonly writes: readonly Uint8Array[] | undefined;
  /** Payload bytes of every record of the entry. */
  readonly bytes: number;
  /** Records (and so LSNs) the entry takes. */
  readonly records: number;
  /** The largest payload among them. */
  readonly largest: number;
  /** Settles with the entry's last LSN (a transaction's commit record). */
  resolve(lsn: number): void;
  reject(err: unknown): void;
}

/** One append waiting in the queue or in a batch; a rejection is counted once, here, in the writer's counters. */
export class PendingAppend implements QueuedAppend {
  readonly writes = undefined;
  readonly records = 1;
  constructor(
    readonly data: Uint8Array,
    readonly resolve: (lsn: number) => void,
    private readonly rejectPromise: (err: unknown) => void,
    private readonly counters: { appendsRejected: number },
  ) {}
  get bytes(): number {
    return this.data.length;
  }
  get largest(): number {
    return this.data.length;
  }
  reject(err: unknown): void {
    this.counters.appendsRejected += 1;
    this.rejectPromise(err);
  }
}

/** A transaction waiting in the queue or in a batch: its data records and its commit, one entry (admitted and written whole). */
export class PendingTransaction implements QueuedAppend {
  readonly bytes: number;
  readonly records: number;
  readonly largest: number;
  constructor(
    readonly writes: readonly Uint8Array[],
    readonly data: Uint8Array,
    readonly resolve: (lsn: number) => void,
    private readonly rejectPromise: (err: unknown) => void,
    private readonly counters: { appendsRejected: number },
  ) {
    let bytes = data.length;
    let largest = data.length;
    for (const w of writes) {
      bytes += w.length;
      largest = Math.max(largest, w.length);
    }
    this.bytes = bytes;
    this.records = writes.length + 1;
    this.largest = largest;
  }
  reject(err: unknown): void {
    this.counters.appendsRejected += 1;
    this.rejectPromise(err);
  }
}

/** The bytes an entry encodes to as plain records (headers included). */
export function encodedSizeOf(item: QueuedAppend, recordOverhead: number): number {
  return item.bytes + item.records * recordOverhead;
}

interface Waiter {
  item: QueuedAppend;
  done: boolean;
}

export class AdmissionQueue {
  /** Admitted appends not yet taken into a batch; `head` is the first live index. */
  private items: QueuedAppend[] = [];
  private head = 0;
  private waiters: Waiter[] = [];
  /** Admitted and not yet settled (queued or in a batch being written). */
  private admittedDepth = 0;
  private admittedBytes = 0;
  private queuedBytes = 0;
  rejectedFull = 0;
  timedOut = 0;

  constructor(
    private readonly maxDepth: number,
    private readonly maxBytes: number,
    private readonly policy: Backpressure,
    private readonly clock: Clock,
    /** Called when items became available to take. */
    private readonly onReady: () => void,
  ) {}

  get depth(): number {
    return this.admittedDepth;
  }
  get bytes(): number {
    return this.admittedBytes;
  }
  /** Appends waiting for admission (policy wait). */
  get waiting(): number {
    return this.waiters.length;
  }
  /** Appends admitted and not yet taken into a batch. */
  get queued(): number {
    return this.items.length - this.head;
  }
  /** The fuller of the two bounds, in [0, 1]. */
  get utilisation(): number {
    return Math.min(1, Math.max(this.admittedDepth / this.maxDepth, this.admittedBytes / this.maxBytes));
  }

  private fits(bytes: number): boolean {
    return this.admittedDepth + 1 <= this.maxDepth && this.admittedBytes + bytes <= this.maxBytes;
  }

  private admitNow(item: QueuedAppend): void {
    this.admittedDepth += 1;
    this.admittedBytes += item.bytes;
    this.queuedBytes += item.bytes;
    this.items.push(item);
  }

  /** Admits, rejects, or parks the append. Synchronous when there is room, so call order is kept. */
  offer(item: QueuedAppend): void {
    if (this.waiters.length === 0 && this.fits(item.bytes)) {
      this.admitNow(item);
      this.onReady();
      return;
    }
    if (this.policy.policy === 'reject') {
      this.rejectedFull += 1;
      item.reject(
        new WalError('EBACKPRESSURE', 'append queue full', {
          details: { depth: this.admittedDepth, bytes: this.admittedBytes, maxQueueDepth: this.maxDepth, maxQueueBytes: this.maxBytes },
        }),
      );
      return;
    }
    const waiter: Waiter = { item, done: false };
    this.waiters.push(waiter);
    const timeoutMs = this.policy.timeoutMs;
    void this.clock.sleep(timeoutMs).then(() => {
      if (waiter.done) return;
      waiter.done = true;
      this.waiters = this.waiters.filter((w) => w !== waiter);
      this.timedOut += 1;
      item.reject(new WalError('EBACKPRESSURE', `append queue stayed full for ${timeoutMs} ms`, { details: { timeoutMs } }));
      this.admitWaiters();
    });
  }

  /**
   * Takes up to maxBatch appends and about maxBatchBytes payload bytes (always
   * at least one). `room`, when given, bounds the encoded size (payloads plus
   * `recordOverhead` each) of every append after the first: the space left in
   * the segment the batch will be written to.
   */
  take(maxBatch: number, maxBatchBytes: number, room = Number.POSITIVE_INFINITY, recordOverhead = 0): QueuedAppend[] {
    const batch: QueuedAppend[] = [];
    let bytes = 0;
    let encoded = 0;
    while (this.head < this.items.length && batch.length < maxBatch) {
      const next = this.items[this.head] as QueuedAppend;
      const size = encodedSizeOf(next, recordOverhead);
      if (batch.length > 0 && (bytes + next.bytes > maxBatchBytes || encoded + size > room)) break;
      batch.push(next);
      bytes += next.bytes;
      encoded += size;
      this.head += 1;
    }
    this.queuedBytes -= bytes;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  /** The append a take() would start with, if any. */
  peek(): QueuedAppend | undefined {
    return this.items[this.head];
  }

  /** Payload bytes queued and not yet taken. */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** A taken append settled (resolved or rejected): its room goes to the waiters. */
  release(bytes: number): void {
    this.admittedDepth -= 1;
    this.admittedBytes -= bytes;
    this.admitWaiters();
  }

  private admitWaiters(): void {
    let admitted = false;
    while (this.waiters.length > 0) {
      const w = this.waiters[0] as Waiter;
      if (!this.fits(w.item.bytes)) break;
      this.waiters.shift();
      w.done = true;
      this.admitNow(w.item);
      admitted = true;
    }
    if (admitted) this.onReady();
  }

  /** Rejects the appends still waiting for admission (close). */
  rejectWaiting(makeError: () => unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      w.done = true;
      w.item.reject(makeError());
    }
  }

  /** Rejects everything queued and waiting (fail-stop, read-only). */
  rejectAll(makeError: () => unknown): void {
    const items = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.queuedBytes = 0;
    for (const item of items) {
      this.admittedDepth -= 1;
      this.admittedBytes -= item.bytes;
      item.reject(makeError());
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      w.done = true;
      w.item.reject(makeError());
    }
  }
}
