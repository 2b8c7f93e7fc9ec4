/**
 * The replay's HTML report: one self-contained page (no network, inline CSS
 * and script) with the broken rule, expected against recovered records, the
 * fault plan, and one timeline of client calls, filesystem operations,
 * faults and crash cuts in virtual time, filterable by kind.
 */
import { describeFaultPlan } from '../faults/plan.js';
import { historyToJson } from '../contract/history.js';
import type { FailureReport, ScenarioOutcome } from './types.js';
import type { HistoryCall } from '../contract/types.js';

export interface TimelineRow {
  t: number;
  /** 'call' | 'settle' | 'op' | 'fault' | 'crash' | 'epoch' | 'phase' | other trace kinds. */
  kind: string;
  epoch: number;
  text: string;
  failed: boolean;
}

function callText(c: HistoryCall): string {
  const who = c.client >= 0 ? `client ${c.client}` : 'harness';
  if (c.kind === 'append') return `${who}: append ${c.label} (${c.data.length} B)`;
  if (c.kind === 'truncatePrefix') return `${who}: truncatePrefix(${c.upTo})`;
  return `${who}: ${c.kind}`;
}

function settleText(c: HistoryCall): string {
  const base = callText(c);
  if (c.outcome === 'rejected') return `${base} REJECTED ${c.error?.code ?? ''} ${c.error?.message ?? ''}`.trim();
  if (c.kind === 'append') return `${base} -> lsn ${String(c.lsn)}`;
  if (c.kind === 'open') return `${base} -> recovered ${c.recovered?.length ?? 0} record(s)`;
  return `${base} -> ok`;
}

