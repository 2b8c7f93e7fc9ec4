/**
 * The libraries a Node user would pick instead of a WAL for durable commits,
 * loaded from the separate bench/peers package (never faultline's own
 * dependencies). A peer that is not installed or does not load is reported as
 * skipped with the reason; it never gets a number.
 *
 * Each peer stores record i under an 8-byte big-endian key, one durable commit
 * per put, configured as the issue says:
 * - lmdb (lmdb-js) with its default commit settings: concurrent puts are
 *   batched by lmdb-js into one transaction. Its default (overlappingSync)
 *   resolves a put at commit and flushes after, so the durable figure waits
 *   for the flush; the commit-only figure is printed beside it, marked;
 * - classic-level (LevelDB) with `sync: true` on every put;
 * - better-sqlite3 in WAL mode with `synchronous = FULL`, one INSERT per
 *   transaction. Its API is synchronous, so commits serialize: the number of
 *   outstanding appends does not change what it does.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PEERS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'peers');

export interface PeerStore {
  put(i: number, value: Uint8Array): Promise<unknown>;
  close(): Promise<void>;
}

export interface PeerDef {
  name: string;
  version: string;
  config: string;
  open(dir: string): Promise<PeerStore>;
}

export type LoadedPeer = { name: string; def: PeerDef } | { name: string; skipped: string };

export const PEER_NAMES = ['lmdb', 'lmdb (commit only)', 'classic-level', 'better-sqlite3'] as const;

function key(i: number): Buffer {
  const k = Buffer.alloc(8);
  k.writeBigUInt64BE(BigInt(i));
  return k;
}

/**
 * Installs the peers with `npm ci` when bench/peers/node_modules is missing.
 * Returns null on success, or the reason it failed (the peers are then skipped).
 */
export function ensurePeersInstalled(log: (line: string) => void): string | null {
  if (fs.existsSync(path.join(PEERS_DIR, 'node_modules'))) return null;
  log('installing benchmark peers (npm ci --prefix bench/peers; better-sqlite3 compiles from source here, about 75 s)...');
  const run = (args: string[]): string | null => {
    try {
      execFileSync('npm', [...args, '--prefix', PEERS_DIR, '--no-audit', '--no-fund'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 10 * 60_000,
      });
      return null;
    } catch (err) {
      const e = err as Error & { stderr?: Buffer };
      const detail = e.stderr
        ?.toString()
        .split('\n')
        .filter((l) => /error/i.test(l) && l.trim() !== 'npm error')
        .slice(0, 3)
        .join(' | ');
      return `npm ${args[0]} in bench/peers failed: ${detail || e.message.split('\n')[0]}`;
    }
  };
  const ci = run(['ci']);
  if (ci === null) return null;
  // A registry mirror that lacks other platforms' optional binaries makes
  // `npm ci` refuse the lockfile; `npm install --no-save` still installs the
  // locked versions for this platform without touching the committed files.
  log(`${ci}; retrying with npm install --no-save`);
  const install = run(['install', '--no-save']);
  return install === null ? null : `${ci}; then ${install}`;
}

function versionOf(name: string): string {
  const manifest = path.join(PEERS_DIR, 'node_modules', name, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

function loadOne(req: NodeRequire, name: (typeof PEER_NAMES)[number]): PeerDef {
  const version = name === 'lmdb (commit only)' ? '' : versionOf(name);
  switch (name) {
    case 'lmdb': {
      const lmdb = req('lmdb') as {
        open(opts: Record<string, unknown>): {
          put(k: Buffer, v: Uint8Array): Promise<boolean> & { flushed?: Promise<unknown> };
          close(): Promise<void>;
        };
      };
      // lmdb-js's default (overlappingSync on Linux) resolves a put when its
      // transaction commits and flushes afterwards; `separateFlushed` exposes
      // the flush as put(...).flushed. The durable variant waits for it.
      return {
        name,
        version,
        config: 'default commit settings (overlappingSync); put awaited until its flush (separateFlushed: durable)',
        async open(dir) {
          const db = lmdb.open({
            path: path.join(dir, 'lmdb'),
            encoding: 'binary',
            compression: false,
            keyEncoding: 'binary',
            separateFlushed: true,
          });
          return {
            put: async (i, v) => {
              const p = db.put(key(i), v);
              await p;
              if (p.flushed === undefined) throw new Error('lmdb put has no flushed promise');
              await p.flushed;
            },
            close: () => db.close(),
          };
        },
      };
    }
    case 'lmdb (commit only)': {
      const lmdb = req('lmdb') as {
        open(opts: Record<string, unknown>): { put(k: Buffer, v: Uint8Array): Promise<boolean>; close(): Promise<void> };
      };
      return {
        name,
        version: versionOf('lmdb'),
        config: 'default settings; put awaited until commit only: the flush to disk happens after it resolves (NOT durable at resolve)',
        async open(dir) {
          const db = lmdb.open({ path: path.join(dir, 'lmdb'), encoding: 'binary', compression: false, keyEncoding: 'binary' });
          return { put: (i, v) => db.put(key(i), v), close: () => db.close() };
        },
      };
    }
    case 'classic-level': {
      const { ClassicLevel } = req('classic-level') as {
        ClassicLevel: new (
          dir: string,
          opts: Record<string, unknown>,
        ) => {
          open(): Promise<void>;
          put(k: Buffer, v: Uint8Array, o: { sync: boolean }): Promise<void>;
          close(): Promise<void>;
        };
      };
      return {
        name,
        version,
        config: 'put with { sync: true }',
        async open(dir) {
          const db = new ClassicLevel(path.join(dir, 'level'), { keyEncoding: 'buffer', valueEncoding: 'view' });
          await db.open();
          return { put: (i, v) => db.put(key(i), v, { sync: true }), close: () => db.close() };
        },
      };
    }
    case 'better-sqlite3': {
      const Database = req('better-sqlite3') as new (file: string) => {
        pragma(s: string): unknown;
        exec(s: string): void;
        prepare(s: string): { run(...args: unknown[]): unknown };
        close(): void;
      };
      return {
        name,
        version,
        config: 'journal_mode = WAL, synchronous = FULL, one INSERT per transaction (synchronous API: commits serialize)',
        async open(dir) {
          const db = new Database(path.join(dir, 'peer.sqlite'));
          db.pragma('journal_mode = WAL');
          db.pragma('synchronous = FULL');
          db.exec('CREATE TABLE IF NOT EXISTS log (k INTEGER PRIMARY KEY, v BLOB NOT NULL)');
          const insert = db.prepare('INSERT INTO log (k, v) VALUES (?, ?)');
          return {
            put: (i, v) => {
              insert.run(i, v);
              return Promise.resolve();
            },
            close: async () => db.close(),
          };
        },
      };
    }
  }
}

/** Loads every peer, or says why it cannot. */
export function loadPeers(installFailure: string | null): LoadedPeer[] {
  const manifest = path.join(PEERS_DIR, 'package.json');
  const req = createRequire(manifest);
  return PEER_NAMES.map((name): LoadedPeer => {
    if (installFailure !== null) return { name, skipped: installFailure };
    try {
      return { name, def: loadOne(req, name) };
    } catch (err) {
      return { name, skipped: `cannot load: ${(err as Error).message.split('\n')[0]}` };
    }
  });
}
