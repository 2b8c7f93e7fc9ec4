/**
 * `faultline bench [--quick] [--only LIST]`: runs the durability-tradeoff
 * benchmarks of a source checkout (bench/run.ts, on tsx), which is what
 * `npm run bench` does. The published package does not ship bench/ or its
 * peers, so there the command says how to get them and exits 2.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { EXIT_OK, EXIT_USAGE, EXIT_VIOLATION } from '../exit-codes.js';

/** The checkout's bench/run.ts, looked up from src/cli/commands (source) or dist/src/cli/commands (built). */
export function findBenchScript(from: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  for (const up of ['../../..', '../../../..']) {
    const candidate = path.resolve(from, up, 'bench', 'run.ts');
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('Run the durability-tradeoff benchmarks (same as `npm run bench` in a source checkout)')
    .option('--quick', 'the small matrix, under two minutes')
    .option('--only <sections>', 'only these sections: crc,peers,durability,recovery,loss,simulator,memory')
    .action((flags: { quick?: boolean; only?: string }) => {
      const script = findBenchScript();
      if (script === null) {
        process.stderr.write(
          'faultline bench: the benchmarks live in the source repository (bench/), not in the published package.\n' +
            'Clone the repository, run `npm ci`, then `npm run bench -- --quick`.\n',
        );
        process.exitCode = EXIT_USAGE;
        return;
      }
      const args = ['--import', 'tsx', script];
      if (flags.quick) args.push('--quick');
      if (flags.only) args.push('--only', flags.only);
      const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: path.resolve(path.dirname(script), '..') });
      // The bench itself failed (not a usage error): 1, the status of a run that went wrong.
      process.exitCode = r.status === 0 ? EXIT_OK : EXIT_VIOLATION;
    });
}
