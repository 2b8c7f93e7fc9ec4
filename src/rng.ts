/**
 * Rng: the simulator's seeded random generator (seedrandom's alea underneath).
 * One seed gives one sequence on every machine. `fork(label)` derives an
 * independent generator from the seed and a label only, so adding draws in
 * one part of the simulator never shifts the numbers another part sees.
 */
import seedrandom from 'seedrandom';
import { WalError } from './errors.js';

export class Rng {
  readonly seed: string;
  private readonly next: () => number;

  constructor(seed: number | string) {
    this.seed = String(seed);
    this.next = seedrandom.alea(this.seed);
  }

  /** A float in [0, 1). */
  nextFloat(): number {
    return this.next();
  }

  /** An integer in [0, maxExclusive). maxExclusive must be a positive safe integer. */
  nextInt(maxExclusive: number): number {
    if (!Number.isSafeInteger(maxExclusive) || maxExclusive <= 0) {
      throw new WalError('EINVAL', `Rng.nextInt needs a positive integer bound, got ${maxExclusive}`);
    }
    return Math.floor(this.next() * maxExclusive);
  }

  /** True with probability p (0 never, 1 always). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new WalError('EINVAL', 'Rng.pick needs a non-empty array');
    return items[this.nextInt(items.length)] as T;
  }

  /** An independent generator named by this seed and the label. */
  fork(label: string): Rng {
    return new Rng(`${this.seed}/${label}`);
  }
}
