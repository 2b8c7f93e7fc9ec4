/** Trigger evaluation: filters (phase, path), then nth / probability / always, bounded by maxTimes. */
import { WalError } from '../errors.js';
import type { Rng } from '../rng.js';
import type { FaultOpContext, FaultTrigger } from './types.js';

export class TriggerState {
  private matched = 0;
  private fired = 0;
  private readonly pathRe: RegExp | undefined;

  constructor(readonly trigger: FaultTrigger = {}) {
    const t = trigger;
    if (t.probability !== undefined && !(t.probability >= 0 && t.probability <= 1)) {
      throw new WalError('EINVAL', `fault trigger probability must be in [0, 1], got ${t.probability}`);
    }
    if (t.nth !== undefined && (!Number.isSafeInteger(t.nth) || t.nth < 1))
      throw new WalError('EINVAL', `fault trigger nth must be a positive integer, got ${t.nth}`);
    if (t.maxTimes !== undefined && (!Number.isSafeInteger(t.maxTimes) || t.maxTimes < 0))
      throw new WalError('EINVAL', `fault trigger maxTimes must be a non-negative integer`);
    if (t.phase !== undefined && t.phase !== 'workload' && t.phase !== 'recovery')
      throw new WalError('EINVAL', `fault trigger phase must be workload or recovery`);
    try {
      this.pathRe = t.path === undefined ? undefined : new RegExp(t.path);
    } catch (cause) {
      throw new WalError('EINVAL', `fault trigger path is not a regular expression: ${t.path}`, { cause });
    }
  }

  /** Whether the fault fires on this (already kind-matched) operation. Draws from rng only when probabilistic. */
  fires(ctx: FaultOpContext, rng: Rng): boolean {
    const t = this.trigger;
    if (t.phase !== undefined && t.phase !== ctx.phase) return false;
    if (this.pathRe !== undefined && !this.pathRe.test(ctx.path)) return false;
    if (t.maxTimes !== undefined && this.fired >= t.maxTimes) return false;
    this.matched++;
    let fire: boolean;
    if (t.nth !== undefined) fire = this.matched === t.nth;
    else if (t.probability !== undefined) fire = rng.chance(t.probability);
    else fire = true;
    if (fire) this.fired++;
    return fire;
  }

  get timesFired(): number {
    return this.fired;
  }
}
