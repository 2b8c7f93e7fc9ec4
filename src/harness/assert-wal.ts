/**
 * assertWal: checkWal that throws, the way fc.assert does, for test runners.
 * A broken rule throws a WalCheckFailed whose message is the full failure
 * report (rule, shrunk counterexample, seed, path, the replay command); a
 * vacuous pass throws too, saying which floor was not met. A pass resolves
 * with the check's result. checkWal stays the form that never throws for a
 * finding.
 */
import type { WalPlugin } from '../ports.js';
import { checkWal } from './check.js';
import { formatFailureReport } from './report.js';
import type { CheckOptions, CheckResult } from './types.js';

export class WalCheckFailed extends Error {
  constructor(
    message: string,
    /** The check's result: `failure` for a broken rule, `vacuous` for a vacuous pass. */
    readonly result: CheckResult,
  ) {
    super(message);
    this.name = 'WalCheckFailed';
  }
}

export async function assertWal(plugin: WalPlugin, options: CheckOptions = {}): Promise<CheckResult> {
  const result = await checkWal(plugin, options);
  if (result.failure !== undefined) {
    throw new WalCheckFailed(
      `faultline: ${plugin.name} broke a rule of the plugin contract\n${formatFailureReport(result.failure)}`,
      result,
    );
  }
  if (result.vacuous !== undefined) {
    const floors = result.vacuous.map((r) => `  - ${r}`).join('\n');
    throw new WalCheckFailed(
      `faultline: ${plugin.name} broke no rule, but the check was vacuous (seed ${result.summary.seed}):\n${floors}\n  (options minAcknowledged: 0 and minCutsAtStake: 0 lower these floors)`,
      result,
    );
  }
  return result;
}
