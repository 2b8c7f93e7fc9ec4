/**
 * One seeded run of a store on the simulator (runStoreScenario): the log
 * run's machinery (EpochRunner: epochs, the crash cut, crash images, fault
 * policy, liveness) with a StorePlugin as the subject. Each open is
 * openStore followed by entries() (the state the judge reads), both inside
 * the recovery phase and the cut; the clients run transactions, syncs and
 * checkpoints; the store judge applies the contract's §5 rules.
 */
import { WalError } from '../errors.js';
import { CONTRACT_FAULT_KINDS, type FaultPlan } from '../faults/types.js';
import { parseFaultPlan } from '../faults/plan.js';
import type { Store, StorePlugin, WalEnv } from '../ports.js';
import { present } from '../assert.js';
import { StoreHistory } from '../contract/store-history.js';
import { StoreJudge, storeLiveness } from '../contract/store-judge.js';
import { runStoreClient } from '../contract/store-client.js';
import { acknowledgedTransactions, isAborted } from '../contract/store-checker.js';
import { generateStoreScenario, resolveStoreWorkload } from '../contract/store-workload.js';
import { withoutPowerCuts } from '../contract/workload.js';
import type { StoreCall, StoreClientOp, StoreOpenCall, StoreViolation } from '../contract/store-types.js';
import { EpochRunner, runOutcome, worldChoiceOf } from './epoch-runner.js';
import { faultPlanForCheck, parseFaultKinds } from './run.js';
import { isStorePlugin } from './plugin-module.js';
import type { StoreEpochOutcome, StoreRunOptions, StoreScenarioOutcome } from './store-check-types.js';

/** A store just opened, and the state its entries() returned. */
interface OpenedStore {
  store: Store;
  state: Array<[string, Uint8Array]>;
}

function emptyStoreOutcome(epoch: number): StoreEpochOutcome {
  return {
    epoch,
    end: 'restart',
    transactions: 0,
    committed: 0,
    acknowledged: 0,
    aborted: 0,
    lostAcknowledged: 0,
    endedAt: 0,
    faultsFired: {},
  };
}

/** entries() must give [key, bytes] pairs: anything else is the plugin's contract breach, reported as the open's failure. */
function checkedEntries(value: unknown): Array<[string, Uint8Array]> {
  if (!Array.isArray(value)) throw new WalError('ECONTRACT', 'Store.entries() must resolve with an array of [key, value] pairs');
  for (const e of value as unknown[]) {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || !(e[1] instanceof Uint8Array))
      throw new WalError('ECONTRACT', `Store.entries() returned ${JSON.stringify(e)}, not a [string, Uint8Array] pair`);
  }
  return value as Array<[string, Uint8Array]>;
}

class StoreRun extends EpochRunner<OpenedStore, StoreCall, StoreEpochOutcome, StoreViolation, StoreClientOp> {
  readonly history: StoreHistory;
  readonly judge: StoreJudge;
  readonly durableCommit: boolean;

  constructor(
    readonly plugin: StorePlugin,
    opts: StoreRunOptions,
    plan: FaultPlan,
    simSeed: number,
  ) {
    super(worldChoiceOf(opts, plan, simSeed));
    this.durableCommit = plugin.durableCommit === true;
    this.history = new StoreHistory(
      () => this.world.scheduler.now,
      undefined,
      () => this.world.trace.length,
    );
    this.judge = new StoreJudge(this.history, this.durableCommit);
  }

  protected async openSubject(env: WalEnv): Promise<OpenedStore> {
    const store = await this.plugin.openStore(env);
    const state = checkedEntries(await store.entries());
    return { store, state };
  }

  protected closeSubject(s: OpenedStore): Promise<void> {
    return s.store.close();
  }

  protected emptyOutcome(epoch: number): StoreEpochOutcome {
    return emptyStoreOutcome(epoch);
  }

  protected liveness(epoch: number, unsettled: readonly StoreCall[], reason: string): StoreViolation {
    return present(
      storeLiveness(
        epoch,
        unsettled.map((c) => (c.kind === 'transaction' ? { ...c, label: c.label } : c)),
        this.livenessMs,
        reason,
      ),
      'a call that did not settle, or a run that could not go on, breaks liveness',
    );
  }

  protected rejectedOpen(
    epoch: number,
    error: { code?: string; message: string },
    allowedBy: string | undefined,
  ): StoreViolation | undefined {
    return this.judge.afterOpenRejected(epoch, error, allowedBy);
  }

  protected judgeOpened(epoch: number, s: OpenedStore, call: StoreCall): StoreViolation | undefined {
    const verdict = this.judge.afterOpen(epoch, s.state, { durabilityRequired: this.durabilityRequired, openCall: call as StoreOpenCall });
    const ran = this.lastRanBefore(epoch, verdict.view.baseEpoch);
    if (ran !== undefined) {
      ran.atStake = verdict.stats.atStake;
      ran.lostAcknowledged = verdict.stats.lostAcknowledged;
      ran.appliedNext = verdict.stats.applied;
    }
    return verdict.violation;
  }

  protected afterWorkload(epoch: number, out: StoreEpochOutcome): StoreViolation | undefined {
    const txns = this.history.transactions(epoch);
    out.transactions = txns.length;
    out.committed = txns.filter((t) => t.outcome === 'resolved' && t.fnRejected === undefined).length;
    out.aborted = txns.filter(isAborted).length;
    out.acknowledged = acknowledgedTransactions(this.history.calls, this.durableCommit, epoch).length;
    return this.judge.afterWorkload(epoch);
  }

  protected runClient(epoch: number, client: number, ops: readonly StoreClientOp[], s: OpenedStore): Promise<void> {
    return runStoreClient(ops, { history: this.history, epoch, client, store: s.store, sleep: (ms) => this.world.clock.sleep(ms) });
  }
}

/** One seeded run of a store plugin on the simulator; resolves with what happened and the first broken rule, if any. */
export async function runStoreScenario(plugin: StorePlugin, options: StoreRunOptions): Promise<StoreScenarioOutcome> {
  if (!isStorePlugin(plugin)) throw new WalError('EPLUGIN', 'not a StorePlugin: it needs name, durableCommit and openStore(env)');
  const kinds = parseFaultKinds(options.faults ?? CONTRACT_FAULT_KINDS);
  resolveStoreWorkload(options);
  const drawn = options.scenario ?? generateStoreScenario(options.seed, options);
  // Without `crash` no power is cut (the contract, §4): every epoch ends in a clean restart.
  const scenario = kinds.includes('crash') ? drawn : withoutPowerCuts(drawn);
  const plan = options.faultPlan === undefined ? faultPlanForCheck(kinds, options.faultProbability) : parseFaultPlan(options.faultPlan);
  const run = new StoreRun(plugin, options, plan, scenario.simSeed);
  return runOutcome(run, scenario, plan, await run.runToEnd(scenario), options.keepTrace === true);
}
