/**
 * The process-crash test: a child process appends durably (the built-in
 * engine with group commit, several concurrent appenders) and reports every
 * call and acknowledgement over IPC; the parent SIGKILLs it at a seeded
 * random moment, reopens the log itself and judges the recovery with the
 * judge of simulated runs (src/contract/judge.ts): every acknowledged record
 * survived, the recovered records are an exact, in-order, gap-free prefix,
 * no garbage, and the next child's LSNs go on above what was recovered.
 *
 * FAULTLINE_KILLS (default 50) sets the number of kills, FAULTLINE_SEED the
 * seed (printed, so a failing sequence of kill moments can be rerun).
 */
import { expect, it } from 'vitest';
import { envInt } from '../helpers/env.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { SEGMENT_SIZE } from './crash-child.js';
import { killLoop } from './kill-loop.js';
import { walPlugin } from '../../src/engine/index.js';

it('the built-in engine (group commit) keeps every acknowledged record across SIGKILLs', async () => {
  const seed = envInt('FAULTLINE_SEED', Date.now() % 2 ** 31);
  const kills = Math.max(1, envInt('FAULTLINE_KILLS', 50));
  console.log(`process-crash: seed ${seed}, ${kills} kills (rerun with FAULTLINE_SEED=${seed} FAULTLINE_KILLS=${kills})`);
  const { dir, cleanup } = await makeTempDir('faultline-kill-');
  try {
    const result = await killLoop(dir, {
      kills,
      seed,
      clients: 4,
      openPlugin: async () => walPlugin({ durability: { kind: 'groupCommit' }, segmentSize: SEGMENT_SIZE }),
    });
    console.log(
      `process-crash: ${result.kills} kills (${result.killedBeforeReady} during start-up), ${result.acknowledged} acknowledged appends, ${result.recovered} records at the end`,
    );
    expect(result.violation).toBeUndefined();
    expect(result.kills).toBe(kills);
    // The kills did land while appends were being acknowledged, so the check had something to check.
    expect(result.acknowledged).toBeGreaterThan(kills);
  } finally {
    await cleanup();
  }
}, 300_000);
