/**
 * The systems the store suite (store.ts) runs the same transactions on: the
 * faultline store with each state store, and the peers a Node user would pick
 * for transactional durable commits instead. Each system opens in its own
 * fresh directory and commits transaction `i` as `writes` puts of a
 * `valueBytes` value under the distinct keys `txnKey(i, 0..writes-1)`.
 *
 * - faultline, in-memory state: `openStore` with its defaults (groupCommit);
 *   a commit resolves after the fdatasync covering it.
 * - faultline, LMDB state: `openStore(env, { state: lmdbState({ path }) })`,
 *   loaded from src/store-lmdb when it exists (otherwise the system is
 *   skipped with the reason).
 * - lmdb (lmdb-js, from bench/peers): `db.transaction(() => puts)` with its
 *   default commit settings (overlappingSync: the transaction promise resolves
 *   at commit, the flush follows), then `db.flushed` awaited, so a commit is
 *   counted once it is on disk, as faultline's are. Concurrent callers' transactions are
 *   batched by lmdb-js into one LMDB write transaction.
 * - better-sqlite3, journal_mode = WAL, synchronous = FULL, one SQLite
 *   transaction (`db.transaction(fn)`) per commit. Its API is synchronous, so
 *   concurrent callers' commits run one after another.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { openStore, type TransactionalStore } from '../../src/store/index.js';
import type { StateStoreFactory } from '../../src/store/options.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { PEERS_DIR } from './peers.js';

export const STORE_MEMORY = 'faultline store (memory state)';
export const STORE_LMDB = 'faultline store (LMDB state)';
export const PEER_LMDB = 'lmdb-js';
export const PEER_SQLITE = 'better-sqlite3';
export const STORE_SYSTEMS = [STORE_MEMORY, STORE_LMDB, PEER_LMDB, PEER_SQLITE] as const;
export type StoreSystemName = (typeof STORE_SYSTEMS)[number];

/** The key of write `j` of transaction `i`: distinct for every (i, j), 16 characters. */
export function txnKey(i: number, j: number): string {
  return `t${String(i).padStart(10, '0')}.${String(j).padStart(4, '0')}`;
}

/** An open system: commits one transaction, and says how many keys it holds at the end (to check nothing was dropped). */
export interface TxnTarget {
  commit(i: number, writes: number, value: Uint8Array): Promise<void>;
  countKeys(): Promise<number>;
  /** faultline only: the log's batches so far (one write + one fdatasync each). */
  logBatches?(): number;
  /** faultline only: the store, for the checkpoint measurement. */
  store?: TransactionalStore;
  close(): Promise<void>;
}

export interface SystemDef {
  name: StoreSystemName;
  version: string;
  config: string;
  open(dir: string): Promise<TxnTarget>;
}

export type LoadedSystem = { name: StoreSystemName; def: SystemDef } | { name: StoreSystemName; skipped: string };

