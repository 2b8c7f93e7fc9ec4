/**
 * Regressions (issue 14, small defects): `--faults crash,,bitflip` accepted
 * the empty item; `--seed 99999999999999` was silently cut to 32 bits by
 * fast-check while the report printed the seed as given. Both are bad usage
 * now (exit 2, WalError EINVAL from code).
 */
import { describe, expect, it } from 'vitest';
import { builtinPlugin } from '../../src/harness/builtin.js';
import { checkWal } from '../../src/harness/check.js';
import { runFaultline } from '../helpers/cli.js';

describe('bad check input is refused, not reinterpreted', () => {
  it('an empty item in --faults is exit 2 naming it; an empty list still means no faults', async () => {
    const r = await runFaultline(['check', '--runs', '1', '--seed', '1', '--faults', 'crash,,bitflip']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--faults has an empty item: 'crash,,bitflip'/);
    const none = await runFaultline(['check', '--runs', '2', '--seed', '1', '--faults', '', '--json']);
    expect(none.code).toBe(0);
  }, 60_000);

  it('a seed fast-check would truncate is exit 2 from the CLI and EINVAL from code', async () => {
    const r = await runFaultline(['check', '--runs', '1', '--seed', '99999999999999']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--seed must be an integer in 0\.\.2147483647/);
    const plugin = await builtinPlugin();
    await expect(checkWal(plugin, { runs: 1, seed: 2 ** 32 })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(checkWal(plugin, { runs: 1, seed: 99999999999999 })).rejects.toMatchObject({ code: 'EINVAL' });
  }, 60_000);
});
