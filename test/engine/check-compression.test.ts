/**
 * `faultline check` on the built-in engine with compression enabled through
 * --plugin-options: every contract fault kind (the default list) at every
 * durability level, through the command line as a user runs it. (The
 * property suites in test/properties/engine-compression.test.ts check each
 * fault kind alone, through the harness's API.)
 */
import { describe, expect, it } from 'vitest';
import { CONTRACT_FAULT_KINDS } from '../../src/faults/types.js';
import { runFaultline } from '../helpers/cli.js';

const LEVELS = [{ kind: 'everyWrite' }, { kind: 'groupCommit', maxWaitUs: 300 }, { kind: 'interval', ms: 5 }, { kind: 'none' }] as const;

describe('faultline check with compression: lz4 in the plugin options', () => {
  it.each(LEVELS.map((d) => [d.kind, d] as const))(
    '%s: no rule broken under every fault kind',
    async (_kind, durability) => {
      const options = { segmentSize: 16 * 1024, compression: 'lz4', durability };
      const r = await runFaultline([
        'check',
        '--runs',
        '20',
        '--seed',
        '1103',
        '--plugin-options',
        JSON.stringify(options),
        '--workload',
        JSON.stringify({ maxClients: 6, maxRecordBytes: 500 }),
        '--min-acknowledged',
        '0',
        '--min-cuts-at-stake',
        '0',
        '--json',
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { ok: boolean; summary: { runs: number; appends: number; faultsFired: Record<string, number> } };
      expect(out.ok).toBe(true);
      expect(out.summary.runs).toBe(20);
      expect(out.summary.appends).toBeGreaterThan(0);
      expect(Object.keys(out.summary.faultsFired).every((k) => (CONTRACT_FAULT_KINDS as readonly string[]).includes(k))).toBe(true);
    },
    120_000,
  );

  it('refuses zstd and unknown compression in the plugin options (EINVAL, exit 2)', async () => {
    for (const compression of [{ kind: 'zstd', level: 3 }, 'gzip']) {
      const r = await runFaultline(['check', '--runs', '1', '--seed', '1', '--plugin-options', JSON.stringify({ compression })]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/compression/);
    }
  }, 60_000);
});
