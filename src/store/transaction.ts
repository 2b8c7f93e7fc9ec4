/**
 * One transaction of a Store, as fn sees it: its reads (each key with the
 * commit sequence number its first read saw, for validation at commit), its
 * buffered writes (a put or delete per key, the last one wins), and whether it
 * is still running. Nothing a transaction does touches the log or the state
 * until it commits (src/store/store.ts).
 */
import { WalError } from '../errors.js';
import type { StoreTransaction } from '../ports.js';
import { keyBytesOf } from './write-record.js';

/** A lone surrogate has no UTF-8 form: such a key could not be logged or stored unchanged. */
const LONE_SURROGATE = /\p{Cs}/u;

export interface BufferedWrite {
  keyBytes: Uint8Array;
  /** undefined: a delete. */
  value: Uint8Array | undefined;
}

/** What a transaction needs from its store: limits, the committed state, and the commit sequence its reads see. */
export interface TransactionHost {
  readonly maxKeyBytes: number;
  readonly maxValueBytes: number;
  /** The commit sequence number the committed state shows (every commit at or below it is applied). */
  readonly visibleSeq: number;
  readCommitted(key: string): Uint8Array | undefined;
}

export type TransactionPhase = 'running' | 'committing' | 'ended';

export class Transaction implements StoreTransaction {
  readonly writes = new Map<string, BufferedWrite>();
  /** key -> the visible commit sequence number when this transaction first read it from the committed state. */
  readonly reads = new Map<string, number>();
  phase: TransactionPhase = 'running';

  constructor(
    private readonly host: TransactionHost,
    readonly id: number,
    /** Clock time after which the transaction is aborted (ETIMEDOUT). */
    readonly deadline: number,
    /** The visible sequence number when it began: no read of it saw less. */
    readonly startSeq: number,
  ) {}

  get(key: string): Promise<Uint8Array | undefined> {
    try {
      this.usable('get');
      this.checkKey(key);
    } catch (err) {
      return Promise.reject(err);
    }
    const own = this.writes.get(key);
    if (own !== undefined) return Promise.resolve(own.value?.slice());
    if (!this.reads.has(key)) this.reads.set(key, this.host.visibleSeq);
    return Promise.resolve(this.host.readCommitted(key)?.slice());
  }

  put(key: string, value: Uint8Array): void {
    this.usable('put');
    const keyBytes = this.checkKey(key);
    if (!(value instanceof Uint8Array)) throw new WalError('EINVAL', `put: the value of '${key}' must be a Uint8Array`);
    if (value.length > this.host.maxValueBytes) {
      throw new WalError('ETOOLARGE', `put: a value of ${value.length} bytes is above maxValueBytes ${this.host.maxValueBytes}`, {
        details: { key, bytes: value.length, maxValueBytes: this.host.maxValueBytes },
      });
    }
    this.writes.set(key, { keyBytes, value: value.slice() });
  }

  delete(key: string): void {
    this.usable('delete');
    this.writes.set(key, { keyBytes: this.checkKey(key), value: undefined });
  }

  private usable(call: string): void {
    if (this.phase !== 'running') {
      throw new WalError('ETXNENDED', `${call} on a transaction that has ${this.phase === 'committing' ? 'begun to commit' : 'ended'}`, {
        details: { transaction: this.id },
      });
    }
  }

  private checkKey(key: unknown): Uint8Array {
    if (typeof key !== 'string') throw new WalError('EINVAL', 'a key must be a string');
    if (LONE_SURROGATE.test(key)) throw new WalError('EINVAL', 'a key must be well-formed UTF-16 (it has a lone surrogate)');
    const bytes = keyBytesOf(key);
    if (bytes.length > this.host.maxKeyBytes) {
      throw new WalError('ETOOLARGE', `a key of ${bytes.length} UTF-8 bytes is above maxKeyBytes ${this.host.maxKeyBytes}`, {
        details: { bytes: bytes.length, maxKeyBytes: this.host.maxKeyBytes },
      });
    }
    return bytes;
  }
}
