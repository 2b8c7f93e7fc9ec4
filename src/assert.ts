/**
 * Invariants as assertions (TIGER_STYLE): a condition the code relies on is
 * checked where it is relied on, not held by a cast or an "unreachable"
 * comment. A broken invariant is a bug in faultline, never bad input: it
 * throws WalError EASSERT naming the invariant, with the values that broke it,
 * and nothing catches it to carry on.
 */
import { WalError } from './errors.js';

/** Throws WalError EASSERT unless `condition` holds. `invariant` says what must be true. */
export function assert(condition: unknown, invariant: string, details?: Record<string, unknown>): asserts condition {
  if (!condition) throw new WalError('EASSERT', `invariant broken: ${invariant}`, details === undefined ? {} : { details });
}

/** The value, asserted present (neither undefined nor null). */
export function present<T>(value: T | undefined | null, invariant: string, details?: Record<string, unknown>): T {
  if (value === undefined || value === null)
    throw new WalError('EASSERT', `invariant broken: ${invariant}`, details === undefined ? {} : { details });
  return value;
}

/** For the branch a type says cannot be taken (an exhaustive switch's default). */
export function unreachable(value: never, invariant: string): never {
  throw new WalError('EASSERT', `invariant broken: ${invariant}`, { details: { value: value as unknown } });
}
