/**
 * `faultline replay [plugin-module] --seed S --path P [--faults LIST] [--out DIR] ...`:
 * reruns one failure exactly (the options must be those of the check that
 * found it; its report prints the full command), prints the report, and
 * writes the full trace (JSON lines) and a self-contained HTML report.
 * Exit 1 when the violation reproduced, 0 when the run passed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { renderHtmlReport } from '../../harness/html-report.js';
import { replayFailure } from '../../harness/replay.js';
import { formatFailureReport } from '../../harness/report.js';
import { historyToJson } from '../../contract/history.js';
import { EXIT_OK, EXIT_VIOLATION } from '../exit-codes.js';
import { addRunOptions, intOption, pluginFor, type RunCliOptions } from './check.js';
import { WalError } from '../../errors.js';

export function registerReplay(program: Command): void {
  addRunOptions(
    program
      .command('replay')
      .description('Rerun one failure exactly; write its trace (JSON lines) and an HTML report')
      .argument('[plugin-module]', 'the plugin module the check ran (default: the built-in engine)')
      .requiredOption('--seed <s>', 'fast-check seed from the report', intOption('--seed', 0))
      .requiredOption('--path <path>', 'fast-check path from the report')
      .option('--out <dir>', 'where to write trace.jsonl, history.json and report.html (default faultline-replay-<seed>)')
      .option('--json', 'print the failure report as JSON'),
  ).action(async (module: string | undefined, o: RunCliOptions & { seed: number; path: string; out?: string; json?: boolean }) => {
    if (!/^\d+(:\d+)*$/.test(o.path)) throw new WalError('EINVAL', `--path must be numbers joined by ':', got '${o.path}'`);
    const plugin = await pluginFor(module, o.pluginOptions);
    const result = await replayFailure(plugin, {
      ...(o.workload ?? {}),
      seed: o.seed,
      path: o.path,
      ...(o.faults === undefined ? {} : { faults: o.faults }),
      ...(o.faultProbability === undefined ? {} : { faultProbability: o.faultProbability }),
      ...(module === undefined ? {} : { pluginModule: module }),
      ...(o.pluginOptions === undefined ? {} : { pluginOptions: o.pluginOptions }),
    });
    const dir = resolve(o.out ?? `faultline-replay-${o.seed}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'trace.jsonl'), (result.outcome.trace ?? []).map((l) => `${l}\n`).join(''));
    await writeFile(join(dir, 'history.json'), `${JSON.stringify(historyToJson(result.outcome.history), null, 1)}\n`);
    await writeFile(join(dir, 'report.html'), renderHtmlReport(result.outcome, result.failure));
    if (o.json === true) {
      process.stdout.write(
        `${JSON.stringify({ reproduced: result.failure !== undefined, failure: result.failure, traceHash: result.outcome.traceHash, out: dir })}\n`,
      );
    } else {
      process.stdout.write(
        result.failure === undefined
          ? 'The replayed run broke no rule (the failure did not reproduce with these options).\n'
          : `${formatFailureReport(result.failure)}\n`,
      );
      process.stdout.write(`trace: ${join(dir, 'trace.jsonl')}\nreport: ${join(dir, 'report.html')}\n`);
    }
    process.exitCode = result.failure === undefined ? EXIT_OK : EXIT_VIOLATION;
  });
}
