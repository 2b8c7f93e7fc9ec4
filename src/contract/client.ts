/**
 * One client of a workload: runs its operations against a live log one after
 * the other and records every call and its settlement in the history. The
 * same loop drives simulated and real-disk runs; what differs between them
 * (how think time passes, how much the run may still append) comes in
 * through the context.
 */
import { present } from '../assert.js';
import type { WalLog } from '../ports.js';
import type { History } from './history.js';
import type { PayloadFactory } from './payload.js';
import type { ClientOp } from './types.js';

export interface ClientContext {
  history: History;
  payloads: PayloadFactory;
  epoch: number;
  client: number;
  log: WalLog;
  /** Think time: virtual milliseconds on the simulator's clock, or a short real wait. */
  sleep(ms: number): Promise<void>;
  /** The size an append of `requested` bytes gets (a run-wide byte budget may shrink it); default: as requested. */
  appendSize?(requested: number): number;
}

/** Runs the operations in order; stops early when the history froze the epoch (its process died). */
export async function runClient(ops: readonly ClientOp[], ctx: ClientContext): Promise<void> {
  const { history, epoch, client, log } = ctx;
  const lsns: number[] = [];
  let seq = 0;
  for (const op of ops) {
    if (history.isFrozen(epoch)) return;
    if (op.op === 'append') {
      const size = ctx.appendSize === undefined ? op.size : ctx.appendSize(op.size);
      const data = ctx.payloads.make(history.calls.length, epoch, client, size);
      const call = history.append(epoch, client, data, `e${epoch}.c${client}.#${seq++}`);
      const r = await history.track(
        call,
        () => log.append(data),
        (lsn) => (typeof lsn === 'number' ? lsn : undefined),
      );
      if (r.ok && typeof r.value === 'number') lsns.push(r.value);
    } else if (op.op === 'sync') {
      await history.track(history.sync(epoch, client), () => log.sync());
    } else if (op.op === 'truncatePrefix') {
      const truncate = log.truncatePrefix;
      const newest = lsns.length - 1;
      if (truncate === undefined || newest < 0) continue;
      const upTo = present(lsns[Math.max(0, newest - op.back)], 'an index within the LSNs this client got');
      await history.track(history.truncatePrefix(epoch, client, upTo), () => truncate.call(log, upTo));
    } else {
      await ctx.sleep(op.ms);
    }
  }
}
