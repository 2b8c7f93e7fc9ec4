/**
 * A v1 log written by the engine before format v2 existed (test/fixtures/logs/v1-torn-tail:
 * three 4 KiB segments, 120 JSON records at everyWrite, and 11 bytes of a torn record header
 * after the last one) opens unchanged: the same records, LSNs and recovery report as the
 * engine that wrote it gave (v1-torn-tail.expected.json, recorded with that engine), and it
 * can be appended to, with or without compression (a segment keeps its format; new ones
 * take the log's).
 */
import { createHash } from 'node:crypto';
import { cp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Wal, type WalOptions } from '../../src/engine/index.js';
import { decodeSegmentHeader } from '../../src/engine/format.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { dec, enc } from './support.js';

const FIXTURE = 'test/fixtures/logs/v1-torn-tail';

interface Expected {
  records: number;
  first: string;
  last: string;
  sha256: string;
  report: Record<string, unknown>;
  nextLsn: number;
}

const clock = { now: () => 0, sleep: async () => undefined };

async function withCopy(run: (root: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await makeTempDir();
  try {
    await cp(FIXTURE, join(dir, 'log'), { recursive: true });
    await run(dir);
  } finally {
    await cleanup();
  }
}

async function open(root: string, options: WalOptions): Promise<Wal> {
  return Wal.open({ fs: new NodeFileSystem(root), clock, dir: 'log' }, options);
}

async function versions(root: string): Promise<Record<string, number | undefined>> {
  const out: Record<string, number | undefined> = {};
  for (const name of (await readdir(join(root, 'log'))).filter((n) => n.endsWith('.log')).sort()) {
    const h = decodeSegmentHeader(new Uint8Array(await readFile(join(root, 'log', name))));
    out[name] = h.ok ? (h.header.version ?? 1) : undefined;
  }
  return out;
}

describe('a v1 log from before format v2', () => {
  it('opens with the same records, LSNs and report, and takes appends', async () => {
    const expected = JSON.parse(await readFile(`${FIXTURE}.expected.json`, 'utf8')) as Expected;
    await withCopy(async (root) => {
      const wal = await open(root, { segmentSize: 4096, preallocate: false });
      // The report's fields from before transactions existed are what they were; a v1 log holds no transactions.
      const { durationMs, transactions, ...report } = wal.report;
      expect(durationMs).toBeGreaterThanOrEqual(0);
      expect(transactions).toEqual({ committed: 0, incomplete: 0, incompleteRecords: 0 });
      expect(JSON.parse(JSON.stringify(report))).toEqual(expected.report);
      expect(wal.recovered.length).toBe(expected.records);
      expect(wal.recovered.map((r) => r.lsn)).toEqual(Array.from({ length: expected.records }, (_, i) => i + 1));
      const h = createHash('sha256');
      for (const r of wal.recovered) {
        h.update(String(r.lsn));
        h.update(r.data);
      }
      expect(h.digest('hex')).toBe(expected.sha256);
      expect(dec(wal.recovered[0]?.data ?? new Uint8Array())).toBe(expected.first);
      expect(wal.stats().nextLsn).toBe(expected.nextLsn);
      for (let i = 0; i < 60; i++) await wal.append(enc(`after-v1-${i}`));
      await wal.close();
      const again = await open(root, { segmentSize: 4096, preallocate: false });
      expect(again.recovered.length).toBe(expected.records + 60);
      expect(dec(again.recovered.at(-1)?.data ?? new Uint8Array())).toBe('after-v1-59');
      expect(again.report.corruption).toEqual([]);
      await again.close();
      // Without compression every segment, old and new, stays v1.
      expect(new Set(Object.values(await versions(root)))).toEqual(new Set([1]));
    });
  });

  it('opened with lz4: the v1 tail segment takes plain records, new segments are v2 with frames', async () => {
    await withCopy(async (root) => {
      const before = await versions(root);
      const wal = await open(root, { segmentSize: 4096, preallocate: false, compression: 'lz4', durability: { kind: 'groupCommit' } });
      const payload = (i: number) => enc(JSON.stringify({ event: 'order', id: 1000 + i, note: 'compressible '.repeat(3) }));
      await Promise.all(Array.from({ length: 300 }, (_, i) => wal.append(payload(i))));
      const stats = wal.stats();
      await wal.close();
      const after = await versions(root);
      for (const [name, v] of Object.entries(before)) expect(after[name], name).toBe(v);
      expect(Object.values(after)).toContain(2);
      expect(stats.compressedFrames).toBeGreaterThan(0);
      const again = await open(root, { segmentSize: 4096, preallocate: false });
      expect(again.recovered.length).toBe(420);
      expect(again.recovered.slice(120).map((r) => dec(r.data))).toEqual(Array.from({ length: 300 }, (_, i) => dec(payload(i))));
      expect(again.report.corruption).toEqual([]);
      await again.close();
    });
  });
});
