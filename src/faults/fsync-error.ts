/**
 * fsync-error: sync/datasync rejects with EIO and the file's dirty data is
 * dropped from the write-back path (the fsyncgate model): reads still see it,
 * later syncs succeed, and it never reaches the medium.
 */
import type { FaultInjector } from './types.js';

export function fsyncErrorInjector(): FaultInjector {
  return { kind: 'fsync-error', ops: ['sync', 'datasync'], at: 'complete', effect: () => ({ type: 'fsync-eio' }) };
}
