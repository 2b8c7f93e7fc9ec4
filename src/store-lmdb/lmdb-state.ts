/**
 * The LMDB state store (roadmap Phase 2): the committed state of a Store kept
 * in an LMDB environment through lmdb-js, so it survives a restart by itself
 * and may be larger than memory. lmdb is an optional peer dependency: it is
 * loaded with a dynamic import when a store is opened, never before.
 *
 * Layout of the environment (one directory):
 *   - named database "faultline-data": the user's keys and values (raw bytes);
 *   - named database "faultline-meta": "format" (LMDB_STATE_FORMAT), "storeId"
 *     (the Store's id), "appliedLsn" (decimal), all strings.
 * Nothing else: a directory whose main database names anything else is not a
 * faultline state and is refused.
 *
 * Keys: LMDB orders keys by their bytes. A key is stored as one zero byte
 * (LMDB refuses an empty key) followed by the key in CESU-8: each UTF-16 code
 * unit as its own 1-3 byte UTF-8 form, so a surrogate pair is two 3-byte
 * forms. Byte order of CESU-8 is UTF-16 code unit order, which is JS string
 * order, so LMDB's own order is already the order entries() promises and a
 * snapshot streams from a cursor without sorting. For keys without surrogates
 * (everything in the BMP) the bytes are exactly UTF-8.
 *
 * Atomicity: apply is one lmdb-js transaction callback that writes the data
 * and the applied LSN together, so a crash leaves either all of a transaction
 * (and its LSN) or none of it, and replaying the log from appliedLsn is
 * idempotent. (lmdb-js may run several callbacks queued in one event turn in
 * one LMDB transaction: then they commit or vanish together, still whole
 * transactions with the LSN of the last of them.)
 *
 * Durability (docs: "LMDB durability settings"): the WAL is the source of
 * durability, so a commit need not wait for the disk; it must only never be
 * torn or corrupt. overlappingSync (lmdb-js's default on Linux and macOS,
 * set explicitly): a commit is visible at once and LMDB's flush of it runs
 * after, overlapping the next transactions, with the meta pages updated in
 * steps so that a crash falls back to an intact earlier transaction (after a
 * reboot: the last one flushed). Not noSync (no flush at all: a power loss
 * can corrupt the environment on a filesystem that reorders writes) and not
 * noMetaSync (little gain, and lmdb-js manages the meta pages itself under
 * overlappingSync). flush() waits for lmdb-js's `flushed` and then forces
 * mdb_env_sync(env, 1), so also what an earlier process committed but never
 * flushed is on disk before the Store releases the log it came from.
 */
import { open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WalError, errorCode } from '../errors.js';
import { assert } from '../assert.js';
import type { StateSnapshot, StateStore, StateWrite } from '../store/state-store.js';
import { validateApply } from '../store/memory-state.js';

/** The value of meta "format": the layout above, version 1. */
export const LMDB_STATE_FORMAT = 'faultline-state-lmdb/1';
const DATA_DB = 'faultline-data';
const META_DB = 'faultline-meta';
const KEY_PREFIX = 0x00;

export interface LmdbStateOptions {
  /** The environment's directory (created when missing). */
  path: string;
  /** LMDB's map size in bytes; lmdb-js grows the map by itself when this is left out. */
  mapSize?: number;
  /**
   * Loads the lmdb module; default `import('lmdb')`. Tests replace it to see
   * what a missing optional peer dependency gives.
   */
  loadLmdb?: () => Promise<unknown>;
}

/** The factory the Store calls with its id (the hex of its WAL salt). */
export type StateStoreFactory = (ctx: { storeId: string }) => Promise<StateStore>;

/** A factory of LMDB state stores in `options.path`: `openStore(env, { state: lmdbState({ path }) })`. */
export function lmdbState(options: LmdbStateOptions): StateStoreFactory {
  if (typeof options !== 'object' || options === null || typeof options.path !== 'string' || options.path === '')
    throw new WalError('EINVAL', 'lmdbState: options.path must be a non-empty string');
  if (options.mapSize !== undefined && (!Number.isSafeInteger(options.mapSize) || options.mapSize <= 0))
    throw new WalError('EINVAL', 'lmdbState: options.mapSize must be a positive safe integer');
  return (ctx) => LmdbStateStore.open(options, ctx.storeId);
}

