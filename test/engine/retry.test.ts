/**
 * The engine's retries of transient I/O errors and its circuit breaker
 * (src/engine/retrying-fs.ts, circuit-breaker.ts, retry-policy.ts): the
 * backoff schedule on the injected clock, the bounds by attempts and by time,
 * a partial write retried in place, fsyncs never retried, the breaker's
 * transitions and the read-only rejections while it is open, the options'
 * validation, and the log events with their segment context.
 */
import { describe, expect, it } from 'vitest';
import { Wal, type WalLogger, type WalOptions } from '../../src/engine/index.js';
import { backoffDelay, DEFAULT_RETRY, resolveBreaker, resolveRetry } from '../../src/engine/retry-policy.js';
import { CircuitBreaker } from '../../src/engine/circuit-breaker.js';
import { SILENT_LOGGER } from '../../src/engine/logger.js';
import { WalError } from '../../src/errors.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { dec, enc, FailingFileSystem, memEnv, SteppingClock } from './support.js';

type Event = { level: string; fields: Record<string, unknown>; message: string };

function recordingLogger(): { logger: WalLogger; events: Event[] } {
  const events: Event[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      events.push({ level, fields, message });
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, events };
}

/** A log on memfs behind a FailingFileSystem, on a clock that moves only when the engine sleeps (or the test advances it). */
async function openLog(options: WalOptions = {}) {
  const fs = new FailingFileSystem(new MemfsFileSystem());
  const clock = new SteppingClock();
  const wal = await Wal.open(memEnv(fs, clock), { preallocate: false, durability: { kind: 'everyWrite' }, random: () => 0.5, ...options });
  return { fs, clock, wal };
}

async function reopened(fs: FailingFileSystem): Promise<string[]> {
  fs.clear();
  const wal = await Wal.open(memEnv(fs, new SteppingClock()), { preallocate: false });
  const records = wal.recovered.map((r) => `${r.lsn}:${dec(r.data)}`);
  await wal.close();
  return records;
}

describe('the backoff schedule', () => {
  it('doubles from baseDelayMs up to maxDelayMs, the jitter share scaled by the draw', () => {
    const p = resolveRetry({ baseDelayMs: 2, maxDelayMs: 10, jitter: 0 });
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(p, n, 0.9))).toEqual([2, 4, 8, 10, 10]);
    const j = resolveRetry({ baseDelayMs: 4, maxDelayMs: 100, jitter: 0.5 });
    expect(backoffDelay(j, 1, 0)).toBe(2);
    expect(backoffDelay(j, 1, 0.5)).toBe(3);
    expect(backoffDelay(j, 3, 0.25)).toBe(16 * 0.5 + 16 * 0.5 * 0.25);
    const full = resolveRetry({ baseDelayMs: 8, jitter: 1 });
    expect(backoffDelay(full, 1, 0)).toBe(0);
    // A huge retry number stays finite and capped.
    expect(backoffDelay(p, 10_000, 0)).toBe(10);
  });

  it('defaults: 5 attempts, 1 ms doubling to 50 ms, 500 ms in all, half of each backoff jittered', () => {
    expect(resolveRetry(undefined)).toEqual({ maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 50, maxElapsedMs: 500, jitter: 0.5 });
    expect(DEFAULT_RETRY.maxAttempts).toBe(5);
    expect(resolveBreaker(undefined)).toEqual({ failureThreshold: 5, coolDownMs: 1000 });
  });
});

