import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundleForNode } from './bundle.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  /** The exit status; -1 when the process ended by a signal. */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the faultline command from source (`node --import tsx src/cli/main.ts ...args`) in the repository root.
 * GITHUB_ACTIONS and GITHUB_STEP_SUMMARY are never inherited (vitest itself may run under GitHub Actions, and
 * the CLI writes annotations and a step summary there): a test that wants them passes them in `env`.
 */
export function runFaultline(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runNode(['--import', 'tsx', 'src/cli/main.ts', ...args], env);
}

let bundledCli: Promise<string> | undefined;

/**
 * Runs the faultline command bundled into one plain ES module (test/helpers/bundle.ts), as an installed faultline
 * runs: no TypeScript loader, so each run starts about four times faster than runFaultline's. The same environment.
 */
export async function runFaultlineBundled(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  bundledCli ??= bundleForNode(join(root, 'src/cli/main.ts'), 'faultline-cli.mjs');
  return runNode([await bundledCli, ...args], env);
}

async function runNode(nodeArgs: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  delete inherited['GITHUB_ACTIONS'];
  delete inherited['GITHUB_STEP_SUMMARY'];
  try {
    const { stdout, stderr } = await run(process.execPath, nodeArgs, {
      cwd: root,
      // No failure database unless a test asks for one: tests never write .faultline/ in the checkout.
      env: { ...inherited, FAULTLINE_FAILURES: 'off', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout, stderr: e.stderr };
  }
}