// ---- the few parts of lmdb-js this file uses (types kept here so that faultline's own types never need lmdb) ----

interface LmdbTransaction {
  done(): void;
}
interface LmdbRangeEntry {
  key: unknown;
  value: unknown;
}
interface LmdbDatabase {
  get(key: unknown, options?: { transaction?: LmdbTransaction }): unknown;
  putSync(key: unknown, value: unknown): boolean;
  removeSync(key: unknown): boolean;
  getRange(options?: { transaction?: LmdbTransaction }): Iterable<LmdbRangeEntry>;
  getKeys(options?: { transaction?: LmdbTransaction }): Iterable<unknown>;
  getCount(options?: { transaction?: LmdbTransaction }): number;
}
interface LmdbRoot extends LmdbDatabase {
  readonly maxKeySize: number;
  readonly flushed: PromiseLike<unknown>;
  openDB(options: { name: string; encoding: 'binary' | 'string'; keyEncoding?: 'binary' }): LmdbDatabase;
  transaction<T>(callback: () => T): Promise<T>;
  useReadTransaction(): LmdbTransaction;
  sync(callback: (error?: unknown) => void): void;
  close(): Promise<void>;
}
interface LmdbModule {
  open(options: Record<string, unknown>): LmdbRoot;
}

async function loadLmdbModule(load: () => Promise<unknown>): Promise<LmdbModule> {
  let loaded: unknown;
  try {
    loaded = await load();
  } catch (cause) {
    throw new WalError(
      'EPLUGIN',
      "the LMDB state store needs the package 'lmdb' (an optional peer dependency of faultline): npm install lmdb@^3",
      { cause },
    );
  }
  const open = (loaded as { open?: unknown } | null)?.open;
  if (typeof open !== 'function') throw new WalError('EPLUGIN', "the package 'lmdb' loaded but exports no open(): is it lmdb-js 3.x?");
  return loaded as LmdbModule;
}

// ---- keys: a zero byte, then CESU-8 ----

const utf8Encoder = new TextEncoder();
const HAS_SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /\p{Cs}/u;

/** The stored form of a key (see the file's comment). */
export function encodeLmdbKey(key: string): Uint8Array {
  if (!HAS_SURROGATE.test(key)) {
    const out = new Uint8Array(1 + 3 * key.length);
    out[0] = KEY_PREFIX;
    const { written } = utf8Encoder.encodeInto(key, out.subarray(1));
    return out.subarray(0, 1 + written);
  }
  const out = new Uint8Array(1 + 3 * key.length);
  out[0] = KEY_PREFIX;
  let at = 1;
  for (let i = 0; i < key.length; i++) {
    const unit = key.charCodeAt(i);
    if (unit < 0x80) out[at++] = unit;
    else if (unit < 0x800) {
      out[at++] = 0xc0 | (unit >> 6);
      out[at++] = 0x80 | (unit & 0x3f);
    } else {
      out[at++] = 0xe0 | (unit >> 12);
      out[at++] = 0x80 | ((unit >> 6) & 0x3f);
      out[at++] = 0x80 | (unit & 0x3f);
    }
  }
  return out.subarray(0, at);
}

/** The key a stored form holds, or undefined when the bytes are not a key this file wrote. */
export function decodeLmdbKey(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0 || bytes[0] !== KEY_PREFIX) return undefined;
  const units: number[] = [];
  let i = 1;
  while (i < bytes.length) {
    const b0 = bytes[i] as number;
    if (b0 < 0x80) {
      units.push(b0);
      i += 1;
      continue;
    }
    const b1 = bytes[i + 1];
    if (b1 === undefined || (b1 & 0xc0) !== 0x80) return undefined;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      units.push(((b0 & 0x1f) << 6) | (b1 & 0x3f));
      i += 2;
      continue;
    }
    const b2 = bytes[i + 2];
    if (b0 < 0xe0 || b0 > 0xef || b2 === undefined || (b2 & 0xc0) !== 0x80) return undefined;
    const unit = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
    if (unit < 0x800) return undefined; // overlong
    units.push(unit);
    i += 3;
  }
  const key = String.fromCharCode(...units);
  return LONE_SURROGATE.test(key) ? undefined : key;
}

