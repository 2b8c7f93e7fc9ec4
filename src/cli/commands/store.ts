/**
 * `faultline check --store [module]` and `faultline replay --store [module]`:
 * the store check (plugin contract §5) behind the same options, exit codes,
 * failure database and GitHub output as the log check. Without a module the
 * built-in store (src/store) is checked.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { WalError } from '../../errors.js';
import { builtinStoreTimeoutMs, loadStorePlugin } from '../../harness/builtin-store.js';
import { checkStore, formatStoreFailureReport, replaySavedStoreFailure, replayStoreFailure } from '../../harness/check-store.js';
import { emitGithubReport, storeCheckGithubReport } from '../../harness/github.js';
import { renderStoreHtmlReport } from '../../harness/html-store.js';
import type { StoreCheckOptions, StoreCheckResult, StoreCheckSummary, StoreReplayResult } from '../../harness/store-check-types.js';
import { DEFAULT_STORE_WORKLOAD, resolveStoreWorkload } from '../../contract/store-workload.js';
import { storeHistoryToJson } from '../../contract/store-history.js';
import type { StoreWorkloadOptions } from '../../contract/store-types.js';
import { EXIT_OK, EXIT_USAGE, EXIT_VACUOUS, EXIT_VIOLATION } from '../exit-codes.js';
import { failureDbLines, failureDirFor, verdictLine, type RunCliOptions } from './check.js';
import { notReproduced } from './replay.js';

/** The store workload of the command line: --workload's store knobs, and the built-in store's timeout when it is checked. */
function storeWorkloadFor(module: string | undefined, o: RunCliOptions): StoreWorkloadOptions {
  const w = { ...((o.workload ?? {}) as StoreWorkloadOptions) };
  for (const k of Object.keys(w))
    if (!(k in DEFAULT_STORE_WORKLOAD))
      throw new WalError(
        'EINVAL',
        `--workload ${k} is a log workload knob; a store's are ${Object.keys(DEFAULT_STORE_WORKLOAD).join(', ')}`,
      );
  const timeout = builtinStoreTimeoutMs(module, o.pluginOptions);
  if (w.transactionTimeoutMs === undefined && timeout !== undefined) w.transactionTimeoutMs = timeout;
  resolveStoreWorkload(w);
  return w;
}

export function formatStoreSummary(name: string, s: StoreCheckSummary): string {
  const faults =
    Object.entries(s.faultsFired)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  return [
    `faultline check --store: ${name}`,
    `  runs ${s.runs} (seed ${s.seed}, stopped by ${s.stoppedBy}), epochs ${s.epochs}, power cuts ${s.crashes}`,
    `  transactions ${s.transactions}: committed ${s.committed}, acknowledged ${s.acknowledged}, aborted ${s.aborted}; applied in recovered states ${s.applied} (over ${s.recoveries} recoveries)`,
    `  power cuts with acknowledged transactions at stake: ${s.cutsAtStake}`,
    `  faults injected: ${faults}`,
    `  time ${(s.wallMs / 1000).toFixed(1)} s`,
  ].join('\n');
}

export interface StoreCheckCli extends RunCliOptions {
  failures?: string | boolean;
  runs: number;
  seed?: number;
  timeLimit?: number;
  json?: boolean;
  minAcknowledged?: number;
  minCutsAtStake?: number;
}

