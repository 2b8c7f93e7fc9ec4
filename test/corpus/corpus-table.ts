/**
 * The corpus: each deliberately buggy WAL in test/fixtures/wals, the fault
 * kinds that expose it, the contract rule(s) its bug breaks, and the run
 * budget `checkWal` is given to catch it. Budgets are about twice the worst
 * runs-to-catch measured over fast-check seeds 1..20 (docs/corpus.md).
 */
import type { FaultKind } from '../../src/faults/types.js';
import type { RuleName } from '../../src/contract/types.js';

export interface CorpusEntry {
  fixture: string;
  faults: FaultKind[];
  rules: RuleName[];
  budget: number;
  /** Set when the simulator cannot yet show this bug: the reason (the test then asserts it is NOT caught, so a fix is noticed). */
  undetectedBecause?: string;
}

export const CORPUS: readonly CorpusEntry[] = [
  { fixture: 'ack-before-fsync', faults: ['crash'], rules: ['durability'], budget: 10 },
  { fixture: 'ack-before-write', faults: ['crash'], rules: ['durability'], budget: 10 },
  { fixture: 'no-dir-fsync', faults: ['crash'], rules: ['durability'], budget: 10 },
  { fixture: 'no-checksum', faults: ['crash'], rules: ['integrity', 'order'], budget: 160 },
  { fixture: 'refuse-torn-tail', faults: ['crash'], rules: ['recovery-works'], budget: 160 },
  { fixture: 'append-after-torn-tail', faults: ['crash'], rules: ['durability', 'no-holes'], budget: 160 },
  // fsyncgate needs a power cut: after a clean restart the kernel's page cache still serves the dropped pages.
  { fixture: 'fsync-retry', faults: ['crash', 'fsync-error'], rules: ['durability'], budget: 30 },
  { fixture: 'enospc-no-rollback', faults: ['disk-full'], rules: ['durability', 'no-holes'], budget: 20 },
  { fixture: 'truncate-prefix-off-by-one', faults: ['crash'], rules: ['durability', 'no-holes'], budget: 10 },
  { fixture: 'rename-without-fsync', faults: ['crash'], rules: ['durability', 'no-holes'], budget: 80 },
  { fixture: 'read-error-as-eof', faults: ['read-error'], rules: ['durability'], budget: 10 },
  { fixture: 'lsn-restart', faults: ['crash'], rules: ['lsns-go-on', 'order', 'integrity'], budget: 10 },
  { fixture: 'lsn-before-queue', faults: ['crash'], rules: ['order'], budget: 10 },
  { fixture: 'skip-corrupted-frames', faults: ['bitflip'], rules: ['no-holes'], budget: 50 },
  { fixture: 'group-commit-joins-inflight-fsync', faults: ['crash'], rules: ['durability'], budget: 60 },
  // A rare combination (two truncatePrefix calls of different clients overlapping, then a cut between their
  // unlinks): hundreds of runs, not tens, so its budget is the one large one (docs/corpus.md).
  { fixture: 'racing-truncate-unlinks', faults: ['crash'], rules: ['durability'], budget: 1800 },
];
