/**
 * Campaigns end to end: seeds in worker threads, shards that join into the
 * same result as one whole campaign, merge refusing overlaps and gaps, the
 * JUnit file, and the CLI's exit statuses and CI-friendly output.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWalError } from '../../src/errors.js';
import { runCampaign } from '../../src/harness/campaign.js';
import { mergeCampaignFiles, parseCampaignFile } from '../../src/harness/campaign-merge.js';
import { campaignJUnit } from '../../src/harness/campaign-report.js';
import type { CampaignFile, CampaignIdentity } from '../../src/harness/campaign-types.js';
import { seedOfRun } from '../../src/harness/shard.js';
import { runFaultline } from '../helpers/cli.js';

const root = join(import.meta.dirname, '../..');
const fixture = (name: string): string => join(root, 'test/fixtures/wals', `${name}.ts`);

function identity(pluginModule: string, runs: number, shardCount: number): CampaignIdentity {
  return { pluginModule, pluginName: 'fixture', faults: ['crash'], workload: {}, baseSeed: 40, runs, shardCount };
}

function expectEinval(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isWalError(caught, 'EINVAL')).toBe(true);
  expect((caught as Error).message).toMatch(pattern);
}

describe('campaign', () => {
  let whole: CampaignFile;
  let shard1: CampaignFile;
  let shard2: CampaignFile;
  let shard3: CampaignFile;

  beforeAll(async () => {
    const buggy = fixture('ack-before-fsync');
    whole = await runCampaign({ identity: identity(buggy, 7, 1), shard: { index: 1, count: 1 }, workers: 2 });
    const shards = await Promise.all(
      [1, 2, 3].map((index) => runCampaign({ identity: identity(buggy, 7, 3), shard: { index, count: 3 }, workers: 1 })),
    );
    [shard1, shard2, shard3] = shards as [CampaignFile, CampaignFile, CampaignFile];
  }, 120_000);

  it('runs every seed of the range in workers and reports failures with replay commands', () => {
    expect(whole.results.map((r) => r.run)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(whole.results.map((r) => r.seed)).toEqual([0, 1, 2, 3, 4, 5, 6].map((k) => seedOfRun(40, k)));
    expect(whole.totals.errors).toBe(0);
    expect(whole.totals.failed).toBeGreaterThan(0);
    expect(whole.ok).toBe(false);
    for (const r of whole.results.filter((x) => x.status === 'failed')) {
      expect(r.rule).toBe('durability');
      expect(r.replayCommand).toContain(`--seed ${r.seed}`);
      expect(r.failure?.counterexample.epochs.length).toBeGreaterThan(0);
    }
  });

  it('shards are disjoint, cover the campaign, and merge into the whole result', () => {
    expect(shard1.ranges).toEqual([{ start: 0, end: 2 }]);
    expect(shard2.ranges).toEqual([{ start: 2, end: 4 }]);
    expect(shard3.ranges).toEqual([{ start: 4, end: 7 }]);
    const merged = mergeCampaignFiles([
      { name: 's3', file: shard3 },
      { name: 's1', file: shard1 },
      { name: 's2', file: shard2 },
    ]);
    expect(merged.shards).toEqual([1, 2, 3]);
    expect(merged.ranges).toEqual([{ start: 0, end: 7 }]);
    const outcome = (f: CampaignFile) => f.results.map((r) => [r.run, r.seed, r.status, r.rule, r.failure?.traceHash]);
    expect(outcome(merged)).toEqual(outcome(whole)); // deterministic: same seeds, same outcomes, wherever they ran
    expect(merged.totals).toEqual(whole.totals);
    // Through JSON text, as files travel between CI jobs.
    const reparsed = parseCampaignFile(JSON.stringify(shard2), 'shard2.json');
    expect(
      mergeCampaignFiles([
        { name: 'a', file: shard1 },
        { name: 'b', file: reparsed },
        { name: 'c', file: shard3 },
      ]).totals,
    ).toEqual(whole.totals);
  });

  it('merge refuses overlapping shards, missing shards, other campaigns and wrong seeds', () => {
    expectEinval(
      () =>
        mergeCampaignFiles([
          { name: 'a', file: shard1 },
          { name: 'b', file: shard1 },
          { name: 'c', file: shard2 },
        ]),
      /overlapping shards: shard 1\/3/,
    );
    expectEinval(
      () =>
        mergeCampaignFiles([
          { name: 'a', file: shard1 },
          { name: 'c', file: shard3 },
        ]),
      /missing shards: 2\/3/,
    );
    expect(
      mergeCampaignFiles(
        [
          { name: 'a', file: shard1 },
          { name: 'c', file: shard3 },
        ],
        { allowMissing: true },
      ).ranges,
    ).toEqual([
      { start: 0, end: 2 },
      { start: 4, end: 7 },
    ]);
    expectEinval(
      () =>
        mergeCampaignFiles([
          { name: 'a', file: shard1 },
          { name: 'w', file: whole },
        ]),
      /another campaign/,
    );
    const tampered: CampaignFile = JSON.parse(JSON.stringify(shard2));
    tampered.results[0]!.seed += 1;
    expectEinval(
      () =>
        mergeCampaignFiles([
          { name: 'a', file: shard1 },
          { name: 'b', file: tampered },
          { name: 'c', file: shard3 },
        ]),
      /has seed/,
    );
    const truncated: CampaignFile = JSON.parse(JSON.stringify(shard3));
    truncated.results.pop();
    expectEinval(
      () =>
        mergeCampaignFiles([
          { name: 'a', file: shard1 },
          { name: 'b', file: shard2 },
          { name: 'c', file: truncated },
        ]),
      /did not finish/,
    );
    expectEinval(() => parseCampaignFile('{"format":"other"}', 'x.json'), /not a faultline campaign/);
    expectEinval(() => parseCampaignFile('not json', 'x.json'), /not JSON/);
  });

  it('checks the built-in engine when no module is given', async () => {
    const file = await runCampaign({
      identity: { pluginName: 'faultline', faults: ['crash', 'fsync-error'], workload: {}, baseSeed: 3, runs: 2, shardCount: 1 },
      shard: { index: 1, count: 1 },
      workers: 2,
    });
    expect(file.results.map((r) => [r.status, r.error?.message])).toEqual([
      ['passed', undefined],
      ['passed', undefined],
    ]);
    expect(file.results.every((r) => (r.appends ?? 0) > 0)).toBe(true);
  }, 60_000);

  it('writes JUnit XML a CI reader counts right', () => {
    const xml = campaignJUnit(whole);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
      testsuites: {
        tests: string;
        failures: string;
        errors: string;
        testsuite: { testcase: Array<{ name: string; failure?: { type: string } }> };
      };
    };
    expect(Number(doc.testsuites.tests)).toBe(7);
    expect(Number(doc.testsuites.failures)).toBe(whole.totals.failed);
    expect(Number(doc.testsuites.errors)).toBe(0);
    const failedCases = doc.testsuites.testsuite.testcase.filter((c) => c.failure !== undefined);
    expect(failedCases.map((c) => c.failure?.type)).toEqual(whole.results.filter((r) => r.status === 'failed').map(() => 'durability'));
  });
});

describe('faultline campaign (CLI)', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'faultline-campaign-'));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  const cli = (args: string[]) => runFaultline(args, { CI: 'true' });

  it('exits 0 on a correct WAL and prints plain progress lines off a terminal', async () => {
    const res = await cli([
      'campaign',
      fixture('correct-simple'),
      '--runs',
      '3',
      '--workers',
      '2',
      '--seed',
      '5',
      '--out',
      join(out, 'ok'),
    ]);
    expect(res.stderr).toContain('campaign 1/1: 3/3 runs, 0 failed');
    expect(res.code).toBe(0);
    // the summary says what the runs exercised, summed over the per-run counters
    expect(`${res.stdout}${res.stderr}`).toMatch(/exercised: [1-9]\d* epochs, \d+ power cuts, [1-9]\d* appends, \d+ acknowledged/);
    const file = parseCampaignFile(await readFile(join(out, 'ok', 'campaign.json'), 'utf8'), 'campaign.json');
    expect(file.totals).toEqual({ runs: 3, passed: 3, failed: 0, errors: 0 });
    expect(XMLValidator.validate(await readFile(join(out, 'ok', 'junit.xml'), 'utf8'))).toBe(true);
  }, 60_000);

  it('exits 1 on a violation, and shard files merge (exit 1) or are refused when overlapping (exit 2)', async () => {
    const args = (i: number) => [
      'campaign',
      fixture('ack-before-fsync'),
      '--runs',
      '4',
      '--workers',
      '1',
      '--seed',
      '40',
      '--faults',
      'crash',
      '--shard',
      `${i}/2`,
      '--out',
      join(out, 'shards'),
    ];
    const [a, b] = await Promise.all([cli(args(1)), cli(args(2))]);
    expect(a.code === 1 || b.code === 1).toBe(true);
    const s1 = join(out, 'shards', 'campaign-shard-1-of-2.json');
    const s2 = join(out, 'shards', 'campaign-shard-2-of-2.json');
    const merged = await cli(['campaign', 'merge', s1, s2, '--out', join(out, 'merged'), '--json']);
    expect(merged.code).toBe(1);
    expect(JSON.parse(merged.stdout).totals.runs).toBe(4);
    expect(await readFile(join(out, 'merged', 'junit.xml'), 'utf8')).toContain('<testsuites tests="4"');
    const overlap = await cli(['campaign', 'merge', s1, s1, s2, '--out', join(out, 'bad')]);
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toMatch(/overlapping shards/);
  }, 60_000);

  it('takes the plugin options as --plugin-options (like check), and as --options, its hidden deprecated name', async () => {
    const options = { segmentSize: 128 * 1024, durability: { kind: 'everyWrite' } };
    for (const flag of ['--plugin-options', '--options']) {
      const dir = join(out, `plugin-options${flag}`);
      const res = await cli([
        'campaign',
        '--runs',
        '1',
        '--workers',
        '1',
        '--seed',
        '2',
        flag,
        JSON.stringify(options),
        '--out',
        dir,
        '--json',
      ]);
      expect(res.code, res.stderr).toBe(0);
      const file = parseCampaignFile(await readFile(join(dir, 'campaign.json'), 'utf8'), 'campaign.json');
      expect(file.campaign.pluginOptions).toEqual(options);
      // the options reach the module's loading too: a module that exports a plugin (no factory) refuses them
      const refused = await cli(['campaign', fixture('correct-simple'), '--runs', '1', '--seed', '2', flag, '{}', '--out', dir]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/exports a plugin, not a factory, so it takes no options/);
      const bad = await cli(['campaign', '--runs', '1', '--seed', '2', flag, '{', '--out', dir]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(`faultline: ${flag} must be JSON, got '{'`);
    }
    const both = await cli(['campaign', '--runs', '1', '--seed', '2', '--plugin-options', '{}', '--options', '{}', '--out', out]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--options is the old name of --plugin-options/);
    const help = await cli(['campaign', '--help']);
    expect(help.stdout).toContain('--plugin-options <json>');
    expect(help.stdout).not.toMatch(/--options\b/);
  }, 60_000);

  it('exits 2 on bad usage and on a module that is not a plugin', async () => {
    expect((await cli(['campaign', fixture('correct-simple'), '--shard', '1/2', '--runs', '2'])).code).toBe(2); // shard without seed
    expect((await cli(['campaign', fixture('correct-simple'), '--shard', '3/2', '--seed', '1'])).code).toBe(2);
    expect((await cli(['campaign', fixture('correct-simple'), '--faults', 'gremlins', '--seed', '1'])).code).toBe(2);
    expect((await cli(['campaign', fixture('framing'), '--runs', '1', '--seed', '1'])).code).toBe(2);
  }, 60_000);
});
