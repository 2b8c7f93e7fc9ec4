/**
 * The CI recipes of docs/ci.md are executed, not just read:
 *
 * - docs/ci/github-actions.yml: parsed with `yaml`; every `run:` step that
 *   calls faultline is run locally with bash, once per matrix entry for the
 *   shard job (GitHub's `${{ matrix.* }}` and `${{ env.* }}` substituted, the
 *   workflow's env with small budgets), the artifact upload/download between the
 *   jobs done by copying folders as actions/download-artifact lays them out,
 *   then the merge step; the merged campaign must hold every run of every shard.
 * - docs/ci/campaign-job.yaml: every document validated against the
 *   Kubernetes schema of its kind by kubernetes-models (JSON schemas generated
 *   from Kubernetes' OpenAPI spec, checked with ajv), the Job checked to be an
 *   Indexed one that agrees with its shard count, and the container scripts run
 *   locally for each JOB_COMPLETION_INDEX, then the merge Job's script.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { makeTempDir } from '../helpers/tmpdir.js';
import type { CampaignFile } from '../../src/harness/campaign-types.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** faultline from this checkout's source, callable from any folder (what `npx faultline` is in a project that depends on it). */
const FAULTLINE = `${process.execPath} --import ${tsx} ${join(root, 'src/cli/main.ts')}`;

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function tempDir(prefix: string): Promise<string> {
  const t = await makeTempDir(prefix);
  cleanups.push(t.cleanup);
  return t.dir;
}

/** Runs one script with bash in `cwd`; resolves with its exit status and output (never inheriting GitHub's variables). */
async function bash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base['GITHUB_ACTIONS'];
  delete base['GITHUB_STEP_SUMMARY'];
  try {
    const { stdout, stderr } = await run('bash', ['-c', script], { cwd, env: { ...base, ...env }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout, stderr: e.stderr };
  }
}

/** GitHub's `${{ matrix.x }}` and `${{ env.X }}` in a string; anything else is refused (the test would not know its value). */
function expand(text: string, matrix: Record<string, unknown>, env: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_m, expr: string) => {
    const [scope, name] = expr.split('.');
    if (scope === 'matrix' && name !== undefined && name in matrix) return String(matrix[name]);
    if (scope === 'env' && name !== undefined && name in env) return env[name] ?? '';
    throw new Error(`the workflow uses an expression this test cannot evaluate: ${expr}`);
  });
}

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  env: Record<string, string>;
  jobs: Record<string, { needs?: string | string[]; if?: string; strategy?: { matrix: Record<string, unknown[]> }; steps: Step[] }>;
}

/** The small budget the tests run with, in place of the recipes' real one. */
const SMALL = { CAMPAIGN_RUNS: '8', CAMPAIGN_WORKERS: '1', CAMPAIGN_SEED: '41' };

describe('docs/ci/github-actions.yml', () => {
  it('runs a sharded campaign as a matrix and merges the shards: executed locally, step by step', async () => {
    const wf = parse(await readFile(join(root, 'docs/ci/github-actions.yml'), 'utf8')) as Workflow;
    const shardJob = wf.jobs['shard'];
    const mergeJob = wf.jobs['merge'];
    if (shardJob === undefined || mergeJob === undefined) throw new Error('the workflow needs a shard job and a merge job');
    expect(mergeJob.needs).toBe('shard');
    expect(mergeJob.if).toBe('always()');
    const shards = shardJob.strategy?.matrix['shard'] ?? [];
    // The shard count the commands use agrees with the matrix.
    expect(shards).toEqual(Array.from({ length: Number(wf.env['CAMPAIGN_SHARDS']) }, (_, i) => i + 1));
    expect(wf.env['FAULTLINE']).toBe('npx faultline');
    const env = { ...wf.env, ...SMALL, FAULTLINE };

    const work = await tempDir('faultline-gha-');
    const faultlineSteps = (steps: Step[]): Step[] => steps.filter((s) => s.run?.includes('$FAULTLINE') === true);
    expect(faultlineSteps(shardJob.steps)).toHaveLength(1);
    for (const shard of shards) {
      const runner = join(work, `runner-${String(shard)}`);
      await mkdir(runner);
      for (const step of shardJob.steps) {
        if (step.run !== undefined && step.run.includes('$FAULTLINE')) {
          const r = await bash(expand(step.run, { shard }, env), runner, env);
          expect(r.code, r.stderr).toBe(0);
          expect(r.stdout).toContain(`shards ${String(shard)} of ${shards.length}`);
        }
        // actions/upload-artifact, then download-artifact with a pattern: one folder per artifact under `path`.
        if (step.uses?.startsWith('actions/upload-artifact') === true) {
          const name = expand(String(step.with?.['name']), { shard }, env);
          const from = expand(String(step.with?.['path']), { shard }, env);
          await cp(join(runner, from), join(work, 'merge-runner', 'shards', name), { recursive: true });
        }
      }
    }
    const download = mergeJob.steps.find((s) => s.uses?.startsWith('actions/download-artifact') === true);
    expect(download?.with?.['path']).toBe('shards');
    expect(download?.with?.['pattern']).toBe('faultline-shard-*');
    const mergeRunner = join(work, 'merge-runner');
    const [mergeStep, ...more] = faultlineSteps(mergeJob.steps);
    expect(more).toHaveLength(0);
    const summaryFile = join(work, 'step-summary.md');
    const r = await bash(expand(mergeStep?.run ?? '', {}, env), mergeRunner, {
      ...env,
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: summaryFile,
    });
    expect(r.code, r.stderr).toBe(0);
    const mergedDir = join(mergeRunner, 'faultline-campaign');
    expect((await readdir(mergedDir)).sort()).toEqual(['campaign.json', 'junit.xml']);
    const merged = JSON.parse(await readFile(join(mergedDir, 'campaign.json'), 'utf8')) as CampaignFile;
    expect(merged.shards).toEqual(shards);
    expect(merged.totals.runs).toBe(Number(SMALL.CAMPAIGN_RUNS));
    expect(merged.results.map((x) => x.run)).toEqual(Array.from({ length: Number(SMALL.CAMPAIGN_RUNS) }, (_, i) => i));
    expect(merged.campaign.baseSeed).toBe(Number(SMALL.CAMPAIGN_SEED));
    expect(merged.ok).toBe(true);
    // Under GitHub Actions the merge wrote its step summary (and, with nothing failed, no annotation).
    expect(await readFile(summaryFile, 'utf8')).toContain('## faultline campaign: faultline: OK, every run passed');
    expect(r.stdout).not.toContain('::error');
  }, 180_000);
});

