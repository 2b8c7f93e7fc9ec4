import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { Wal, type WalStats } from '../../src/engine/index.js';
import { createLogger, registerWalMetrics, walHealth } from '../../src/ops/index.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { FailingFileSystem, memEnv, SteppingClock } from '../engine/support.js';

function metricValue(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  if (found === undefined) throw new Error(`metric line ${line} missing in:\n${text}`);
  return Number(found.slice(line.length + 1));
}

describe('Prometheus metrics of a running log', () => {
  it('report the engine counters at scrape time', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const wal = await Wal.open(
        { fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'wal' },
        { durability: { kind: 'groupCommit' }, segmentSize: 64 * 1024 },
      );
      const registry = registerWalMetrics(wal, { labels: { log: 'orders' } });
      await Promise.all(Array.from({ length: 20 }, (_, i) => wal.append(new Uint8Array(100).fill(i))));
      const text = await registry.metrics();
      const stats = wal.stats();
      expect(metricValue(text, 'wal_appends_total{log="orders"}')).toBe(20);
      expect(metricValue(text, 'wal_batches_total{log="orders"}')).toBe(stats.batches);
      expect(metricValue(text, 'wal_flushes_total{log="orders"}')).toBe(stats.fsyncs);
      expect(metricValue(text, 'wal_bytes_written_total{log="orders"}')).toBe(stats.bytesWritten);
      expect(metricValue(text, 'wal_next_lsn{log="orders"}')).toBe(stats.nextLsn);
      expect(metricValue(text, 'wal_state{log="orders",state="open"}')).toBe(1);
      expect(metricValue(text, 'wal_state{log="orders",state="closed"}')).toBe(0);
      await wal.close();
      const after = await registry.metrics();
      expect(metricValue(after, 'wal_state{log="orders",state="closed"}')).toBe(1);
    } finally {
      await cleanup();
    }
  });

  it('count retries, exhausted retries and breaker opens, and show the breaker state', async () => {
    const fs = new FailingFileSystem(new MemfsFileSystem());
    const clock = new SteppingClock();
    const wal = await Wal.open(memEnv(fs, clock), {
      preallocate: false,
      durability: { kind: 'everyWrite' },
      retry: { maxAttempts: 3 },
      breaker: { failureThreshold: 1, coolDownMs: 10 },
    });
    const registry = registerWalMetrics(wal);
    fs.fail({ op: 'write', nth: 1, code: 'EAGAIN' });
    await wal.append(new Uint8Array(10));
    fs.fail({ op: 'write', nth: 1, code: 'EINTR', sticky: true });
    await expect(wal.append(new Uint8Array(10))).rejects.toMatchObject({ code: 'ETRANSIENT' });
    const text = await registry.metrics();
    expect(metricValue(text, 'wal_retries_total')).toBe(3);
    expect(metricValue(text, 'wal_retries_exhausted_total')).toBe(1);
    expect(metricValue(text, 'wal_breaker_opens_total')).toBe(1);
    expect(metricValue(text, 'wal_errors_total{type="transient"}')).toBe(1);
    expect(metricValue(text, 'wal_breaker_state{state="open"}')).toBe(1);
    expect(metricValue(text, 'wal_breaker_state{state="closed"}')).toBe(0);
    fs.clear();
    clock.advance(10);
    await wal.append(new Uint8Array(10));
    expect(metricValue(await registry.metrics(), 'wal_breaker_state{state="closed"}')).toBe(1);
    await wal.close();
  });

  it('refuses an invalid prefix with WalError EINVAL', () => {
    const source = {
      stats: (): WalStats => {
        throw new Error('not read');
      },
    };
    expect(() => registerWalMetrics(source, { prefix: 'bad prefix' })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

describe('health', () => {
  // A real log's stats as the base, so the shape follows the engine's WalStats.
  let base: WalStats;
  beforeAll(async () => {
    const { dir, cleanup } = await makeTempDir();
    const wal = await Wal.open({ fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'wal' });
    base = { ...wal.stats(), queueUtilisation: 0, backgroundErrors: 0, state: 'open' };
    await wal.close();
    await cleanup();
  });
  const of = (over: Partial<WalStats>) => ({ stats: (): WalStats => ({ ...base, ...over }) });

  it('is ok and ready for an open, idle log', () => {
    const h = walHealth(of({}), { freeBytes: 1e12 });
    expect(h.level).toBe('ok');
    expect(h.ready).toBe(true);
    expect(h.checks.map((c) => c.name)).toEqual(['state', 'breaker', 'queue', 'background', 'disk']);
  });

  it('is degraded and not ready while the circuit breaker is open; half-open it takes appends (its probe) again', () => {
    const open = walHealth(of({ breaker: 'open', breakerOpens: 3 }));
    expect(open).toMatchObject({ level: 'degraded', ready: false });
    expect(open.checks.find((c) => c.name === 'breaker')?.detail).toMatch(/open .*read-only \(ECIRCUITOPEN\).*opened 3 times/);
    const half = walHealth(of({ breaker: 'halfOpen' }));
    expect(half).toMatchObject({ level: 'degraded', ready: true });
    expect(walHealth(of({ breaker: 'closed' }))).toMatchObject({ level: 'ok', ready: true });
  });

  it('is degraded when the queue is nearly full or the disk is low, and not ready when the queue is full', () => {
    expect(walHealth(of({ queueUtilisation: 0.95 })).level).toBe('degraded');
    expect(walHealth(of({ queueUtilisation: 0.95 })).ready).toBe(true);
    expect(walHealth(of({ queueUtilisation: 1 })).ready).toBe(false);
    expect(walHealth(of({}), { freeBytes: 10 }).level).toBe('degraded');
    expect(walHealth(of({ backgroundErrors: 2 })).level).toBe('degraded');
  });

  it('is failed and not ready after fail-stop or read-only', () => {
    for (const state of ['failStopped', 'readOnly', 'closed'] as const) {
      const h = walHealth(of({ state }));
      expect(h.level).toBe('failed');
      expect(h.ready).toBe(false);
    }
  });

  it('rejects a bad threshold with WalError EINVAL', () => {
    expect(() => walHealth(of({}), { queueDegradedAt: 0 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

describe('structured logs', () => {
  it('writes JSON lines at the chosen level and refuses unknown levels', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ level: 'warn', destination });
    log.info('hidden');
    log.warn({ segment: 'wal-0000000000000001.log' }, 'torn tail truncated');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ name: 'faultline', msg: 'torn tail truncated', segment: 'wal-0000000000000001.log', level: 40 });
    expect(() => createLogger({ level: 'loud' })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
