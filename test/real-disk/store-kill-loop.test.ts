/**
 * The store SIGKILL loop (store-kill-loop.ts): the built-in store on a real
 * disk, with the LMDB state store and with the in-memory state (checkpoints
 * in the workload), loses no acknowledged transaction, applies none in part
 * and no aborted one, and keeps the serial order across kills; a store that
 * acknowledges before its commit reaches the log is caught by the
 * durability rule. FAULTLINE_KILLS raises the number of kills (default 8).
 */
import { expect, it } from 'vitest';
import { makeTempDir } from '../helpers/tmpdir.js';
import { storeKillLoop, type StoreKillLoopOptions, type StoreKillLoopResult } from './store-kill-loop.js';

const KILLS = Number(process.env.FAULTLINE_KILLS ?? 8);

async function loop(options: StoreKillLoopOptions): Promise<StoreKillLoopResult> {
  const { dir, cleanup } = await makeTempDir('faultline-store-kill-');
  try {
    return await storeKillLoop(dir, options);
  } finally {
    await cleanup();
  }
}

/** The violation and the loop's counts, for a failure message. */
function summary(r: StoreKillLoopResult): string {
  const { history: _history, ...counts } = r;
  return JSON.stringify(counts, null, 1);
}

it(`the store with the LMDB state loses nothing acknowledged through ${KILLS} SIGKILLs`, async () => {
  const r = await loop({ kills: KILLS, seed: 1, clients: 4, variant: 'lmdb' });
  expect(r.violation, summary(r)).toBeUndefined();
  expect(r.kills).toBe(KILLS);
  // There was something to judge: acknowledged transactions a recovery had to keep, and aborted ones it had to drop.
  expect(r.atStake).toBeGreaterThan(0);
  expect(r.aborted).toBeGreaterThan(0);
}, 120_000);

it('the store with the in-memory state and checkpoints loses nothing acknowledged through SIGKILLs', async () => {
  const kills = Math.max(4, Math.ceil(KILLS / 2));
  const r = await loop({ kills, seed: 2, clients: 4, variant: 'memory' });
  expect(r.violation, summary(r)).toBeUndefined();
  expect(r.kills).toBe(kills);
  expect(r.atStake).toBeGreaterThan(0);
  expect(r.history.calls.some((c) => c.kind === 'checkpoint')).toBe(true);
}, 120_000);

it('catches a store that acknowledges before its commit reaches the log, naming the durability rule', async () => {
  const r = await loop({ kills: 12, seed: 3, clients: 4, variant: 'lmdb-ack-early' });
  // A kill while a checkpoint() ran is reported under rule 5 (checkpoint), with the rule it broke as evidence.
  const v = r.violation;
  const broken = v?.rule === 'checkpoint' ? v.evidence.brokenRule : v?.rule;
  expect(broken, summary(r)).toBe('durability');
  expect(v?.message).toMatch(/acknowledged transaction\(s\) not applied/);
}, 120_000);
