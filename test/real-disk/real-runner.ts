/**
 * The harness's workloads and checker on a real disk: generateScenario's
 * epochs run against a plugin on NodeFileSystem in a temporary folder, with
 * RealClock, through FaultyFileSystem (ENOSPC after a partial write and EIO on
 * fsync while clients run; EIO on read while the log opens). Every epoch ends
 * with a clean close (power cannot be cut from user space: process death is
 * the SIGKILL test's job), then the log is reopened and judged by the judge
 * of simulated runs (src/contract/judge.ts); the clients are the simulated
 * runs' clients too (src/contract/client.ts), with think time cut to 5 ms.
 *
 * What a real disk cannot show from user space: after an injected fsync EIO
 * the kernel still holds and later writes the data, so an "acknowledged after
 * a failed fsync" bug is found on the simulator, not here.
 */
import { generateScenario } from '../../src/contract/workload.js';
import { present } from '../../src/assert.js';
import { runClient } from '../../src/contract/client.js';
import { Judge } from '../../src/contract/judge.js';
import { History } from '../../src/contract/history.js';
import { PayloadFactory } from '../../src/contract/payload.js';
import { FaultyFileSystem, type RealFaultKind } from '../../src/real/faulty-file-system.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import type { WalLog, WalPlugin } from '../../src/ports.js';
import type { Violation, WorkloadOptions } from '../../src/contract/types.js';

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
  const judge = new Judge(history, plugin.durableAppend);

  for (let epoch = 0; epoch <= scenario.epochs.length; epoch++) {
    // Open (recover) with read errors armed; a refusal is allowed only when one fired.
    let log: WalLog | undefined;
    for (let attempt = 1; attempt <= OPEN_ATTEMPTS && log === undefined; attempt++) {
      const before = fs.injected.length;
      if (attempt < OPEN_ATTEMPTS) fs.arm(whileOpening); // the last attempt runs without faults
      const call = history.open(epoch);
      const opened = await history.track(call, () => plugin.open({ fs, clock, dir: 'wal' }));
      fs.disarm();
      if (opened.ok) {
        log = opened.value;
        const { violation } = judge.afterOpen(epoch, log.recovered, { durabilityRequired: true, openCall: call });
        if (violation !== undefined) {
          await log.close();
          return { ...result, violation };
        }
      } else {
        const v = judge.afterOpenRejected(
          epoch,
          call.error ?? { message: 'open rejected' },
          fs.injected.length > before ? 'read-error' : undefined,
        );
        if (v !== undefined) return { ...result, violation: v };
      }
    }
    if (log === undefined) {
      const refused = judge.afterOpenRejected(epoch, { message: `open refused ${OPEN_ATTEMPTS} times` }, undefined);
      return { ...result, violation: present(refused, 'a refusal no fault allowed is a violation') };
    }
    const script = scenario.epochs[epoch];
    if (script === undefined) {
      await log.close();
      break;
    }

    // The epoch's clients, concurrently, through the workload fault injector.
    const wal = log;
    fs.arm(whileRunning);
    await Promise.all(
      script.clients.map((ops, client) =>
        runClient(ops, { history, payloads, epoch, client, log: wal, sleep: (ms) => clock.sleep(Math.min(ms, 5)) }),
      ),
    );
    fs.disarm();
    await history.track(history.close(epoch), () => wal.close());
    history.freeze(epoch);
    result.epochs++;
    const v = judge.afterWorkload(epoch);
    if (v !== undefined) return { ...result, violation: v };
  }
  const appends = history.appends();
  result.appends = appends.length;
  result.acknowledged = appends.filter((a) => a.outcome === 'resolved').length;
  result.injected = fs.injected.length;
  return result;
}
