/**
 * Health of a running log, for liveness/readiness probes: each component
 * checked separately, with the reason when it is not healthy.
 */
import type { WalStats } from '../engine/index.js';
import { WalError } from '../errors.js';
import type { WalStatsSource } from './metrics.js';

export type HealthLevel = 'ok' | 'degraded' | 'failed';

export interface HealthCheck {
  name: string;
  level: HealthLevel;
  detail: string;
}

export interface HealthReport {
  /** The worst level of any check. */
  level: HealthLevel;
  /** Ready to take appends: the log is open, its circuit breaker is not open, its queue is not saturated, and no check failed. */
  ready: boolean;
  checks: HealthCheck[];
  stats: WalStats;
}

export interface HealthOptions {
  /** Queue utilisation at or above which the log is degraded (default 0.9). */
  queueDegradedAt?: number;
  /** Free bytes on the log's device, when the caller can measure them (e.g. fs.statfs). */
  freeBytes?: number;
  /** Free bytes below which the disk check is degraded (default: two segments' worth, 128 MiB). */
  freeBytesDegradedBelow?: number;
  /** Why the free bytes could not be measured (e.g. statfs failed): the disk check is degraded with this reason. */
  diskError?: string;
}

const RANK: Record<HealthLevel, number> = { ok: 0, degraded: 1, failed: 2 };

export function walHealth(source: WalStatsSource, options: HealthOptions = {}): HealthReport {
  const stats = source.stats();
  const queueDegradedAt = options.queueDegradedAt ?? 0.9;
  if (!(queueDegradedAt > 0 && queueDegradedAt <= 1)) throw new WalError('EINVAL', 'queueDegradedAt must be in (0, 1]');
  const checks: HealthCheck[] = [];

  switch (stats.state) {
    case 'open':
      checks.push({ name: 'state', level: 'ok', detail: 'open' });
      break;
    case 'readOnly':
      checks.push({ name: 'state', level: 'failed', detail: 'read-only after a rollback that could not complete; reopen to recover' });
      break;
    case 'failStopped':
      checks.push({ name: 'state', level: 'failed', detail: 'stopped after a failed sync; reopen to recover' });
      break;
    case 'closed':
      checks.push({ name: 'state', level: 'failed', detail: 'closed' });
      break;
  }

  // An open breaker mends itself (a probe after the cool-down), so it is degraded, not failed; but the log takes no appends meanwhile.
  switch (stats.breaker) {
    case 'closed':
      checks.push({ name: 'breaker', level: 'ok', detail: 'circuit breaker closed' });
      break;
    case 'open':
      checks.push({
        name: 'breaker',
        level: 'degraded',
        detail: `circuit breaker open after repeated transient I/O failures: read-only (ECIRCUITOPEN) until a probe succeeds (opened ${stats.breakerOpens} times)`,
      });
      break;
    case 'halfOpen':
      checks.push({ name: 'breaker', level: 'degraded', detail: 'circuit breaker half-open: the next read or write is its probe' });
      break;
  }

  checks.push(
    stats.queueUtilisation >= queueDegradedAt
      ? { name: 'queue', level: 'degraded', detail: `queue ${(stats.queueUtilisation * 100).toFixed(0)}% full (depth ${stats.queueDepth})` }
      : { name: 'queue', level: 'ok', detail: `queue ${(stats.queueUtilisation * 100).toFixed(0)}% full` },
  );

  checks.push(
    stats.backgroundErrors > 0
      ? { name: 'background', level: 'degraded', detail: `${stats.backgroundErrors} background task failures (preallocation, retention)` }
      : { name: 'background', level: 'ok', detail: 'no background failures' },
  );

  // stats.lastFlush says 'none' or 'ok' otherwise; a check appears only for a failure.
  if (stats.lastFlush === 'failed') checks.push({ name: 'flush', level: 'failed', detail: 'the last file sync failed' });

  // Only the interval level has a background flusher; it stops with the log, so it is checked only while the log is open.
  if (stats.flusher !== 'none' && stats.state === 'open') {
    checks.push(
      stats.flusher === 'running'
        ? { name: 'flusher', level: 'ok', detail: 'interval flusher running' }
        : { name: 'flusher', level: 'failed', detail: 'interval flusher stopped while the log is open: appends are no longer synced' },
    );
  }

  if (options.diskError !== undefined) {
    checks.push({ name: 'disk', level: 'degraded', detail: `free space unknown: ${options.diskError}` });
  } else if (options.freeBytes !== undefined) {
    const floor = options.freeBytesDegradedBelow ?? 128 * 1024 * 1024;
    checks.push(
      options.freeBytes < floor
        ? { name: 'disk', level: 'degraded', detail: `${options.freeBytes} bytes free, below ${floor}` }
        : { name: 'disk', level: 'ok', detail: `${options.freeBytes} bytes free` },
    );
  }

  const level = checks.reduce<HealthLevel>((worst, c) => (RANK[c.level] > RANK[worst] ? c.level : worst), 'ok');
  const ready = stats.state === 'open' && stats.breaker !== 'open' && stats.queueUtilisation < 1 && level !== 'failed';
  return { level, ready, checks, stats };
}
