/**
 * transient-error: a read or write rejects with EAGAIN, EINTR or EBUSY (the
 * codes a caller may simply try again after); a failed write may first put
 * a strict prefix of its data in the page cache, as a real interrupted write
 * can. Nothing on the medium changes. With `burst` above 1 one fault makes
 * the same call (same operation, file, position and length) fail up to
 * `burst` times in a row: the first failure draws how many, and the repeats
 * fire without a trigger draw (they do not count against the trigger's
 * `maxTimes`, but each is counted as fired), so a retry loop meets a streak.
 */
import { WalError } from '../errors.js';
import type { FaultEffect, FaultInjector, FaultOpContext } from './types.js';

export type TransientErrorCode = 'EAGAIN' | 'EINTR' | 'EBUSY';
export const TRANSIENT_ERROR_CODES: readonly TransientErrorCode[] = ['EAGAIN', 'EINTR', 'EBUSY'];
/** The longest streak a spec may ask for. */
export const MAX_TRANSIENT_BURST = 1000;

function callKey(ctx: FaultOpContext): string {
  return `${ctx.op}:${ctx.path}:${ctx.offset ?? -1}:${ctx.length ?? -1}`;
}

function checkedCodes(codes: unknown): readonly TransientErrorCode[] {
  if (!Array.isArray(codes) || codes.length === 0) {
    throw new WalError('EINVAL', `transient-error codes must be a non-empty list of ${TRANSIENT_ERROR_CODES.join(', ')}`);
  }
  for (const c of codes as unknown[]) {
    if (!(TRANSIENT_ERROR_CODES as readonly unknown[]).includes(c)) {
      throw new WalError('EINVAL', `transient-error code ${JSON.stringify(c)} is not one of ${TRANSIENT_ERROR_CODES.join(', ')}`);
    }
  }
  return [...new Set(codes as TransientErrorCode[])];
}

export function transientErrorInjector(codes: readonly TransientErrorCode[] = TRANSIENT_ERROR_CODES, burst = 1): FaultInjector {
  const pool = checkedCodes(codes);
  if (!Number.isSafeInteger(burst) || burst < 1 || burst > MAX_TRANSIENT_BURST) {
    throw new WalError('EINVAL', `transient-error burst must be an integer in [1, ${MAX_TRANSIENT_BURST}], got ${burst}`);
  }
  // Calls that still have failures of their streak to come, and the code they fail with.
  const streaks = new Map<string, { left: number; code: TransientErrorCode }>();
  const failure = (ctx: FaultOpContext, code: TransientErrorCode, draw: (n: number) => number): FaultEffect => {
    const length = ctx.length ?? 0;
    return { type: 'transient', code, keepBytes: ctx.op === 'write' && length > 0 ? draw(length) : 0 };
  };
  return {
    kind: 'transient-error',
    ops: ['read', 'write'],
    at: 'complete',
    repeat: (ctx, rng) => {
      const key = callKey(ctx);
      const streak = streaks.get(key);
      if (streak === undefined) return undefined;
      streak.left -= 1;
      if (streak.left === 0) streaks.delete(key);
      return failure(ctx, streak.code, (n) => rng.nextInt(n));
    },
    effect: (ctx, rng) => {
      // An empty write issues no syscall (the simulator ignores it), so there is nothing to fail.
      if (ctx.op === 'write' && (ctx.length ?? 0) === 0) return undefined;
      const code = pool[rng.nextInt(pool.length)] ?? 'EAGAIN';
      const times = 1 + rng.nextInt(burst);
      if (times > 1) streaks.set(callKey(ctx), { left: times - 1, code });
      return failure(ctx, code, (n) => rng.nextInt(n));
    },
  };
}
