/**
 * checkStore end to end on the simulator: a correct store passes every
 * contract fault, a store that acknowledges before its fdatasync is caught
 * with evidence and its report's seed and path replay the same run (same
 * trace hash), the failure database saves and replays a store failure,
 * floors turn a store that acknowledges nothing into a vacuous pass, and bad
 * input is a WalError.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkStore, formatStoreFailureReport, replayStoreFailure } from '../../src/harness/check-store.js';
import { renderStoreHtmlReport } from '../../src/harness/html-store.js';
import { loadStorePluginModule } from '../../src/harness/plugin-module.js';
import { runStoreScenario } from '../../src/harness/run-store.js';
import type { StorePlugin, StoreTransaction } from '../../src/ports.js';
import correctStore, { LogStore, logStorePlugin } from '../fixtures/stores/correct-log-store.js';

/** Acknowledges a commit once its bytes are written, before the fdatasync (the sync runs later, unawaited by the commit). */
class AckBeforeSync extends LogStore {
  protected override async append(bytes: Uint8Array): Promise<void> {
    await this.log.write(bytes, this.end);
    this.end += bytes.length;
  }
  override sync(): Promise<void> {
    return this.queue.run(() => this.log.datasync());
  }
}
const ackBeforeSync = logStorePlugin('ack-before-sync', AckBeforeSync);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('checkStore', () => {
  it('passes the correct store under every contract fault kind', async () => {
    const r = await checkStore(correctStore(), { seed: 1, runs: 60, transactionTimeoutMs: 100 });
    expect(r.failure?.message).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.summary.acknowledged).toBeGreaterThan(0);
    expect(r.summary.aborted).toBeGreaterThan(0);
    expect(r.summary.cutsAtStake).toBeGreaterThan(0);
  }, 60_000);

  it('catches a store that acknowledges before its fdatasync, and the report replays it exactly', async () => {
    const r = await checkStore(ackBeforeSync, {
      seed: 3,
      runs: 100,
      faults: ['crash'],
      pluginModule: 'ack-before-sync.ts',
      maxShrinkRuns: 50,
    });
    expect(r.ok).toBe(false);
    const f = r.failure;
    expect(f?.rule).toBe('durability');
    expect(f?.replayCommand).toMatch(/^npx faultline replay --store ack-before-sync\.ts --seed 3 --path \S+ --faults crash$/);
    const text = formatStoreFailureReport(f as NonNullable<typeof f>);
    expect(text).toContain('VIOLATION of rule "durability"');
    expect(text).toContain('txn(');
    const replay = await replayStoreFailure(ackBeforeSync, { seed: 3, path: f?.fastCheck.path ?? '', faults: ['crash'] });
    expect(replay.failure?.rule).toBe('durability');
    expect(replay.outcome.traceHash).toBe(f?.traceHash);
    const html = renderStoreHtmlReport(replay.outcome, replay.failure);
    expect(html).toContain('data-rule="durability"');
    expect(html).toContain('transaction e');
    // The epochs table heads its counts as a store's, not a log's.
    expect(html).toContain('<th>transactions</th><th>committed</th>');
    expect(html).not.toContain('<th>appends</th>');
  }, 60_000);

  it('the same seed gives the same run, bit for bit', async () => {
    const a = await runStoreScenario(correctStore(), { seed: 9, transactionTimeoutMs: 100 });
    const b = await runStoreScenario(correctStore(), { seed: 9, transactionTimeoutMs: 100 });
    expect(a.traceHash).toBe(b.traceHash);
    expect(a.history.length).toBe(b.history.length);
  });

  it('saves a failure and replays it first in the next check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-store-db-'));
    dirs.push(dir);
    const first = await checkStore(ackBeforeSync, { seed: 3, runs: 100, faults: ['crash'], failureDir: dir, maxShrinkRuns: 20 });
    expect(first.savedTo).toBeDefined();
    const again = await checkStore(ackBeforeSync, { seed: 99, runs: 5, faults: ['crash'], failureDir: dir });
    expect(again.runs).toBe(0);
    expect(again.savedReplayed).toBe(1);
    expect(again.failure?.replayCommand).toContain('--store');
    expect(again.failure?.replayCommand).toContain('--scenario');
    // A log check of the same name does not take the store's entry.
    const { loadSavedFailures } = await import('../../src/harness/failure-db.js');
    expect(await loadSavedFailures(dir, 'ack-before-sync')).toEqual([]);
  }, 60_000);

  it('a store that acknowledges nothing is a vacuous pass', async () => {
    class Never extends LogStore {
      override transaction<T>(): Promise<T> {
        return Promise.reject(new Error('refuses every transaction'));
      }
    }
    const r = await checkStore(logStorePlugin('never', Never), { seed: 1, runs: 10 });
    expect(r.ok).toBe(true);
    expect(r.vacuous?.join(' ')).toContain('0 acknowledged transaction(s)');
  }, 30_000);

  it('a transaction() that resolves although its fn rejected breaks rule 3', async () => {
    class Swallows extends LogStore {
      override transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
        return super.transaction(fn).catch(() => undefined as T);
      }
    }
    const r = await checkStore(logStorePlugin('swallows', Swallows), { seed: 2, runs: 50, faults: [] });
    expect(r.failure?.rule).toBe('aborted');
    expect(r.failure?.message).toContain('resolved although its fn rejected');
  }, 30_000);

  it('refuses what is not a store plugin, and bad options', async () => {
    await expect(checkStore({ name: 'x' } as unknown as StorePlugin)).rejects.toMatchObject({ code: 'EPLUGIN' });
    await expect(checkStore(correctStore(), { runs: 0 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(checkStore(correctStore(), { keys: 0 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(checkStore(correctStore(), { faults: ['nope' as never] })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(loadStorePluginModule(join(import.meta.dirname, '../fixtures/wals/correct-simple.ts'))).rejects.toMatchObject({
      code: 'EPLUGIN',
    });
  });

  it('loads a store module whose default export is a factory', async () => {
    const p = await loadStorePluginModule(join(import.meta.dirname, '../fixtures/stores/correct-log-store.ts'), { timeoutMs: 50 });
    expect(p.name).toBe('correct-log-store');
    expect(p.durableCommit).toBe(true);
  });
});