function asBytes(value: unknown, what: string): Uint8Array {
  assert(value instanceof Uint8Array, `lmdb-js returns binary ${what} as a Uint8Array`, { type: typeof value });
  // A Buffer is a Uint8Array; hand out a plain view of the same bytes.
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

function parseLsn(raw: unknown): number | undefined {
  if (typeof raw !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(raw)) return undefined;
  const lsn = Number(raw);
  return Number.isSafeInteger(lsn) ? lsn : undefined;
}

function lmdbFailure(call: string, cause: unknown): WalError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new WalError('EIO', `LMDB state store: ${call} failed: ${message}`, { cause });
}

export class LmdbStateStore implements StateStore {
  readonly kind = 'lmdb';
  readonly persistent = true;
  readonly path: string;
  readonly storeId: string;
  #root: LmdbRoot;
  #data: LmdbDatabase;
  #meta: LmdbDatabase;
  #appliedLsn: number;
  #closed = false;
  #snapshots = new Set<LmdbSnapshot>();

  private constructor(path: string, storeId: string, root: LmdbRoot, data: LmdbDatabase, meta: LmdbDatabase, appliedLsn: number) {
    this.path = path;
    this.storeId = storeId;
    this.#root = root;
    this.#data = data;
    this.#meta = meta;
    this.#appliedLsn = appliedLsn;
  }

  /**
   * Opens (or creates) the state in options.path for the store `storeId`.
   * Refuses a directory of another store (EINVAL) and one that is not a
   * faultline LMDB state, or is damaged (ECORRUPT).
   */
  static async open(options: LmdbStateOptions, storeId: string): Promise<LmdbStateStore> {
    if (typeof storeId !== 'string' || storeId === '')
      throw new WalError('EINVAL', 'LMDB state store: the store id must be a non-empty string');
    const lmdb = await loadLmdbModule(options.loadLmdb ?? (() => import('lmdb')));
    const { path } = options;
    await checkDataFile(path);
    let root: LmdbRoot;
    try {
      root = lmdb.open({
        path,
        noSubdir: false,
        maxDbs: 4,
        overlappingSync: process.platform !== 'win32',
        noSync: false,
        noMetaSync: false,
        useWritemap: false,
        commitDelay: 0,
        ...(options.mapSize === undefined ? {} : { mapSize: options.mapSize }),
      });
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      const invalid = /MDB_INVALID|MDB_VERSION_MISMATCH|MDB_CORRUPTED|not a|Invalid/i.test(message);
      throw new WalError(invalid ? 'ECORRUPT' : 'EIO', `LMDB state store: cannot open '${path}': ${message}`, {
        cause,
        details: { path },
      });
    }
    try {
      return await LmdbStateStore.#adopt(root, path, storeId);
    } catch (err) {
      await root.close();
      throw err;
    }
  }

