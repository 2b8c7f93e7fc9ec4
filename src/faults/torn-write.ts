/** torn-write: the write reaches the page cache whole, but a crash before it is synced keeps only a strict prefix of its sectors. */
import type { FaultInjector } from './types.js';

export function tornWriteInjector(): FaultInjector {
  return {
    kind: 'torn-write',
    ops: ['write'],
    at: 'complete',
    effect: (ctx) => ((ctx.length ?? 0) > 0 ? { type: 'torn' } : undefined),
  };
}
