/**
 * Campaigns: many seeds of one plugin, in worker threads (piscina), for CI.
 *
 * runCampaign takes the campaign (plugin module, base seed, total runs,
 * faults) and one shard of it, sends each of the shard's runs to the pool as
 * a task (the plugin module path travels, never an object), and collects a
 * CampaignFile: every run's status, the failures with their replayable
 * reports. It runs every run of the shard (a failure does not stop the
 * others), so shards of one campaign always cover their whole range.
 */
import { Piscina } from 'piscina';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WalError } from '../errors.js';
import {
  CAMPAIGN_FORMAT,
  CAMPAIGN_FORMAT_VERSION,
  type CampaignFile,
  type CampaignIdentity,
  type CampaignRunResult,
  type CampaignTask,
} from './campaign-types.js';
import { seedOfRun, shardRange, validateShard, type Shard } from './shard.js';

export const MAX_WORKERS = 256;

export interface CampaignOptions {
  identity: CampaignIdentity;
  shard: Shard;
  workers: number;
  /** Called once per finished run, in completion order. */
  onRun?: (result: CampaignRunResult, done: number, total: number) => void;
}

/** A module spec as workers must see it: a relative path becomes absolute (workers share the cwd, but reports travel). */
export function absoluteModule(spec: string | undefined): string | undefined {
  if (spec === undefined) return undefined;
  // Path-like exactly as loadPluginModule decides it: ./x, ../x, /x, or a file name with a JS/TS extension.
  if (spec.startsWith('.') || isAbsolute(spec) || /\.(m?[jt]s|cjs)$/.test(spec)) return resolve(spec);
  return spec; // a package name or a file: URL
}

function workerFile(): { filename: string; typescript: boolean } {
  const here = fileURLToPath(import.meta.url);
  const typescript = here.endsWith('.ts');
  return { filename: pathToFileURL(here.replace(/campaign\.(ts|js)$/, `campaign-worker.$1`)).href, typescript };
}

function needsTypeScript(spec: string | undefined): boolean {
  return spec !== undefined && /\.[cm]?ts$/.test(spec);
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignFile> {
  const { identity, shard } = options;
  validateShard(shard);
  if (shard.count !== identity.shardCount) {
    throw new WalError('EINVAL', `shard ${shard.index}/${shard.count} does not belong to a campaign of ${identity.shardCount} shards`);
  }
  if (!Number.isSafeInteger(options.workers) || options.workers < 1 || options.workers > MAX_WORKERS) {
    throw new WalError('EINVAL', `workers must be an integer in 1..${MAX_WORKERS}, got ${options.workers}`);
  }
  const range = shardRange(identity.runs, shard);
  const total = range.end - range.start;
  const startedAt = new Date();
  const started = performance.now();
  const worker = workerFile();
  // tsx resolved from this package, not from the working directory the user runs in.
  const execArgv = worker.typescript || needsTypeScript(identity.pluginModule) ? ['--import', import.meta.resolve('tsx')] : [];
  const pool = new Piscina({
    filename: worker.filename,
    minThreads: Math.min(options.workers, Math.max(1, total)),
    maxThreads: Math.min(options.workers, Math.max(1, total)),
    execArgv,
    idleTimeout: 1000,
  });
  const results: CampaignRunResult[] = [];
  try {
    const tasks: Promise<void>[] = [];
    for (let run = range.start; run < range.end; run++) {
      const task: CampaignTask = {
        faults: identity.faults,
        workload: identity.workload,
        run,
        seed: seedOfRun(identity.baseSeed, run),
        ...(identity.subject === undefined ? {} : { subject: identity.subject }),
        ...(identity.storeWorkload === undefined ? {} : { storeWorkload: identity.storeWorkload }),
        ...(identity.pluginModule === undefined ? {} : { pluginModule: identity.pluginModule }),
        ...(identity.pluginOptions === undefined ? {} : { pluginOptions: identity.pluginOptions }),
        ...(identity.faultProbability === undefined ? {} : { faultProbability: identity.faultProbability }),
      };
      tasks.push(
        (pool.run(task) as Promise<CampaignRunResult>).then(
          (result) => {
            results.push(result);
            options.onRun?.(result, results.length, total);
          },
          (err: unknown) => {
            const result: CampaignRunResult = {
              run: task.run,
              seed: task.seed,
              status: 'error',
              wallMs: 0,
              error: { message: `worker failed: ${err instanceof Error ? err.message : String(err)}` },
            };
            results.push(result);
            options.onRun?.(result, results.length, total);
          },
        ),
      );
    }
    await Promise.all(tasks);
  } finally {
    await pool.destroy();
  }
  results.sort((a, b) => a.run - b.run);
  return campaignFile(identity, [shard.index], total === 0 ? [] : [range], startedAt.toISOString(), performance.now() - started, results);
}

/** Builds a CampaignFile and its totals from results. */
export function campaignFile(
  identity: CampaignIdentity,
  shards: number[],
  ranges: CampaignFile['ranges'],
  startedAt: string,
  wallMs: number,
  results: CampaignRunResult[],
): CampaignFile {
  const count = (status: CampaignRunResult['status']): number => results.filter((r) => r.status === status).length;
  const totals = { runs: results.length, passed: count('passed'), failed: count('failed'), errors: count('error') };
  return {
    format: CAMPAIGN_FORMAT,
    version: CAMPAIGN_FORMAT_VERSION,
    campaign: identity,
    shards: [...shards].sort((a, b) => a - b),
    ranges,
    startedAt,
    wallMs,
    totals,
    ok: totals.failed === 0 && totals.errors === 0,
    results,
  };
}