describe('options', () => {
  const bad: [string, unknown][] = [
    ['retry must be an object', { retry: 3 }],
    ["unknown option 'retry.attempts'", { retry: { attempts: 3 } }],
    ['retry.maxAttempts must be an integer in [1, 1000], got 0', { retry: { maxAttempts: 0 } }],
    ['retry.maxAttempts must be an integer in [1, 1000], got 1.5', { retry: { maxAttempts: 1.5 } }],
    ['retry.baseDelayMs must be an integer in [0, 3600000], got -1', { retry: { baseDelayMs: -1 } }],
    ['retry.maxDelayMs (5) must be at least retry.baseDelayMs (10)', { retry: { baseDelayMs: 10, maxDelayMs: 5 } }],
    ['retry.maxElapsedMs must be an integer', { retry: { maxElapsedMs: 'soon' } }],
    ['retry.jitter must be a number in [0, 1], got 2', { retry: { jitter: 2 } }],
    ['breaker must be an object', { breaker: null }],
    ["unknown option 'breaker.threshold'", { breaker: { threshold: 2 } }],
    ['breaker.failureThreshold must be an integer in [1, 1000000], got 0', { breaker: { failureThreshold: 0 } }],
    ['breaker.coolDownMs must be an integer in [0, 86400000], got -5', { breaker: { coolDownMs: -5 } }],
  ];
  it.each(bad)('refuses with EINVAL: %s', async (message, options) => {
    await expect(Wal.open(memEnv(), options as WalOptions)).rejects.toMatchObject({
      code: 'EINVAL',
      message: expect.stringContaining(message),
    });
  });

  it('a baseDelayMs above the default cap raises the cap to it rather than refusing', () => {
    expect(resolveRetry({ baseDelayMs: 80 })).toMatchObject({ baseDelayMs: 80, maxDelayMs: 80 });
  });

  it('a random option that returns a value outside [0, 1) fails the retry with EINVAL', async () => {
    let draws = 0;
    // The salt takes the first two draws; the retry's jitter the third.
    const bent = await openLog({ random: () => (++draws <= 2 ? 0.5 : 7) });
    bent.fs.fail({ op: 'write', nth: 1, code: 'EAGAIN' });
    await expect(bent.wal.append(enc('x'))).rejects.toMatchObject({
      code: 'EINVAL',
      cause: expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('the random option returned 7') }),
    });
    await bent.wal.close();
  });
});

