/**
 * Store campaigns (`faultline campaign --store`): the built-in store passes a
 * sharded campaign that merges back whole; a buggy store of the corpus fails
 * runs whose JUnit cases name the rule and whose replay command, run as
 * printed, reproduces the failure.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expect, it } from 'vitest';
import type { CampaignFile } from '../../src/harness/campaign-types.js';
import { runFaultline } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmpdir.js';

const fixtures = join(import.meta.dirname, '../fixtures/stores');

it('the built-in store: two shards pass, merge into the whole campaign, and count transactions', async () => {
  const { dir, cleanup } = await makeTempDir('faultline-store-campaign-');
  try {
    for (const shard of ['1/2', '2/2']) {
      const r = await runFaultline([
        'campaign',
        '--store',
        '--runs',
        '30',
        '--workers',
        '2',
        '--seed',
        '9',
        '--shard',
        shard,
        '--out',
        dir,
      ]);
      expect(r.stderr).toContain('faultline-store');
      expect(r.code).toBe(0);
    }
    const merged = await runFaultline([
      'campaign',
      'merge',
      join(dir, 'campaign-shard-1-of-2.json'),
      join(dir, 'campaign-shard-2-of-2.json'),
      '--out',
      dir,
    ]);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toMatch(/30 runs: 30 passed/);
    expect(merged.stdout).toMatch(/\d+ transactions, \d+ acknowledged/);
    const file = JSON.parse(await readFile(join(dir, 'campaign.json'), 'utf8')) as CampaignFile;
    expect(file.campaign.subject).toBe('store');
    expect(file.results.reduce((n, r) => n + (r.acknowledged ?? 0), 0)).toBeGreaterThan(0);
  } finally {
    await cleanup();
  }
}, 180_000);

it('a dirty-read store fails runs; JUnit names the rule; the printed replay command reproduces the failure', async () => {
  const { dir, cleanup } = await makeTempDir('faultline-store-campaign-');
  try {
    const r = await runFaultline([
      'campaign',
      join(fixtures, 'dirty-read.ts'),
      '--store',
      '--runs',
      '12',
      '--workers',
      '2',
      '--seed',
      '3',
      '--out',
      dir,
    ]);
    expect(r.code).toBe(1);
    const file = JSON.parse(await readFile(join(dir, 'campaign.json'), 'utf8')) as CampaignFile;
    const failed = file.results.filter((x) => x.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(file.results.filter((x) => x.status === 'error')).toEqual([]);
    const xml = await readFile(join(dir, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
      testsuites: { failures: string; testsuite: { testcase: { failure?: { type: string } }[] } };
    };
    expect(Number(doc.testsuites.failures)).toBe(failed.length);
    const types = doc.testsuites.testsuite.testcase.flatMap((c) => (c.failure === undefined ? [] : [c.failure.type]));
    for (const t of types) expect(['order', 'durability', 'atomicity']).toContain(t);
    const command = failed[0]?.replayCommand ?? '';
    expect(command).toMatch(/^npx faultline replay /);
    const args = (command.match(/'[^']*'|\S+/g) ?? []).slice(2).map((a) => a.replace(/^'|'$/g, ''));
    const replayed = await runFaultline(args);
    expect(replayed.code).toBe(1);
    expect(replayed.stdout + replayed.stderr).toContain(failed[0]?.rule ?? '?');
  } finally {
    await cleanup();
  }
}, 180_000);