export async function runStoreCheck(module: string | undefined, o: StoreCheckCli): Promise<void> {
  const plugin = await loadStorePlugin(module, o.pluginOptions);
  const failureDir = failureDirFor(o.failures, process.env);
  const started = Date.now();
  let lastLine = 0;
  const options: StoreCheckOptions = {
    ...storeWorkloadFor(module, o),
    runs: o.runs,
    ...(o.seed === undefined ? {} : { seed: o.seed }),
    ...(o.faults === undefined ? {} : { faults: o.faults }),
    ...(o.faultProbability === undefined ? {} : { faultProbability: o.faultProbability }),
    ...(o.timeLimit === undefined ? {} : { timeLimitMs: o.timeLimit * 1000 }),
    ...(module === undefined ? {} : { pluginModule: module }),
    ...(o.pluginOptions === undefined ? {} : { pluginOptions: o.pluginOptions }),
    ...(o.minAcknowledged === undefined ? {} : { minAcknowledged: o.minAcknowledged }),
    ...(o.minCutsAtStake === undefined ? {} : { minCutsAtStake: o.minCutsAtStake }),
    ...(failureDir === undefined ? {} : { failureDir }),
    onProgress: (p) => {
      if (o.json === true || p.elapsedMs - lastLine < 5000) return;
      lastLine = p.elapsedMs;
      process.stderr.write(`  ... ${p.runs} runs, ${Math.round((Date.now() - started) / 1000)} s\n`);
    },
  };
  const result: StoreCheckResult = await checkStore(plugin, options);
  if (o.json === true) {
    process.stdout.write(
      `${JSON.stringify({ ok: result.ok, runs: result.runs, plugin: plugin.name, store: true, ...(result.failure === undefined ? {} : { failure: result.failure }), ...(result.vacuous === undefined ? {} : { vacuous: result.vacuous }), ...(result.savedTo === undefined ? {} : { savedTo: result.savedTo }), summary: result.summary })}\n`,
    );
  } else {
    if (result.failure !== undefined) process.stdout.write(`${formatStoreFailureReport(result.failure)}\n\n`);
    process.stdout.write(
      `${formatStoreSummary(plugin.name, result.summary)}\n${failureDbLines(result, failureDir)}${verdictLine(result)}\n`,
    );
  }
  process.exitCode = !result.ok ? EXIT_VIOLATION : result.vacuous !== undefined ? EXIT_VACUOUS : EXIT_OK;
  await emitGithubReport(process.env, o.json === true ? process.stderr : process.stdout, storeCheckGithubReport(plugin.name, result));
}

export async function runStoreReplay(
  module: string | undefined,
  o: RunCliOptions & { seed?: number; path?: string; schedulePath?: string; scenario?: string; out?: string; json?: boolean },
): Promise<void> {
  const plugin = await loadStorePlugin(module, o.pluginOptions);
  const named = {
    ...(module === undefined ? {} : { pluginModule: module }),
    ...(o.pluginOptions === undefined ? {} : { pluginOptions: o.pluginOptions }),
  };
  let result: StoreReplayResult;
  if (o.scenario !== undefined) {
    result = await replaySavedStoreFailure(plugin, o.scenario, named);
  } else {
    if (o.seed === undefined || o.path === undefined)
      throw new WalError('EINVAL', 'replay needs --seed and --path (from the report), or --scenario FILE');
    result = await replayStoreFailure(plugin, {
      ...storeWorkloadFor(module, o),
      seed: o.seed,
      path: o.path,
      ...(o.schedulePath === undefined ? {} : { schedulePath: o.schedulePath }),
      ...(o.faults === undefined ? {} : { faults: o.faults }),
      ...(o.faultProbability === undefined ? {} : { faultProbability: o.faultProbability }),
      ...named,
    });
  }
  const dir = resolve(o.out ?? `faultline-replay-${o.seed ?? 'scenario'}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'trace.jsonl'), (result.outcome.trace ?? []).map((l) => `${l}\n`).join(''));
  await writeFile(join(dir, 'history.json'), `${JSON.stringify(storeHistoryToJson(result.outcome.history), null, 1)}\n`);
  await writeFile(join(dir, 'report.html'), renderStoreHtmlReport(result.outcome, result.failure));
  if (o.json === true) {
    process.stdout.write(
      `${JSON.stringify({ reproduced: result.failure !== undefined, failure: result.failure, traceHash: result.outcome.traceHash, out: dir })}\n`,
    );
  } else {
    if (result.failure !== undefined) process.stdout.write(`${formatStoreFailureReport(result.failure)}\n`);
    process.stdout.write(`trace: ${join(dir, 'trace.jsonl')}\nreport: ${join(dir, 'report.html')}\n`);
  }
  if (result.failure === undefined) process.stderr.write(`faultline replay: ${notReproduced(plugin.name, module)}\n`);
  process.exitCode = result.failure === undefined ? EXIT_USAGE : EXIT_VIOLATION;
}
