/**
 * The faultline command line, on commander. Each subcommand lives in its own
 * module under ./commands and registers itself here. Actions set
 * process.exitCode (0/1/2) rather than calling process.exit, so output flushes.
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { WalError } from '../errors.js';
import { EXIT_USAGE } from './exit-codes.js';
import { registerCommands } from './commands/index.js';

const require = createRequire(import.meta.url);

function packageVersion(): string {
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = require(candidate) as { name?: string; version?: string };
      if (pkg.name === 'faultline' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next layout (src/cli when run from source, dist/src/cli when built)
    }
  }
  throw new WalError('EINVAL', 'cannot find faultline package.json');
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('faultline')
    .description('Crash-test write-ahead logs on a deterministic simulated disk, and run a production WAL engine.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run faultline --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Parses argv and runs; resolves with the exit status. Never throws for usage errors. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exitCode 0; everything else commander rejects is usage.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    // Bad options, a plugin that cannot be loaded, or a file the command was pointed at that it cannot use
    // (an unwritable GITHUB_STEP_SUMMARY, an unreadable failure database): the caller's to fix, exit 2.
    if (err instanceof WalError && (err.code === 'EINVAL' || err.code === 'EPLUGIN' || err.code === 'EIO')) {
      process.stderr.write(`faultline: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}
