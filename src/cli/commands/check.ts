/**
 * `faultline check [plugin-module] [--runs N] [--seed S] [--faults LIST] [--time-limit S] [--json]`
 * exactly as the plugin contract (§4) says: exit 0 no violation, 1 a violation
 * (the report names the seed and the replay command), 2 bad usage or a plugin
 * that cannot be loaded. Without a module it checks the built-in engine.
 */
import type { Command } from 'commander';
import { WalError } from '../../errors.js';
import { CONTRACT_FAULT_KINDS, type FaultKind } from '../../faults/kinds.js';
import { checkWal } from '../../harness/check.js';
import { DEFAULT_FAILURE_DIR } from '../../harness/failure-db.js';
import { loadCampaignPlugin } from '../../harness/campaign-plugin.js';
import { formatFailureReport } from '../../harness/report.js';
import { checkGithubReport, emitGithubReport } from '../../harness/github.js';
import { parseFaultKinds } from '../../harness/run.js';
import type { CheckResult, CheckSummary } from '../../harness/types.js';
import type { WorkloadOptions } from '../../contract/types.js';
import type { WalPlugin } from '../../ports.js';
import { resolveWorkloadOptions } from '../../contract/workload.js';
import { EXIT_OK, EXIT_VACUOUS, EXIT_VIOLATION } from '../exit-codes.js';
import { runStoreCheck } from './store.js';

export function intOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER): (text: string) => number {
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
  return (text) => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new WalError('EINVAL', `${name} must be an integer ${range}, got '${text}'`);
    return n;
  };
}

export function floatOption(name: string, min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max)
      throw new WalError('EINVAL', `${name} must be a number in [${min}, ${max}], got '${text}'`);
    return n;
  };
}

/** The help of `--faults` (check, replay, campaign): the default is the fault table's contract kinds. */
export const FAULTS_HELP = `comma-separated fault kinds (default: ${CONTRACT_FAULT_KINDS.join(',')})`;

/** `--faults a,b,c`; an empty list (`--faults ''`) means no faults: clean restarts only. An empty item is a typo, not a kind. */
export function faultsOption(text: string): FaultKind[] {
  if (text.trim() === '') return parseFaultKinds([]);
  const items = text.split(',').map((k) => k.trim());
  if (items.includes('')) throw new WalError('EINVAL', `--faults has an empty item: '${text}'`);
  return parseFaultKinds(items);
}

export function jsonOption(name: string): (text: string) => unknown {
  return (text) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new WalError('EINVAL', `${name} must be JSON, got '${text}'`, { cause });
    }
  };
}

export function workloadOption(text: string): WorkloadOptions {
  const w = jsonOption('--workload')(text);
  if (w === null || typeof w !== 'object' || Array.isArray(w)) throw new WalError('EINVAL', '--workload must be a JSON object');
  resolveWorkloadOptions(w as WorkloadOptions);
  return w as WorkloadOptions;
}

/** The options check and replay share (they must match for a replay to be exact). */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--faults <list>', FAULTS_HELP, faultsOption)
    .option(
      '--fault-probability <p>',
      'probability per filesystem operation of each fault (default 0.02)',
      floatOption('--fault-probability', 0, 1),
    )
    .option('--plugin-options <json>', "options passed to the plugin module's factory", jsonOption('--plugin-options'))
    .option(
      '--workload <json>',
      'workload knobs: maxClients, maxEpochs, maxOpsPerClient, maxRecordBytes, largeRecordChance, maxBytesPerRun, swarm (true: each run draws its operation mix, clients, think time and boundary-size appends) (with --store: maxClients, maxEpochs, maxOpsPerClient, maxStepsPerTxn, keys, maxValueBytes, transactionTimeoutMs)',
      workloadOption,
    );
}

export interface RunCliOptions {
  faults?: FaultKind[];
  faultProbability?: number;
  pluginOptions?: unknown;
  workload?: WorkloadOptions;
}

/** The plugin named on the command line, or the built-in engine. */
/** The plugin a command tests: the module given, or the built-in engine (the same choice a campaign's workers make). */
export function pluginFor(module: string | undefined, pluginOptions: unknown): Promise<WalPlugin> {
  return loadCampaignPlugin(module, pluginOptions);
}

export function formatSummary(name: string, s: CheckSummary): string {
  const faults =
    Object.entries(s.faultsFired)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  return [
    `faultline check: ${name}`,
    `  runs ${s.runs} (seed ${s.seed}, stopped by ${s.stoppedBy}), epochs ${s.epochs}, power cuts ${s.crashes}`,
    `  records appended ${s.appends}, acknowledged ${s.acknowledged}, recovered ${s.recovered} (over ${s.recoveries} recoveries: each reopen counts the records it returns)`,
    `  power cuts with acknowledged records at stake: ${s.cutsAtStake}`,
    `  faults injected: ${faults}`,
    `  time ${(s.wallMs / 1000).toFixed(1)} s`,
  ].join('\n');
}

