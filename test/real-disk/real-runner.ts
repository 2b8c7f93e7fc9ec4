/**
 * The harness's workloads and checker on a real disk: generateScenario's
 * epochs run against a plugin on NodeFileSystem in a temporary folder, with
 * RealClock, through FaultyFileSystem (ENOSPC after a partial write and EIO on
 * fsync while clients run; EIO on read while the log opens). Every epoch ends
 * with a clean close (power cannot be cut from user space: process death is
 * the SIGKILL test's job), then the log is reopened and judged by the same
 * functions of src/sim/checker.ts that judge simulated runs.
 *
 * What a real disk cannot show from user space: after an injected fsync EIO
 * the kernel still holds and later writes the data, so an "acknowledged after
 * a failed fsync" bug is found on the simulator, not here.
 */
import { generateScenario } from '../../src/contract/workload.js';
import {
  checkLsnsGoOn,
  checkRecovery,
  checkRecoveryWorks,
  checkResolvedOrder,
  identifyRecovered,
  type IdentifiedRecord,
} from '../../src/contract/checker.js';
import { History } from '../../src/contract/history.js';
import { PayloadFactory } from '../../src/contract/payload.js';
import { FaultyFileSystem, type RealFaultKind } from '../../src/real/faulty-file-system.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import type { WalLog, WalPlugin } from '../../src/ports.js';
import type { ClientOp, Violation, WorkloadOptions } from '../../src/contract/types.js';

export interface RealRunOptions {
  seed: number;
  root: string;
  faults: readonly RealFaultKind[];
  /** Probability per eligible call of each fault kind (default 0.02; reads while opening get twice that). */
  probability?: number;
  workload?: WorkloadOptions;
}

export interface RealRunResult {
  violation?: Violation;
  epochs: number;
  appends: number;
  acknowledged: number;
  injected: number;
}

const OPEN_ATTEMPTS = 3;
const clock = new RealClock();

export async function runOnRealDisk(plugin: WalPlugin, options: RealRunOptions): Promise<RealRunResult> {
  const p = options.probability ?? 0.02;
  const fs = new FaultyFileSystem(new NodeFileSystem(options.root), {
    seed: options.seed,
    probabilities: Object.fromEntries(options.faults.map((k) => [k, k === 'read-error' ? Math.min(1, 2 * p) : p])),
    armed: false,
  });
  const whileOpening = options.faults.filter((k) => k === 'read-error');
  const whileRunning = options.faults.filter((k) => k !== 'read-error');
  const scenario = generateScenario(options.seed, options.workload);
  const history = new History(() => clock.now());
  const payloads = new PayloadFactory();
  const result: RealRunResult = { epochs: 0, appends: 0, acknowledged: 0, injected: 0 };
  let previous: IdentifiedRecord[] = [];
  let previousEpoch = 0;

  for (let epoch = 0; epoch <= scenario.epochs.length; epoch++) {
    // Open (recover) with read errors armed; a refusal is allowed only when one fired.
    let log: WalLog | undefined;
    for (let attempt = 1; attempt <= OPEN_ATTEMPTS && log === undefined; attempt++) {
      const before = fs.injected.length;
      if (attempt < OPEN_ATTEMPTS) fs.arm(whileOpening); // the last attempt runs without faults
      const call = history.open(epoch);
      const opened = await history.track(call, () => plugin.open({ fs, clock, dir: 'wal' }));
      fs.disarm();
      if (opened.ok) log = opened.value;
      else {
        const v = checkRecoveryWorks(
          epoch,
          call.error ?? { message: 'open rejected' },
          fs.injected.length > before ? 'read-error' : undefined,
        );
        if (v !== undefined) return { ...result, violation: v };
      }
    }
    if (log === undefined)
      return {
        ...result,
        violation: checkRecoveryWorks(epoch, { message: `open refused ${OPEN_ATTEMPTS} times` }, undefined) as Violation,
      };
    const identified = identifyRecovered(log.recovered, history.appends());
    const violation = checkRecovery({
      epoch,
      calls: history.calls,
      durableAppend: plugin.durableAppend,
      previous,
      previousEpoch,
      recovered: identified,
      durabilityRequired: true,
    });
    if (violation !== undefined) {
      await log.close();
      return { ...result, violation };
    }
    previous = identified;
    previousEpoch = epoch;
    const recoveredMaxLsn = identified.reduce((m, r) => Math.max(m, r.lsn), 0);
    const script = scenario.epochs[epoch];
    if (script === undefined) {
      await log.close();
      break;
    }

    // The epoch's clients, concurrently, through the workload fault injector.
    const wal = log;
    fs.arm(whileRunning);
    await Promise.all(script.clients.map((ops, client) => runClient(history, payloads, epoch, client, ops, wal)));
    fs.disarm();
    await history.track(history.close(epoch), () => wal.close());
    history.freeze(epoch);
    result.epochs++;
    const v = checkResolvedOrder(history.calls, epoch) ?? checkLsnsGoOn(history.calls, epoch, recoveredMaxLsn);
    if (v !== undefined) return { ...result, violation: v };
  }
  const appends = history.appends();
  result.appends = appends.length;
  result.acknowledged = appends.filter((a) => a.outcome === 'resolved').length;
  result.injected = fs.injected.length;
  return result;
}

async function runClient(
  history: History,
  payloads: PayloadFactory,
  epoch: number,
  client: number,
  ops: readonly ClientOp[],
  log: WalLog,
): Promise<void> {
  const lsns: number[] = [];
  let seq = 0;
  for (const op of ops) {
    if (op.op === 'append') {
      const data = payloads.make(history.calls.length, epoch, client, op.size);
      const call = history.append(epoch, client, data, `e${epoch}.c${client}.#${seq++}`);
      const r = await history.track(
        call,
        () => log.append(data),
        (lsn) => lsn,
      );
      if (r.ok) lsns.push(r.value);
    } else if (op.op === 'sync') {
      await history.track(history.sync(epoch, client), () => log.sync());
    } else if (op.op === 'truncatePrefix') {
      const truncate = log.truncatePrefix;
      if (truncate === undefined || lsns.length === 0) continue;
      const upTo = lsns[Math.max(0, lsns.length - 1 - op.back)] as number;
      await history.track(history.truncatePrefix(epoch, client, upTo), () => truncate.call(log, upTo));
    } else {
      await clock.sleep(Math.min(op.ms, 5));
    }
  }
}
