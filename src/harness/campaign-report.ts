/** The files and text a campaign hands to CI: JSON, JUnit XML, and a short summary. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CampaignFile, CampaignRunResult } from './campaign-types.js';
import { junitXml, type JUnitCase } from './junit.js';

/** File names for a campaign file: one shard of several gets its own, so shard artifacts can share a folder. */
export function campaignFileNames(file: CampaignFile): { json: string; junit: string } {
  const n = file.campaign.shardCount;
  if (n === 1 || file.shards.length === n) return { json: 'campaign.json', junit: 'junit.xml' };
  const tag = file.shards.length === 1 ? `shard-${file.shards[0]}-of-${n}` : `shards-${file.shards.join('_')}-of-${n}`;
  return { json: `campaign-${tag}.json`, junit: `junit-${tag}.xml` };
}

function junitCase(file: CampaignFile, r: CampaignRunResult): JUnitCase {
  const c: JUnitCase = {
    name: `run ${r.run} seed ${r.seed}`,
    classname: `faultline.campaign.${file.campaign.pluginName}`,
    time: r.wallMs / 1000,
  };
  if (r.status === 'failed') {
    c.failure = {
      message: `${r.rule ?? 'unknown rule'}: ${r.message ?? ''}`,
      type: r.rule ?? 'violation',
      text: JSON.stringify(r.failure ?? {}, null, 2),
    };
    if (r.replayCommand !== undefined) c.output = `replay: ${r.replayCommand}`;
  } else if (r.status === 'error') {
    c.error = { message: r.error?.message.split('\n')[0] ?? 'error', type: r.error?.code ?? 'error', text: r.error?.message ?? '' };
  }
  return c;
}

export function campaignJUnit(file: CampaignFile): string {
  const id = file.campaign;
  return junitXml([
    {
      name: `faultline campaign: ${id.pluginName}`,
      time: file.wallMs / 1000,
      timestamp: file.startedAt,
      properties: {
        plugin: id.pluginModule ?? (id.subject === 'store' ? 'built-in store' : 'built-in engine'),
        subject: id.subject ?? 'log',
        baseSeed: String(id.baseSeed),
        runs: String(id.runs),
        shards: `${file.shards.join(',')} of ${id.shardCount}`,
        faults: id.faults.join(','),
      },
      cases: file.results.map((r) => junitCase(file, r)),
    },
  ]);
}

export async function writeCampaignFiles(file: CampaignFile, dir: string): Promise<{ json: string; junit: string }> {
  await mkdir(dir, { recursive: true });
  const names = campaignFileNames(file);
  const json = join(dir, names.json);
  const junit = join(dir, names.junit);
  await writeFile(json, `${JSON.stringify(file, null, 2)}\n`);
  await writeFile(junit, campaignJUnit(file));
  return { json, junit };
}

/** The lines printed at the end of a campaign or merge. */
export function campaignSummary(file: CampaignFile, maxFailuresShown = 10): string[] {
  const { totals, campaign: id } = file;
  const lines = [
    `faultline campaign: ${id.pluginName}, seed ${id.baseSeed}${id.shardCount > 1 ? `, shards ${file.shards.join(',')} of ${id.shardCount}` : ''}, faults ${id.faults.join(',')}`,
    `${totals.runs} runs: ${totals.passed} passed, ${totals.failed} failed, ${totals.errors} errors in ${(file.wallMs / 1000).toFixed(1)} s`,
  ];
  const sum = (field: 'epochs' | 'crashes' | 'appends' | 'transactions' | 'acknowledged'): number =>
    file.results.reduce((n, r) => n + (r[field] ?? 0), 0);
  const work = id.subject === 'store' ? `${sum('transactions')} transactions` : `${sum('appends')} appends`;
  lines.push(`exercised: ${sum('epochs')} epochs, ${sum('crashes')} power cuts, ${work}, ${sum('acknowledged')} acknowledged`);
  const bad = file.results.filter((r) => r.status !== 'passed');
  for (const r of bad.slice(0, maxFailuresShown)) {
    if (r.status === 'failed')
      lines.push(`  run ${r.run} seed ${r.seed}: ${r.rule}: ${r.message}`, `    replay: ${r.replayCommand ?? '(none)'}`);
    else lines.push(`  run ${r.run} seed ${r.seed}: error: ${r.error?.message.split('\n')[0] ?? ''}`);
  }
  if (bad.length > maxFailuresShown) lines.push(`  ... and ${bad.length - maxFailuresShown} more in the JSON file`);
  return lines;
}