/** The failure database a check uses: --no-failures none, --failures DIR, else $FAULTLINE_FAILURES ('off': none), else the default. */
export function failureDirFor(flag: string | boolean | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (flag === false) return undefined;
  if (typeof flag === 'string') return flag;
  const fromEnv = env['FAULTLINE_FAILURES'];
  if (fromEnv === 'off') return undefined;
  return fromEnv === undefined || fromEnv === '' ? DEFAULT_FAILURE_DIR : fromEnv;
}

/** What the failure database did, when it did something. */
export function failureDbLines(result: Pick<CheckResult, 'ok' | 'runs' | 'savedReplayed' | 'savedTo'>, dir: string | undefined): string {
  let out = '';
  if ((result.savedReplayed ?? 0) > 0) {
    const from = result.runs === 0 && !result.ok ? ', and one still fails (above)' : ', none fails any more';
    out += `  failure database: ${result.savedReplayed} saved scenario(s) of ${dir} replayed first${from}\n`;
  }
  if (result.savedTo !== undefined) out += `  saved the failure to ${result.savedTo} (commit it: every later check replays it first)\n`;
  return out;
}

interface CheckCliOptions extends RunCliOptions {
  failures?: string | boolean;
  runs: number;
  seed?: number;
  timeLimit?: number;
  json?: boolean;
  minAcknowledged?: number;
  minCutsAtStake?: number;
  store?: boolean;
}

/** The last line of `faultline check`: the verdict, and for a vacuous pass what was not met and how to lower the floor. */
export function verdictLine(result: Pick<CheckResult, 'ok' | 'vacuous'>): string {
  if (!result.ok) return 'FAILED: a rule of the plugin contract was broken';
  if (result.vacuous === undefined) return 'OK: no violation';
  return [
    'VACUOUS: no rule broke, but the runs did not exercise the plugin enough to mean it:',
    ...result.vacuous.map((r) => `  - ${r}`),
    '  (for a plugin that legitimately acknowledges nothing: --min-acknowledged 0 --min-cuts-at-stake 0)',
  ].join('\n');
}

export function registerCheck(program: Command): void {
  addRunOptions(
    program
      .command('check')
      .description('Crash-test a WAL plugin (default: the built-in engine) on the simulated disk')
      .argument('[plugin-module]', 'ES module whose default export is a WalPlugin or a factory of one')
      .option('--runs <n>', 'number of runs (an upper bound with --time-limit)', intOption('--runs', 1), 100)
      .option('--seed <s>', 'fast-check seed, 0..2147483647 (default: random, printed)', intOption('--seed', 0, 0x7fffffff))
      .option('--time-limit <seconds>', 'stop after this many seconds', floatOption('--time-limit', 0.001, 1e9))
      .option('--json', 'print one JSON object')
      .option(
        '--min-acknowledged <n>',
        'fail (exit 3) a pass with fewer acknowledged records (default 1)',
        intOption('--min-acknowledged', 0),
      )
      .option(
        '--min-cuts-at-stake <n>',
        'fail (exit 3) a pass with fewer power cuts that had acknowledged records at stake (default 1 with crash, else 0)',
        intOption('--min-cuts-at-stake', 0),
      )
      .option(
        '--failures <dir>',
        `the failure database: saved failures of this plugin run first, a new one is saved there (default ${DEFAULT_FAILURE_DIR}, or $FAULTLINE_FAILURES)`,
      )
      .option('--no-failures', 'neither replay nor save failures')
      .option(
        '--store',
        'crash-test a transactional store (contract section 5): the module is a StorePlugin module (default: the built-in store)',
      ),
  ).action(async (module: string | undefined, o: CheckCliOptions) => {
    if (o.store === true) {
      await runStoreCheck(module, o);
      return;
    }
    const plugin = await pluginFor(module, o.pluginOptions);
    const failureDir = failureDirFor(o.failures, process.env);
    const started = Date.now();
    let lastLine = 0;
    const result: CheckResult = await checkWal(plugin, {
      ...(o.workload ?? {}),
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
    });
    if (o.json === true) {
      process.stdout.write(
        `${JSON.stringify({ ok: result.ok, runs: result.runs, plugin: plugin.name, ...(result.failure === undefined ? {} : { failure: result.failure }), ...(result.vacuous === undefined ? {} : { vacuous: result.vacuous }), ...(result.savedTo === undefined ? {} : { savedTo: result.savedTo }), summary: result.summary })}\n`,
      );
    } else {
      if (result.failure !== undefined) process.stdout.write(`${formatFailureReport(result.failure)}\n\n`);
      process.stdout.write(`${formatSummary(plugin.name, result.summary)}\n${failureDbLines(result, failureDir)}${verdictLine(result)}\n`);
    }
    process.exitCode = !result.ok ? EXIT_VIOLATION : result.vacuous !== undefined ? EXIT_VACUOUS : EXIT_OK;
    // Under GitHub Actions: an ::error annotation per failure (stderr beside --json's one line) and the step summary.
    await emitGithubReport(process.env, o.json === true ? process.stderr : process.stdout, checkGithubReport(plugin.name, result));
  });
}