interface Container {
  name: string;
  env?: { name: string; value?: string }[];
  command?: string[];
  args?: string[];
}

describe('docs/ci/campaign-job.yaml', () => {
  it('is valid against the Kubernetes schemas, an Indexed Job whose shard count matches its completions', async () => {
    const docs = parseAllDocuments(await readFile(join(root, 'docs/ci/campaign-job.yaml'), 'utf8')).map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJSON() as { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> };
    });
    expect(docs.map((d) => `${d.apiVersion} ${d.kind} ${d.metadata.name}`)).toEqual([
      'v1 PersistentVolumeClaim faultline-results',
      'batch/v1 Job faultline-campaign',
      'batch/v1 Job faultline-merge',
    ]);
    for (const d of docs) {
      // validate() throws with ajv's messages when the object breaks the schema.
      if (d.kind === 'Job') new Job(d as unknown as ConstructorParameters<typeof Job>[0]).validate();
      else new PersistentVolumeClaim(d as unknown as ConstructorParameters<typeof PersistentVolumeClaim>[0]).validate();
    }
    const campaign = new Job(docs[1] as unknown as ConstructorParameters<typeof Job>[0]);
    expect(campaign.spec?.completionMode).toBe('Indexed');
    const c = campaign.spec?.template.spec?.containers[0] as Container;
    const shards = c.env?.find((e) => e.name === 'CAMPAIGN_SHARDS')?.value;
    expect(Number(shards)).toBe(campaign.spec?.completions);
    expect(c.env?.find((e) => e.name === 'FAULTLINE')?.value).toBe('npx faultline');
  });

  it('a schema violation is caught (the validator is live)', () => {
    expect(() =>
      new Job({
        metadata: { name: 'x' },
        spec: { completions: 'eight' as unknown as number, template: { spec: { containers: [] } } },
      }).validate(),
    ).toThrow(/completions/);
  });

  it('each index runs its own shard (JOB_COMPLETION_INDEX 0.. is shard 1..), and the merge Job joins them: executed locally', async () => {
    const docs = parseAllDocuments(await readFile(join(root, 'docs/ci/campaign-job.yaml'), 'utf8')).map(
      (d) => d.toJSON() as { metadata: { name: string }; spec: { template: { spec: { containers: Container[] } } } },
    );
    const container = (name: string): Container => {
      const c = docs.find((d) => d.metadata.name === name)?.spec.template.spec.containers[0];
      if (c === undefined) throw new Error(`no ${name} Job`);
      return c;
    };
    const envOf = (c: Container): Record<string, string> => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? '']));
    const results = await tempDir('faultline-k8s-');
    const shard = container('faultline-campaign');
    // Fewer shards than the manifest's, with small budgets: the script is the same.
    const count = 3;
    const env = { ...envOf(shard), ...SMALL, CAMPAIGN_RUNS: '6', CAMPAIGN_SHARDS: String(count), FAULTLINE, RESULTS_DIR: results };
    expect(shard.command).toEqual(['bash', '-c']);
    for (let index = 0; index < count; index++) {
      const r = await bash(shard.args?.[0] ?? '', results, { ...env, JOB_COMPLETION_INDEX: String(index) });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`shards ${index + 1} of ${count}`);
    }
    // Without the index the script refuses to guess a shard.
    const noIndex = await bash(shard.args?.[0] ?? '', results, env);
    expect(noIndex.code).not.toBe(0);
    expect(noIndex.stderr).toContain('JOB_COMPLETION_INDEX');

    const merge = container('faultline-merge');
    const r = await bash(merge.args?.[0] ?? '', results, {
      ...envOf(merge),
      CAMPAIGN_SHARDS: String(count),
      FAULTLINE,
      RESULTS_DIR: results,
    });
    expect(r.code, r.stderr).toBe(0);
    const merged = JSON.parse(await readFile(join(results, 'merged', 'campaign.json'), 'utf8')) as CampaignFile;
    expect(merged.shards).toEqual([1, 2, 3]);
    expect(merged.totals.runs).toBe(6);
    expect(merged.results.map((x) => x.run)).toEqual([0, 1, 2, 3, 4, 5]);
  }, 180_000);
});
