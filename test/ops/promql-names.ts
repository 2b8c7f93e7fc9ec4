/**
 * The metric names a PromQL expression selects, for checking a dashboard
 * against what the server exposes. Not a PromQL parser: it removes what can
 * hold other identifiers (strings, label matchers, ranges, grouping clauses)
 * and keeps the identifiers that are neither functions nor keywords.
 */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w:$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()/g)) {
    const name = m[1] ?? '';
    if (!KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}

/** Every `expr` string anywhere in a dashboard's JSON. */
export function exprFields(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(exprFields);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => (k === 'expr' && typeof v === 'string' ? [v] : exprFields(v)));
}
