/**
 * A closed-loop load generator: `outstanding` callers each issue one
 * operation, wait for it, and issue the next, so exactly that many operations
 * are in flight. Each operation's latency is taken with process.hrtime.bigint.
 * The run stops when both the time budget and the minimum count are reached,
 * or at the maximum count (which also bounds the latency buffer).
 */
import { summarize, type LatencySummary } from './stats.js';

export interface ClosedLoopOptions {
  outstanding: number;
  /** Stop after this much wall time once minOps is reached. */
  durationMs: number;
  minOps: number;
  /** Hard bound on operations (and on the latency buffer). */
  maxOps: number;
}

export interface ClosedLoopResult {
  ops: number;
  elapsedNs: number;
  opsPerSec: number;
  latency: LatencySummary;
  /** Every latency in µs, in completion order (kept for the distribution chart). */
  latenciesUs: Float64Array;
}

export async function runClosedLoop(op: (i: number) => Promise<unknown>, opts: ClosedLoopOptions): Promise<ClosedLoopResult> {
  if (!(opts.outstanding >= 1 && Number.isInteger(opts.outstanding))) throw new RangeError('outstanding must be a positive integer');
  if (!(opts.maxOps >= opts.minOps && opts.minOps >= 1)) throw new RangeError('need 1 <= minOps <= maxOps');
  const lat = new Float64Array(opts.maxOps);
  let issued = 0;
  let done = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(opts.durationMs * 1e6));
  const more = (): boolean => {
    if (issued >= opts.maxOps) return false;
    if (issued < opts.minOps) return true;
    return process.hrtime.bigint() < deadline;
  };
  const caller = async (): Promise<void> => {
    while (more()) {
      const i = issued++;
      const t0 = process.hrtime.bigint();
      await op(i);
      lat[done++] = Number(process.hrtime.bigint() - t0) / 1000;
    }
  };
  const callers: Promise<void>[] = [];
  for (let c = 0; c < opts.outstanding; c++) callers.push(caller());
  await Promise.all(callers);
  const elapsedNs = Number(process.hrtime.bigint() - start);
  const latenciesUs = lat.subarray(0, done);
  return {
    ops: done,
    elapsedNs,
    opsPerSec: (done * 1e9) / elapsedNs,
    latency: summarize(latenciesUs),
    latenciesUs,
  };
}
