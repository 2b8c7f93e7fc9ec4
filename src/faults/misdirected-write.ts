/**
 * misdirected-write: the page cache takes the write where it was asked, but
 * the medium receives it some whole sectors away (never below 0); the
 * intended sectors keep their old durable content.
 */
import { WalError } from '../errors.js';
import type { FaultInjector } from './types.js';

export function misdirectedWriteInjector(maxShiftSectors = 8): FaultInjector {
  if (!Number.isSafeInteger(maxShiftSectors) || maxShiftSectors < 1) {
    throw new WalError('EINVAL', `misdirected-write maxShiftSectors must be a positive integer, got ${maxShiftSectors}`);
  }
  return {
    kind: 'misdirected-write',
    ops: ['write'],
    at: 'complete',
    effect: (ctx, rng) => {
      const offset = ctx.offset ?? 0;
      if ((ctx.length ?? 0) === 0) return undefined;
      const shift = (1 + rng.nextInt(maxShiftSectors)) * ctx.sectorSize;
      const down = offset - shift;
      const target = down >= 0 && rng.chance(0.5) ? down : offset + shift;
      return { type: 'redirect', target };
    },
  };
}
