/**
 * The drawings of the replay's HTML report, as inline SVG (no external
 * assets): the run as swimlanes (one lane per client and one for the harness's
 * opens and closes, each call a bar from invocation to settlement coloured by
 * outcome; one lane for the disk with writes, syncs and what each sync covered;
 * the power cut as a line across every lane; epochs separated), and per crash
 * image a byte map of every file (which sectors were durable, kept, lost or
 * mixed, the pending writes kept whole, lost or torn, where the recovered
 * records end).
 *
 * The horizontal axis is causal, not proportional: every event of the report's
 * table (a trace line, a call, a settlement) gets its own column, in the
 * table's order (virtual time, then the trace position the history recorded),
 * so calls that take no virtual time still get bars of a visible width; the
 * virtual time is written above the columns where it changes.
 */
import type { AppendCall, HistoryCall, OpenCall } from '../contract/types.js';
import type { ScenarioOutcome } from './types.js';

/** One crash image of a run, with its sector map (ScenarioOutcome.crashImages). */
type CrashImageFacts = NonNullable<ScenarioOutcome['crashImages']>[number];

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A number for SVG attributes: at most two decimals. */
function n(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** One column of the causal axis: a trace event, or a client call or settlement. */
export interface LaneEvent {
  /** Index of the row in the report's raw-events table (its id is `row-<index>`). */
  index: number;
  t: number;
  epoch: number;
  text: string;
  /** A trace event (parsed), for trace columns. */
  trace?: { seq: number; ev: string; [k: string]: unknown };
  /** The call, for call and settlement columns. */
  call?: HistoryCall;
  side?: 'call' | 'settle';
}

/** How a filesystem operation ended, for colouring: an expected answer (a probe for a missing file) is no error. */
export type OpTone = 'ok' | 'error' | 'answer' | 'dead';

/** ENOENT or EEXIST from a lookup or a create is an answer the caller asked for (recovery probes for files that may not exist yet). */
const ANSWER_CODES: Record<string, readonly string[]> = {
  stat: ['ENOENT'],
  open: ['ENOENT', 'EEXIST'],
  readdir: ['ENOENT'],
  mkdir: ['EEXIST'],
  unlink: ['ENOENT'],
};

export function opTone(e: { ev: string; op?: unknown; error?: unknown }): OpTone {
  if (typeof e.error !== 'string') return 'ok';
  if (e.error === 'ECRASHED') return 'dead';
  const answers = typeof e.op === 'string' ? ANSWER_CODES[e.op] : undefined;
  return answers?.includes(e.error) === true ? 'answer' : 'error';
}

/** Crash lines that are power cuts (not the old machine switched off after a clean restart or at the end of the run). */
export function isPowerCut(e: { ev: string; reason?: unknown }): boolean {
  return e.ev === 'crash' && e.reason !== 'next epoch' && e.reason !== 'end of run';
}

const LABEL_W = 120;
const AXIS_H = 34;
const LANE_H = 22;
const LANE_GAP = 6;
const DISK_ROWS = ['write', 'sync', 'other', 'fault'] as const;
type DiskRow = (typeof DISK_ROWS)[number];

function diskRowOf(op: string): DiskRow {
  if (op === 'write' || op === 'truncate') return 'write';
  if (op === 'sync' || op === 'datasync' || op === 'syncDir') return 'sync';
  return 'other';
}

function callLabel(c: HistoryCall): string {
  if (c.kind === 'append') return `append ${c.label} (${c.data.length} B)`;
  if (c.kind === 'truncatePrefix') return `truncatePrefix(${c.upTo})`;
  return c.kind;
}

function outcomeLabel(c: HistoryCall): string {
  if (c.outcome === 'pending') return 'never answered: the process died (outcome unknown)';
  if (c.outcome === 'rejected') return `rejected ${c.error?.code ?? ''} ${c.error?.message ?? ''}`.trim();
  if (c.kind === 'append') return `resolved, lsn ${String(c.lsn)}`;
  if (c.kind === 'open') return `resolved, recovered ${c.recovered?.length ?? 0} record(s)`;
  return 'resolved';
}

/** Greedy packing of [from, to) intervals into as few sub-rows as needed; returns each one's sub-row. */
function pack(spans: readonly { from: number; to: number }[]): { rows: number[]; count: number } {
  const ends: number[] = [];
  const rows = spans.map((s) => {
    let r = ends.findIndex((e) => e <= s.from);
    if (r < 0) {
      r = ends.length;
      ends.push(0);
    }
    ends[r] = s.to;
    return r;
  });
  return { rows, count: Math.max(1, ends.length) };
}

/** The swimlanes of a run as one SVG element (id "lanes"). */
export function renderSwimlanes(events: readonly LaneEvent[]): string {
  const cols = Math.max(1, events.length);
  const colW = Math.max(3, Math.min(40, Math.floor(1300 / cols)));
  const x = (col: number): number => LABEL_W + col * colW;
  const width = x(cols) + 10;

  // Bars: one per call, from its call column to its settlement column (inclusive).
  const callCol = new Map<number, number>();
  const settleCol = new Map<number, number>();
  const cutCols: { col: number; epoch: number }[] = [];
  const epochCols: { col: number; epoch: number }[] = [];
  events.forEach((e, col) => {
    if (e.call !== undefined) (e.side === 'call' ? callCol : settleCol).set(e.call.id, col);
    if (e.trace !== undefined && isPowerCut(e.trace)) cutCols.push({ col, epoch: e.epoch });
    if (e.trace?.ev === 'epoch') epochCols.push({ col, epoch: typeof e.trace.epoch === 'number' ? e.trace.epoch : e.epoch });
  });
  const calls = events.filter((e) => e.call !== undefined && e.side === 'call').map((e) => e.call as HistoryCall);
  const clients = [...new Set(calls.map((c) => c.client))].sort((a, b) => a - b);

  interface Bar {
    call: HistoryCall;
    from: number;
    to: number;
    row: number;
  }
  const lanes: { name: string; title: string; bars: Bar[]; subRows: number }[] = [];
  for (const client of clients) {
    const mine = calls.filter((c) => c.client === client);
    const spans = mine.map((c) => {
      const from = callCol.get(c.id) ?? 0;
      let to = settleCol.get(c.id);
      if (to === undefined || c.outcome === 'pending') {
        // Never answered: the bar runs to the power cut that killed its process (or to the end).
        const cut = cutCols.find((k) => k.col > from);
        to = cut === undefined ? cols - 1 : cut.col;
      }
      return { from, to: Math.max(to, from) + 1 };
    });
    const packed = pack(spans);
    lanes.push({
      name: client < 0 ? 'harness' : `client ${client}`,
      title: client < 0 ? 'the harness: open (recovery) and close of each epoch' : `client ${client} of each epoch`,
      bars: mine.map((call, i) => ({ call, from: spans[i]?.from ?? 0, to: spans[i]?.to ?? 1, row: packed.rows[i] ?? 0 })),
      subRows: packed.count,
    });
  }

  const parts: string[] = [];
  let y = AXIS_H;
  // Epoch bands (alternating shade) and separators, drawn first, under everything.
  const bandStarts = epochCols.length === 0 ? [{ col: 0, epoch: 0 }] : epochCols;
  const laneTop = AXIS_H;
  const lanesHeight = lanes.reduce((h, l) => h + l.subRows * LANE_H + LANE_GAP, 0) + DISK_ROWS.length * (LANE_H - 6) + LANE_GAP + 4;
  const bottom = laneTop + lanesHeight;
  bandStarts.forEach((b, i) => {
    const end = bandStarts[i + 1]?.col ?? cols;
    parts.push(
      `<rect class="epoch-band${i % 2 === 1 ? ' odd' : ''}" x="${n(x(b.col))}" y="${laneTop - 14}" width="${n(x(end) - x(b.col))}" height="${n(bottom - laneTop + 14)}"/>`,
      `<line class="epoch-sep" data-epoch="${b.epoch}" x1="${n(x(b.col))}" x2="${n(x(b.col))}" y1="${laneTop - 14}" y2="${n(bottom)}"/>`,
      `<text class="epoch-label" x="${n(x(b.col) + 3)}" y="${laneTop - 3}">epoch ${b.epoch}</text>`,
    );
  });
  // The virtual-time axis: a tick where the time changes, labelled when there is room.
  // A time skipped for want of room is written at the first column with room.
  let lastLabelX = -1e9;
  let labelled: number | undefined;
  events.forEach((e, col) => {
    const prev = events[col - 1];
    const tx = x(col);
    if (prev === undefined || prev.t !== e.t) parts.push(`<line class="tick" x1="${n(tx)}" x2="${n(tx)}" y1="2" y2="8"/>`);
    if (labelled !== e.t && tx - lastLabelX >= 64) {
      parts.push(`<text class="tick-label" x="${n(tx + 2)}" y="14">${esc(`${e.t.toFixed(3)} ms`)}</text>`);
      lastLabelX = tx;
      labelled = e.t;
    }
  });
  parts.push(`<text class="axis-title" x="4" y="14">virtual time</text>`);

  for (const lane of lanes) {
    const h = lane.subRows * LANE_H;
    parts.push(
      `<g class="lane" data-lane="${esc(lane.name)}"><title>${esc(lane.title)}</title><text class="lane-label" x="4" y="${n(y + h / 2 + 4)}">${esc(lane.name)}</text>`,
      `<line class="lane-line" x1="${LABEL_W}" x2="${n(width)}" y1="${n(y + h)}" y2="${n(y + h)}"/>`,
    );
    for (const b of lane.bars) {
      const by = y + b.row * LANE_H + 3;
      const cls = b.call.outcome === 'pending' ? 'pending' : b.call.outcome;
      const row = events[b.from]?.index ?? 0;
      const label = callLabel(b.call);
      const bw = x(b.to) - x(b.from) - 1;
      parts.push(
        `<g class="bar ${cls}" data-call="${b.call.id}" data-kind="${b.call.kind}" data-row="row-${row}"><title>${esc(`epoch ${b.call.epoch}, ${lane.name}: ${label}\ncalled at ${b.call.calledAt.toFixed(3)} ms, ${b.call.settledAt === undefined ? 'never settled' : `settled at ${b.call.settledAt.toFixed(3)} ms`}\n${outcomeLabel(b.call)}`)}</title>` +
          `<rect x="${n(x(b.from))}" y="${n(by)}" width="${n(Math.max(2, bw))}" height="${LANE_H - 6}" rx="3"/>` +
          (bw > label.length * 6 + 6 ? `<text x="${n(x(b.from) + 3)}" y="${n(by + LANE_H - 10)}">${esc(label)}</text>` : '') +
          `</g>`,
      );
    }
    parts.push('</g>');
    y += h + LANE_GAP;
  }

  // The disk lane: one row per kind of operation.
  const rowH = LANE_H - 6;
  const rowY = new Map<DiskRow, number>(DISK_ROWS.map((r, i) => [r, y + i * rowH]));
  const diskH = DISK_ROWS.length * rowH;
  parts.push(
    `<g class="lane disk" data-lane="disk"><title>the simulated disk: every filesystem operation, fault and sync</title>`,
    `<text class="lane-label" x="4" y="${n(y + 11)}">disk</text>`,
    ...DISK_ROWS.map(
      (r) => `<text class="row-label" x="46" y="${n((rowY.get(r) ?? 0) + rowH - 4)}">${r === 'other' ? 'other ops' : `${r}s`}</text>`,
    ),
  );
  // Writes since each file's last successful sync: what the next sync of that file covers.
  const unsynced = new Map<string, number>();
  events.forEach((e, col) => {
    const ev = e.trace;
    if (ev === undefined) return;
    const cx = x(col);
    const title = esc(`${e.t.toFixed(3)} ms, trace #${ev.seq}: ${e.text}`);
    if (ev.ev === 'fault') {
      const fy = rowY.get('fault') ?? 0;
      parts.push(
        `<g class="mark fault" data-row="row-${e.index}"><title>${title}</title><path d="M${n(cx + colW / 2)} ${n(fy + 2)} l5 ${rowH - 4} h-10 z"/></g>`,
      );
      return;
    }
    // A new process (or a dead machine) has no unsynced writes of the old one to cover.
    if (ev.ev === 'epoch' || ev.ev === 'crash') unsynced.clear();
    if (ev.ev !== 'op' || typeof ev.op !== 'string') return;
    const row = diskRowOf(ev.op);
    const tone = opTone(ev);
    const ry = rowY.get(row) ?? 0;
    const path = typeof ev.path === 'string' ? ev.path : '';
    let extra = '';
    if ((ev.op === 'sync' || ev.op === 'datasync') && tone === 'ok') {
      // A lie is told by a fault line just before this operation's line.
      const lied = events
        .slice(Math.max(0, col - 3), col)
        .some(
          (p) => p.trace?.ev === 'fault' && p.trace.path === path && (p.trace.effect as { type?: unknown } | undefined)?.type === 'lie',
        );
      const from = unsynced.get(path);
      if (from !== undefined) {
        extra = `<line class="sync-cover${lied ? ' lied' : ''}" x1="${n(x(from))}" x2="${n(cx + colW / 2)}" y1="${n(ry + 2)}" y2="${n(ry + 2)}"/>`;
      }
      parts.push(
        `<g class="mark op sync-mark ${tone}${lied ? ' lied' : ''}" data-op="${esc(ev.op)}" data-row="row-${e.index}"><title>${title}${lied ? esc('\n(the fsync lied: nothing reached the medium)') : esc(from === undefined ? '\nnothing unsynced on this file' : `\ncovers the writes of ${path} since its last sync (the line)`)}</title>${extra}<rect x="${n(cx)}" y="${n(ry)}" width="${n(Math.max(2, colW - 1))}" height="${rowH}"/></g>`,
      );
      if (!lied) unsynced.delete(path);
      return;
    }
    // A failed fsync drops what it should have written (the page cache gives up the dirty pages).
    if ((ev.op === 'sync' || ev.op === 'datasync') && tone === 'error') unsynced.delete(path);
    if ((ev.op === 'write' || ev.op === 'truncate') && tone === 'ok' && !unsynced.has(path)) unsynced.set(path, col);
    parts.push(
      `<g class="mark op ${tone}" data-op="${esc(ev.op)}" data-row="row-${e.index}"><title>${title}</title><rect x="${n(cx)}" y="${n(ry + 2)}" width="${n(Math.max(2, colW - 1))}" height="${rowH - 4}"/></g>`,
    );
  });
  parts.push('</g>');
  y += diskH + LANE_GAP;

  // Power cuts: one line across every lane.
  for (const c of cutCols) {
    const cx = x(c.col) + colW / 2;
    const row = events[c.col]?.index ?? 0;
    parts.push(
      `<g class="cut" data-epoch="${c.epoch}" data-row="row-${row}"><title>${esc(`power cut in epoch ${c.epoch} at ${(events[c.col]?.t ?? 0).toFixed(3)} ms: calls still running never learn their outcome`)}</title>` +
        `<line x1="${n(cx)}" x2="${n(cx)}" y1="${AXIS_H - 14}" y2="${n(y)}"/><text x="${n(cx + 3)}" y="${n(y + 12)}">power cut</text></g>`,
    );
  }
  const height = y + 18;
  return `<svg id="lanes" xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}" role="img" aria-label="swimlanes of the run">${parts.join('')}</svg>`;
}

// ---- crash images -----------------------------------------------------------------

/** Where a payload of 16 bytes or more lies in an image (its first 16 bytes are unique to its append: contract/payload.ts), and whether all of it is there. */
function locate(data: Uint8Array, crash: CrashImageFacts): { path: string; at: number; whole: boolean } | undefined {
  if (data.length < 16) return undefined;
  const needle = Buffer.from(data.buffer, data.byteOffset, 16);
  for (const f of crash.image.files) {
    const hay = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
    const at = hay.indexOf(needle);
    if (at < 0) continue;
    const whole =
      at + data.length <= hay.length &&
      hay.subarray(at, at + data.length).equals(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    return { path: f.path, at, whole };
  }
  return undefined;
}

/** A record the log held before the cut (recovered by the crashed epoch's open, or resolved in it) that the next open did not return, and where its bytes are in the image. */
export interface MissingRecord {
  label: string;
  size: number;
  /** Undefined when its bytes are not in the image (or it is too short to find). */
  where?: { path: string; at: number; whole: boolean };
}

/**
 * Per file of a crash image: where the records the next open recovered end
 * (payloads located in the image's bytes); and the records the log held
 * before the cut that open did not return, with where their bytes are.
 */
export function recoveredEnds(
  outcome: ScenarioOutcome,
  crash: CrashImageFacts,
): { open?: OpenCall; ends: Map<string, { end: number; found: number }>; missing: MissingRecord[] } {
  const ends = new Map<string, { end: number; found: number }>();
  const missing: MissingRecord[] = [];
  const next = outcome.crashImages?.find((c) => c.traceSeq > crash.traceSeq);
  const open = outcome.history.find(
    (c): c is OpenCall =>
      c.kind === 'open' &&
      c.outcome === 'resolved' &&
      (c.calledTraceSeq ?? -1) > crash.traceSeq &&
      (next === undefined || (c.calledTraceSeq ?? Infinity) < next.traceSeq),
  );
  if (open?.recovered === undefined) return open === undefined ? { ends, missing } : { open, ends, missing };
  const appends = outcome.history.filter((c): c is AppendCall => c.kind === 'append');
  const byId = new Map(appends.map((a) => [a.id, a]));
  const got = new Set<number>();
  for (const r of open.recovered) {
    if (r.appendId !== undefined) got.add(r.appendId);
    const data = r.appendId === undefined ? undefined : byId.get(r.appendId)?.data;
    const w = data === undefined ? undefined : locate(data, crash);
    if (data === undefined || w === undefined) continue;
    const prev = ends.get(w.path);
    ends.set(w.path, { end: Math.max(prev?.end ?? 0, w.at + data.length), found: (prev?.found ?? 0) + 1 });
  }
  // What the log held before the cut: the records the crashed epoch's own open recovered, and its appends that resolved.
  const before = new Set(
    outcome.history
      .filter((c): c is OpenCall => c.kind === 'open' && c.epoch === crash.epoch && c.outcome === 'resolved')
      .flatMap((c) => (c.recovered ?? []).map((r) => r.appendId)),
  );
  for (const a of appends) {
    if (got.has(a.id) || !((a.epoch === crash.epoch && a.outcome === 'resolved') || before.has(a.id))) continue;
    const where = locate(a.data, crash);
    missing.push(
      where === undefined
        ? { label: `${a.label}@${String(a.lsn)}`, size: a.data.length }
        : { label: `${a.label}@${String(a.lsn)}`, size: a.data.length, where },
    );
  }
  return { open, ends, missing };
}

const MAP_W = 900;

/** One crash image: a byte map per file (SVG) with its raw facts one click away. */
export function renderCrashImage(outcome: ScenarioOutcome, crash: CrashImageFacts, index: number): string {
  const { map } = crash;
  const { open, ends, missing } = recoveredEnds(outcome, crash);
  const files = map.files.map((f) => {
    const extent = Math.max(f.size, f.cacheSize, f.durableSize, 1);
    const sx = (b: number): number => (b / extent) * MAP_W;
    const parts: string[] = [];
    // Row 1: the image's bytes, sector by sector.
    for (const r of f.ranges) {
      parts.push(
        `<rect class="sec ${r.state}" x="${n(sx(r.start))}" y="4" width="${n(Math.max(1, sx(r.end) - sx(r.start)))}" height="22"><title>${esc(`bytes ${r.start}..${r.end} (${Math.ceil((r.end - r.start) / f.sectorSize)} sector(s)): ${r.state}`)}</title></rect>`,
      );
    }
    // What the process had written past the end of the image: gone with the page cache.
    if (f.cacheSize > f.size) {
      parts.push(
        `<rect class="sec gone" x="${n(sx(f.size))}" y="4" width="${n(sx(f.cacheSize) - sx(f.size))}" height="22"><title>${esc(`bytes ${f.size}..${f.cacheSize}: in the page cache at the cut, not in the image (the file's size did not reach the medium)`)}</title></rect>`,
      );
    }
    // Row 2: the writes pending at the cut.
    for (const w of f.writes) {
      const state = w.keptSectors === 0 ? 'lost' : w.keptSectors === w.sectors ? 'kept' : 'torn';
      parts.push(
        `<rect class="w ${state}" x="${n(sx(w.start))}" y="32" width="${n(Math.max(1.5, sx(w.end) - sx(w.start) - 0.5))}" height="12"><title>${esc(`pending write of bytes ${w.start}..${w.end}: ${state} (${w.keptSectors} of ${w.sectors} sector(s) reached the medium)${w.forcedTorn ? ', forced torn by a fault' : ''}`)}</title></rect>`,
      );
    }
    // Row 3: resolved appends the next open did not return, where their bytes are.
    for (const m of missing) {
      if (m.where?.path !== f.path) continue;
      const state = m.where.whole ? 'whole' : 'part';
      parts.push(
        `<rect class="miss ${state}" x="${n(sx(m.where.at))}" y="48" width="${n(Math.max(2, sx(m.where.at + m.size) - sx(m.where.at)))}" height="8"><title>${esc(`${m.label} (${m.size} B), resolved but not recovered by the next open: ${m.where.whole ? 'all its bytes are in the image' : 'its bytes are in the image only in part'}, at byte ${m.where.at}`)}</title></rect>`,
      );
    }
    const marker = (cls: string, at: number, label: string, ly: number): string =>
      `<g class="${cls}"><line x1="${n(sx(at))}" x2="${n(sx(at))}" y1="0" y2="58"/><text x="${n(sx(at) > MAP_W / 2 ? sx(at) - 3 : sx(at) + 3)}" y="${ly}"${sx(at) > MAP_W / 2 ? ' text-anchor="end"' : ''}>${esc(label)}</text></g>`;
    parts.push(marker('durable-end', f.durableSize, `durable before the cut: ${f.durableSize} B`, 70));
    const rec = ends.get(f.path);
    if (rec !== undefined) parts.push(marker('recovered-end', rec.end, `recovered records end: byte ${rec.end}`, 84));
    const rows = f.ranges.map((r) => `<tr><td>${r.start}</td><td>${r.end}</td><td>${r.state}</td></tr>`).join('');
    const writes = f.writes
      .map(
        (w) =>
          `<tr><td>${w.start}</td><td>${w.end}</td><td>${w.keptSectors} of ${w.sectors}</td><td>${w.forcedTorn ? 'yes' : ''}</td></tr>`,
      )
      .join('');
    return `<div class="byte-map" data-path="${esc(f.path)}"><h4><code>${esc(f.path)}</code>: ${f.size} B in the image (${Math.ceil(f.size / f.sectorSize)} sectors of ${f.sectorSize} B), ${f.cacheSize} B in the page cache at the cut, ${f.durableSize} B durable before it${rec === undefined ? '' : `; ${rec.found} recovered record(s) located, the last ending at byte ${rec.end}`}</h4>
<svg xmlns="http://www.w3.org/2000/svg" width="${MAP_W + 20}" height="92" viewBox="-4 0 ${MAP_W + 20} 92" role="img" aria-label="byte map of ${esc(f.path)}">${parts.join('')}</svg>
<details class="raw-map"><summary>sectors and pending writes of ${esc(f.path)}</summary><table><tr><th>from</th><th>to</th><th>sectors</th></tr>${rows}</table><table><tr><th>write from</th><th>to</th><th>sectors kept</th><th>forced torn</th></tr>${writes || '<tr><td colspan="4">(none pending)</td></tr>'}</table></details></div>`;
  });
  const inImage = missing.filter((m) => m.where?.whole === true);
  const inPart = missing.filter((m) => m.where !== undefined && !m.where.whole);
  const absent = missing.filter((m) => m.where === undefined);
  const names = (ms: readonly MissingRecord[]): string => (ms.length === 0 ? '' : `: ${ms.map((m) => m.label).join(' ')}`);
  const openText =
    open === undefined
      ? 'No later open recovered from this image.'
      : `The next open (call ${open.id}, epoch ${open.epoch}) recovered ${open.recovered?.length ?? 0} record(s).` +
        (missing.length === 0
          ? ` It returned every record the log held before the cut (recovered by epoch ${crash.epoch}'s open, or appended and resolved in it).`
          : ` Records the log held before the cut (recovered by epoch ${crash.epoch}'s open, or appended and resolved in it) that it did not return (released ones included): ${missing.length}; whole in the image (recovery left them out) ${inImage.length}${names(inImage)}; in the image in part ${inPart.length}${names(inPart)}; not in the image (lost on the way to the medium, or too short to find) ${absent.length}${names(absent)}.`);
  return `<section class="crash-image" id="crash-image-${index}" data-epoch="${crash.epoch}"><h3>Power cut in epoch ${crash.epoch} at ${crash.t.toFixed(3)} ms (trace #${crash.traceSeq})</h3>
<p>${map.files.length} file(s) in the image; directory operations pending at the cut: ${map.pendingDirOps}, of which ${map.keptDirOps} (a prefix) reached the medium. ${esc(openText)}</p>
${files.join('\n') || '<p>(no files)</p>'}</section>`;
}

export const LANES_CSS = `
#lanes-box,#maps-box{overflow-x:auto;border:1px solid #ddd;padding:4px;background:#fff}
#lanes text{font:11px system-ui,sans-serif;fill:#222} #lanes .tick-label{fill:#555} #lanes .axis-title{fill:#777;font-style:italic}
#lanes .tick{stroke:#999} #lanes .lane-line{stroke:#eee} #lanes .lane-label{font-weight:bold} #lanes .row-label{fill:#777;font-size:10px}
#lanes .epoch-band{fill:#f7f9fc} #lanes .epoch-band.odd{fill:#eef1f6} #lanes .epoch-sep{stroke:#7a869a;stroke-dasharray:4 3}
#lanes .epoch-label{fill:#44546a;font-weight:bold}
.bar{cursor:pointer} .bar text{fill:#fff;font-size:10px;pointer-events:none}
.bar.resolved rect{fill:#2e8b57} .bar.rejected rect{fill:#c0392b} .bar.pending rect{fill:#9aa3ad;stroke:#555;stroke-dasharray:3 2}
.mark{cursor:pointer} .mark.ok rect{fill:#3b6fb6} .mark.sync-mark.ok rect{fill:#1d8a8a} .mark.answer rect{fill:#c9ced6}
.mark.error rect{fill:#c0392b} .mark.dead rect{fill:#555} .mark.lied rect{fill:#e67e22} .mark.fault path{fill:#e67e22;stroke:#a04f00}
.sync-cover{stroke:#1d8a8a;stroke-width:2} .sync-cover.lied{stroke:#e67e22;stroke-dasharray:3 2}
.cut line{stroke:#d00;stroke-width:2.5} .cut text{fill:#d00;font-weight:bold}
.hl{outline:3px solid #f5b700}
.byte-map h4{font-weight:normal;margin:.8em 0 .2em} .byte-map svg text{font:11px system-ui,sans-serif}
.sec.durable{fill:#8fa3bf} .sec.kept{fill:#2e8b57} .sec.lost{fill:#c0392b} .sec.mixed{fill:#8e44ad} .sec.gone{fill:#fff;stroke:#c0392b;stroke-dasharray:3 2}
.w.kept{fill:#2e8b57} .w.lost{fill:#c0392b} .w.torn{fill:#e67e22} .miss.whole{fill:#8e44ad} .miss.part{fill:#e67e22;stroke:#8e44ad}
.durable-end line{stroke:#44546a;stroke-dasharray:4 2} .durable-end text{fill:#44546a}
.recovered-end line{stroke:#000;stroke-width:2} .recovered-end text{fill:#000;font-weight:bold}
.legend span{display:inline-block;margin-right:1em} .legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
`;

export const LANES_LEGEND = `<p class="legend"><b>calls:</b> <span><i style="background:#2e8b57"></i>resolved</span><span><i style="background:#c0392b"></i>rejected</span><span><i style="background:#9aa3ad;border:1px dashed #555"></i>never answered (the process died)</span>
<b>disk:</b> <span><i style="background:#3b6fb6"></i>operation</span><span><i style="background:#1d8a8a"></i>sync (its line: the writes it covers)</span><span><i style="background:#e67e22"></i>fault / a sync that lied</span><span><i style="background:#c9ced6"></i>expected answer (e.g. stat of a file not there yet)</span><span><i style="background:#c0392b"></i>error</span><span><i style="background:#555"></i>after the power cut</span>
<span><i style="background:#d00;width:3px"></i>power cut</span></p>`;

export const MAP_LEGEND = `<p class="legend"><b>sectors:</b> <span><i style="background:#8fa3bf"></i>durable (synced before the cut)</span><span><i style="background:#2e8b57"></i>kept (a pending write reached the medium)</span><span><i style="background:#c0392b"></i>lost (pending, never reached it)</span><span><i style="background:#8e44ad"></i>mixed</span><span><i style="border:1px dashed #c0392b"></i>past the image's end (page cache only)</span>
<b>pending writes:</b> <span><i style="background:#2e8b57"></i>kept whole</span><span><i style="background:#e67e22"></i>torn</span><span><i style="background:#c0392b"></i>lost</span>
<b>not recovered:</b> <span><i style="background:#8e44ad"></i>a resolved append's bytes, whole</span><span><i style="background:#e67e22;border:1px solid #8e44ad"></i>in part</span>
<b>lines:</b> dashed: durable size before the cut; black: where the recovered records end</p>`;
