/**
 * Compression: for three record mixes (JSON events, random bytes, repetitive
 * text), in one run:
 *
 * 1. the codec alone: lz4's ratio and MB/s (compress, decompress) on 64 KiB
 *    blocks of the mix (the frame target of the engine);
 * 2. the engine: append throughput at 64 outstanding (groupCommit, real temp
 *    directory) with compression none and lz4, the bytes before and after
 *    compression (WalStats), then the replay of that log (Wal.open) in MB/s
 *    of payload recovered;
 * 3. the frame threshold: for frames of 1..16 records of the mix, the bytes
 *    a frame takes against the plain records (why COMPRESS_MIN_BYTES is 256).
 *
 * zstd is not measured here: it is not offered (docs/format.md, "Compression").
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { compress as codecCompress, COMPRESS_MIN_BYTES, FRAME_TARGET_BYTES } from '../../src/engine/compression.js';
import { CODEC_LZ4, encodeFrameContent, FRAME_HEADER_SIZE, frameContentSize, RECORD_HEADER_SIZE } from '../../src/engine/format.js';
import { Wal, type WalOptions } from '../../src/engine/index.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { runClosedLoop } from '../lib/closed-loop.js';
import { COMPRESSION_MIXES } from '../lib/compression-targets.js';
import type { CompressionRun, CompressionPlan } from '../lib/results.js';
import { uncompressSync } from 'lz4-napi';

const MIXES = COMPRESSION_MIXES;
export type Mix = (typeof MIXES)[number];

/** xorshift32: deterministic bytes, the same on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const WORDS = 'the log engine writes records to segments and syncs them before it acknowledges each append to its caller'.split(' ');
const TYPES = ['click', 'view', 'purchase', 'scroll', 'search'];

/** `n` records of the mix, each from its own seeded generator (record i is the same in every run). */
export function records(mix: Mix, n: number): Uint8Array[] {
  const r = rng(mix.length * 7919 + 17);
  const enc = new TextEncoder();
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    if (mix === 'json events') {
      const e = {
        ts: 1733200000000 + i * 13,
        type: TYPES[i % TYPES.length],
        user: `user-${Math.floor(r() * 5000)}`,
        session: Math.floor(r() * 1e9).toString(36),
        path: `/products/${Math.floor(r() * 300)}`,
        amount: Math.round(r() * 10000) / 100,
      };
      out.push(enc.encode(JSON.stringify(e)));
    } else if (mix === 'random bytes') {
      const b = new Uint8Array(200);
      for (let k = 0; k < b.length; k++) b[k] = Math.floor(r() * 256);
      out.push(b);
    } else {
      const words = Array.from({ length: 20 }, () => WORDS[Math.floor(r() * WORDS.length)]);
      out.push(enc.encode(`2026-12-03T15:00:${String(i % 60).padStart(2, '0')}Z INFO writer: ${words.join(' ')}`));
    }
  }
  return out;
}

/** Records of the mix as one frame's content, up to `bytes`. */
function block(mix: Mix, bytes: number): Uint8Array {
  const recs = records(mix, 4096).map((data) => ({ data }));
  let n = 0;
  while (n < recs.length && frameContentSize(recs, 0, n + 1) <= bytes) n++;
  const out = new Uint8Array(frameContentSize(recs, 0, n));
  encodeFrameContent(out, recs, 0, n);
  return out;
}

