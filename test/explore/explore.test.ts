/**
 * The bounded exhaustive explorer (src/harness/explore.ts): its workload
 * enumeration and symmetry count, its bounds, what it catches of the corpus
 * within 2 clients by 3 operations (and what it cannot, and why), the racing
 * truncation found by exploring its one workload, and replay of a
 * counterexample, from code and from the command line.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exploreWal, exploreWorkloads, replayExploreState } from '../../src/harness/explore.js';
import type { WalPlugin } from '../../src/ports.js';
import { isWalError } from '../../src/errors.js';
import { runFaultline } from '../helpers/cli.js';

const fixtures = join(import.meta.dirname, '../fixtures/wals');
async function fixture(name: string): Promise<WalPlugin> {
  return ((await import(join(fixtures, `${name}.ts`))) as { default: WalPlugin }).default;
}

/** Corpus fixtures whose bug fits in 2 clients by 3 operations, one power cut, no other fault: the rule each breaks. */
const CAUGHT_AT_2X3: Record<string, string[]> = {
  'ack-before-fsync': ['durability'],
  'ack-before-write': ['durability'],
  'no-dir-fsync': ['durability'],
  'no-checksum': ['integrity', 'order'],
  'refuse-torn-tail': ['recovery-works'],
  'truncate-prefix-off-by-one': ['durability', 'no-holes'],
  'rename-without-fsync': ['durability', 'no-holes'],
  'lsn-restart': ['lsns-go-on', 'order', 'integrity'],
  'lsn-before-queue': ['order'],
  'group-commit-joins-inflight-fsync': ['durability'],
};

/** Fixtures the explorer cannot catch within that bound, and why (docs/explore.md). */
const BEYOND_2X3: Record<string, string> = {
  'fsync-retry': 'needs an injected fsync error: the explorer cuts power only',
  'enospc-no-rollback': 'needs an injected ENOSPC',
  'read-error-as-eof': 'needs an injected read error',
  'skip-corrupted-frames': 'needs a flipped bit',
  'append-after-torn-tail': 'needs a second power cut after appending behind the torn tail: the explorer cuts once',
  'racing-truncate-unlinks': 'needs 6 operations: 4 appends and 2 truncatePrefix calls',
};

const RACE_WORKLOAD = [
  ['append-large', 'append-large', 'append-large', 'truncate'],
  ['append-large', 'truncate'],
];

describe('explore: workloads', () => {
  it('enumerates every multiset of operation lists within the bound, and counts the client orders it stands for', () => {
    const w = exploreWorkloads(2, 3);
    // One client: 4 + 16 + 64 lists; two: 10 pairs of single operations, 4 x 16 of one and two.
    expect(w.length).toBe(84 + 10 + 64);
    // Ordered, the two-client workloads are 16 + 2 x 64: 70 more than the multisets.
    expect(w.reduce((n, x) => n + x.orders - 1, 0)).toBe(70);
    expect(new Set(w.map((x) => JSON.stringify(x.workload))).size).toBe(w.length);
    for (const x of w) expect(x.workload.flat().length).toBeLessThanOrEqual(3);
    expect(exploreWorkloads(1, 1).map((x) => x.workload)).toEqual(
      [['append-small'], ['append-large'], ['sync'], ['truncate']].map((c) => [c]),
    );
  });

  it('refuses a bound out of range, an unknown operation, and a workload given with clients and ops', async () => {
    const plugin = await fixture('correct-simple');
    for (const bad of [
      { clients: 0, ops: 2 },
      { clients: 2, ops: 9 },
      { workload: [['fly']] },
      { workload: [['sync']], clients: 1, ops: 1 },
      {},
    ]) {
      const err = await exploreWal(plugin, bad).catch((e: unknown) => e);
      expect(isWalError(err, 'EINVAL'), JSON.stringify(bad)).toBe(true);
    }
  });
});

describe('explore: bounds', () => {
  it('stops at the state bound and says the search is incomplete', async () => {
    const r = await exploreWal(await fixture('correct-simple'), { clients: 2, ops: 3, maxStates: 50 });
    expect(r).toMatchObject({ ok: true, stoppedBy: 'max-states', complete: false, states: 50 });
  });

  it('a crash-image cap that cuts points short leaves the search incomplete, though every state examined passed', async () => {
    const r = await exploreWal(await fixture('correct-simple'), { clients: 1, ops: 2, imageCap: 1 });
    expect(r.stoppedBy).toBe('complete');
    expect(r.cappedPoints).toBeGreaterThan(0);
    expect(r.complete).toBe(false);
  });
});

