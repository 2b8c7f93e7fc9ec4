/**
 * The failure database (issue 14, item 10): a failure is saved as an explicit
 * scenario file; a later check of the same plugin replays the saved scenarios
 * first, so a reintroduced bug is caught before any random run, whatever the
 * seed; `faultline replay --scenario FILE` replays one entry.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkWal } from '../../src/harness/check.js';
import { loadPluginModule } from '../../src/harness/plugin-module.js';
import { parseSavedFailure } from '../../src/harness/failure-db.js';
import type { WalPlugin } from '../../src/ports.js';
import { runFaultline } from '../helpers/cli.js';

const BUGGY = 'test/fixtures/wals/ack-before-fsync.ts';
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'faultline-failures-'));
  dirs.push(d);
  return d;
}

/** The correct WAL under the buggy one's name: what the user's WAL is once the bug is fixed. */
async function fixedUnderTheSameName(): Promise<WalPlugin> {
  const correct = await loadPluginModule('test/fixtures/wals/correct-simple.ts');
  return { ...correct, name: 'ack-before-fsync', open: (env) => correct.open(env) };
}

describe('the failure database', () => {
  it('saves a failure, replays it first, and catches the reintroduced bug before any random run', async () => {
    const db = await tempDir();
    const buggy = await loadPluginModule(BUGGY);
    const found = await checkWal(buggy, { seed: 4, runs: 50, faults: ['crash'], failureDir: db });
    expect(found.failure?.rule).toBe('durability');
    expect(found.savedReplayed).toBe(0);
    expect(found.savedTo).toBeDefined();
    expect(await readdir(db)).toHaveLength(1);
    const entry = parseSavedFailure(JSON.parse(await readFile(found.savedTo!, 'utf8')), found.savedTo!);
    expect(entry.plugin).toBe('ack-before-fsync');
    expect(entry.scenario).toEqual(found.failure?.counterexample);
    expect(entry.traceHash).toBe(found.failure?.traceHash);
    expect(entry.pluginModule).toBe(BUGGY);

    // The bug fixed: the saved scenario passes, then random search runs as usual.
    const fixed = await checkWal(await fixedUnderTheSameName(), { seed: 5, runs: 10, faults: ['crash'], failureDir: db });
    expect(fixed.ok).toBe(true);
    expect(fixed.savedReplayed).toBe(1);
    expect(fixed.runs).toBe(10);

    // The bug back, checked with another seed: the first scenario run, the saved one, catches it.
    const again = await checkWal(buggy, { seed: 999, runs: 50, faults: ['crash'], failureDir: db });
    expect(again.ok).toBe(false);
    expect(again.runs).toBe(0);
    expect(again.failure?.rule).toBe('durability');
    expect(again.failure?.traceHash).toBe(entry.traceHash);
    expect(again.failure?.replayCommand).toBe(`npx faultline replay ${BUGGY} --scenario ${found.savedTo}`);
    expect(again.savedTo).toBeUndefined();
    expect(await readdir(db)).toHaveLength(1);
  }, 60_000);

  it('a check replays only the entries of the plugin it checks', async () => {
    const db = await tempDir();
    const buggy = await loadPluginModule(BUGGY);
    await checkWal(buggy, { seed: 4, runs: 50, faults: ['crash'], failureDir: db });
    const other = await loadPluginModule('test/fixtures/wals/correct-simple.ts');
    const result = await checkWal(other, { seed: 4, runs: 5, failureDir: db });
    expect(result.savedReplayed).toBe(0);
  }, 60_000);

  it('a damaged entry is an error naming the file, never skipped', async () => {
    const db = await tempDir();
    await writeFile(join(db, 'broken.json'), '{"version":1,"plugin":"x"');
    const buggy = await loadPluginModule(BUGGY);
    await expect(checkWal(buggy, { seed: 1, runs: 1, failureDir: db })).rejects.toMatchObject({
      code: 'EINVAL',
      message: expect.stringContaining('broken.json'),
    });
    await writeFile(join(db, 'broken.json'), JSON.stringify({ version: 2, plugin: 'x' }));
    await expect(checkWal(buggy, { seed: 1, runs: 1, failureDir: db })).rejects.toMatchObject({
      code: 'EINVAL',
      message: expect.stringContaining('version must be 1'),
    });
  });

  it('the CLI saves by --failures, says so, and replay --scenario reproduces the entry with its trace hash', async () => {
    const db = await tempDir();
    const check = await runFaultline(['check', BUGGY, '--seed', '4', '--runs', '50', '--faults', 'crash', '--failures', db]);
    expect(check.code).toBe(1);
    const [name] = await readdir(db);
    const file = join(db, name!);
    expect(check.stdout).toContain(`saved the failure to ${file} (commit it: every later check replays it first)`);
    const entry = parseSavedFailure(JSON.parse(await readFile(file, 'utf8')), file);
    const again = await runFaultline(['check', BUGGY, '--seed', '77', '--runs', '50', '--faults', 'crash', '--failures', db]);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(`failure database: 1 saved scenario(s) of ${db} replayed first, and one still fails (above)`);
    expect(again.stdout).toContain(`replay with:   npx faultline replay ${BUGGY} --scenario ${file}`);
    const replay = await runFaultline(['replay', BUGGY, '--scenario', file, '--out', join(db, 'out')]);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain(`trace hash ${entry.traceHash}`);
    const bad = await runFaultline(['replay', BUGGY, '--scenario', file, '--seed', '4']);
    expect(bad.code).toBe(2);
  }, 90_000);
});
