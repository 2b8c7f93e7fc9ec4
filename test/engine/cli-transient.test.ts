/**
 * `faultline check --faults ...,transient-error` on the built-in engine: the
 * kind is selectable from the command line (it is not in the default plan),
 * fires, and the engine passes; a bad retry option is a usage error.
 */
import { describe, expect, it } from 'vitest';
import { runFaultline } from '../helpers/cli.js';

describe('faultline check with transient-error', () => {
  it('turns the kind on, reports it fired, and the built-in engine passes (exit 0)', async () => {
    const r = await runFaultline(['check', '--faults', 'crash,fsync-error,transient-error', '--runs', '30', '--seed', '11']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/faults injected: .*transient-error \d+/);
    expect(r.stdout).toContain('OK: no violation');
  }, 120_000);

  it('the default plan leaves it out', async () => {
    const r = await runFaultline(['check', '--runs', '5', '--seed', '11', '--json']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('transient-error');
  }, 120_000);

  it('a bad retry option through --plugin-options is refused with exit 2 and names the option', async () => {
    const r = await runFaultline(['check', '--runs', '1', '--plugin-options', '{"retry":{"maxAttempts":0}}']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('retry.maxAttempts must be an integer in [1, 1000], got 0');
  }, 120_000);
});