describe('retries', () => {
  it('a write that fails EAGAIN twice after landing a prefix is retried in place: one record, acknowledged once, no duplicate', async () => {
    const { fs, clock, wal } = await openLog();
    await wal.append(enc('first'));
    const t0 = clock.now();
    fs.fail({ op: 'write', nth: 1, code: 'EAGAIN', partialBytes: 7 });
    fs.fail({ op: 'write', nth: 1, code: 'EINTR', partialBytes: 3 }); // counts only the writes the first rule passed over
    const writesBefore = fs.calls.write;
    expect(await wal.append(enc('second'))).toBe(2);
    expect(fs.calls.write - writesBefore).toBe(3);
    // Two backoffs on the injected clock: 1 and 2 ms, each 0.5 fixed + 0.5 jittered at the draw 0.5.
    expect(clock.now() - t0).toBe(0.75 + 1.5);
    const s = wal.stats();
    expect(s).toMatchObject({ retries: 2, retriesExhausted: 0, writeErrors: 0, rollbacks: 0, breaker: 'closed', breakerOpens: 0 });
    expect(await wal.append(enc('third'))).toBe(3);
    await wal.close();
    expect(await reopened(fs)).toEqual(['1:first', '2:second', '3:third']);
  });

  it('EBUSY on reads during recovery is retried: the log opens with every record', async () => {
    const { fs, wal } = await openLog();
    for (const s of ['a', 'b', 'c']) await wal.append(enc(s));
    await wal.close();
    fs.fail({ op: 'read', nth: 1, code: 'EBUSY' });
    fs.fail({ op: 'read', nth: 1, code: 'EBUSY' });
    fs.fail({ op: 'open', nth: 2, code: 'EINTR' });
    const again = await Wal.open(memEnv(fs, new SteppingClock()), { preallocate: false });
    expect(again.recovered.map((r) => dec(r.data))).toEqual(['a', 'b', 'c']);
    expect(again.stats().retries).toBe(3);
    await again.close();
  });

  it('gives up after maxAttempts: the append rejects ETRANSIENT with the cause, the batch is rolled back, the log goes on', async () => {
    const { logger, events } = recordingLogger();
    const { fs, wal } = await openLog({ retry: { maxAttempts: 3 }, logger });
    await wal.append(enc('kept'));
    fs.fail({ op: 'write', nth: 1, code: 'EAGAIN', sticky: true, partialBytes: 5 });
    const err = await wal.append(enc('refused')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ETRANSIENT', details: expect.objectContaining({ offset: expect.any(Number) }) });
    const cause = (err as Error).cause as { code: string; details: Record<string, unknown>; cause: { code: string } };
    expect(cause).toMatchObject({ code: 'ETRANSIENT', details: { syscall: 'write', code: 'EAGAIN', attempts: 3 } });
    expect(cause.cause.code).toBe('EAGAIN');
    expect(wal.stats()).toMatchObject({ retries: 2, retriesExhausted: 1, writeErrors: 1, rollbacks: 1, breaker: 'closed' });
    const gaveUp = events.find((e) => e.message === 'transient I/O error persisted past its retries');
    expect(gaveUp).toMatchObject({ level: 'warn', fields: { syscall: 'write', code: 'EAGAIN', attempts: 3 } });
    expect(String(gaveUp?.fields.segment)).toMatch(/\.log$/);
    fs.clear();
    expect(await wal.append(enc('after'))).toBe(2);
    await wal.close();
    expect(await reopened(fs)).toEqual(['1:kept', '2:after']);
  });

  it('gives up when the next backoff would pass maxElapsedMs', async () => {
    const { fs, clock, wal } = await openLog({
      retry: { maxAttempts: 100, baseDelayMs: 10, maxDelayMs: 1000, maxElapsedMs: 25, jitter: 0 },
    });
    fs.fail({ op: 'write', nth: 1, code: 'EINTR', sticky: true });
    const t0 = clock.now();
    const err = (await wal.append(enc('x')).catch((e: unknown) => e)) as { cause: { details: Record<string, unknown> } };
    // Slept 10 ms after the first attempt; 10 + 20 would pass 25, so the second attempt was the last.
    expect(err.cause.details).toMatchObject({ attempts: 2, elapsedMs: 10 });
    expect(clock.now() - t0).toBe(10);
    await wal.close();
  });

  it('maxAttempts 1 turns retrying off: the first transient error is final', async () => {
    const { fs, wal } = await openLog({ retry: { maxAttempts: 1 } });
    fs.fail({ op: 'write', nth: 1, code: 'EAGAIN' });
    await expect(wal.append(enc('x'))).rejects.toMatchObject({ code: 'ETRANSIENT' });
    expect(wal.stats().retries).toBe(0);
    await wal.close();
  });

  it('never retries a failed fsync, whatever its code: the log stops (EFAILSTOP) as before', async () => {
    for (const code of ['EAGAIN', 'EINTR', 'EBUSY']) {
      const { fs, wal } = await openLog();
      await wal.append(enc('a'));
      const before = fs.calls.datasync;
      fs.fail({ op: 'datasync', nth: 1, code });
      await expect(wal.append(enc('b'))).rejects.toMatchObject({ code: 'EFAILSTOP' });
      expect(fs.calls.datasync - before).toBe(1);
      expect(wal.stats()).toMatchObject({ retries: 0, state: 'failStopped', breaker: 'closed' });
      await wal.close();
    }
    const { fs, wal } = await openLog({ durability: { kind: 'none' }, segmentSize: 4096 });
    fs.fail({ op: 'syncDir', nth: 1, code: 'EINTR' });
    const syncDirs = fs.calls.syncDir;
    // A rotation syncs the directory: the EINTR there stops the log, unretried.
    let failed: unknown;
    for (let i = 0; i < 20 && failed === undefined; i++) await wal.append(new Uint8Array(500)).catch((e: unknown) => (failed = e));
    expect(failed).toMatchObject({ code: 'EFAILSTOP' });
    expect(fs.calls.syncDir - syncDirs).toBe(1);
    expect(wal.stats().retries).toBe(0);
    await wal.close();
  });
});

describe('the circuit breaker', () => {
  it('opens after failureThreshold exhausted writes, refuses appends, transactions, sync and truncatePrefix with ECIRCUITOPEN, half-opens after the cool-down and closes on a good probe', async () => {
    const { logger, events } = recordingLogger();
    const { fs, clock, wal } = await openLog({
      retry: { maxAttempts: 2 },
      breaker: { failureThreshold: 2, coolDownMs: 100 },
      transactions: true,
      logger,
    });
    await wal.append(enc('before'));
    fs.fail({ op: 'write', nth: 1, code: 'EBUSY', sticky: true, partialBytes: 4 });
    // everyWrite: one append per batch. The first two batches give up; the second opens the breaker, and the third, queued, is rejected unwritten.
    const settled = await Promise.allSettled([wal.append(enc('x1')), wal.append(enc('x2')), wal.append(enc('x3'))]);
    expect(settled.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok'))).toEqual([
      'ETRANSIENT',
      'ETRANSIENT',
      'ECIRCUITOPEN',
    ]);
    expect(wal.stats()).toMatchObject({ breaker: 'open', breakerOpens: 1, retriesExhausted: 2, state: 'open' });
    const refusal = await wal.append(enc('y')).catch((e: unknown) => e);
    expect(refusal).toMatchObject({ code: 'ECIRCUITOPEN', details: { consecutiveFailures: 2 } });
    expect((refusal as Error).message).toMatch(
      /read-only: its circuit breaker opened after 2 consecutive operations failed.*EBUSY on write of .*\.log/,
    );
    await expect(wal.appendTransaction([enc('t')])).rejects.toMatchObject({ code: 'ECIRCUITOPEN' });
    await expect(wal.sync()).rejects.toMatchObject({ code: 'ECIRCUITOPEN' });
    await expect(wal.truncatePrefix(1)).rejects.toMatchObject({ code: 'ECIRCUITOPEN' });
    const opened = events.find((e) => e.message.startsWith('circuit breaker opened'));
    expect(opened).toMatchObject({ level: 'error', fields: { syscall: 'write', code: 'EBUSY', consecutiveFailures: 2, from: 'closed' } });
    expect(String(opened?.fields.segment)).toMatch(/\.log$/);

    fs.clear();
    clock.advance(99);
    expect(wal.stats().breaker).toBe('open');
    clock.advance(1);
    expect(wal.stats().breaker).toBe('halfOpen');
    expect(events.some((e) => e.message.startsWith('circuit breaker half-open'))).toBe(true);
    expect(await wal.append(enc('probe'))).toBe(2);
    expect(wal.stats().breaker).toBe('closed');
    expect(events.find((e) => e.message.startsWith('circuit breaker closed'))?.fields.segment).toMatch(/\.log$/);
    expect(await wal.appendTransaction([enc('t1'), enc('t2')])).toBe(5);
    await wal.sync();
    await wal.close();
    // Nothing refused or given up on was written; the rest is there once, in order.
    expect(await reopened(fs)).toEqual(['1:before', '2:probe', '3:t1', '4:t2']);
  });

  it('a failed probe reopens it for another cool-down', async () => {
    const { fs, clock, wal } = await openLog({ retry: { maxAttempts: 1 }, breaker: { failureThreshold: 1, coolDownMs: 50 } });
    fs.fail({ op: 'write', nth: 1, code: 'EAGAIN', sticky: true });
    await expect(wal.append(enc('a'))).rejects.toMatchObject({ code: 'ETRANSIENT' });
    expect(wal.stats().breaker).toBe('open');
    clock.advance(50);
    expect(wal.stats().breaker).toBe('halfOpen');
    await expect(wal.append(enc('probe'))).rejects.toMatchObject({ code: 'ETRANSIENT' });
    expect(wal.stats()).toMatchObject({ breaker: 'open', breakerOpens: 2 });
    await expect(wal.append(enc('b'))).rejects.toMatchObject({ code: 'ECIRCUITOPEN' });
    fs.clear();
    clock.advance(50);
    expect(await wal.append(enc('c'))).toBe(1);
    expect(wal.stats().breaker).toBe('closed');
    await wal.close();
    expect(await reopened(fs)).toEqual(['1:c']);
  });

  it('a success in between resets the count: failures must be consecutive', () => {
    let now = 0;
    const b = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 10 }, () => now, SILENT_LOGGER, '/wal');
    const refusals: string[] = [];
    b.onOpen((e) => refusals.push(e.code));
    const err = () => ({
      path: '/wal/1.log',
      syscall: 'write',
      error: new WalError('ETRANSIENT', 'write of /wal/1.log gave up', { details: { code: 'EAGAIN' } }),
    });
    b.failed(err());
    b.failed(err());
    b.succeeded('/wal/1.log');
    b.failed(err());
    b.failed(err());
    expect(b.state).toBe('closed');
    expect(b.consecutiveFailures).toBe(2);
    b.failed(err());
    expect(b.state).toBe('open');
    expect(refusals).toEqual(['ECIRCUITOPEN']);
    expect(b.refusal()?.details).toMatchObject({ reopensInMs: 10, segment: '1.log' });
    now = 4;
    expect(b.refusal()?.details.reopensInMs).toBe(6);
    // A failure while open (another operation ending late) does not reopen it or move its cool-down.
    b.failed(err());
    expect(b.opens).toBe(1);
    now = 10;
    expect(b.state).toBe('halfOpen');
    expect(b.refusal()).toBeUndefined();
  });

  it('is no part of the log state: a fail-stopped log reports its own error first', async () => {
    const { fs, wal } = await openLog({ retry: { maxAttempts: 1 }, breaker: { failureThreshold: 1 } });
    fs.fail({ op: 'datasync', nth: 1, code: 'EIO' });
    await expect(wal.append(enc('a'))).rejects.toMatchObject({ code: 'EFAILSTOP' });
    await expect(wal.append(enc('b'))).rejects.toMatchObject({ code: 'EFAILSTOP' });
    expect(wal.stats().breaker).toBe('closed');
    await wal.close();
  });
});
