/**
 * What the store SIGKILL loop's parent (store-kill-loop.ts) and child
 * (store-crash-child.ts) share: the variants, the store options and workload,
 * the IPC messages, and the wire form of transaction events. Kept apart from
 * the child, whose module runs the child when loaded.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import type { StoreOptions } from '../../src/store/options.js';
import { lmdbState } from '../../src/store-lmdb/lmdb-state.js';
import { resolveStoreWorkload, storeClientOpArbitrary } from '../../src/contract/store-workload.js';
import type { StoreClientOp, TxnEvent } from '../../src/contract/store-types.js';

export const STORE_VARIANTS = ['lmdb', 'memory', 'lmdb-ack-early'] as const;
export type StoreVariant = (typeof STORE_VARIANTS)[number];

/** The store's directory inside the root, and the LMDB environment's. */
export const STORE_DIR = 'store';
export const LMDB_DIR = 'lmdb';
/** The workload: few keys (many conflicts), values up to 512 bytes. */
export const CHILD_WORKLOAD = resolveStoreWorkload({ keys: 8, maxValueBytes: 512, maxStepsPerTxn: 5 });
/** Operations per client: more than a child lives to run. */
export const OPS_PER_CLIENT = 600;
/** Think time is cut to at most this many real milliseconds. */
export const MAX_SLEEP_MS = 3;
/** How long the broken variant's commit trails its acknowledgement. */
export const ACK_EARLY_DELAY_MS = 15;

/** The store options of a variant, the same in the child and the parent's reopen. */
export function storeOptionsFor(variant: StoreVariant, root: string): StoreOptions {
  const wal = { segmentSize: 256 * 1024 };
  return variant === 'memory' ? { wal } : { wal, state: lmdbState({ path: join(root, LMDB_DIR) }) };
}

/** A transaction event on the wire (a value as base64). */
export type WireEvent =
  { op: 'get'; key: string; value: string | null } | { op: 'put'; key: string; value: string } | { op: 'delete'; key: string };

export type StoreChildMessage =
  /** The store opened; what its entries() held (count and digest), to compare with what the parent read. */
  | { t: 'ready'; entries: number; digest: string }
  | { t: 'begin'; id: number; kind: 'transaction' | 'sync' | 'checkpoint'; client: number; label?: string; abortPlanned?: boolean }
  | { t: 'event'; id: number; attempt: number; event: WireEvent }
  /** fn settled (sent before the store may commit). */
  | { t: 'fn'; id: number; attempts: number; fnRejected?: { code?: string; message: string } }
  | {
      t: 'settle';
      id: number;
      outcome: 'resolved' | 'rejected';
      error?: { code?: string; message: string };
      attempts?: number;
      fnRejected?: { code?: string; message: string };
    }
  /** Every client ran out of operations (the child then waits to be killed). */
  | { t: 'done' }
  | { t: 'fail'; message: string };

const b64 = (v: Uint8Array): string => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

export function toWire(e: TxnEvent): WireEvent {
  if (e.op === 'delete') return e;
  if (e.op === 'put') return { op: 'put', key: e.key, value: b64(e.value) };
  return { op: 'get', key: e.key, value: e.value === null ? null : b64(e.value) };
}

export function fromWire(e: WireEvent): TxnEvent {
  if (e.op === 'delete') return e;
  const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'base64'));
  if (e.op === 'put') return { op: 'put', key: e.key, value: bytes(e.value) };
  return { op: 'get', key: e.key, value: e.value === null ? null : bytes(e.value) };
}

/** A digest of a store's entries (FNV-1a over keys and values), to tell two states apart. */
export function entriesDigest(entries: readonly (readonly [string, Uint8Array])[]): string {
  let h = 0x811c9dc5;
  const mix = (byte: number): void => {
    h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  };
  const enc = new TextEncoder();
  for (const [k, v] of entries) {
    for (const b of enc.encode(k)) mix(b);
    mix(0xff);
    for (const b of v) mix(b);
    mix(0xfe);
  }
  return `${entries.length}:${h.toString(16)}`;
}

/** Client c's operations in child `epoch` of run `seed`. */
export function clientOps(seed: string, epoch: number, client: number): StoreClientOp[] {
  const numeric = Array.from(`${seed}/${epoch}/${client}`).reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0, 0x811c9dc5);
  return fc.sample(storeClientOpArbitrary(CHILD_WORKLOAD), { seed: numeric | 0, numRuns: OPS_PER_CLIENT });
}
