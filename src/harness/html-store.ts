/**
 * The replay's HTML report for a store run: the log report's page
 * (html-report.ts: verdict, fault plan, epochs, swimlanes, crash images, raw
 * events) over the store's history, each transaction shown with its label
 * and what it read and wrote (values by the write they name), and the
 * epochs' counts of transactions (headed as such) in the columns of records.
 */
import { describeValue } from '../contract/store-values.js';
import type { StoreCall } from '../contract/store-types.js';
import { renderHtmlReport } from './html-report.js';
import type { StoreFailureReport, StoreScenarioOutcome } from './store-check-types.js';
import type { FailureReport, ScenarioOutcome } from './types.js';

/** A store call as the page shows it: a transaction's events in words, its values by name. */
function shown(c: StoreCall): Record<string, unknown> {
  if (c.kind !== 'transaction') return { ...c };
  const events = c.events.map((e) =>
    e.op === 'get'
      ? `get ${e.key}=${e.value === null ? 'absent' : describeValue(e.value)}`
      : e.op === 'put'
        ? `put ${e.key}=${describeValue(e.value)}`
        : `delete ${e.key}`,
  );
  const { events: _events, ...rest } = c;
  return { ...rest, summary: `[${events.join(', ')}${c.fnRejected === undefined ? '' : `; fn rejected: ${c.fnRejected.message}`}]` };
}

export function renderStoreHtmlReport(outcome: StoreScenarioOutcome, failure?: StoreFailureReport): string {
  const display = {
    ...outcome,
    history: outcome.history.map(shown),
    // The epochs table's record columns, with the store's counts: transactions, committed, acknowledged, applied next, lost.
    epochs: outcome.epochs.map((e) => ({
      ...e,
      appends: e.transactions,
      resolved: e.committed,
      recoveredNext: e.appliedNext,
      lostResolved: 0,
      lostResolvedSpanMs: 0,
    })),
  };
  // The page reads these fields only by name; a store's calls have no append, so no record is located in the byte maps.
  return renderHtmlReport(display as unknown as ScenarioOutcome, failure as unknown as FailureReport | undefined, {
    appends: 'transactions',
    resolved: 'committed',
    acknowledged: 'acknowledged',
    recoveredNext: 'applied next',
    lostAcknowledged: 'lost acknowledged',
  });
}
