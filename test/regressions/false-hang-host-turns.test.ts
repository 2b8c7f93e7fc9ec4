/**
 * Regression (issue 14, defect 1: a false alarm of the harness). A plugin
 * that awaits a process.nextTick (or an immediate) before a file call was
 * reported as hanging: while the harness waited on the call, its own
 * liveness deadline was the only pending timer, and the scheduler jumped
 * virtual time to it without giving the host a turn. With `--faults crash`
 * the fixture was flagged at the first run of seed 1 ("1 call(s) did not
 * settle within 60000 ms of virtual time (open)"). The scheduler now gives
 * the host real turns before it moves virtual time (docs/architecture.md).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkWal } from '../../src/harness/check.js';
import type { WalPlugin } from '../../src/ports.js';

const pluginModule = join(import.meta.dirname, '../fixtures/wals/host-awaiting.ts');

describe('a plugin that awaits the host before its file calls is not reported as hanging', () => {
  it('seed 1 under crash (where the false hang was reported at the first run)', async () => {
    const plugin = ((await import(pluginModule)) as { default: WalPlugin }).default;
    const result = await checkWal(plugin, { seed: 1, runs: 100, faults: ['crash'], pluginModule });
    expect(result.failure?.message).toBeUndefined();
    expect(result.runs).toBe(100);
    expect(result.summary.crashes).toBeGreaterThan(0);
  }, 120_000);

  it('seed 2 under every contract fault kind', async () => {
    const plugin = ((await import(pluginModule)) as { default: WalPlugin }).default;
    const result = await checkWal(plugin, { seed: 2, runs: 100, pluginModule });
    expect(result.failure?.message).toBeUndefined();
    expect(result.runs).toBe(100);
  }, 120_000);
});
