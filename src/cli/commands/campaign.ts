/**
 * `faultline campaign [plugin-module] --runs N --workers K --shard i/n --seed S --faults LIST
 * --plugin-options JSON --out DIR` and `faultline campaign merge <files...>`. `--options` is
 * the old name of `--plugin-options` (as `faultline check` calls it): hidden, still accepted. Exit 0 when every run passed,
 * 1 when a run found a violation (or errored), 2 for bad usage, a plugin
 * that cannot be loaded, or shard files that do not join (overlap, gap).
 */
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { WalError } from '../../errors.js';
import { CONTRACT_FAULT_KINDS, type FaultKind } from '../../faults/kinds.js';
import { absoluteModule, runCampaign } from '../../harness/campaign.js';
import { mergeCampaignFiles, parseCampaignFile } from '../../harness/campaign-merge.js';
import { loadCampaignPlugin, loadCampaignStore } from '../../harness/campaign-plugin.js';
import { builtinStoreTimeoutMs } from '../../harness/builtin-store.js';
import { createProgress } from '../../harness/campaign-progress.js';
import { campaignSummary, writeCampaignFiles } from '../../harness/campaign-report.js';
import { campaignGithubReport, emitGithubReport } from '../../harness/github.js';
import type { CampaignFile, CampaignIdentity } from '../../harness/campaign-types.js';
import { MAX_RUNS, parseShard, shardRange, WHOLE } from '../../harness/shard.js';
import { EXIT_OK, EXIT_VIOLATION } from '../exit-codes.js';
import { FAULTS_HELP, faultsOption, intOption, jsonOption, workloadOption } from './check.js';
import type { WorkloadOptions } from '../../contract/types.js';

/** `--faults` for a campaign: as for check, but a campaign with no fault kind at all is refused. */
export function parseFaultList(text: string): FaultKind[] {
  const kinds = faultsOption(text);
  if (kinds.length === 0) throw new WalError('EINVAL', '--faults needs at least one fault kind');
  return kinds;
}

/** The JSON of `--plugin-options`, or of `--options`, its deprecated name; not both. */
function pluginOptionsOf(flags: CampaignFlags): unknown {
  if (flags.pluginOptions !== undefined && flags.options !== undefined)
    throw new WalError('EINVAL', '--options is the old name of --plugin-options: give one of them');
  if (flags.pluginOptions !== undefined) return jsonOption('--plugin-options')(flags.pluginOptions);
  return flags.options === undefined ? undefined : jsonOption('--options')(flags.options);
}

function exitFor(file: CampaignFile): number {
  return file.ok ? EXIT_OK : EXIT_VIOLATION;
}

interface CampaignFlags {
  runs: number;
  workers: number;
  shard?: string;
  seed?: number;
  faults?: string;
  faultProbability?: number;
  pluginOptions?: string;
  /** Deprecated spelling of pluginOptions. */
  options?: string;
  out: string;
  json?: boolean;
  store?: boolean;
  workload?: WorkloadOptions;
}

