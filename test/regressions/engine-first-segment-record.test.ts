/**
 * Found by checkWal on the built-in engine (fast-check seed 1, 64 KiB
 * segments) and shrunk to: 0-byte appends, a clean restart, then a power cut
 * in the next epoch. The acknowledged record was lost (groupCommit: rule
 * durability) or open rejected with ECORRUPT (everyWrite: rule
 * recovery-works). Cause, fixed by the engine in c974f83: Node 20's
 * zlib.crc32 returns 0 for an empty view, so a 0-byte record's checksum did
 * not match on recovery. Pinned as the shrunk scenarios so changes to the
 * arbitraries do not move it.
 */
import { describe, expect, it } from 'vitest';
import { walPlugin, type Durability } from '../../src/engine/index.js';
import { formatFailureReport, makeFailureReport } from '../../src/harness/report.js';
import { runScenario } from '../../src/harness/run.js';
import type { Scenario } from '../../src/contract/types.js';

const CASES: { name: string; durability: Durability; scenario: Scenario }[] = [
  {
    name: 'groupCommit: one append, clean restart, power cut',
    durability: { kind: 'groupCommit', maxWaitUs: 500 },
    scenario: {
      simSeed: 8190,
      epochs: [
        { clients: [[{ op: 'append', size: 0 }], []], end: { type: 'restart' } },
        { clients: [[]], end: { type: 'crash', at: { class: 'sync-like', nth: 1, when: 'before' } } },
      ],
    },
  },
  {
    name: 'everyWrite: two appends, clean restart, power cut',
    durability: { kind: 'everyWrite' },
    scenario: {
      simSeed: 280853025,
      epochs: [
        { clients: [[{ op: 'append', size: 0 }], [{ op: 'append', size: 0 }]], end: { type: 'restart' } },
        { clients: [[]], end: { type: 'crash', at: { class: 'sync-like', nth: 1, when: 'before' } } },
      ],
    },
  },
];

describe('regression: the engine keeps a record acknowledged before a clean restart', () => {
  it.each(CASES)('$name', async ({ durability, scenario }) => {
    const outcome = await runScenario(walPlugin({ segmentSize: 64 * 1024, durability }), { seed: 1, scenario });
    if (!outcome.ok)
      expect.fail(
        `\n${formatFailureReport(makeFailureReport(outcome, { seed: 1, path: '(pinned scenario)', faults: ['crash', 'fsync-error', 'disk-full', 'read-error', 'bitflip', 'lying-fsync'] }, 0))}`,
      );
    expect(outcome.epochs).toHaveLength(2);
    expect(outcome.epochs[0]?.recoveredNext).toBe(outcome.epochs[0]?.acknowledged);
  });
});
