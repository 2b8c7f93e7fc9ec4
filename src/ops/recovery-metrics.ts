/**
 * What recovery found when the log was opened, as gauges: constant for the
 * life of a Wal (a reopen is a new Wal), so a dashboard sees each open's
 * recovery as a step, and an alert can fire on corruption passed over.
 */
import { Gauge, type Registry } from 'prom-client';
import type { RecoveryReport } from '../engine/index.js';

const RECOVERY: readonly { name: string; help: string; value: (r: RecoveryReport) => number }[] = [
  { name: 'recovery_records', help: 'Records recovered when the log opened.', value: (r) => r.records },
  { name: 'recovery_segments', help: 'Segment files recovery scanned when the log opened.', value: (r) => r.segments },
  {
    name: 'recovery_torn_bytes_truncated',
    help: 'Bytes of a torn tail recovery truncated when the log opened.',
    value: (r) => r.tornBytesTruncated,
  },
  {
    name: 'recovery_corruptions',
    help: 'Mid-log corruption findings the recovery mode passed over when the log opened.',
    value: (r) => r.corruption.filter((c) => c.kind === 'mid-log').length,
  },
  {
    name: 'recovery_dropped_bytes',
    help: 'Bytes recovery gave up (pointInTime, skipCorrupted) when the log opened.',
    value: (r) => r.dropped.bytes,
  },
  { name: 'recovery_new_log', help: '1 when the open found no log and started a new one, else 0.', value: (r) => (r.newLog ? 1 : 0) },
  {
    name: 'recovery_duration_seconds',
    help: 'How long recovery took when the log opened, on the log clock.',
    value: (r) => r.durationMs / 1000,
  },
];

export function registerRecoveryGauges(report: RecoveryReport, registry: Registry, prefix: string, labels: Record<string, string>): void {
  for (const g of RECOVERY) {
    const gauge = new Gauge({ name: prefix + g.name, help: g.help, labelNames: Object.keys(labels), registers: [registry] });
    gauge.set(labels, g.value(report));
  }
}
