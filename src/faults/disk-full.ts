/**
 * disk-full: a write rejects with ENOSPC after a prefix of its data reached
 * the page cache. Transient mode (no capacity): the prefix length is drawn at
 * random. Capacity mode: the disk holds at most capacityBytes of file content;
 * a write or growing truncate that does not fit fails, keeping what fits.
 */
import { WalError } from '../errors.js';
import type { FaultInjector, FaultOpContext } from './types.js';

function growth(ctx: FaultOpContext): number {
  const size = ctx.fileSize ?? 0;
  const end = ctx.op === 'truncate' ? (ctx.length ?? 0) : (ctx.offset ?? 0) + (ctx.length ?? 0);
  return Math.max(0, end - size);
}

export function diskFullInjector(capacityBytes?: number): FaultInjector {
  if (capacityBytes !== undefined && (!Number.isSafeInteger(capacityBytes) || capacityBytes < 0)) {
    throw new WalError('EINVAL', `disk-full capacityBytes must be a non-negative integer, got ${capacityBytes}`);
  }
  if (capacityBytes === undefined) {
    return {
      kind: 'disk-full',
      ops: ['write'],
      at: 'complete',
      effect: (ctx, rng) => {
        const len = ctx.length ?? 0;
        return len === 0 ? undefined : { type: 'enospc', keepBytes: rng.nextInt(len) };
      },
    };
  }
  return {
    kind: 'disk-full',
    ops: ['write', 'truncate'],
    at: 'complete',
    applies: (ctx) => ctx.usedBytes + growth(ctx) > capacityBytes,
    effect: (ctx) => {
      const free = Math.max(0, capacityBytes - ctx.usedBytes);
      if (ctx.op === 'truncate') return { type: 'enospc', keepBytes: 0 };
      // Bytes of this write that fit: everything up to the old end of file, then `free` more.
      const offset = ctx.offset ?? 0;
      const len = ctx.length ?? 0;
      const inside = Math.max(0, Math.min(len, (ctx.fileSize ?? 0) - offset));
      return { type: 'enospc', keepBytes: Math.min(len - 1, inside + free) };
    },
  };
}
