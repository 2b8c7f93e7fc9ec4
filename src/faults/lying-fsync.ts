/** lying-fsync: sync/datasync resolves but persists nothing; the dirty data stays pending (a crash may still lose it). */
import type { FaultInjector } from './types.js';

export function lyingFsyncInjector(): FaultInjector {
  return { kind: 'lying-fsync', ops: ['sync', 'datasync'], at: 'complete', effect: () => ({ type: 'lie' }) };
}