async function campaignAction(pluginModule: string | undefined, flags: CampaignFlags): Promise<void> {
  const shard = flags.shard === undefined ? WHOLE : parseShard(flags.shard);
  if (shard.count > 1 && flags.seed === undefined) {
    throw new WalError('EINVAL', '--shard needs --seed: every shard of one campaign must use the same base seed');
  }
  const baseSeed = flags.seed ?? (Date.now() % 2 ** 32) >>> 0;
  const faults = flags.faults === undefined ? [...CONTRACT_FAULT_KINDS] : parseFaultList(flags.faults);
  const pluginOptions = pluginOptionsOf(flags);
  const module = absoluteModule(pluginModule);
  const store = flags.store === true;
  if (store && flags.workload !== undefined) {
    throw new WalError(
      'EINVAL',
      '--workload is a log campaign knob: a store campaign takes the built-in store workload (use faultline check --store --workload for store knobs)',
    );
  }
  let plugin;
  try {
    // Fail fast (exit 2) before starting workers.
    plugin = store ? await loadCampaignStore(module, pluginOptions) : await loadCampaignPlugin(module, pluginOptions);
  } catch (err) {
    if (err instanceof WalError) throw err;
    throw new WalError(
      'EPLUGIN',
      `cannot load plugin ${pluginModule ?? '(built-in)'}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const timeout = store ? builtinStoreTimeoutMs(module, pluginOptions) : undefined;
  const identity: CampaignIdentity = {
    ...(store ? { subject: 'store' as const, storeWorkload: timeout === undefined ? {} : { transactionTimeoutMs: timeout } } : {}),
    pluginName: plugin.name,
    faults,
    workload: flags.workload ?? {},
    baseSeed,
    runs: flags.runs,
    shardCount: shard.count,
    ...(module === undefined ? {} : { pluginModule: module }),
    ...(pluginOptions === undefined ? {} : { pluginOptions }),
    ...(flags.faultProbability === undefined ? {} : { faultProbability: flags.faultProbability }),
  };
  const label = `campaign ${shard.index}/${shard.count}`;
  // Say how to pin a seed drawn from the clock, and name a shard only when the campaign is sharded.
  const seedNote = flags.seed === undefined ? ` (drawn from the clock; --seed ${baseSeed} reruns these runs)` : '';
  const shardNote = shard.count > 1 ? `, shard ${shard.index}/${shard.count}` : '';
  process.stderr.write(`faultline campaign: ${plugin.name}, base seed ${baseSeed}${seedNote}${shardNote}, ${flags.workers} workers\n`);
  const range = shardRange(flags.runs, shard);
  const progress = createProgress(process.stderr, range.end - range.start, label);
  let file: CampaignFile;
  try {
    file = await runCampaign({ identity, shard, workers: flags.workers, onRun: (r, done, total) => progress.update(r, done, total) });
  } finally {
    progress.stop();
  }
  const paths = await writeCampaignFiles(file, flags.out);
  if (flags.json === true)
    process.stdout.write(`${JSON.stringify({ ok: file.ok, totals: file.totals, json: paths.json, junit: paths.junit })}\n`);
  else process.stdout.write(`${[...campaignSummary(file), `wrote ${paths.json} and ${paths.junit}`].join('\n')}\n`);
  process.exitCode = exitFor(file);
  // Under GitHub Actions: an ::error annotation per failed run (stderr beside --json's one line) and the step summary.
  await emitGithubReport(process.env, flags.json === true ? process.stderr : process.stdout, campaignGithubReport(file));
}

async function mergeAction(files: string[], flags: { out: string; allowMissing?: boolean; json?: boolean }): Promise<void> {
  const named = [];
  for (const name of files) {
    let text: string;
    try {
      text = await readFile(name, 'utf8');
    } catch (err) {
      throw new WalError('EINVAL', `cannot read ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    named.push({ name, file: parseCampaignFile(text, name) });
  }
  const merged = mergeCampaignFiles(named, { allowMissing: flags.allowMissing === true });
  const paths = await writeCampaignFiles(merged, flags.out);
  if (flags.json === true)
    process.stdout.write(`${JSON.stringify({ ok: merged.ok, totals: merged.totals, json: paths.json, junit: paths.junit })}\n`);
  else process.stdout.write(`${[...campaignSummary(merged), `wrote ${paths.json} and ${paths.junit}`].join('\n')}\n`);
  process.exitCode = exitFor(merged);
  // Under GitHub Actions: an ::error annotation per failed run (stderr beside --json's one line) and the step summary.
  await emitGithubReport(process.env, flags.json === true ? process.stderr : process.stdout, campaignGithubReport(merged));
}

export function registerCampaignCommand(program: Command): void {
  const campaign = program
    .command('campaign')
    .description('Run many seeds of a crash-test in worker threads (optionally one shard of a larger campaign); write JSON and JUnit XML')
    .argument('[plugin-module]', 'ES module whose default export is a WalPlugin or a factory (default: the built-in engine)')
    .addOption(new Option('--runs <n>', 'runs of the whole campaign (all shards)').argParser(intOption('--runs', 1, MAX_RUNS)).default(200))
    .addOption(
      new Option('--workers <k>', 'worker threads').argParser(intOption('--workers', 1, 256)).default(Math.max(1, availableParallelism())),
    )
    .option('--shard <i/n>', 'run only shard i of n (1-based; needs --seed)')
    .addOption(
      new Option('--seed <s>', 'base seed; run k uses seed s+k (default: from the clock, printed)').argParser(
        intOption('--seed', 0, 2 ** 32 - 1),
      ),
    )
    .option('--faults <list>', FAULTS_HELP)
    .addOption(
      new Option('--fault-probability <p>', 'probability per filesystem operation of each fault kind').argParser((t) => {
        const p = Number(t);
        if (!(p >= 0 && p <= 1)) throw new WalError('EINVAL', `--fault-probability must be in [0, 1], got '${t}'`);
        return p;
      }),
    )
    .option('--plugin-options <json>', "JSON passed to the plugin module's factory")
    .addOption(new Option('--options <json>', 'deprecated name of --plugin-options').hideHelp())
    .option('--out <dir>', 'folder for campaign JSON and JUnit XML', 'faultline-campaign')
    .option('--json', 'print a one-line JSON summary instead of text')
    .option('--workload <json>', 'workload knobs, as faultline check takes them (e.g. {"swarm":true})', workloadOption)
    .option(
      '--store',
      'a campaign of a transactional store (contract section 5): the module is a StorePlugin module (default: the built-in store)',
    )
    .action((pluginModule: string | undefined, flags: CampaignFlags) => campaignAction(pluginModule, flags));
  campaign
    .command('merge')
    .description("Join the JSON files of a campaign's shards; fails on overlapping or missing shards")
    .argument('<files...>', 'campaign JSON files, one or more per shard')
    .option('--out <dir>', 'folder for the merged JSON and JUnit XML (default: faultline-campaign)')
    .option('--allow-missing', 'accept missing shards (the result lists the runs it holds)')
    .option('--json', 'print a one-line JSON summary instead of text')
    // commander hands options that `campaign` also defines (--out, --json) to `campaign`: read both levels.
    .action((files: string[], _flags: unknown, cmd: Command) =>
      mergeAction(files, cmd.optsWithGlobals<{ out: string; allowMissing?: boolean; json?: boolean }>()),
    );
}
