/**
 * The shape every stats-backed metric family here shares: counters and
 * gauges read from a stats object at scrape time, and a state gauge (1 for
 * the current state). metrics.ts (a log) and store-metrics.ts (a store) list
 * their families and register them through these.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { WalError } from '../errors.js';

/** A numeric field of S, exported as one family. */
export interface StatsFamily<F extends string> {
  name: string;
  help: string;
  field: F;
}

/** Where the families go: the registry, the name prefix (checked), the constant labels. */
export interface FamilyTarget {
  registry: Registry;
  prefix: string;
  labels: Record<string, string>;
}

export function checkedPrefix(prefix: string): string {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) throw new WalError('EINVAL', `invalid metric prefix ${JSON.stringify(prefix)}`);
  return prefix;
}

export function registerStatsFamilies<F extends string>(
  target: FamilyTarget,
  read: () => Record<F, number>,
  counters: readonly StatsFamily<F>[],
  gauges: readonly StatsFamily<F>[],
): void {
  const { registry, prefix, labels } = target;
  const labelNames = Object.keys(labels);
  for (const c of counters) {
    new Counter({
      name: prefix + c.name,
      help: c.help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(labels, read()[c.field]);
      },
    });
  }
  for (const g of gauges) {
    new Gauge({
      name: prefix + g.name,
      help: g.help,
      labelNames,
      registers: [registry],
      collect() {
        this.set(labels, read()[g.field]);
      },
    });
  }
}

/** `${prefix}state{state}`: 1 for the current state, 0 for the others. */
export function registerStateGauge<S extends string>(target: FamilyTarget, help: string, states: readonly S[], current: () => S): void {
  const { registry, prefix, labels } = target;
  new Gauge({
    name: `${prefix}state`,
    help,
    labelNames: [...Object.keys(labels), 'state'],
    registers: [registry],
    collect() {
      const now = current();
      for (const s of states) this.set({ ...labels, state: s }, s === now ? 1 : 0);
    },
  });
}
