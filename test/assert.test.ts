import { describe, expect, it } from 'vitest';
import { assert, present, unreachable } from '../src/assert.js';
import { isWalError } from '../src/errors.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('assert', () => {
  it('passes when the invariant holds and returns nothing', () => {
    expect(assert(1 + 1 === 2, 'arithmetic')).toBeUndefined();
  });

  it('throws WalError EASSERT naming the invariant, with its details, when it does not', () => {
    const err = thrown(() => assert(false, 'offset within the segment', { offset: 7, size: 3 }));
    expect(isWalError(err, 'EASSERT')).toBe(true);
    expect((err as Error).message).toBe('invariant broken: offset within the segment');
    expect((err as { details: unknown }).details).toEqual({ offset: 7, size: 3 });
  });

  it('present returns a present value (0 and empty strings are present) and throws on undefined and null', () => {
    expect(present(0, 'n')).toBe(0);
    expect(present('', 's')).toBe('');
    for (const v of [undefined, null])
      expect(
        isWalError(
          thrown(() => present(v, 'a batch item')),
          'EASSERT',
        ),
      ).toBe(true);
  });

  it('unreachable throws EASSERT with the value that got there', () => {
    const err = thrown(() => unreachable('bogus' as never, 'known record kind'));
    expect(isWalError(err, 'EASSERT')).toBe(true);
    expect((err as { details: unknown }).details).toEqual({ value: 'bogus' });
  });
});
