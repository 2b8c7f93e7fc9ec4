/**
 * assertWal (and assertStore): checkWal (checkStore) that throws, the way fc.assert does, for test runners.
 * A broken rule throws a WalCheckFailed whose message is the full failure
 * report (rule, shrunk counterexample, seed, path, the replay command); a
 * vacuous pass throws too, saying which floor was not met. A pass resolves
 * with the check's result. checkWal stays the form that never throws for a
 * finding.
 */
import type { StorePlugin, WalPlugin } from '../ports.js';
import { checkWal } from './check.js';
import { checkStore, formatStoreFailureReport } from './check-store.js';
import { formatFailureReport } from './report.js';
import type { StoreCheckOptions, StoreCheckResult } from './store-check-types.js';
import type { CheckOptions, CheckResult } from './types.js';

export class WalCheckFailed extends Error {
  constructor(
    message: string,
    /** The check's result: `failure` for a broken rule, `vacuous` for a vacuous pass. */
    readonly result: CheckResult | StoreCheckResult,
  ) {
    super(message);
    this.name = 'WalCheckFailed';
  }
}

/** The error for a check that found something, or undefined for a real pass. */
function finding(name: string, result: CheckResult | StoreCheckResult, report: string | undefined): WalCheckFailed | undefined {
  if (report !== undefined) return new WalCheckFailed(`faultline: ${name} broke a rule of the plugin contract\n${report}`, result);
  if (result.vacuous === undefined) return undefined;
  const floors = result.vacuous.map((r) => `  - ${r}`).join('\n');
  return new WalCheckFailed(
    `faultline: ${name} broke no rule, but the check was vacuous (seed ${result.summary.seed}):\n${floors}\n  (options minAcknowledged: 0 and minCutsAtStake: 0 lower these floors)`,
    result,
  );
}

export async function assertWal(plugin: WalPlugin, options: CheckOptions = {}): Promise<CheckResult> {
  const result = await checkWal(plugin, options);
  const err = finding(plugin.name, result, result.failure === undefined ? undefined : formatFailureReport(result.failure));
  if (err !== undefined) throw err;
  return result;
}

/** checkStore that throws, as assertWal does for a log: a broken section 5 rule or a vacuous pass is a WalCheckFailed. */
export async function assertStore(plugin: StorePlugin, options: StoreCheckOptions = {}): Promise<StoreCheckResult> {
  const result = await checkStore(plugin, options);
  const err = finding(plugin.name, result, result.failure === undefined ? undefined : formatStoreFailureReport(result.failure));
  if (err !== undefined) throw err;
  return result;
}
