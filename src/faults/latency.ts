/** latency: the operation completes ms of virtual time later than it would (a latency spike). */
import { WalError } from '../errors.js';
import { SIM_OP_KINDS } from './ops.js';
import type { FaultInjector } from './types.js';

export function latencyInjector(ms: number): FaultInjector {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0)
    throw new WalError('EINVAL', `latency ms must be a positive number, got ${ms}`);
  return { kind: 'latency', ops: SIM_OP_KINDS, at: 'issue', effect: () => ({ type: 'delay', ms }) };
}
