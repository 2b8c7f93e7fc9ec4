/** read-error: read rejects with EIO; nothing changes on the medium. */
import type { FaultInjector } from './types.js';

export function readErrorInjector(): FaultInjector {
  return { kind: 'read-error', ops: ['read'], at: 'complete', effect: () => ({ type: 'read-eio' }) };
}
