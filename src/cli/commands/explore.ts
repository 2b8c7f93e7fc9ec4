/**
 * `faultline explore [plugin-module] --clients C --ops K [--workload JSON] [--max-states N]
 * [--time-limit S] [--image-cap N] [--json]`: the bounded exhaustive search of
 * src/harness/explore.ts (docs/explore.md). Exit 0 when every crash state
 * within the bound is correct, 1 on a violation (with its replay command), 2
 * bad usage, 3 when no rule broke but a bound (states, time, the crash-image
 * cap) stopped the search short of its bound. `--replay JSON` rebuilds and
 * judges one state: exit 1 when it breaks a rule, 2 when it does not (it is
 * not the state the search reported, for this plugin and these options).
 */
import type { Command } from 'commander';
import { WalError } from '../../errors.js';
import {
  DEFAULT_EXPLORE_IMAGE_CAP,
  DEFAULT_EXPLORE_MAX_STATES,
  EXPLORE_ALPHABET,
  EXPLORE_LIMITS,
  checkWorkload,
  exploreWal,
  parseExploreStateId,
  replayExploreState,
  type ExploreOptions,
} from '../../harness/explore.js';
import { formatExploreReplay, formatExploreResult } from '../../harness/explore-report.js';
import { historyToJson } from '../../contract/history.js';
import { EXIT_OK, EXIT_USAGE, EXIT_VACUOUS, EXIT_VIOLATION } from '../exit-codes.js';
import { floatOption, intOption, jsonOption, pluginFor } from './check.js';

interface ExploreCli {
  clients?: number;
  ops?: number;
  workload?: unknown;
  maxStates: number;
  timeLimit?: number;
  imageCap: number;
  pluginOptions?: unknown;
  replay?: unknown;
  json?: boolean;
}

export function registerExploreCommand(program: Command): void {
  program
    .command('explore')
    .description('Exhaustively search every crash state of every small workload (bounded) on the simulated disk')
    .argument('[plugin-module]', 'ES module whose default export is a WalPlugin or a factory of one (default: the built-in engine)')
    .option(
      '--clients <c>',
      `most clients in a workload, 1..${EXPLORE_LIMITS.maxClients}`,
      intOption('--clients', 1, EXPLORE_LIMITS.maxClients),
    )
    .option(
      '--ops <k>',
      `most operations in a workload over all its clients, 1..${EXPLORE_LIMITS.maxOps}`,
      intOption('--ops', 1, EXPLORE_LIMITS.maxOps),
    )
    .option(
      '--workload <json>',
      `explore one workload instead: each client's operations, e.g. '[["append-small","truncate"],["sync"]]' (${EXPLORE_ALPHABET.map((l) => l.name).join(', ')})`,
      jsonOption('--workload'),
    )
    .option(
      '--max-states <n>',
      `stop after judging this many crash states (default ${DEFAULT_EXPLORE_MAX_STATES})`,
      intOption('--max-states', 1),
      DEFAULT_EXPLORE_MAX_STATES,
    )
    .option('--time-limit <seconds>', 'stop after this many seconds', floatOption('--time-limit', 0.001, 1e9))
    .option(
      '--image-cap <n>',
      `crash-image assignments examined per crash point (default ${DEFAULT_EXPLORE_IMAGE_CAP})`,
      intOption('--image-cap', 1, 10_000_000),
      DEFAULT_EXPLORE_IMAGE_CAP,
    )
    .option('--plugin-options <json>', "options passed to the plugin module's factory", jsonOption('--plugin-options'))
    .option('--replay <json>', 'rebuild and judge one explored state: the JSON a report prints after --replay')
    .option('--json', 'print one JSON object')
    .action(async (module: string | undefined, o: ExploreCli) => {
      const plugin = await pluginFor(module, o.pluginOptions);
      if (o.replay !== undefined) {
        if (o.clients !== undefined || o.ops !== undefined || o.workload !== undefined || o.timeLimit !== undefined)
          throw new WalError('EINVAL', '--replay names one state: give it without --clients, --ops, --workload and --time-limit');
        const id = parseExploreStateId(jsonOption('--replay')(String(o.replay)));
        const r = await replayExploreState(plugin, id, { imageCap: o.imageCap });
        if (o.json === true) {
          process.stdout.write(
            `${JSON.stringify({ ok: r.violation === undefined, plugin: plugin.name, ...r, history: historyToJson(r.history) })}\n`,
          );
        } else {
          process.stdout.write(`${formatExploreReplay(plugin.name, r)}\n`);
        }
        if (r.violation === undefined) {
          process.stderr.write(
            'faultline explore: the replayed state breaks no rule: not the state the search reported, for this plugin and these options\n',
          );
          process.exitCode = EXIT_USAGE;
        } else process.exitCode = EXIT_VIOLATION;
        return;
      }
      const options: ExploreOptions = { maxStates: o.maxStates, imageCap: o.imageCap };
      if (o.workload !== undefined) {
        if (o.clients !== undefined || o.ops !== undefined)
          throw new WalError('EINVAL', 'give either --workload or --clients and --ops, not both');
        options.workload = checkWorkload(o.workload);
      } else {
        if (o.clients === undefined || o.ops === undefined)
          throw new WalError('EINVAL', 'explore needs --clients C and --ops K (or --workload)');
        options.clients = o.clients;
        options.ops = o.ops;
      }
      if (o.timeLimit !== undefined) options.timeLimitMs = o.timeLimit * 1000;
      if (module !== undefined) options.pluginModule = module;
      if (o.pluginOptions !== undefined) options.pluginOptions = o.pluginOptions;
      const r = await exploreWal(plugin, options);
      if (o.json === true) process.stdout.write(`${JSON.stringify({ plugin: plugin.name, ...r })}\n`);
      else process.stdout.write(`${formatExploreResult(plugin.name, r)}\n`);
      process.exitCode = !r.ok ? EXIT_VIOLATION : r.complete ? EXIT_OK : EXIT_VACUOUS;
    });
}