/** Client calls and trace events merged in virtual-time order (calls first at equal times). */
export function timelineRows(outcome: ScenarioOutcome): TimelineRow[] {
  // Sort key within one virtual instant: trace event n sorts at 2n+1; a client
  // call or settlement noted when n trace events existed sorts at 2n, i.e.
  // after every event recorded before it and before every later one.
  const rows: (TimelineRow & { causal: number; order: number })[] = [];
  let order = 0;
  const pos = (seq: number | undefined): number => (seq === undefined ? Number.POSITIVE_INFINITY : 2 * seq);
  for (const c of outcome.history) {
    rows.push({
      t: c.calledAt,
      kind: 'call',
      epoch: c.epoch,
      text: callText(c),
      failed: false,
      causal: pos(c.calledTraceSeq),
      order: order++,
    });
    if (c.settledAt !== undefined) {
      rows.push({
        t: c.settledAt,
        kind: 'settle',
        epoch: c.epoch,
        text: settleText(c),
        failed: c.outcome === 'rejected',
        causal: pos(c.settledTraceSeq),
        order: order++,
      });
    } else {
      rows.push({
        t: c.calledAt,
        kind: 'settle',
        epoch: c.epoch,
        text: `${callText(c)} never answered (pending at the cut)`,
        failed: false,
        causal: pos(c.calledTraceSeq) + 1,
        order: order++,
      });
    }
  }
  let epoch = 0;
  for (const line of outcome.trace ?? []) {
    const e = JSON.parse(line) as { t: number; ev: string; seq: number; [k: string]: unknown };
    if (e.ev === 'epoch' && typeof e.epoch === 'number') epoch = e.epoch;
    const { t, ev, seq, ...rest } = e;
    const failed = ev === 'fault' || ev === 'crash' || typeof rest.error === 'string';
    rows.push({ t, kind: ev, epoch, text: JSON.stringify(rest), failed, causal: 2 * seq + 1, order: order++ });
  }
  rows.sort((a, b) => a.t - b.t || a.causal - b.causal || a.order - b.order);
  return rows.map(({ order: _o, causal: _c, ...r }) => r);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON inside a <script> element: no "</script>" or "<!--" can end it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

export function renderHtmlReport(outcome: ScenarioOutcome, failure?: FailureReport): string {
  const v = outcome.violation;
  const rows = timelineRows(outcome);
  const kinds = [...new Set(rows.map((r) => r.kind))].sort();
  const title = v === undefined ? 'faultline replay: no violation' : `faultline replay: rule "${v.rule}" broken`;
  const list = (items: readonly string[] | undefined): string =>
    items === undefined
      ? '<p>(not applicable to this rule)</p>'
      : `<ol class="records">${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ol>`;
  const epochs = outcome.epochs
    .map(
      (e) =>
        `<tr><td>${e.epoch}</td><td>${e.end}</td><td>${e.appends}</td><td>${e.resolved}</td><td>${e.acknowledged}</td><td>${e.recoveredNext ?? ''}</td><td>${e.lostAcknowledged}</td><td>${esc(JSON.stringify(e.faultsFired))}</td><td>${e.endedAt}</td></tr>`,
    )
    .join('');
  const body = rows
    .map(
      (r, i) =>
        `<tr class="k-${esc(r.kind)}${r.failed ? ' bad' : ''}" data-kind="${esc(r.kind)}" id="row-${i}"><td>${r.t.toFixed(3)}</td><td>${r.epoch}</td><td>${esc(r.kind)}</td><td>${esc(r.text)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em} h2{font-size:1.1em;margin-top:1.5em}
table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
#timeline td:nth-child(4){font-family:ui-monospace,monospace;font-size:12px}
tr.bad{background:#fde2e2} tr.k-call{background:#eef5ff} tr.k-settle{background:#f2fbef} tr.k-crash,tr.k-crash-image{background:#f9c0c0;font-weight:bold}
.cols{display:flex;gap:3em} .records{font-family:ui-monospace,monospace}
#verdict{padding:.5em 1em;border-radius:4px} .fail{background:#fde2e2} .pass{background:#e2f7e2}
</style></head><body>
<h1>${esc(title)}</h1>
<p id="verdict" class="${v === undefined ? 'pass' : 'fail'}" data-rule="${esc(v?.rule ?? '')}">${v === undefined ? 'The replayed run broke no rule.' : `Epoch ${v.epoch}: ${esc(v.message)}`}</p>
${failure === undefined ? '' : `<p>Replay: <code id="replay-command">${esc(failure.replayCommand)}</code></p>`}
<p>Fault plan: ${esc(describeFaultPlan(outcome.faultPlan))}. Simulator seed ${outcome.scenario.simSeed}; ${outcome.steps} scheduler steps; ${outcome.virtualMs.toFixed(3)} ms of virtual time; trace hash <code id="trace-hash">${outcome.traceHash}</code>.</p>
<h2>Expected against recovered</h2>
<div class="cols"><div><h3>Expected</h3>${list(v?.expected)}</div><div><h3>Recovered</h3>${list(v?.recovered)}</div></div>
${v === undefined ? '' : `<p>Evidence: <code>${esc(JSON.stringify(v.evidence))}</code></p>`}
<h2>Epochs</h2>
<table id="epochs"><tr><th>epoch</th><th>end</th><th>appends</th><th>resolved</th><th>acknowledged</th><th>recovered next</th><th>lost acknowledged</th><th>faults</th><th>ended at (ms)</th></tr>${epochs}</table>
<h2>Timeline</h2>
<p id="filters">${kinds.map((k) => `<label><input type="checkbox" data-kind="${esc(k)}" checked> ${esc(k)}</label>`).join(' ')}</p>
<p>Showing <span id="shown">${rows.length}</span> of ${rows.length} events.</p>
<table id="timeline"><thead><tr><th>t (ms)</th><th>epoch</th><th>kind</th><th>what</th></tr></thead><tbody>
${body}
</tbody></table>
<script type="application/json" id="data">${scriptJson({ violation: v, scenario: outcome.scenario, epochs: outcome.epochs, history: historyToJson(outcome.history) })}</script>
<script>
(function(){
  var boxes=document.querySelectorAll('#filters input');
  function apply(){
    var on={};boxes.forEach(function(b){on[b.getAttribute('data-kind')]=b.checked;});
    var n=0;document.querySelectorAll('#timeline tbody tr').forEach(function(r){var s=on[r.getAttribute('data-kind')]!==false;r.style.display=s?'':'none';if(s)n++;});
    document.getElementById('shown').textContent=String(n);
  }
  boxes.forEach(function(b){b.addEventListener('change',apply);});
  apply();
})();
</script>
</body></html>
`;
}
