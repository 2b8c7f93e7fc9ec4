/**
 * The replay's HTML report: one self-contained page (no network, inline CSS,
 * SVG and script) with the broken rule, expected against recovered records,
 * the fault plan, the epochs (scripted ending and what happened), the run
 * drawn as swimlanes, a byte map of every crash image, and the raw events
 * (client calls, filesystem operations, faults, crash cuts in virtual time,
 * filterable by kind) one click away.
 */
import { describeFaultPlan } from '../faults/plan.js';
import { effectWords } from '../faults/schedule.js';
import { historyToJson } from '../contract/history.js';
import type { FailureReport, ScenarioOutcome } from './types.js';
import type { EpochScript, HistoryCall, Violation } from '../contract/types.js';
import {
  esc,
  isPowerCut,
  LANES_CSS,
  LANES_LEGEND,
  MAP_LEGEND,
  opTone,
  renderCrashImage,
  renderSwimlanes,
  type LaneEvent,
} from './html-lanes.js';

export interface TimelineRow {
  t: number;
  /** 'call' | 'settle' | 'op' | 'fault' | 'crash' | 'epoch' | 'phase' | other trace kinds. */
  kind: string;
  epoch: number;
  text: string;
  /** A real failure: a rejected call, a fault, a power cut, an operation's error that is not an expected answer. */
  failed: boolean;
  /**
   * How to show it: 'error' (failed), 'answer' (an error the caller expected, e.g. stat ENOENT of a file
   * not created yet), 'dead' (refused after the power cut), 'pending' (never answered), 'ok'.
   */
  tone: 'ok' | 'error' | 'answer' | 'dead' | 'pending';
}

function callText(c: HistoryCall): string {
  const who = c.client >= 0 ? `client ${c.client}` : 'harness';
  if (c.kind === 'append') return `${who}: append ${c.label} (${c.data.length} B)`;
  if (c.kind === 'truncatePrefix') return `${who}: truncatePrefix(${c.upTo})`;
  // A store's transaction (html-store.ts) shows its label and what it did.
  const named = c as { label?: unknown; summary?: unknown };
  if (typeof named.label === 'string')
    return `${who}: ${c.kind} ${named.label}${typeof named.summary === 'string' ? ` ${named.summary}` : ''}`;
  return `${who}: ${c.kind}`;
}

function settleText(c: HistoryCall): string {
  const base = callText(c);
  if (c.outcome === 'rejected') return `${base} REJECTED ${c.error?.code ?? ''} ${c.error?.message ?? ''}`.trim();
  if (c.kind === 'append') return `${base} -> lsn ${String(c.lsn)}`;
  if (c.kind === 'open') return `${base} -> recovered ${c.recovered?.length ?? 0} record(s)`;
  return `${base} -> ok`;
}

type MergedRow = TimelineRow & LaneEvent;

