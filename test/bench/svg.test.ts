import { describe, expect, it } from 'vitest';
import { buildAxis, escapeXml, formatTick, renderXyChart, type XyChartSpec } from '../../bench/lib/svg.js';

/** A strict little XML well-formedness check: every tag matched, attributes quoted, text escaped. Returns element names. */
function checkWellFormed(doc: string): string[] {
  const tag = /^<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos);[^"<&]*)*")*)\s*(\/?)>/;
  const stack: string[] = [];
  const names: string[] = [];
  let i = 0;
  let sawRoot = false;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = doc.slice(i, lt === -1 ? doc.length : lt);
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(text)) throw new Error(`unescaped & in text: ${text}`);
    if (text.trim() !== '' && stack.length === 0) throw new Error(`text outside the root: ${text}`);
    if (lt === -1) break;
    const m = tag.exec(doc.slice(lt));
    if (!m) throw new Error(`malformed tag at ${lt}: ${doc.slice(lt, lt + 60)}`);
    const [whole, closing, name, , selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      if (stack.length === 0) {
        if (sawRoot) throw new Error('two root elements');
        sawRoot = true;
      }
      names.push(name!);
      if (!selfClosing) stack.push(name!);
    }
    i = lt + whole.length;
  }
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(', ')}`);
  if (!sawRoot) throw new Error('no root element');
  return names;
}

const spec: XyChartSpec = {
  title: 'Throughput <vs> loss & "friends"',
  subtitle: "AMD EPYC, 2 cores, temp dir on ext4 & 'co'",
  xLabel: 'ms lost',
  yLabel: 'appends/s',
  xScale: 'log',
  yScale: 'log',
  series: [
    { name: 'everyWrite', points: [{ x: 0, y: 2500, label: '2,500/s' }] },
    { name: 'interval 10 ms', points: [{ x: 9.5, y: 300_000, label: '<fast>' }] },
    { name: 'none', points: [{ x: 120, y: 400_000 }] },
  ],
};

describe('the well-formedness checker itself', () => {
  it('rejects what it should', () => {
    expect(() => checkWellFormed('<svg><g></svg>')).toThrow();
    expect(() => checkWellFormed('<svg a=1></svg>')).toThrow();
    expect(() => checkWellFormed('<svg>a & b</svg>')).toThrow();
    expect(() => checkWellFormed('<svg/><svg/>')).toThrow();
    expect(checkWellFormed('<svg><g x="1"/><text>a &amp; b</text></svg>')).toEqual(['svg', 'g', 'text']);
  });
});

describe('renderXyChart', () => {
  it('produces a well-formed SVG document with one marker per point and a legend entry per series', () => {
    const svg = renderXyChart(spec);
    const names = checkWellFormed(svg);
    expect(names[0]).toBe('svg');
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(names.filter((n) => n === 'circle')).toHaveLength(3);
    expect(svg).toContain('Throughput &lt;vs&gt; loss &amp; &quot;friends&quot;');
    expect(svg).toContain('&lt;fast&gt;');
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    for (const s of spec.series) expect(svg).toContain(`>${escapeXml(s.name)}</text>`);
  });

  it('draws lines for line series and stays well-formed on linear axes', () => {
    const svg = renderXyChart({
      ...spec,
      xScale: 'linear',
      yScale: 'linear',
      series: [
        {
          name: 'cdf',
          line: true,
          points: [
            { x: 1, y: 0 },
            { x: 5, y: 50 },
            { x: 9, y: 100 },
          ],
        },
      ],
    });
    checkWellFormed(svg);
    expect(svg).toMatch(/<path d="M[\d.]+ [\d.]+ L[\d.]+ [\d.]+ L[\d.]+ [\d.]+"/);
  });

  it('stays well-formed with no series at all', () => {
    checkWellFormed(renderXyChart({ ...spec, series: [] }));
  });

  it('rejects non-finite points and negative values on a log axis', () => {
    expect(() => renderXyChart({ ...spec, series: [{ name: 'bad', points: [{ x: Number.NaN, y: 1 }] }] })).toThrow(RangeError);
    expect(() => renderXyChart({ ...spec, series: [{ name: 'bad', points: [{ x: -1, y: 1 }] }] })).toThrow(RangeError);
  });
});

describe('axes', () => {
  it('a log axis with zeros puts 0 at the start and decades after it, in order', () => {
    const axis = buildAxis([0, 3, 250], 'log');
    expect(axis.map(0)).toBe(0);
    expect(axis.ticks.map((t) => t.text)).toEqual(['0', '1', '10', '100', '1k']);
    const ats = axis.ticks.map((t) => t.at);
    for (let i = 1; i < ats.length; i++) expect(ats[i]!).toBeGreaterThan(ats[i - 1]!);
    expect(axis.map(1000)).toBeCloseTo(1);
  });

  it('a linear axis covers the data with nice steps', () => {
    const axis = buildAxis([0, 37], 'linear');
    expect(axis.ticks[0]!.v).toBe(0);
    expect(axis.ticks[axis.ticks.length - 1]!.v).toBeGreaterThanOrEqual(37);
    expect(axis.map(37)).toBeLessThanOrEqual(1);
  });

  it('formats ticks compactly', () => {
    expect(formatTick(0)).toBe('0');
    expect(formatTick(2500)).toBe('2.5k');
    expect(formatTick(3_000_000)).toBe('3M');
    expect(formatTick(0.05)).toBe('0.05');
  });
});
