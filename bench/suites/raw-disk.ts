/**
 * The raw-disk limit: a plain loop of write + fdatasync of `batchBytes` at a
 * time, with synchronous system calls (no event loop, no thread pool: the
 * least overhead Node allows). Two layouts: appending to a growing file, and
 * overwriting a file preallocated (written with zeros and synced) beforehand.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { summarize, type LatencySummary } from '../lib/stats.js';

export type RawLayout = 'append' | 'preallocated';

export interface RawDiskOptions {
  dir: string;
  batchBytes: number;
  layout: RawLayout;
  durationMs: number;
  minOps: number;
  maxOps: number;
}

export interface RawDiskResult {
  layout: RawLayout;
  batchBytes: number;
  syncs: number;
  syncsPerSec: number;
  bytesPerSec: number;
  latency: LatencySummary;
}

/** Bound on a preallocated file: the loop wraps around inside it. */
const MAX_PREALLOCATED_BYTES = 64 * 2 ** 20;

export function rawWriteSyncLoop(opts: RawDiskOptions): RawDiskResult {
  const batchBytes = Math.max(1, Math.round(opts.batchBytes));
  if (batchBytes > MAX_PREALLOCATED_BYTES) throw new RangeError(`batch too large: ${batchBytes}`);
  const file = path.join(opts.dir, `raw-${opts.layout}-${batchBytes}.dat`);
  const fd = fs.openSync(file, 'w+');
  try {
    const buf = Buffer.alloc(batchBytes, 0xa5);
    let span = 0;
    if (opts.layout === 'preallocated') {
      span = Math.max(batchBytes, Math.min(MAX_PREALLOCATED_BYTES, Math.ceil((opts.maxOps * batchBytes) / 4096) * 4096));
      const zeros = Buffer.alloc(Math.min(span, 2 ** 20));
      for (let off = 0; off < span; off += zeros.length) fs.writeSync(fd, zeros, 0, Math.min(zeros.length, span - off), off);
      fs.fsyncSync(fd);
    }
    const lat = new Float64Array(opts.maxOps);
    let n = 0;
    let pos = 0;
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(Math.round(opts.durationMs * 1e6));
    while (n < opts.maxOps && (n < opts.minOps || process.hrtime.bigint() < deadline)) {
      if (opts.layout === 'preallocated' && pos + batchBytes > span) pos = 0;
      const t0 = process.hrtime.bigint();
      fs.writeSync(fd, buf, 0, batchBytes, pos);
      fs.fdatasyncSync(fd);
      lat[n++] = Number(process.hrtime.bigint() - t0) / 1000;
      pos += batchBytes;
    }
    const elapsedNs = Number(process.hrtime.bigint() - start);
    return {
      layout: opts.layout,
      batchBytes,
      syncs: n,
      syncsPerSec: (n * 1e9) / elapsedNs,
      bytesPerSec: (n * batchBytes * 1e9) / elapsedNs,
      latency: summarize(lat.subarray(0, n)),
    };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}
