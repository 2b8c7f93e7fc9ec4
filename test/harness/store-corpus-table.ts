/**
 * The store corpus (issue 10, item 7): each deliberately buggy store in
 * test/fixtures/stores, the fault kinds that expose it, the rule(s) its bug
 * breaks, and the run budget checkStore is given to catch it: about twice the
 * worst runs-to-catch measured over fast-check seeds 1..5 (docs/corpus.md).
 */
import type { FaultKind } from '../../src/faults/types.js';
import type { StoreRuleName } from '../../src/contract/store-types.js';

export interface StoreCorpusEntry {
  fixture: string;
  faults?: FaultKind[];
  rules: StoreRuleName[];
  budget: number;
}

export const STORE_CORPUS: readonly StoreCorpusEntry[] = [
  { fixture: 'commit-before-data', rules: ['atomicity'], budget: 300 },
  { fixture: 'snapshot-rename-no-fsync', rules: ['recovery-works', 'durability', 'checkpoint'], budget: 20 },
  { fixture: 'snapshot-lsn-off-by-one', rules: ['durability', 'order'], budget: 20 },
  { fixture: 'timeout-commits-on-disk', rules: ['aborted'], budget: 350 },
  { fixture: 'dirty-read', rules: ['order'], budget: 20 },
  { fixture: 'checkpoint-releases-log-early', rules: ['checkpoint', 'durability'], budget: 50 },
];
