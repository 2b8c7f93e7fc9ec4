/**
 * The judge: the one verdict sequence every runner applies, whether the log
 * ran on the simulator, on a real disk or in a process that was SIGKILLed.
 * A runner calls it at three points and nowhere else:
 *
 * - after an open resolved (`afterOpen`): the recovered records are
 *   attributed to the appends that wrote them, then rules 1-4 (integrity,
 *   order, no holes, durability) judge the recovery against the history and
 *   against what the previous successful open recovered. A recovery that
 *   passes becomes the base the next open is judged against;
 * - after an open rejected (`afterOpenRejected`): rule 5, unless a fault the
 *   runner names allowed the refusal;
 * - after an epoch's clients are done (`afterWorkload`): rule 3 on the LSNs
 *   the live log handed out, and rule 6 (above every LSN the epoch's open
 *   recovered).
 *
 * Liveness (rule 7) needs a bound of time only the runner knows (virtual or
 * real), so the runner calls checkLiveness itself.
 */
import type { RecoveredRecord } from '../ports.js';
import {
  checkLsnsGoOn,
  checkRecovery,
  checkRecoveryWorks,
  checkResolvedOrder,
  identifyRecovered,
  type IdentifiedRecord,
  type RecoveryView,
} from './checker.js';
import type { History } from './history.js';
import type { OpenCall, Violation } from './types.js';

export interface OpenVerdict {
  /** The first rule the recovery broke, or undefined. */
  violation: Violation | undefined;
  /** The recovered records, attributed to appends. */
  recovered: IdentifiedRecord[];
  /** What the rules looked at (for loss statistics). */
  view: RecoveryView;
}

export interface AfterOpenOptions {
  /** False once a fault that may destroy durable data has fired in the run: rule 2 is then not applied. */
  durabilityRequired: boolean;
  /** The history's record of this open: it gets the attributed recovered set (reports show it). */
  openCall?: OpenCall;
}

export class Judge {
  private previous: IdentifiedRecord[] = [];
  private previousEpoch = 0;
  private recoveredMaxLsn = 0;

  constructor(
    private readonly history: History,
    private readonly durableAppend: boolean,
  ) {}

  /** Judges the records an open of `epoch` recovered (rules 1-4). */
  afterOpen(epoch: number, recovered: readonly RecoveredRecord[], options: AfterOpenOptions): OpenVerdict {
    const identified = identifyRecovered(recovered, this.history.appends());
    if (options.openCall !== undefined) {
      options.openCall.recovered = identified.map((r) =>
        r.appendId === undefined ? { lsn: r.lsn, size: r.size } : { lsn: r.lsn, appendId: r.appendId, size: r.size },
      );
    }
    const view: RecoveryView = {
      epoch,
      calls: this.history.calls,
      durableAppend: this.durableAppend,
      previous: this.previous,
      previousEpoch: this.previousEpoch,
      recovered: identified,
      durabilityRequired: options.durabilityRequired,
    };
    const violation = checkRecovery(view);
    if (violation === undefined) {
      this.previous = identified;
      this.previousEpoch = epoch;
      this.recoveredMaxLsn = identified.reduce((m, r) => Math.max(m, r.lsn), 0);
    }
    return { violation, recovered: identified, view };
  }

  /** Rule 5 for an open of `epoch` that rejected; `allowedBy` names the fault that allows it, or is undefined. */
  afterOpenRejected(epoch: number, error: { code?: string; message: string }, allowedBy: string | undefined): Violation | undefined {
    return checkRecoveryWorks(epoch, error, allowedBy);
  }

  /** Rules 3 and 6 on the appends of `epoch`, once its clients are done (or its process died). */
  afterWorkload(epoch: number): Violation | undefined {
    return checkResolvedOrder(this.history.calls, epoch) ?? checkLsnsGoOn(this.history.calls, epoch, this.recoveredMaxLsn);
  }
}
