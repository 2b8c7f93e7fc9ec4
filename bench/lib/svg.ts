/**
 * A small SVG writer for the benchmark charts: one XY chart with linear or log
 * axes, several series (markers, optionally joined by lines), a legend, and
 * escaped text. Output is a self-contained SVG document string; no browser.
 *
 * Log axes accept zero: values <= 0 are drawn on a separate "0" position at the
 * start of the axis (a loss window of 0 ms is the point of the chart), and the
 * log range covers the positive values only.
 */

export type AxisScale = 'linear' | 'log';

export interface ChartPoint {
  x: number;
  y: number;
  /** Short text drawn next to the marker. */
  label?: string;
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
  /** Join the points in order with a line. */
  line?: boolean;
}

export interface XyChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xScale: AxisScale;
  yScale: AxisScale;
  series: ChartSeries[];
  width?: number;
  height?: number;
  /** A line of small print under the title (machine, run). */
  subtitle?: string;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const MAX_SERIES = 64;
const MAX_POINTS = 10_000;

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function num(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`svg coordinate is not finite: ${v}`);
  return (Math.round(v * 100) / 100).toString();
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e9) return `${trim(v / 1e9)}G`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e3) return `${trim(v / 1e3)}k`;
  if (a >= 1) return trim(v);
  return Number(v.toPrecision(2)).toString();
}

function trim(v: number): string {
  return Number(v.toPrecision(3)).toString();
}

interface Axis {
  /** Maps a value to [0, 1] along the axis. */
  map(v: number): number;
  ticks: Array<{ v: number; at: number; text: string }>;
}

/** Share of the axis reserved for the zero position of a log axis that has zeros. */
const ZERO_SLOT = 0.08;

export function buildAxis(values: number[], scale: AxisScale): Axis {
  if (values.length === 0) {
    return { map: () => 0.5, ticks: [] };
  }
  if (scale === 'linear') {
    let lo = Math.min(0, ...values);
    let hi = Math.max(...values);
    if (hi === lo) hi = lo + 1;
    const step = niceStep((hi - lo) / 5);
    lo = Math.floor(lo / step) * step;
    hi = Math.ceil(hi / step) * step;
    const map = (v: number): number => (v - lo) / (hi - lo);
    const ticks: Axis['ticks'] = [];
    for (let v = lo, i = 0; v <= hi + step / 2 && i < 50; v += step, i++) {
      ticks.push({ v, at: map(v), text: formatTick(v) });
    }
    return { map, ticks };
  }
  const positives = values.filter((v) => v > 0);
  const hasZero = values.some((v) => v <= 0);
  const lo = positives.length > 0 ? 10 ** Math.floor(Math.log10(Math.min(...positives))) : 1;
  let hi = positives.length > 0 ? 10 ** Math.ceil(Math.log10(Math.max(...positives))) : 10;
  if (hi <= lo) hi = lo * 10;
  const start = hasZero ? ZERO_SLOT : 0;
  const logLo = Math.log10(lo);
  const logHi = Math.log10(hi);
  const map = (v: number): number => (v <= 0 ? 0 : start + ((Math.log10(v) - logLo) / (logHi - logLo)) * (1 - start));
  const ticks: Axis['ticks'] = [];
  if (hasZero) ticks.push({ v: 0, at: 0, text: '0' });
  for (let e = Math.round(logLo); e <= Math.round(logHi) && ticks.length < 40; e++) {
    const v = 10 ** e;
    ticks.push({ v, at: map(v), text: formatTick(v) });
  }
  return { map, ticks };
}

function niceStep(raw: number): number {
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * mag;
}

/** Renders one XY chart as a complete SVG document. */
export function renderXyChart(spec: XyChartSpec): string {
  if (spec.series.length > MAX_SERIES) throw new RangeError(`too many series: ${spec.series.length}`);
  const total = spec.series.reduce((n, s) => n + s.points.length, 0);
  if (total > MAX_POINTS) throw new RangeError(`too many points: ${total}`);
  for (const s of spec.series) {
    for (const p of s.points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) throw new RangeError(`series ${s.name}: non-finite point`);
      if ((spec.xScale === 'log' && p.x < 0) || (spec.yScale === 'log' && p.y < 0)) {
        throw new RangeError(`series ${s.name}: negative value on a log axis`);
      }
    }
  }
  const width = spec.width ?? 860;
  const height = spec.height ?? 520;
  const legendW = 220;
  const left = 80;
  const top = spec.subtitle ? 64 : 48;
  const bottom = 60;
  const plotW = width - left - legendW - 20;
  const plotH = height - top - bottom;
  const xs = spec.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p.y));
  const xAxis = buildAxis(xs, spec.xScale);
  const yAxis = buildAxis(ys, spec.yScale);
  const px = (v: number): number => left + xAxis.map(v) * plotW;
  const py = (v: number): number => top + plotH - yAxis.map(v) * plotH;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${num(width / 2)}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(spec.title)}</text>`);
  if (spec.subtitle) {
    out.push(`<text x="${num(width / 2)}" y="44" text-anchor="middle" font-size="11" fill="#555555">${escapeXml(spec.subtitle)}</text>`);
  }
  out.push(`<g stroke="#e0e0e0" stroke-width="1">`);
  for (const t of xAxis.ticks) out.push(`<line x1="${num(px(t.v))}" y1="${num(top)}" x2="${num(px(t.v))}" y2="${num(top + plotH)}"/>`);
  for (const t of yAxis.ticks) out.push(`<line x1="${num(left)}" y1="${num(py(t.v))}" x2="${num(left + plotW)}" y2="${num(py(t.v))}"/>`);
  out.push(`</g>`);
  out.push(`<rect x="${num(left)}" y="${num(top)}" width="${num(plotW)}" height="${num(plotH)}" fill="none" stroke="#333333"/>`);
  for (const t of xAxis.ticks) {
    out.push(`<text x="${num(px(t.v))}" y="${num(top + plotH + 16)}" text-anchor="middle">${escapeXml(t.text)}</text>`);
  }
  for (const t of yAxis.ticks) {
    out.push(`<text x="${num(left - 6)}" y="${num(py(t.v) + 4)}" text-anchor="end">${escapeXml(t.text)}</text>`);
  }
  out.push(`<text x="${num(left + plotW / 2)}" y="${num(height - 16)}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  out.push(
    `<text x="16" y="${num(top + plotH / 2)}" text-anchor="middle" transform="rotate(-90 16 ${num(top + plotH / 2)})">${escapeXml(spec.yLabel)}</text>`,
  );
  spec.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    out.push(`<g fill="${color}" stroke="${color}">`);
    if (s.line && s.points.length > 1) {
      const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${num(px(p.x))} ${num(py(p.y))}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke-width="2"/>`);
    }
    for (const p of s.points) {
      out.push(`<circle cx="${num(px(p.x))}" cy="${num(py(p.y))}" r="4"/>`);
      if (p.label) {
        out.push(`<text x="${num(px(p.x) + 6)}" y="${num(py(p.y) - 6)}" stroke="none" font-size="10">${escapeXml(p.label)}</text>`);
      }
    }
    out.push(`</g>`);
    const ly = top + 10 + i * 18;
    out.push(`<rect x="${num(left + plotW + 16)}" y="${num(ly - 9)}" width="12" height="12" fill="${color}"/>`);
    out.push(`<text x="${num(left + plotW + 34)}" y="${num(ly + 1)}">${escapeXml(s.name)}</text>`);
  });
  out.push(`</svg>`);
  return out.join('\n') + '\n';
}
