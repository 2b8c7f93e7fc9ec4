/**
 * The campaign's worker-thread entry (piscina loads this file): one seed per
 * task. A campaign seed is one checkWal run (checkStore for a store campaign) with that fast-check seed, so a
 * failure comes back shrunk, with the command that replays it, and
 * `faultline check <module> --seed S --runs 1` reruns the same scenario.
 * The plugin is loaded from its module path once per worker and reused.
 */
import { errorCode } from '../errors.js';
import type { StorePlugin, WalPlugin } from '../ports.js';
import type { CampaignRunResult, CampaignTask } from './campaign-types.js';
import type { StoreFailureReport } from './store-check-types.js';
import type { FailureReport } from './types.js';
import { loadCampaignPlugin, loadCampaignStore } from './campaign-plugin.js';
import { checkWal } from './check.js';
import { checkStore } from './check-store.js';
import { registerTypeScriptLoader } from './typescript-loader.js';

const plugins = new Map<string, Promise<WalPlugin>>();
const stores = new Map<string, Promise<StorePlugin>>();
/**
 * A TypeScript plugin module needs tsx's loader registered in this thread:
 * `--import tsx` in a worker's execArgv does not reach dynamic imports there
 * (measured on Node 20), an explicit register() does (the same registration
 * loadPluginModule makes on demand, src/harness/typescript-loader.ts).
 */
function ensureTypeScriptLoader(spec: string | undefined): Promise<void> {
  // Running from source (this file is .ts), faultline's own modules are imported dynamically too (the built-in engine).
  const fromSource = import.meta.url.endsWith('.ts');
  if (!fromSource && (spec === undefined || !/\.[cm]?ts$/.test(spec))) return Promise.resolve();
  return registerTypeScriptLoader(spec ?? 'the built-in engine');
}

function cachedPlugin(task: CampaignTask): Promise<WalPlugin> {
  const key = JSON.stringify([task.pluginModule ?? null, task.pluginOptions ?? null]);
  let plugin = plugins.get(key);
  if (plugin === undefined) {
    plugin = ensureTypeScriptLoader(task.pluginModule).then(() => loadCampaignPlugin(task.pluginModule, task.pluginOptions));
    plugins.set(key, plugin);
  }
  return plugin;
}

function cachedStore(task: CampaignTask): Promise<StorePlugin> {
  const key = JSON.stringify([task.pluginModule ?? null, task.pluginOptions ?? null]);
  let store = stores.get(key);
  if (store === undefined) {
    store = ensureTypeScriptLoader(task.pluginModule).then(() => loadCampaignStore(task.pluginModule, task.pluginOptions));
    stores.set(key, store);
  }
  return store;
}

/** What went wrong outside the checked rules, as a run result. */
function errorResult(task: CampaignTask, wallMs: number, err: unknown): CampaignRunResult {
  const code = errorCode(err);
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { run: task.run, seed: task.seed, status: 'error', wallMs, error: code === undefined ? { message } : { code, message } };
}

/** What one check run of a seed gave: its run count, the failure if any, and the counters a campaign keeps. */
interface SeedCheck {
  runs: number;
  failure: FailureReport | StoreFailureReport | undefined;
  counters: Pick<CampaignRunResult, 'epochs' | 'crashes' | 'appends' | 'transactions' | 'acknowledged'>;
}

/** The options every seed's check gets: one run of that seed, the campaign's faults and plugin. */
function seedOptions(task: CampaignTask): { runs: 1; seed: number; faults: CampaignTask['faults'] } & Record<string, unknown> {
  return {
    runs: 1,
    seed: task.seed,
    faults: task.faults,
    ...(task.faultProbability === undefined ? {} : { faultProbability: task.faultProbability }),
    ...(task.pluginModule === undefined ? {} : { pluginModule: task.pluginModule }),
    ...(task.pluginOptions === undefined ? {} : { pluginOptions: task.pluginOptions }),
  };
}

/** Runs `check` for one seed and turns what it gave (or threw) into the seed's result. */
async function runSeed(task: CampaignTask, checker: string, check: () => Promise<SeedCheck>): Promise<CampaignRunResult> {
  const started = performance.now();
  const base = { run: task.run, seed: task.seed };
  try {
    const { runs, failure: f, counters } = await check();
    const wallMs = performance.now() - started;
    if (f !== undefined) {
      return {
        ...base,
        status: 'failed',
        wallMs,
        rule: f.rule,
        message: f.message,
        replayCommand: f.replayCommand,
        failure: f,
        ...counters,
      };
    }
    if (runs < 1) return { ...base, status: 'error', wallMs, error: { message: `${checker} completed ${runs} runs for one seed` } };
    return { ...base, status: 'passed', wallMs, ...counters };
  } catch (err) {
    return errorResult(task, performance.now() - started, err);
  }
}

/** Runs one store campaign seed (one checkStore run with that seed) against a store plugin already loaded. */
export function runStoreCampaignSeed(plugin: StorePlugin, task: CampaignTask): Promise<CampaignRunResult> {
  return runSeed(task, 'checkStore', async () => {
    const result = await checkStore(plugin, { ...task.storeWorkload, ...seedOptions(task) });
    const { epochs, crashes, transactions, acknowledged } = result.summary;
    return { runs: result.runs, failure: result.failure, counters: { epochs, crashes, transactions, acknowledged } };
  });
}

/** Runs one campaign seed against a plugin already loaded. */
export function runCampaignSeed(plugin: WalPlugin, task: CampaignTask): Promise<CampaignRunResult> {
  return runSeed(task, 'checkWal', async () => {
    const result = await checkWal(plugin, { ...task.workload, ...seedOptions(task) });
    const { epochs, crashes, appends, acknowledged } = result.summary;
    return { runs: result.runs, failure: result.failure, counters: { epochs, crashes, appends, acknowledged } };
  });
}

/** piscina's entry point. */
export default async function campaignWorker(task: CampaignTask): Promise<CampaignRunResult> {
  if (task.subject === 'store') {
    let store: StorePlugin;
    try {
      store = await cachedStore(task);
    } catch (err) {
      return loadError(task, err);
    }
    return runStoreCampaignSeed(store, task);
  }
  let plugin: WalPlugin;
  try {
    plugin = await cachedPlugin(task);
  } catch (err) {
    return loadError(task, err);
  }
  return runCampaignSeed(plugin, task);
}

/** A plugin that cannot be loaded: every run of the worker is an error naming why (the message, no stack). */
function loadError(task: CampaignTask, err: unknown): CampaignRunResult {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return { run: task.run, seed: task.seed, status: 'error', wallMs: 0, error: code === undefined ? { message } : { code, message } };
}
