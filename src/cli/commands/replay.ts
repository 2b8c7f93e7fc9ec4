/**
 * `faultline replay [plugin-module] --seed S --path P [--faults LIST] [--out DIR] ...`:
 * reruns one failure exactly (the options must be those of the check that
 * found it; its report prints the full command), prints the report, and
 * writes the full trace (JSON lines) and a self-contained HTML report.
 * Exit 1 when the violation reproduced. When the replayed run breaks no rule
 * the replay could not reach the failure with the plugin and options it was
 * given (most often: another module, or other --plugin-options, than the
 * check's): that is bad usage, exit 2, with a message saying so; the trace
 * and report are still written.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { renderHtmlReport } from '../../harness/html-report.js';
import { replayFailure, replaySavedFailure } from '../../harness/replay.js';
import type { ReplayResult } from '../../harness/types.js';
import { formatFailureReport } from '../../harness/report.js';
import { historyToJson } from '../../contract/history.js';
import { EXIT_USAGE, EXIT_VIOLATION } from '../exit-codes.js';
import { addRunOptions, intOption, pluginFor, type RunCliOptions } from './check.js';
import { WalError } from '../../errors.js';
import { runStoreReplay } from './store.js';

/** Why a replay that broke no rule is an error: it ran something other than the check did. */
export function notReproduced(pluginName: string, module: string | undefined): string {
  const which = module === undefined ? `the built-in engine ("${pluginName}", no module given)` : `${module} ("${pluginName}")`;
  return (
    `the replayed run broke no rule: ${which} does not fail this scenario, so this is not the run the check failed. ` +
    'A replay needs the module, --plugin-options, --faults, --fault-probability and --workload of the check (its report prints them all); ' +
    'a report of a plugin built in code names no module and must be replayed from code (replayFailure).'
  );
}

type ReplayCli = RunCliOptions & {
  seed?: number;
  path?: string;
  schedulePath?: string;
  scenario?: string;
  out?: string;
  json?: boolean;
  store?: boolean;
};

/** What every replay refuses: a saved scenario with a seed, path or run options of its own; a malformed path. */
function checkReplayArgs(o: ReplayCli): void {
  if (o.scenario !== undefined) {
    if (o.seed !== undefined || o.path !== undefined || o.schedulePath !== undefined)
      throw new WalError(
        'EINVAL',
        '--scenario replays a saved failure (its fault schedule too): give it without --seed, --path and --schedule-path',
      );
    if (o.faults !== undefined || o.faultProbability !== undefined || o.workload !== undefined)
      throw new WalError(
        'EINVAL',
        '--scenario carries its own faults, fault plan and workload: give it without --faults, --fault-probability and --workload',
      );
  } else {
    for (const [flag, path] of [
      ['--path', o.path],
      ['--schedule-path', o.schedulePath],
    ] as const)
      if (path !== undefined && !/^\d+(:\d+)*$/.test(path))
        throw new WalError('EINVAL', `${flag} must be numbers joined by ':', got '${path}'`);
  }
}

export function registerReplay(program: Command): void {
  addRunOptions(
    program
      .command('replay')
      .description('Rerun one failure exactly; write its trace (JSON lines) and an HTML report')
      .argument('[plugin-module]', 'the plugin module the check ran (default: the built-in engine)')
      .option('--seed <s>', 'fast-check seed from the report', intOption('--seed', 0, 0x7fffffff))
      .option('--path <path>', 'fast-check path from the report')
      .option('--schedule-path <path>', "the report's schedule path: the failure shrunk with its faults as a schedule")
      .option('--scenario <file>', 'a saved failure (the failure database, .faultline/failures/): replays it without --seed and --path')
      .option('--out <dir>', 'where to write trace.jsonl, history.json and report.html (default faultline-replay-<seed>)')
      .option('--json', 'print the failure report as JSON')
      .option('--store', 'replay a store check (`faultline check --store`): the module is a store plugin (default: the built-in store)'),
  ).action(async (module: string | undefined, o: ReplayCli) => {
    checkReplayArgs(o);
    if (o.store === true) {
      await runStoreReplay(module, o);
      return;
    }
    let result: ReplayResult;
    let name: string;
    if (o.scenario !== undefined) {
      const plugin = await pluginFor(module, o.pluginOptions);
      result = await replaySavedFailure(plugin, o.scenario, {
        ...(module === undefined ? {} : { pluginModule: module }),
        ...(o.pluginOptions === undefined ? {} : { pluginOptions: o.pluginOptions }),
      });
      name = plugin.name;
    } else {
      if (o.seed === undefined || o.path === undefined)
        throw new WalError('EINVAL', 'replay needs --seed and --path (from the report), or --scenario FILE');
      const plugin = await pluginFor(module, o.pluginOptions);
      result = await replayFailure(plugin, {
        ...(o.workload ?? {}),
        seed: o.seed,
        path: o.path,
        ...(o.schedulePath === undefined ? {} : { schedulePath: o.schedulePath }),
        ...(o.faults === undefined ? {} : { faults: o.faults }),
        ...(o.faultProbability === undefined ? {} : { faultProbability: o.faultProbability }),
        ...(module === undefined ? {} : { pluginModule: module }),
        ...(o.pluginOptions === undefined ? {} : { pluginOptions: o.pluginOptions }),
      });
      name = plugin.name;
    }
    const dir = resolve(o.out ?? `faultline-replay-${o.seed ?? 'scenario'}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'trace.jsonl'), (result.outcome.trace ?? []).map((l) => `${l}\n`).join(''));
    await writeFile(join(dir, 'history.json'), `${JSON.stringify(historyToJson(result.outcome.history), null, 1)}\n`);
    await writeFile(join(dir, 'report.html'), renderHtmlReport(result.outcome, result.failure));
    if (o.json === true) {
      process.stdout.write(
        `${JSON.stringify({ reproduced: result.failure !== undefined, failure: result.failure, traceHash: result.outcome.traceHash, out: dir })}\n`,
      );
    } else {
      if (result.failure !== undefined) process.stdout.write(`${formatFailureReport(result.failure)}\n`);
      process.stdout.write(`trace: ${join(dir, 'trace.jsonl')}\nreport: ${join(dir, 'report.html')}\n`);
    }
    if (result.failure === undefined) process.stderr.write(`faultline replay: ${notReproduced(name, module)}\n`);
    process.exitCode = result.failure === undefined ? EXIT_USAGE : EXIT_VIOLATION;
  });
}
