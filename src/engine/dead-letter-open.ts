/** openDeadLetterQueue: the dead-letter queue of a log, opened on its own (no Wal of the log needed), its log the engine's. */
import type { WalEnv } from '../ports.js';
import { DeadLetterQueue, type DeadLetterQueueOptions } from './dead-letter-queue.js';
import { checkEnv, Wal } from './wal.js';

/**
 * Opens the queue in `<env.dir>/dlq` for reading and writing (replay,
 * purge): its log is recovered as any log in the default mode (a torn tail
 * truncated, mid-log damage refused with ECORRUPT). Never point it at a log
 * another process has open: two writers corrupt a log.
 */
export function openDeadLetterQueue(env: WalEnv, options?: DeadLetterQueueOptions): Promise<DeadLetterQueue> {
  checkEnv(env, 'openDeadLetterQueue');
  return DeadLetterQueue.open(env, (e, o) => Wal.open(e, o), options);
}
