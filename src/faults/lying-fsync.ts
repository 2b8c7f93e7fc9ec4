/**
 * lying-fsync: sync/datasync (and syncDir) resolve but persist nothing; the
 * dirty data and directory changes stay pending (a crash may still lose them).
 */
import type { FaultInjector } from './types.js';

export function lyingFsyncInjector(): FaultInjector {
  return { kind: 'lying-fsync', ops: ['sync', 'datasync', 'syncDir'], at: 'complete', effect: () => ({ type: 'lie' }) };
}
