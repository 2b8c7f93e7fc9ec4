/**
 * Proof of teeth: the built-in engine with ONE fdatasync turned into a no-op
 * (the nth datasync of every opened log resolves without persisting) fails
 * checkWal under power cuts, and the seed and path of the report replay the
 * same failure with the same trace.
 */
import { describe, expect, it } from 'vitest';
import { walPlugin } from '../../src/engine/index.js';
import { checkWal } from '../../src/harness/check.js';
import { replayFailure } from '../../src/harness/replay.js';
import { skipNthDatasync } from '../harness/helpers/skip-datasync.js';

const options = { segmentSize: 64 * 1024, durability: { kind: 'everyWrite' } } as const;

describe('one skipped fdatasync in the engine', () => {
  it('is caught, and the failure replays exactly', async () => {
    expect((await checkWal(walPlugin(options), { seed: 1, runs: 20, faults: ['crash'] })).ok).toBe(true);

    const broken = skipNthDatasync(walPlugin(options), 3, 'datasync');
    const r = await checkWal(broken, { seed: 1, runs: 100, faults: ['crash'], shrinkTimeLimitMs: 20_000 });
    expect(r.ok).toBe(false);
    const f = r.failure;
    if (f === undefined) throw new Error('expected a failure');
    expect(['durability', 'no-holes']).toContain(f.rule);
    expect(f.replayCommand).toContain(`--seed 1 --path ${f.fastCheck.path}`);

    const replay = await replayFailure(broken, { seed: f.seed, path: f.fastCheck.path, faults: ['crash'] });
    expect(replay.failure?.rule).toBe(f.rule);
    expect(replay.failure?.message).toBe(f.message);
    expect(replay.outcome.traceHash).toBe(f.traceHash);
  }, 120_000);
});