/** Client calls and trace events merged in virtual-time order, then causal order (calls first at equal positions). */
function mergedRows(outcome: ScenarioOutcome): MergedRow[] {
  // Sort key within one virtual instant: trace event n sorts at 2n+1; a client
  // call or settlement noted when n trace events existed sorts at 2n, i.e.
  // after every event recorded before it and before every later one.
  const rows: (Omit<MergedRow, 'index'> & { causal: number; order: number })[] = [];
  let order = 0;
  const pos = (seq: number | undefined): number => (seq === undefined ? Number.POSITIVE_INFINITY : 2 * seq);
  for (const c of outcome.history) {
    rows.push({
      t: c.calledAt,
      kind: 'call',
      epoch: c.epoch,
      text: callText(c),
      failed: false,
      tone: 'ok',
      call: c,
      side: 'call',
      causal: pos(c.calledTraceSeq),
      order: order++,
    });
    if (c.settledAt !== undefined) {
      const rejected = c.outcome === 'rejected';
      rows.push({
        t: c.settledAt,
        kind: 'settle',
        epoch: c.epoch,
        text: settleText(c),
        failed: rejected,
        tone: rejected ? 'error' : 'ok',
        call: c,
        side: 'settle',
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
        tone: 'pending',
        call: c,
        side: 'settle',
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
    const opT = opTone(e);
    const failed = ev === 'fault' || (ev === 'crash' && isPowerCut(e)) || opT === 'error';
    // A crash line that is no power cut is the old machine switched off after a clean restart or at the end of the run.
    const tone = failed ? 'error' : ev === 'crash' ? 'dead' : opT === 'answer' || opT === 'dead' ? opT : 'ok';
    rows.push({ t, kind: ev, epoch, text: JSON.stringify(rest), failed, tone, trace: e, causal: 2 * seq + 1, order: order++ });
  }
  rows.sort((a, b) => a.t - b.t || a.causal - b.causal || a.order - b.order);
  return rows.map(({ order: _o, causal: _c, ...r }, index) => ({ ...r, index }));
}

/** Client calls and trace events merged in virtual-time order (calls first at equal times), as the raw-events table lists them. */
export function timelineRows(outcome: ScenarioOutcome): TimelineRow[] {
  return mergedRows(outcome).map(({ t, kind, epoch, text, failed, tone }) => ({ t, kind, epoch, text, failed, tone }));
}

/** JSON inside a <script> element: no "</script>" or "<!--" can end it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** How an epoch was scripted to end, in the words of the text report. */
export function scriptedEnd(e: EpochScript | undefined): string {
  if (e === undefined) return 'final open (no workload)';
  if (e.end.type === 'restart') return 'clean restart';
  if (e.end.at === undefined) return 'power cut when idle';
  return `power cut ${e.end.at.when} ${e.end.at.class} op #${e.end.at.nth}${e.end.at.phase === 'recovery' ? ' of the recovery' : ''}`;
}

/** Rules broken by what an open recovered: the log's, and a store's (html-store.ts). */
const RECOVERY_RULES: readonly string[] = ['integrity', 'durability', 'order', 'no-holes', 'atomicity', 'aborted', 'checkpoint'];

/** Where in its epoch a violation was found. */
function violationWhere(v: Violation): string {
  if (RECOVERY_RULES.includes(v.rule)) return `rule "${v.rule}" broken by what this epoch's open recovered`;
  if (v.rule === 'recovery-works') return `rule "${v.rule}" broken: this epoch's open was rejected`;
  if (v.rule === 'lsns-go-on') return `rule "${v.rule}" broken during this epoch's workload`;
  return `rule "${v.rule}" broken: a call did not settle`;
}

function happened(end: string, v: Violation | undefined): string {
  switch (end) {
    case 'restart':
      return 'clean restart';
    case 'crash':
      return 'power cut';
    case 'crash-in-recovery':
      return 'power cut while the log recovered (its clients never ran)';
    case 'open-refused':
      return 'the next open was refused (a fault that fired allows it)';
    case 'violation':
      return v === undefined ? 'stopped by a violation' : `stopped: ${violationWhere(v)}; the scripted ending never came`;
    default:
      return end;
  }
}

/** The headers of the epochs table's count columns (a store's page names its own counts). */
export interface EpochColumnNames {
  appends: string;
  resolved: string;
  acknowledged: string;
  recoveredNext: string;
  lostAcknowledged: string;
}

const LOG_EPOCH_COLUMNS: EpochColumnNames = {
  appends: 'appends',
  resolved: 'resolved',
  acknowledged: 'acknowledged',
  recoveredNext: 'recovered next',
  lostAcknowledged: 'lost acknowledged',
};

export function renderHtmlReport(outcome: ScenarioOutcome, failure?: FailureReport, columns: EpochColumnNames = LOG_EPOCH_COLUMNS): string {
  const v = outcome.violation;
  const rows = mergedRows(outcome);
  const kinds = [...new Set(rows.map((r) => r.kind))].sort();
  const title = v === undefined ? 'faultline replay: no violation' : `faultline replay: rule "${v.rule}" broken`;
  const list = (items: readonly string[] | undefined): string =>
    items === undefined
      ? '<p>(not applicable to this rule)</p>'
      : `<ol class="records">${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ol>`;
  const epochRow = (epoch: number, script: EpochScript | undefined, what: string, cells: string): string =>
    `<tr data-epoch="${epoch}"${what.startsWith('stopped') ? ' class="bad"' : ''}><td>${epoch}</td><td>${esc(scriptedEnd(script))}</td><td>${esc(what)}</td>${cells}</tr>`;
  const epochs = outcome.epochs.map((e) =>
    epochRow(
      e.epoch,
      outcome.scenario.epochs[e.epoch],
      happened(e.end, v),
      `<td>${e.appends}</td><td>${e.resolved}</td><td>${e.acknowledged}</td><td>${e.recoveredNext ?? ''}</td><td>${e.lostAcknowledged}</td><td>${esc(
        Object.entries(e.faultsFired)
          .map(([k, c]) => `${k} x${c}`)
          .join(', ') || 'none',
      )}</td><td>${e.endedAt.toFixed(3)}</td>`,
    ),
  );
  // The final open after the last scripted epoch has no outcome row of its own: say what it did when it broke the rule.
  if (v !== undefined && v.epoch >= outcome.epochs.length)
    epochs.push(
      epochRow(v.epoch, undefined, `stopped: ${violationWhere(v).replace("this epoch's", 'the final')}`, '<td colspan="7"></td>'),
    );
  const body = rows
    .map(
      (r, i) =>
        `<tr class="k-${esc(r.kind)}${r.failed ? ' bad' : ''}${r.tone === 'answer' || r.tone === 'dead' || r.tone === 'pending' ? ` ${r.tone}` : ''}" data-kind="${esc(r.kind)}" id="row-${i}"><td>${r.t.toFixed(3)}</td><td>${r.epoch}</td><td>${esc(r.kind)}</td><td>${esc(r.text)}</td></tr>`,
    )
    .join('\n');
  const crashes = (outcome.crashImages ?? []).map((c, i) => renderCrashImage(outcome, c, i)).join('\n');
  // The k-th fault of the run is the k-th fault line of the trace (both in firing order): its row among the raw events.
  const faultRows = rows.flatMap((r, i) => (r.kind === 'fault' ? [i] : []));
  const faults = (outcome.firedFaults ?? []).map((f, k) => {
    const row = faultRows[k];
    const op = `${f.op} #${f.nth} of ${f.path}`;
    const opCell = row === undefined ? esc(op) : `<a href="#row-${row}">${esc(op)}</a>`;
    return `<tr class="bad"><td>${f.t.toFixed(3)}</td><td>${f.epoch}</td><td>${f.phase}</td><td>${opCell}</td><td>${esc(f.kind)}</td><td>${esc(effectWords(f.effect).join(' ') || '-')}</td></tr>`;
  });
  const cutCount = rows.filter((r) => r.trace !== undefined && isPowerCut(r.trace)).length;
  const imageLines = rows.filter((r) => r.kind === 'crash-image').length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em} h2{font-size:1.1em;margin-top:1.5em} h3{font-size:1em;margin:1em 0 .3em}
table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
#timeline td:nth-child(4){font-family:ui-monospace,monospace;font-size:12px}
tr.k-call{background:#eef5ff} tr.k-settle{background:#f2fbef} tr.bad{background:#fde2e2} tr.answer{background:#f1f2f4;color:#555} tr.dead,tr.pending{background:#e4e6ea;color:#444}
tr.k-crash,tr.k-crash-image{background:#f9c0c0;font-weight:bold} tr.k-crash.dead{background:#e4e6ea;font-weight:normal}
.cols{display:flex;gap:3em} .records{font-family:ui-monospace,monospace}
#verdict{padding:.5em 1em;border-radius:4px} .fail{background:#fde2e2} .pass{background:#e2f7e2}
details#raw>summary{cursor:pointer;font-weight:bold;font-size:1.05em} .raw-map summary{cursor:pointer;color:#44546a}
${LANES_CSS}
</style></head><body>
<h1>${esc(title)}</h1>
<p id="verdict" class="${v === undefined ? 'pass' : 'fail'}" data-rule="${esc(v?.rule ?? '')}">${v === undefined ? 'The replayed run broke no rule.' : `Epoch ${v.epoch}: ${esc(v.message)}`}</p>
${failure === undefined ? '' : `<p>Replay: <code id="replay-command">${esc(failure.replayCommand)}</code></p>`}
<p>Fault plan: ${esc(describeFaultPlan(outcome.faultPlan))}. Simulator seed ${outcome.scenario.simSeed}; ${outcome.steps} scheduler steps; ${outcome.virtualMs.toFixed(3)} ms of virtual time; trace hash <code id="trace-hash">${outcome.traceHash}</code>.</p>
<h2>Expected against recovered</h2>
<div class="cols"><div><h3>Expected</h3>${list(v?.expected)}</div><div><h3>Recovered</h3>${list(v?.recovered)}</div></div>
${v === undefined ? '' : `<p>Evidence: <code>${esc(JSON.stringify(v.evidence))}</code></p>`}
<h2>Epochs</h2>
<table id="epochs"><tr><th>epoch</th><th>scripted end</th><th>what happened</th><th>${esc(columns.appends)}</th><th>${esc(columns.resolved)}</th><th>${esc(columns.acknowledged)}</th><th>${esc(columns.recoveredNext)}</th><th>${esc(columns.lostAcknowledged)}</th><th>faults fired</th><th>ended at (virtual ms)</th></tr>${epochs.join('')}</table>
<h2>Faults</h2>
${
  faults.length === 0
    ? '<p id="no-faults">No fault fired in this run.</p>'
    : `<p>Every fault that fired, in firing order, at its operation (the operation's kind, its ordinal among those of that kind on that path in the epoch and phase, and the path: the key of a fault schedule's entry) with its parameters.${failure?.schedule === undefined ? '' : ` This run is the failure shrunk with its faults as a schedule, no probabilities; it was found with: ${esc(describeFaultPlan(failure.schedule.foundWith))}.`}</p>
<table id="faults"><tr><th>t (ms)</th><th>epoch</th><th>phase</th><th>operation</th><th>fault</th><th>parameters</th></tr>${faults.join('')}</table>`
}
<h2>The run as swimlanes</h2>
<p>One column per event, in causal order (virtual time, then the order the trace and the history record): calls that take no virtual time still get a bar. Hover for details; click a bar or a mark to see its line among the raw events.</p>
${LANES_LEGEND}
<div id="lanes-box">${renderSwimlanes(rows)}</div>
<h2>Crash images</h2>
${crashes === '' ? `<p id="no-crash-images">${cutCount === 0 ? 'No power cut in this run.' : `${imageLines} crash image(s) in the trace; their sector maps were not recorded (this outcome was made without keepTrace).`}</p>` : `${MAP_LEGEND}<div id="maps-box">${crashes}</div>`}
<details id="raw"><summary>Raw events: every call, settlement and trace line (${rows.length})</summary>
<p id="filters">${kinds.map((k) => `<label><input type="checkbox" data-kind="${esc(k)}" checked> ${esc(k)}</label>`).join(' ')}</p>
<p>Showing <span id="shown">${rows.length}</span> of ${rows.length} events.</p>
<table id="timeline"><thead><tr><th>t (ms)</th><th>epoch</th><th>kind</th><th>what</th></tr></thead><tbody>
${body}
</tbody></table>
</details>
<script type="application/json" id="data">${scriptJson({ violation: v, scenario: outcome.scenario, epochs: outcome.epochs, history: historyToJson(outcome.history), crashImages: (outcome.crashImages ?? []).map((c) => ({ epoch: c.epoch, t: c.t, traceSeq: c.traceSeq, map: c.map })) })}</script>
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
  var last=null;
  document.getElementById('lanes').addEventListener('click',function(ev){
    var t=ev.target;while(t&&t.getAttribute&&!t.getAttribute('data-row'))t=t.parentNode;
    if(!t||!t.getAttribute)return;
    var row=document.getElementById(t.getAttribute('data-row'));if(!row)return;
    document.getElementById('raw').open=true;
    var box=document.querySelector('#filters input[data-kind="'+row.getAttribute('data-kind')+'"]');
    if(box&&!box.checked){box.checked=true;apply();}
    if(last)last.classList.remove('hl');row.classList.add('hl');last=row;
    row.scrollIntoView({block:'center'});
  });
})();
</script>
</body></html>
`;
}