describe('explore: the corpus within 2 clients by 3 operations', () => {
  for (const [name, rules] of Object.entries(CAUGHT_AT_2X3)) {
    it(`catches ${name} (${rules.join(' or ')}), and the replay of its counterexample shows the same rule`, async () => {
      const plugin = await fixture(name);
      const r = await exploreWal(plugin, { clients: 2, ops: 3, pluginModule: `test/fixtures/wals/${name}.ts` });
      expect(r.ok).toBe(false);
      const cx = r.counterexample;
      expect(rules).toContain(cx?.violation.rule);
      expect(cx?.replayCommand).toContain(`explore test/fixtures/wals/${name}.ts --replay`);
      const again = await replayExploreState(plugin, cx as NonNullable<typeof cx>);
      expect(again.violation?.rule).toBe(cx?.violation.rule);
    }, 120_000);
  }

  for (const [name, why] of Object.entries(BEYOND_2X3)) {
    it(`finds nothing in ${name} (${why}): every state within the bound passes`, async () => {
      const r = await exploreWal(await fixture(name), { clients: 2, ops: 3 });
      expect(r.counterexample?.violation.message).toBeUndefined();
      expect(r).toMatchObject({ ok: true, complete: true, workloads: 158 });
    }, 120_000);
  }

  for (const name of ['correct-simple', 'correct-segmented']) {
    it(`${name} passes every crash state of every workload within the bound`, async () => {
      const r = await exploreWal(await fixture(name), { clients: 2, ops: 3 });
      expect(r).toMatchObject({ ok: true, complete: true, stoppedBy: 'complete', workloads: 158, prunedSymmetric: 70 });
      expect(r.interleavings).toBeGreaterThan(r.workloads);
      expect(r.states).toBeGreaterThan(r.interleavings);
    }, 120_000);
  }
});

describe('explore: the racing truncations, by their one workload', () => {
  it('catches racing-truncate-unlinks', async () => {
    const race = await exploreWal(await fixture('racing-truncate-unlinks'), { workload: RACE_WORKLOAD });
    expect(race.counterexample?.violation.rule).toBe('durability');
  }, 120_000);

  // Its control must pass the same workload: 30,655 interleavings, about a minute of CPU, so only on request.
  it.runIf(process.env.FAULTLINE_EXPLORE_DEEP === '1')(
    'correct-segmented passes every crash state of that workload',
    async () => {
      const control = await exploreWal(await fixture('correct-segmented'), { workload: RACE_WORKLOAD });
      expect(control.counterexample?.violation.message).toBeUndefined();
      expect(control).toMatchObject({ ok: true, complete: true });
    },
    600_000,
  );
});

describe('faultline explore', () => {
  it('exits 1 with the counterexample and a replay command that reproduces it (exit 1), and 2 for a plugin that does not reach it', async () => {
    const found = await runFaultline(['explore', 'test/fixtures/wals/lsn-before-queue.ts', '--clients', '2', '--ops', '2']);
    expect(found.code).toBe(1);
    expect(found.stdout).toContain('VIOLATION of rule "order"');
    expect(found.stdout).toMatch(/crash points: +\d+/);
    const replay = /replay with: +npx faultline (explore .*)$/m.exec(found.stdout)?.[1];
    expect(replay).toBeDefined();
    const json = /--replay '(.*)'$/.exec(replay as string)?.[1] as string;
    const again = await runFaultline(['explore', 'test/fixtures/wals/lsn-before-queue.ts', '--replay', json]);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('VIOLATION of rule "order"');
    const other = await runFaultline(['explore', 'test/fixtures/wals/correct-simple.ts', '--replay', json]);
    expect(other.code).toBe(2);
  }, 120_000);

  it('prints its counts and exits 0 for a complete pass, 3 when a bound stopped it short, 2 for bad usage', async () => {
    const ok = await runFaultline(['explore', 'test/fixtures/wals/correct-simple.ts', '--clients', '1', '--ops', '2']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('stopped by:    complete');
    expect(ok.stdout).toContain('OK: every crash state of every workload of up to 1 client(s) and 2 operation(s) in all is correct');
    const short = await runFaultline([
      'explore',
      'test/fixtures/wals/correct-simple.ts',
      '--clients',
      '1',
      '--ops',
      '2',
      '--max-states',
      '5',
      '--json',
    ]);
    expect(short.code).toBe(3);
    expect(JSON.parse(short.stdout)).toMatchObject({ stoppedBy: 'max-states', complete: false, states: 5 });
    expect((await runFaultline(['explore', '--clients', '2'])).code).toBe(2);
    expect((await runFaultline(['explore', '--workload', '[["jump"]]'])).code).toBe(2);
  }, 120_000);
});
