/**
 * The store judge: the one verdict sequence every store runner applies, as
 * the log's Judge (judge.ts) is for logs. A runner calls it at the same three
 * points:
 *
 * - after an open resolved (`afterOpen`), with the state the store's
 *   entries() returned: rules 1-5 against the history and the state the
 *   previous successful open recovered; a recovery that passes becomes the
 *   base the next open is judged against;
 * - after an open rejected (`afterOpenRejected`): rule 6 (recovery works),
 *   unless a fault the runner names allowed the refusal;
 * - after an epoch's clients are done (`afterWorkload`): a transaction()
 *   that resolved although its fn rejected.
 *
 * Liveness needs the runner's bound of time, so the runner calls
 * checkLiveness itself (storeLiveness turns it into a store violation).
 */
import { assert } from '../assert.js';
import { checkLiveness, checkRecoveryWorks, type UnsettledCall } from './checker.js';
import {
  checkResolvedAborts,
  checkStoreRecovery,
  describeRecoveredState,
  storeRecoveryStats,
  type StoreRecoveryView,
} from './store-checker.js';
import type { StoreHistory } from './store-history.js';
import type { StoreOpenCall, StoreViolation } from './store-types.js';
import type { Violation } from './types.js';

export interface StoreOpenVerdict {
  violation: StoreViolation | undefined;
  view: StoreRecoveryView;
  /** Acknowledged transactions with writes the window held, those the state provably lacks, and those it shows. */
  stats: { atStake: number; lostAcknowledged: number; applied: number };
}

/** A shared rule's violation (recovery-works, liveness) in the store's words. */
function asStoreViolation(v: Violation): StoreViolation {
  assert(v.rule === 'liveness' || v.rule === 'recovery-works', 'only recovery-works and liveness are shared with the log rules', {
    rule: v.rule,
  });
  return { ...v, rule: v.rule };
}

/** Liveness (rule 6) for a store runner: the log's rule, in the store's words. */
export function storeLiveness(
  epoch: number,
  unsettled: readonly UnsettledCall[],
  boundMs: number,
  reason: string,
): StoreViolation | undefined {
  const v = checkLiveness(epoch, unsettled, boundMs, reason);
  return v === undefined ? undefined : asStoreViolation(v);
}

export class StoreJudge {
  private base = new Map<string, Uint8Array>();
  private baseEpoch = 0;

  constructor(
    private readonly history: StoreHistory,
    private readonly durableCommit: boolean,
  ) {}

  /** Judges the state an open of `epoch` recovered (rules 1-5). */
  afterOpen(
    epoch: number,
    state: readonly (readonly [string, Uint8Array])[],
    options: { durabilityRequired: boolean; openCall?: StoreOpenCall },
  ): StoreOpenVerdict {
    const view: StoreRecoveryView = {
      epoch,
      calls: this.history.calls,
      durableCommit: this.durableCommit,
      base: this.base,
      baseEpoch: this.baseEpoch,
      state,
      durabilityRequired: options.durabilityRequired,
    };
    if (options.openCall !== undefined) options.openCall.recovered = describeRecoveredState(view);
    const violation = checkStoreRecovery(view);
    const stats = storeRecoveryStats(view);
    if (violation === undefined) {
      this.base = new Map(state.map(([k, v]) => [k, Uint8Array.from(v)]));
      this.baseEpoch = epoch;
    }
    return { violation, view, stats };
  }

  afterOpenRejected(epoch: number, error: { code?: string; message: string }, allowedBy: string | undefined): StoreViolation | undefined {
    const v = checkRecoveryWorks(epoch, error, allowedBy);
    return v === undefined ? undefined : asStoreViolation(v);
  }

  afterWorkload(epoch: number): StoreViolation | undefined {
    return checkResolvedAborts(this.history.calls, epoch);
  }
}
