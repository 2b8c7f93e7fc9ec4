/**
 * The JSON the health routes answer with: the health report, its headline
 * fields, and the free disk space of the log's directory from fs.statfs when
 * the caller named a real directory (otherwise omitted, with the reason).
 */
import { statfs } from 'node:fs/promises';
import { walHealth, type HealthOptions, type HealthReport } from './health.js';
import type { WalStatsSource } from './metrics.js';

export type DiskInfo = { path: string; freeBytes: number } | { path: string; error: string } | { omitted: string };

export interface HealthBody extends HealthReport {
  state: HealthReport['stats']['state'];
  queueUtilisation: number;
  lastFlush: HealthReport['stats']['lastFlush'];
  flusher: HealthReport['stats']['flusher'];
  disk: DiskInfo;
}

async function measureDisk(path: string | undefined): Promise<DiskInfo> {
  if (path === undefined)
    return { omitted: 'no directory on a real disk was given (serveOps option diskPath), so free space is not measured' };
  try {
    const s = await statfs(path);
    return { path, freeBytes: s.bavail * s.bsize };
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'error';
    return { path, error: `statfs ${path}: ${code}` };
  }
}

export async function healthBody(source: WalStatsSource, diskPath: string | undefined, options: HealthOptions = {}): Promise<HealthBody> {
  const disk = await measureDisk(diskPath);
  const report = walHealth(source, {
    ...options,
    ...('freeBytes' in disk ? { freeBytes: disk.freeBytes } : {}),
    ...('error' in disk ? { diskError: disk.error } : {}),
  });
  const { stats } = report;
  return {
    level: report.level,
    ready: report.ready,
    state: stats.state,
    queueUtilisation: stats.queueUtilisation,
    lastFlush: stats.lastFlush,
    flusher: stats.flusher,
    disk,
    checks: report.checks,
    stats,
  };
}
