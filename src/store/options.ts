/** The Store's options and their resolution (bad options: WalError EINVAL at open, as for the log). */
import { WalError } from '../errors.js';
import { resolveOptions as resolveWalOptions, type ResolvedOptions as ResolvedWalOptions, type WalOptions } from '../engine/options.js';
import type { WalLogger } from '../engine/logger.js';
import type { StateStore } from './state-store.js';
import { WRITE_RECORD_OVERHEAD } from './write-record.js';

/** What a state store factory is given: the store's id (its log's salt, 16 hex digits), which a persistent state must carry. */
export interface StateStoreContext {
  storeId: string;
}

/** Makes the state store a Store keeps its committed state in (default: the in-memory ordered map). */
export type StateStoreFactory = (ctx: StateStoreContext) => Promise<StateStore>;

export interface StoreOptions {
  /**
   * The log's options (durability, segment size, ...); `transactions` is
   * always on. With a persistent state store (LMDB) the durability must be
   * everyWrite or groupCommit (docs/store.md, "Durability").
   */
  wal?: Omit<WalOptions, 'transactions'>;
  /** Where the committed state lives: default the in-memory ordered map, checkpointed to a snapshot file. */
  state?: StateStoreFactory;
  /** A transaction open longer than this is aborted with ETIMEDOUT (default 30,000 ms; per call: transaction(fn, { timeoutMs })). */
  transactionTimeoutMs?: number;
  /** The largest key, in UTF-8 bytes (default 1024). */
  maxKeyBytes?: number;
  /** The largest value, in bytes (default: what fits one log record beside the largest key). */
  maxValueBytes?: number;
  /** Start a checkpoint in the background once the log grew by this many bytes since the last one (default: never). */
  checkpointEveryBytes?: number;
  /** Where notable events go (default: the log's logger). */
  logger?: WalLogger;
}

export interface ResolvedStoreOptions {
  wal: WalOptions;
  walResolved: ResolvedWalOptions;
  state: StateStoreFactory | undefined;
  transactionTimeoutMs: number;
  maxKeyBytes: number;
  maxValueBytes: number;
  checkpointEveryBytes: number | undefined;
  logger: WalLogger;
}

export const DEFAULT_TRANSACTION_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_KEY_BYTES = 1024;

const KNOWN = new Set(['wal', 'state', 'transactionTimeoutMs', 'maxKeyBytes', 'maxValueBytes', 'checkpointEveryBytes', 'logger']);

function bad(message: string): WalError {
  return new WalError('EINVAL', `invalid store option: ${message}`);
}

export function positiveInt(name: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > max)
    throw bad(`${name} must be an integer in 1..${max}, got ${String(v)}`);
  return v;
}

export function resolveStoreOptions(options: StoreOptions | undefined): ResolvedStoreOptions {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null) throw bad('options must be an object');
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) throw bad(`unknown option '${key}'`);
  if (o.wal !== undefined && (typeof o.wal !== 'object' || o.wal === null)) throw bad('wal must be an object of log options');
  if (o.wal !== undefined && 'transactions' in o.wal) throw bad('wal.transactions is always on for a store; leave it out');
  const wal: WalOptions = { ...(o.wal ?? {}), transactions: true };
  const walResolved = resolveWalOptions(wal);
  if (o.state !== undefined && typeof o.state !== 'function') throw bad('state must be a state store factory, e.g. lmdbState({ path })');
  const transactionTimeoutMs =
    o.transactionTimeoutMs === undefined
      ? DEFAULT_TRANSACTION_TIMEOUT_MS
      : positiveInt('transactionTimeoutMs', o.transactionTimeoutMs, 86_400_000);
  const maxKeyBytes = o.maxKeyBytes === undefined ? DEFAULT_MAX_KEY_BYTES : positiveInt('maxKeyBytes', o.maxKeyBytes, 65_536);
  const room = walResolved.maxRecordSize - WRITE_RECORD_OVERHEAD - maxKeyBytes;
  if (room < 1) throw bad(`maxKeyBytes ${maxKeyBytes} leaves no room for a value in a log record of ${walResolved.maxRecordSize} bytes`);
  const maxValueBytes = o.maxValueBytes === undefined ? room : positiveInt('maxValueBytes', o.maxValueBytes, room);
  const checkpointEveryBytes =
    o.checkpointEveryBytes === undefined ? undefined : positiveInt('checkpointEveryBytes', o.checkpointEveryBytes, Number.MAX_SAFE_INTEGER);
  if (o.logger !== undefined && (typeof o.logger !== 'object' || o.logger === null)) throw bad('logger must be a logger');
  return {
    wal,
    walResolved,
    state: o.state,
    transactionTimeoutMs,
    maxKeyBytes,
    maxValueBytes,
    checkpointEveryBytes,
    logger: o.logger ?? walResolved.logger,
  };
}
