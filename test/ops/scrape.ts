/** Scraping a real ops server in tests: the exposition text parsed by parse-prometheus-text-format. */
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';

export async function scrape(url: string): Promise<{ contentType: string | null; families: Map<string, ParsedFamily> }> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${await res.text()}`);
  const families = new Map(parsePrometheusTextFormat(await res.text()).map((f) => [f.name, f]));
  return { contentType: res.headers.get('content-type'), families };
}

/** The one sample of `name` whose labels include `labels`, as a number. */
export function sampleValue(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  if (family === undefined) throw new Error(`metric family ${name} not exposed`);
  const found = family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  if (found.length !== 1 || found[0]?.value === undefined) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} samples`);
  return Number(found[0].value);
}

/** Every series name a scrape exposes: each family, and a histogram's _bucket, _sum and _count series. */
export function exposedSeries(families: Map<string, ParsedFamily>): Set<string> {
  const names = new Set<string>();
  for (const f of families.values()) {
    names.add(f.name);
    const suffixes = f.type === 'HISTOGRAM' ? ['_bucket', '_sum', '_count'] : f.type === 'SUMMARY' ? ['_sum', '_count'] : [];
    for (const s of suffixes) names.add(f.name + s);
  }
  return names;
}
