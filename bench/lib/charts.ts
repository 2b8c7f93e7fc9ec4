/** The two charts of a run, built from its results: throughput against loss window, and latency distribution. */
import { machineShort } from './machine.js';
import { referenceCells } from './markdown.js';
import type { BenchResults } from './results.js';
import { cdfPoints } from './stats.js';
import { renderXyChart, type ChartSeries } from './svg.js';

/** Throughput (reference cell) against the mean ms of acknowledged writes a crash lost; null when either side is missing. */
export function tradeoffChart(r: BenchResults): string | null {
  if (r.durability.status !== 'ok' || r.loss.status !== 'ok') return null;
  const ref = referenceCells(r.durability.data);
  if (ref === null) return null;
  const loss = r.loss.data;
  const series: ChartSeries[] = [];
  for (const c of ref.cells) {
    const l = loss.find((x) => x.level === c.level);
    if (!l) continue;
    series.push({
      name: c.level,
      points: [
        {
          x: l.lostMsMean,
          y: c.opsPerSec,
          label: `${Math.round(c.opsPerSec).toLocaleString('en-US')}/s, ${l.lostRecordsMean.toFixed(1)} rec`,
        },
      ],
    });
  }
  if (series.length === 0) return null;
  return renderXyChart({
    title: 'Throughput against what a crash loses',
    subtitle: `${ref.recordBytes} B records, ${ref.outstanding} outstanding; loss from seeded simulator crashes. ${machineShort(r.machine)}`,
    xLabel: 'acknowledged writes lost per crash (mean, ms of virtual time)',
    yLabel: 'appends per second',
    xScale: 'log',
    yScale: 'log',
    series,
  });
}

/** Cumulative latency distribution of each level at the given cell's latencies (µs). */
export function latencyChart(
  r: BenchResults,
  latencies: Array<{ name: string; us: Float64Array }>,
  cellDescription: string,
): string | null {
  const series: ChartSeries[] = latencies
    .filter((l) => l.us.length > 0)
    .map((l) => ({ name: l.name, line: true, points: cdfPoints(l.us).map((p) => ({ x: p.us, y: p.p })) }));
  if (series.length === 0) return null;
  return renderXyChart({
    title: 'Append latency distribution',
    subtitle: `${cellDescription}. ${machineShort(r.machine)}`,
    xLabel: 'latency (µs, log scale)',
    yLabel: 'percent of appends at or below',
    xScale: 'log',
    yScale: 'linear',
    series,
  });
}