  static async #adopt(root: LmdbRoot, path: string, storeId: string): Promise<LmdbStateStore> {
    // The main database lists the named databases; anything else there is not ours. Checked before
    // openDB, which would create our databases in someone else's environment.
    const foreign = [...root.getKeys()].filter((name) => name !== DATA_DB && name !== META_DB);
    if (foreign.length > 0)
      throw new WalError('ECORRUPT', `LMDB state store: '${path}' is not a faultline state (its main database holds other entries)`, {
        details: { path, reason: 'foreign entries', sample: foreign.slice(0, 3).map(String) },
      });
    const data = root.openDB({ name: DATA_DB, encoding: 'binary', keyEncoding: 'binary' });
    const meta = root.openDB({ name: META_DB, encoding: 'string' });
    const format = meta.get('format');
    if (format === undefined) {
      if (data.getCount() > 0 || meta.getCount() > 0)
        throw new WalError('ECORRUPT', `LMDB state store: '${path}' holds data but no faultline format marker`, {
          details: { path, reason: 'no format marker' },
        });
      try {
        await root.transaction(() => {
          meta.putSync('format', LMDB_STATE_FORMAT);
          meta.putSync('storeId', storeId);
          meta.putSync('appliedLsn', '0');
        });
        await syncEnv(root);
      } catch (cause) {
        throw lmdbFailure('creating the state', cause);
      }
      return new LmdbStateStore(path, storeId, root, data, meta, 0);
    }
    if (format !== LMDB_STATE_FORMAT)
      throw new WalError('ECORRUPT', `LMDB state store: '${path}' has an unknown format marker ${JSON.stringify(format)}`, {
        details: { path, reason: 'unknown format', format },
      });
    const owner = meta.get('storeId');
    if (owner !== storeId)
      throw new WalError('EINVAL', `LMDB state store: '${path}' belongs to another store (${String(owner)}, not ${storeId})`, {
        details: { path, reason: 'store id mismatch', found: owner, expected: storeId },
      });
    const appliedLsn = parseLsn(meta.get('appliedLsn'));
    if (appliedLsn === undefined)
      throw new WalError('ECORRUPT', `LMDB state store: '${path}' has no valid applied LSN`, {
        details: { path, reason: 'bad appliedLsn' },
      });
    return new LmdbStateStore(path, storeId, root, data, meta, appliedLsn);
  }

  get appliedLsn(): number {
    return this.#appliedLsn;
  }

  /** The largest key, in UTF-8 bytes (CESU-8 for keys with characters outside the BMP), this store takes. */
  /** The longest key in UTF-8 bytes that always fits: a key's stored form (CESU-8) is at most 1.5 times its UTF-8. */
  get maxKeyUtf8Bytes(): number {
    return Math.floor((this.maxKeyBytes * 2) / 3);
  }

  get maxKeyBytes(): number {
    return this.#root.maxKeySize - 1;
  }

  /** Synchronous (lmdb-js reads the memory map); a fresh copy of the value. */
  get(key: string): Uint8Array | undefined {
    this.#refuseClosed('get');
    if (typeof key !== 'string') throw new WalError('EINVAL', 'get: the key must be a string');
    const stored = encodeLmdbKey(key);
    if (stored.length > this.#root.maxKeySize) return undefined; // no such key can have been applied
    const value = this.#data.get(stored);
    return value === undefined ? undefined : asBytes(value, 'values');
  }

  async apply(lsn: number, writes: readonly StateWrite[]): Promise<void> {
    this.#refuseClosed('apply');
    validateApply(lsn, writes);
    const encoded = writes.map(({ key, value }, index) => {
      const stored = encodeLmdbKey(key);
      if (stored.length > this.#root.maxKeySize)
        throw new WalError(
          'ETOOLARGE',
          `apply: the key of write #${index} is ${stored.length - 1} bytes, over LMDB's limit of ${this.maxKeyBytes}`,
          {
            details: { lsn, index, keyBytes: stored.length - 1, maxKeyBytes: this.maxKeyBytes },
          },
        );
      return { stored, value };
    });
    if (lsn <= this.#appliedLsn) return;
    let after: number;
    try {
      // Checked inside the write transaction too: the stored LSN, not this object's copy, decides.
      after = await this.#root.transaction(() => {
        const current = parseLsn(this.#meta.get('appliedLsn'));
        assert(current !== undefined, 'the applied LSN in LMDB stays a decimal safe integer');
        if (lsn <= current) return current;
        for (const { stored, value } of encoded) {
          if (value === undefined) this.#data.removeSync(stored);
          else this.#data.putSync(stored, value);
        }
        this.#meta.putSync('appliedLsn', String(lsn));
        return lsn;
      });
    } catch (cause) {
      if (cause instanceof WalError) throw cause;
      throw lmdbFailure(`apply of LSN ${lsn}`, cause);
    }
    this.#appliedLsn = Math.max(this.#appliedLsn, after);
  }

  /** Every entry in key order, read in one LMDB read transaction. */
  entries(): Array<[string, Uint8Array]> {
    this.#refuseClosed('entries');
    return [...readEntries(this.#data, undefined, this.path)];
  }

  /** A read transaction: a consistent view while applies go on. Release it: LMDB cannot reuse pages it holds. */
  snapshot(): StateSnapshot & { readonly size: number } {
    this.#refuseClosed('snapshot');
    const transaction = this.#root.useReadTransaction();
    try {
      const appliedLsn = parseLsn(this.#meta.get('appliedLsn', { transaction }));
      assert(appliedLsn !== undefined, 'the applied LSN in LMDB stays a decimal safe integer');
      const size = this.#data.getCount({ transaction });
      const snapshot = new LmdbSnapshot(this.#data, transaction, appliedLsn, size, this.path, (s) => this.#snapshots.delete(s));
      this.#snapshots.add(snapshot);
      return snapshot;
    } catch (err) {
      transaction.done();
      throw err;
    }
  }

  /** Everything applied so far (by this process or an earlier one) is on disk when this resolves. */
  async flush(): Promise<void> {
    this.#refuseClosed('flush');
    try {
      await this.#root.flushed;
      await syncEnv(this.#root);
    } catch (cause) {
      throw lmdbFailure('flush', cause);
    }
  }

  /** Waits for outstanding commits, releases open snapshots and closes the environment. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const snapshot of [...this.#snapshots]) snapshot.release();
    await this.#root.close();
  }

  #refuseClosed(call: string): void {
    if (this.#closed) throw new WalError('ECLOSED', `${call}: the LMDB state store is closed`);
  }
}

/** LMDB's meta page magic (0xBEEFC0DE, little-endian in the file). */
const LMDB_MAGIC = 0xbeefc0de;

/**
 * lmdb-js 3.x crashes the whole process (SIGSEGV) when data.mdb is not an
 * LMDB file (zeros, garbage, a few bytes): so before LMDB sees it, the first
 * meta page is checked for LMDB's magic (after a 16-byte page header, or the
 * 24-byte one of lmdb-js's own LMDB build). A missing file is a new state.
 */
async function checkDataFile(path: string): Promise<void> {
  const file = join(path, 'data.mdb');
  let handle;
  try {
    handle = await openFile(file, 'r');
  } catch (cause) {
    if (errorCode(cause) === 'ENOENT') return;
    throw new WalError('EIO', `LMDB state store: cannot read '${file}'`, { cause, details: { path } });
  }
  try {
    const head = new Uint8Array(32);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead === 0) return; // an empty file: LMDB initialises it
    const view = new DataView(head.buffer);
    const magicAt = (at: number): boolean => bytesRead >= at + 4 && view.getUint32(at, true) === LMDB_MAGIC;
    if (!magicAt(16) && !magicAt(24))
      throw new WalError('ECORRUPT', `LMDB state store: '${file}' is not an LMDB data file`, {
        details: { path, reason: 'not an LMDB data file' },
      });
  } catch (cause) {
    if (cause instanceof WalError) throw cause;
    throw new WalError('EIO', `LMDB state store: cannot read '${file}'`, { cause, details: { path } });
  } finally {
    await handle.close();
  }
}

function syncEnv(root: LmdbRoot): Promise<void> {
  return new Promise((resolve, reject) => root.sync((error) => (error ? reject(error) : resolve())));
}

function* readEntries(data: LmdbDatabase, transaction: LmdbTransaction | undefined, path: string): Generator<[string, Uint8Array]> {
  let previous: string | undefined;
  for (const { key, value } of data.getRange(transaction === undefined ? {} : { transaction })) {
    const decoded = decodeLmdbKey(asBytes(key, 'keys'));
    if (decoded === undefined)
      throw new WalError('ECORRUPT', `LMDB state store: '${path}' holds a key this store did not write`, {
        details: { path, reason: 'bad key encoding' },
      });
    assert(previous === undefined || previous < decoded, "LMDB's key order is JS string order (CESU-8)", { previous, key: decoded });
    previous = decoded;
    yield [decoded, asBytes(value, 'values')];
  }
}

class LmdbSnapshot implements StateSnapshot {
  readonly appliedLsn: number;
  readonly size: number;
  #data: LmdbDatabase;
  #transaction: LmdbTransaction | undefined;
  #path: string;
  #onRelease: (snapshot: LmdbSnapshot) => void;

  constructor(
    data: LmdbDatabase,
    transaction: LmdbTransaction,
    appliedLsn: number,
    size: number,
    path: string,
    onRelease: (snapshot: LmdbSnapshot) => void,
  ) {
    this.#data = data;
    this.#transaction = transaction;
    this.appliedLsn = appliedLsn;
    this.size = size;
    this.#path = path;
    this.#onRelease = onRelease;
  }

  entries(): Iterable<[string, Uint8Array]> {
    const transaction = this.#transaction;
    if (transaction === undefined) throw new WalError('ECLOSED', 'this LMDB state snapshot was released');
    return readEntries(this.#data, transaction, this.#path);
  }

  /** Ends the read transaction; releasing twice does nothing more. */
  release(): void {
    const transaction = this.#transaction;
    if (transaction === undefined) return;
    this.#transaction = undefined;
    transaction.done();
    this.#onRelease(this);
  }
}