function timed(timeMs: number, fn: () => void): { ops: number; seconds: number } {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(timeMs * 1e6);
  let ops = 0;
  // Bounded by the time budget.
  while (ops < 3 || process.hrtime.bigint() < deadline) {
    fn();
    ops++;
  }
  return { ops, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

type EngineRow = CompressionRun['engine'][number];

/** The median round by appends/s (lower middle), with the median replay of all rounds. */
function median(rows: readonly EngineRow[]): EngineRow {
  const mid = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;
  const byAppends = [...rows].sort((x, y) => x.appendsPerSec - y.appendsPerSec);
  const row = byAppends[Math.floor((byAppends.length - 1) / 2)];
  if (row === undefined) throw new Error('no round measured');
  return {
    ...row,
    rounds: rows.length,
    replayMs: mid(rows.map((r) => r.replayMs)),
    replayPayloadMBps: mid(rows.map((r) => r.replayPayloadMBps)),
    replayStoredMBps: mid(rows.map((r) => r.replayStoredMBps)),
  };
}

async function appendAndReplay(dir: string, mix: Mix, compression: 'none' | 'lz4', plan: CompressionPlan): Promise<EngineRow> {
  const env = () => ({ fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'wal' });
  const options: WalOptions = { durability: { kind: 'groupCommit' }, compression };
  const pool = records(mix, 8192);
  const wal = await Wal.open(env(), options);
  let payloadBytes = 0;
  let loop;
  try {
    loop = await runClosedLoop(
      (i) => {
        const p = pool[i % pool.length] as Uint8Array;
        payloadBytes += p.length;
        return wal.append(p);
      },
      { outstanding: plan.outstanding, durationMs: plan.appendMs, minOps: 1000, maxOps: plan.maxOps },
    );
  } finally {
    await wal.close();
  }
  const s = wal.stats();
  const replay = await replayOf(path.join(dir, 'replay'), pool, compression, plan.replayRecords);
  return {
    mix,
    compression,
    outstanding: plan.outstanding,
    appendsPerSec: loop.opsPerSec,
    payloadMBps: payloadBytes / 1e6 / (loop.elapsedNs / 1e9),
    bytesBeforeCompression: s.bytesBeforeCompression,
    bytesAfterCompression: s.bytesAfterCompression,
    diskRatio: s.bytesBeforeCompression / Math.max(1, s.bytesAfterCompression),
    compressedFrames: s.compressedFrames,
    compressionSkipped: s.compressionSkipped,
    rounds: 1,
    ...replay,
  };
}

/**
 * Replay: a log of `n` records of the pool written without preallocation (so
 * the files hold only the log, not a zero-filled tail), then Wal.open timed.
 */
async function replayOf(
  root: string,
  pool: readonly Uint8Array[],
  compression: 'none' | 'lz4',
  n: number,
): Promise<{ replayRecords: number; replayMs: number; replayPayloadMBps: number; replayStoredMBps: number }> {
  const env = () => ({ fs: new NodeFileSystem(root), clock: new RealClock(), dir: 'wal' });
  const options: WalOptions = { durability: { kind: 'none' }, compression, preallocate: false };
  const w = await Wal.open(env(), options);
  let next = 0;
  const fill = async (): Promise<void> => {
    while (next < n) await w.append(pool[next++ % pool.length] as Uint8Array);
  };
  await Promise.all(Array.from({ length: 256 }, fill));
  await w.close();
  const stored = w.stats().bytesAfterCompression;
  const t0 = process.hrtime.bigint();
  const reader = await Wal.open(env(), options);
  const ns = Number(process.hrtime.bigint() - t0);
  let payload = 0;
  for (const r of reader.recovered) payload += r.data.length;
  const recovered = reader.recovered.length;
  await reader.close();
  if (recovered !== n) throw new Error(`replay recovered ${recovered} of ${n} records`);
  return {
    replayRecords: n,
    replayMs: ns / 1e6,
    replayPayloadMBps: payload / 1e6 / (ns / 1e9),
    replayStoredMBps: stored / 1e6 / (ns / 1e9),
  };
}

export async function runCompressionSuite(plan: CompressionPlan, tmpRoot: string, log: (line: string) => void): Promise<CompressionRun> {
  const run: CompressionRun = {
    frameTargetBytes: FRAME_TARGET_BYTES,
    codec: [],
    engine: [],
    threshold: [],
    compressMinBytes: COMPRESS_MIN_BYTES,
  };
  for (const mix of MIXES) {
    const data = block(mix, FRAME_TARGET_BYTES);
    let stored = codecCompress(CODEC_LZ4, data);
    const c = timed(plan.codecMs, () => {
      stored = codecCompress(CODEC_LZ4, data);
    });
    const d = timed(plan.codecMs, () => {
      uncompressSync(stored);
    });
    const row = {
      mix,
      codec: 'lz4',
      blockBytes: data.length,
      ratio: data.length / stored.length,
      compressMBps: (c.ops * data.length) / 1e6 / c.seconds,
      decompressMBps: (d.ops * data.length) / 1e6 / d.seconds,
    };
    run.codec.push(row);
    log(
      `  lz4 ${mix}: ratio ${row.ratio.toFixed(2)}, compress ${row.compressMBps.toFixed(0)} MB/s, decompress ${row.decompressMBps.toFixed(0)} MB/s`,
    );
    const recs = records(mix, 16).map((x) => ({ data: x }));
    for (const n of [1, 2, 4, 8, 16]) {
      const content = new Uint8Array(frameContentSize(recs, 0, n));
      encodeFrameContent(content, recs, 0, n);
      const plainBytes = content.length + n * (RECORD_HEADER_SIZE - 4);
      const frameBytes = FRAME_HEADER_SIZE + codecCompress(CODEC_LZ4, content).length;
      run.threshold.push({ mix, records: n, contentBytes: content.length, plainBytes, frameBytes });
    }
  }
  for (const mix of MIXES) {
    // Interleaved rounds (none, lz4, lz4, none, ...), each in a fresh directory; the row is the median round by appends/s.
    const rounds: Record<'none' | 'lz4', EngineRow[]> = { none: [], lz4: [] };
    for (let round = 0; round < plan.rounds; round++) {
      const order = round % 2 === 0 ? (['none', 'lz4'] as const) : (['lz4', 'none'] as const);
      for (const compression of order) {
        const dir = await mkdtemp(path.join(tmpRoot, 'compression-'));
        try {
          rounds[compression].push(await appendAndReplay(dir, mix, compression, plan));
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
    for (const compression of ['none', 'lz4'] as const) {
      const row = median(rounds[compression]);
      run.engine.push(row);
      log(
        `  ${mix}, ${compression}: ${Math.round(row.appendsPerSec)} appends/s x${row.outstanding} (${row.payloadMBps.toFixed(1)} MB/s payload), ` +
          `on disk ${row.diskRatio.toFixed(2)}x smaller; replay ${row.replayPayloadMBps.toFixed(0)} MB/s payload (median of ${plan.rounds} rounds)`,
      );
    }
  }
  return run;
}
