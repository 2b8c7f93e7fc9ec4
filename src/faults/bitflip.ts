/**
 * bitflip: bits of the file's durable bytes flip on the medium. Reads see the
 * flip too (the page is re-read from the medium) unless the byte is dirty.
 */
import { WalError } from '../errors.js';
import type { FaultInjector } from './types.js';

export function bitflipInjector(bits = 1): FaultInjector {
  if (!Number.isSafeInteger(bits) || bits < 1 || bits > 64)
    throw new WalError('EINVAL', `bitflip bits must be an integer in [1, 64], got ${bits}`);
  return {
    kind: 'bitflip',
    ops: ['read', 'write', 'sync', 'datasync', 'fstat'],
    at: 'complete',
    effect: (ctx, rng) => {
      const size = ctx.durableSize ?? 0;
      if (size === 0) return undefined;
      const flips: number[] = [];
      for (let i = 0; i < bits; i++) flips.push(rng.nextInt(size * 8));
      return { type: 'flip', bits: flips };
    },
  };
}
