/**
 * The ops HTTP server against a real log on a real temp directory
 * (NodeFileSystem + RealClock), queried with Node's fetch on 127.0.0.1, the
 * metrics parsed by a Prometheus text-format parser.
 */
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Wal, type WalStats } from '../../src/engine/index.js';
import { fsError } from '../../src/errors.js';
import { ForwardingFileHandle, ForwardingFileSystem } from '../../src/forwarding-file-system.js';
import type { FileHandle } from '../../src/ports.js';
import { serveOps, type OpsServer } from '../../src/ops/index.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { scrape, sampleValue } from './scrape.js';

const bound = (le: string): number => (le === '+Inf' ? Infinity : Number(le));

/** A real directory whose file datasyncs fail with EIO once `switch.failing` is set. */
class FailingSyncFs extends ForwardingFileSystem {
  readonly switch = { failing: false };
  protected override wrapHandle(handle: FileHandle): FileHandle {
    return new FailingSyncHandle(handle, this.switch);
  }
}

class FailingSyncHandle extends ForwardingFileHandle {
  constructor(
    inner: FileHandle,
    private readonly switch_: { failing: boolean },
  ) {
    super(inner);
  }
  override datasync(): Promise<void> {
    return this.switch_.failing ? Promise.reject(fsError('EIO', 'fdatasync')) : this.inner.datasync();
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function openLog(): Promise<{ wal: Wal; dir: string }> {
  const { dir, cleanup } = await makeTempDir('faultline-ops-');
  cleanups.push(cleanup);
  const wal = await Wal.open(
    { fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'wal' },
    { durability: { kind: 'groupCommit' }, segmentSize: 64 * 1024, preallocate: false },
  );
  cleanups.push(() => wal.close());
  return { wal, dir: join(dir, 'wal') };
}

async function serve(wal: Parameters<typeof serveOps>[0], options: Parameters<typeof serveOps>[1] = {}): Promise<OpsServer> {
  const server = await serveOps(wal, options);
  cleanups.push(() => server.close());
  return server;
}

describe('serveOps', () => {
  it('serves the metrics in the Prometheus text format, with the engine counters and the flush histogram', async () => {
    const { wal } = await openLog();
    const server = await serve(wal);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    await Promise.all(Array.from({ length: 40 }, (_, i) => wal.append(new Uint8Array(200).fill(i))));
    const { contentType, families } = await scrape(server.url);
    const stats = wal.stats();
    expect(contentType).toBe(new Registry().contentType);
    expect(sampleValue(families, 'wal_appends_total')).toBe(40);
    expect(sampleValue(families, 'wal_flushes_total')).toBe(stats.fsyncs);
    expect(sampleValue(families, 'wal_bytes_written_total')).toBe(stats.bytesWritten);
    expect(sampleValue(families, 'wal_queue_depth')).toBe(0);
    expect(sampleValue(families, 'wal_errors_total', { type: 'write' })).toBe(0);
    expect(
      families
        .get('wal_errors_total')
        ?.metrics.map((m) => m.labels?.['type'])
        .sort(),
    ).toEqual(['background', 'backpressure', 'sync', 'transient', 'write']);
    expect(sampleValue(families, 'wal_recovery_new_log')).toBe(1);
    const histogram = families.get('wal_flush_duration_seconds');
    expect(histogram?.type).toBe('HISTOGRAM');
    const h = histogram?.metrics[0];
    // Every file sync counted in wal_flushes_total is timed, since the open.
    expect(Number(h?.count)).toBe(stats.fsyncs);
    expect(Number(h?.buckets?.['+Inf'])).toBe(stats.fsyncs);
    expect(Number(h?.sum)).toBeGreaterThan(0);
    // By upper bound (an object's integer-like keys, "1" and "10", come first in key order).
    const byBound = Object.entries(h?.buckets ?? {}).sort(([a], [b]) => bound(a) - bound(b));
    expect(byBound.at(-1)?.[0]).toBe('+Inf');
    const cumulative = byBound.map(([, v]) => Number(v));
    expect(cumulative).toEqual([...cumulative].sort((a, b) => a - b));
  });

  it('answers the probes with the health JSON: live 200, ready 200 while open and 503 once closed', async () => {
    const { wal, dir } = await openLog();
    const server = await serve(wal, { diskPath: dir });
    const ready = await fetch(`${server.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('content-type')).toContain('application/json');
    const body = (await ready.json()) as Record<string, unknown> & { disk: { freeBytes?: number }; checks: { name: string }[] };
    expect(body).toMatchObject({ ready: true, level: 'ok', state: 'open', queueUtilisation: 0, flusher: 'none' });
    expect(['ok', 'none']).toContain(body['lastFlush']);
    expect(body.disk.freeBytes).toBeGreaterThan(0);
    expect(body.checks.map((c) => c.name)).toContain('disk');
    await wal.close();
    const notReady = await fetch(`${server.url}/health/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ ready: false, state: 'closed', level: 'failed' });
    const live = await fetch(`${server.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ ready: false, state: 'closed' });
  });

  it('reports the interval flusher and omits free space, with the reason, when no directory was given', async () => {
    const { dir, cleanup } = await makeTempDir('faultline-ops-');
    cleanups.push(cleanup);
    const wal = await Wal.open(
      { fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'wal' },
      { durability: { kind: 'interval', ms: 5 } },
    );
    const server = await serve(wal);
    const body = (await (await fetch(`${server.url}/health/live`)).json()) as {
      flusher: string;
      disk: { omitted?: string };
      checks: { name: string }[];
    };
    expect(body.flusher).toBe('running');
    expect(body.checks.map((c) => c.name)).toContain('flusher');
    expect(body.checks.map((c) => c.name)).not.toContain('disk');
    expect(body.disk.omitted).toMatch(/diskPath/);
    await wal.close();
    // The flusher notices the close when its current sleep (5 ms) ends.
    await vi.waitFor(() => expect(wal.stats().flusher).toBe('stopped'), { timeout: 2000 });
  });

  it('says degraded, with the statfs error, when the directory given cannot be measured', async () => {
    const { wal, dir } = await openLog();
    const server = await serve(wal, { diskPath: join(dir, 'no-such-dir') });
    const body = (await (await fetch(`${server.url}/health/ready`)).json()) as { level: string; disk: { error?: string } };
    expect(body.level).toBe('degraded');
    expect(body.disk.error).toMatch(/ENOENT/);
  });

  it('after a failed fdatasync: errors_total{type="sync"} counts it, the flush check fails and ready is 503', async () => {
    const { dir, cleanup } = await makeTempDir('faultline-ops-');
    cleanups.push(cleanup);
    const fs = new FailingSyncFs(new NodeFileSystem(dir));
    const wal = await Wal.open({ fs, clock: new RealClock(), dir: 'wal' }, { preallocate: false });
    cleanups.push(() => wal.close().catch(() => undefined)); // a fail-stopped log's close reports nothing new here
    const server = await serve(wal);
    await wal.append(new Uint8Array(8));
    fs.switch.failing = true;
    await expect(wal.append(new Uint8Array(8))).rejects.toMatchObject({ code: 'EFAILSTOP' });
    const { families } = await scrape(server.url);
    expect(sampleValue(families, 'wal_errors_total', { type: 'sync' })).toBe(1);
    const res = await fetch(`${server.url}/health/ready`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { lastFlush: string; state: string; checks: { name: string; level: string }[] };
    expect(body.lastFlush).toBe('failed');
    expect(body.state).toBe('failStopped');
    expect(body.checks).toContainEqual(expect.objectContaining({ name: 'flush', level: 'failed' }));
  });

  it('answers 404 for other paths and 405 for other methods, as JSON with a code', async () => {
    const { wal } = await openLog();
    const server = await serve(wal);
    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const post = await fetch(`${server.url}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect(await post.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
  });

  it('answers 500 with the WalError code when reading the stats fails', async () => {
    const { wal } = await openLog();
    let broken = false;
    const source = {
      stats: (): WalStats => {
        if (broken) throw Object.assign(new Error('stats unavailable'), { code: 'EIO' });
        return wal.stats();
      },
    };
    const server = await serve(source);
    broken = true;
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: 'EIO', message: 'stats unavailable' } });
  });

  it('refuses a port in use and a bad port with WalError EINVAL', async () => {
    const { wal } = await openLog();
    const first = await serve(wal);
    await expect(serveOps(wal, { port: first.port })).rejects.toMatchObject({
      name: 'WalError',
      code: 'EINVAL',
      message: expect.stringMatching(new RegExp(`port ${first.port} on 127\\.0\\.0\\.1 is already in use`)),
    });
    await expect(serveOps(wal, { port: 70000 })).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('close() stops listening and leaves the log open', async () => {
    const { wal } = await openLog();
    const server = await serveOps(wal);
    await server.close();
    await server.close();
    await expect(fetch(`${server.url}/health/live`)).rejects.toThrow();
    await expect(wal.append(new Uint8Array(1))).resolves.toBe(1);
  });
});