function packageVersion(manifest: string): string {
  const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

const ROOT = path.resolve(PEERS_DIR, '..', '..');

/** A faultline store in `dir` (the store's own directory is `dir/db`), with an optional state store factory. */
async function openFaultline(dir: string, state: ((dir: string) => StateStoreFactory) | undefined): Promise<TxnTarget> {
  const store = await openStore(
    { fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'db' },
    state === undefined ? {} : { state: state(dir) },
  );
  return {
    store,
    commit: (i, writes, value) =>
      store.transaction(async (tx) => {
        for (let j = 0; j < writes; j++) tx.put(txnKey(i, j), value);
      }),
    countKeys: async () => (await store.entries()).length,
    logBatches: () => store.stats().wal.batches,
    close: () => store.close(),
  };
}

function faultlineMemory(): SystemDef {
  return {
    name: STORE_MEMORY,
    version: packageVersion(path.join(ROOT, 'package.json')),
    config: 'openStore defaults: in-memory state (sorted-btree), log durability groupCommit (a commit resolves after its fdatasync)',
    open: (dir) => openFaultline(dir, undefined),
  };
}

type LmdbStateFn = (options: { path: string }) => StateStoreFactory;

/** src/store-lmdb's lmdbState, if that module exists and exports it. */
async function loadLmdbState(): Promise<LmdbStateFn> {
  const candidates = ['../../src/store-lmdb/index.js', '../../src/store-lmdb/lmdb-state.js'];
  const errors: string[] = [];
  for (const rel of candidates) {
    const file = fileOf(rel);
    if (!fs.existsSync(file)) {
      errors.push(`${path.relative(ROOT, file)} does not exist`);
      continue;
    }
    try {
      const mod = (await import(new URL(rel, import.meta.url).href)) as { lmdbState?: unknown };
      if (typeof mod.lmdbState === 'function') return mod.lmdbState as LmdbStateFn;
      errors.push(`${path.relative(ROOT, file)} exports no lmdbState`);
    } catch (err) {
      errors.push(`${path.relative(ROOT, file)}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(errors.join('; '));
}

/** The .ts source behind a relative .js import of this file. */
function fileOf(rel: string): string {
  return path.resolve(path.dirname(new URL(import.meta.url).pathname), rel).replace(/\.js$/, '.ts');
}

async function faultlineLmdb(): Promise<SystemDef> {
  const lmdbState = await loadLmdbState();
  return {
    name: STORE_LMDB,
    version: packageVersion(path.join(ROOT, 'package.json')),
    config:
      "openStore with state: lmdbState({ path }) (src/store-lmdb; lmdb-js from faultline's own dependencies), log durability groupCommit",
    open: (dir) => openFaultline(dir, (d) => lmdbState({ path: path.join(d, 'lmdb-state') })),
  };
}

interface LmdbJs {
  open(opts: Record<string, unknown>): {
    put(k: string, v: Uint8Array): unknown;
    transaction<T>(fn: () => T): Promise<T>;
    readonly flushed: PromiseLike<unknown>;
    getKeysCount(): number;
    close(): Promise<void>;
  };
}

function lmdbPeer(req: NodeRequire): SystemDef {
  const lmdb = req('lmdb') as LmdbJs;
  return {
    name: PEER_LMDB,
    version: packageVersion(path.join(PEERS_DIR, 'node_modules', 'lmdb', 'package.json')),
    config:
      'default sync settings (overlappingSync); one db.transaction(() => puts) per commit, then db.flushed awaited (durable); concurrent callers batched by lmdb-js',
    async open(dir) {
      const db = lmdb.open({ path: path.join(dir, 'lmdb'), encoding: 'binary', compression: false });
      return {
        async commit(i, writes, value) {
          await db.transaction(() => {
            for (let j = 0; j < writes; j++) db.put(txnKey(i, j), value);
          });
          await db.flushed;
        },
        countKeys: async () => db.getKeysCount(),
        close: () => db.close(),
      };
    },
  };
}

interface SqliteDb {
  pragma(s: string, o?: { simple: boolean }): unknown;
  exec(s: string): void;
  prepare(s: string): { run(...args: unknown[]): unknown; get(...args: unknown[]): unknown };
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}

function sqlitePeer(req: NodeRequire): SystemDef {
  const Database = req('better-sqlite3') as new (file: string) => SqliteDb;
  return {
    name: PEER_SQLITE,
    version: packageVersion(path.join(PEERS_DIR, 'node_modules', 'better-sqlite3', 'package.json')),
    config:
      'journal_mode = WAL, synchronous = FULL, one db.transaction(fn) of INSERTs per commit (synchronous API: concurrent callers commit one after another)',
    async open(dir) {
      const db = new Database(path.join(dir, 'peer.sqlite'));
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`better-sqlite3: journal_mode is ${String(mode)}, not wal`);
      db.pragma('synchronous = FULL');
      db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB NOT NULL)');
      const insert = db.prepare('INSERT INTO kv (k, v) VALUES (?, ?)');
      const count = db.prepare('SELECT count(*) AS n FROM kv');
      const txn = db.transaction((i: number, writes: number, value: Uint8Array) => {
        for (let j = 0; j < writes; j++) insert.run(txnKey(i, j), value);
      });
      return {
        commit(i, writes, value) {
          txn(i, writes, value);
          return Promise.resolve();
        },
        countKeys: async () => (count.get() as { n: number }).n,
        close: async () => db.close(),
      };
    },
  };
}

/** Every system, or why it cannot run. `peersFailure` is the peers' install failure, if any. */
export async function loadStoreSystems(peersFailure: string | null): Promise<LoadedSystem[]> {
  const out: LoadedSystem[] = [{ name: STORE_MEMORY, def: faultlineMemory() }];
  try {
    out.push({ name: STORE_LMDB, def: await faultlineLmdb() });
  } catch (err) {
    out.push({ name: STORE_LMDB, skipped: `LMDB state: not available (${(err as Error).message})` });
  }
  const req = createRequire(path.join(PEERS_DIR, 'package.json'));
  for (const [name, load] of [
    [PEER_LMDB, lmdbPeer],
    [PEER_SQLITE, sqlitePeer],
  ] as const) {
    if (peersFailure !== null) {
      out.push({ name, skipped: peersFailure });
      continue;
    }
    try {
      out.push({ name, def: load(req) });
    } catch (err) {
      out.push({ name, skipped: `cannot load: ${(err as Error).message.split('\n')[0]}` });
    }
  }
  return out;
}
