/**
 * Hot backup on a real disk with appends running (backup-loop.ts): a writer
 * child backs its log up while its appenders go on, the log rotating and
 * truncatePrefix unlinking the segments being copied; every finished backup
 * verifies and restores every LSN acknowledged before backup() was called,
 * byte for byte, and nothing else. The child is SIGKILLed during a second
 * backup at a seeded step, around the manifest's rename, or after a seeded
 * delay: the backup is then whole and verifies, or has no manifest and is
 * refused by verifyBackup, restoreBackup and `faultline restore-backup`.
 *
 * FAULTLINE_KILLS (default 4: one round of each kill mode) sets the rounds
 * of each test, FAULTLINE_SEED the seed (printed, so a failing sequence of
 * kill points can be rerun).
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { envInt } from '../helpers/env.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { runFaultlineBundled } from '../helpers/cli.js';
import { backupLoop, KILL_MODES, type BackupLoopOptions, type BackupLoopResult } from './backup-loop.js';

const SEED = envInt('FAULTLINE_SEED', Date.now() % 2 ** 31);
const ROUNDS = Math.max(1, envInt('FAULTLINE_KILLS', KILL_MODES.length));

async function loop(name: string, options: Omit<BackupLoopOptions, 'seed' | 'rounds'>, withCli: boolean): Promise<BackupLoopResult> {
  console.log(`hot-backup ${name}: seed ${SEED}, ${ROUNDS} rounds (rerun with FAULTLINE_SEED=${SEED} FAULTLINE_KILLS=${ROUNDS})`);
  const { dir, cleanup } = await makeTempDir('faultline-backup-');
  try {
    const r = await backupLoop(dir, { ...options, seed: SEED, rounds: ROUNDS });
    const { problems, ...counts } = r;
    console.log(`hot-backup ${name}: ${JSON.stringify(counts)}`);
    expect(problems, `seed ${SEED}:\n${problems.join('\n')}`).toEqual([]);
    expect(r.rounds).toBe(ROUNDS);
    if (withCli) {
      // The command line refuses the unfinished backup (exit 1) and restores the finished one (exit 0).
      if (r.refusedDir !== undefined) {
        const refused = await runFaultlineBundled(['restore-backup', join(dir, r.refusedDir), join(dir, 'restores', 'cli-refused')]);
        expect(refused.code, refused.stderr).toBe(1);
        expect(refused.stderr).toMatch(/has no backup-manifest\.json: not a backup, or an unfinished one/);
      }
      const finished = await runFaultlineBundled([
        'restore-backup',
        join(dir, r.finishedDir ?? 'none'),
        join(dir, 'restores', 'cli-finished'),
      ]);
      expect(finished.stderr).toBe('');
      expect(finished.code).toBe(0);
    }
    return r;
  } finally {
    await cleanup();
  }
}

it('plain records: hot backups with appends, rotation and truncatePrefix running restore every acknowledged record; a killed backup is whole or refused', async () => {
  const r = await loop(
    'records',
    {
      transactions: false,
      clients: 3,
      durabilities: [{ kind: 'groupCommit' }, { kind: 'everyWrite' }, { kind: 'interval', ms: 5 }, { kind: 'none' }],
    },
    true,
  );
  // Every round restored its finished backup, each of which copied segments already unlinked from the live log.
  expect(r.restored).toBeGreaterThanOrEqual(ROUNDS);
  expect(r.copiedUnlinked).toBeGreaterThanOrEqual(ROUNDS);
  expect(r.acknowledged).toBeGreaterThan(0);
  if (ROUNDS >= KILL_MODES.length) {
    // The kill just before the manifest's rename leaves every segment copied and no manifest: refused; the one just after it verifies.
    expect(r.refusedWithFiles).toBeGreaterThanOrEqual(1);
    expect(r.refusedDir).toBeDefined();
    expect(r.restored).toBeGreaterThan(ROUNDS);
  }
}, 120_000);

it('transactions mixed with plain records: hot backups restore every acknowledged transaction whole; a killed backup is whole or refused', async () => {
  const r = await loop(
    'transactions',
    { transactions: true, clients: 3, durabilities: [{ kind: 'groupCommit' }, { kind: 'none' }] },
    false,
  );
  expect(r.restored).toBeGreaterThanOrEqual(ROUNDS);
  expect(r.restoredTransactions).toBeGreaterThan(0);
  expect(r.copiedUnlinked).toBeGreaterThanOrEqual(ROUNDS);
  if (ROUNDS >= KILL_MODES.length) {
    expect(r.refusedWithFiles).toBeGreaterThanOrEqual(1);
    expect(r.restored).toBeGreaterThan(ROUNDS);
  }
}, 120_000);
