/** The store suite's tables (markdown): printed by the bench and written into bench/results/latest.md. */
import { fmtInt, fmtNum, mdTable } from './markdown.js';
import type { BenchResults, StoreCell } from './results.js';
import { bestStoreCell, STORE_TARGET_SYSTEMS, storeTargets } from './store-targets.js';
import type { TargetResult } from './targets.js';

export const PEER_COLUMNS = ['lmdb-js', 'better-sqlite3'] as const;

type Measured = Extract<StoreCell, { commitsPerSec: number }>;

function measured(cells: StoreCell[], system: string, writes: number, concurrency: number): Measured | undefined {
  const c = cells.find((x) => x.system === system && x.writesPerTxn === writes && x.concurrency === concurrency);
  return c !== undefined && !('skipped' in c) ? c : undefined;
}

export function storeTables(r: Pick<BenchResults, 'store'>, targets: readonly TargetResult[] = storeTargets(r)): string {
  const s = r.store;
  if (s === undefined) return '';
  if (s.status !== 'ok') return `_Skipped: ${s.reason}_`;
  const d = s.data;
  const rows: Array<Array<string | number>> = [];
  for (const c of d.cells) {
    if ('skipped' in c) {
      rows.push([c.system, c.writesPerTxn, c.concurrency, `skipped: ${c.skipped}`, '', '', '', '', ...PEER_COLUMNS.map(() => ''), '']);
      continue;
    }
    const ratios = PEER_COLUMNS.map((peer) => {
      if (c.system === peer) return '';
      const p = measured(d.cells, peer, c.writesPerTxn, c.concurrency);
      return p ? `${fmtNum(c.commitsPerSec / p.commitsPerSec, 2)}x` : 'n/a';
    });
    rows.push([
      c.system,
      c.writesPerTxn,
      c.concurrency,
      fmtInt(c.commitsPerSec) +
        (c.roundsCommitsPerSec !== undefined && c.roundsCommitsPerSec.length > 1
          ? ` (rounds ${fmtInt(Math.min(...c.roundsCommitsPerSec))}-${fmtInt(Math.max(...c.roundsCommitsPerSec))})`
          : ''),
      fmtNum(c.latency.p50Us, 0),
      fmtNum(c.latency.p99Us, 0),
      fmtNum(c.cpuUsPerCommit, 0),
      c.commitsPerFsync !== undefined ? fmtNum(c.commitsPerFsync, 1) : '',
      ...ratios,
      c.system === 'better-sqlite3' && c.concurrency > 1 ? 'synchronous API: these commits ran one after another' : '',
    ]);
  }
  for (const system of STORE_TARGET_SYSTEMS) {
    const t = targets.find((x) => x.id === `store-txn-per-sec-${system.includes('LMDB') ? 'lmdb' : 'memory'}`);
    if (t === undefined) continue;
    const best = bestStoreCell(r, system);
    rows.push([
      `target (roadmap): 10,000+ txn/s, ${system}`,
      1,
      best ? `best: ${best.concurrency}` : '',
      '10,000',
      '',
      '',
      '',
      '',
      ...PEER_COLUMNS.map(() => ''),
      t.verdict,
    ]);
  }
  const table = mdTable(
    [
      'system',
      'writes/txn',
      'concurrent txns',
      'commits/s',
      'p50 µs',
      'p99 µs',
      'CPU µs/commit',
      'commits/fdatasync',
      ...PEER_COLUMNS.map((p) => `vs ${p}`),
      'note',
    ],
    rows,
  );
  const configs = d.systems.map((x) =>
    'skipped' in x ? `- ${x.system}: **not available**: ${x.skipped}` : `- ${x.system} ${x.version}: ${x.config}`,
  );
  const ck = d.checkpoint.map((c) =>
    'skipped' in c
      ? [c.state, c.concurrency, `skipped: ${c.skipped}`, '', '', '', '', '', '', '', '']
      : [
          c.state,
          c.concurrency,
          fmtNum(c.stateBytes / 1e6, 1),
          fmtNum(c.without.latency.p99Us, 0),
          fmtNum(c.with.latency.p99Us, 0),
          `${fmtNum(c.p99Ratio, 2)}x`,
          `${fmtNum(c.without.latency.p50Us, 0)} / ${fmtNum(c.with.latency.p50Us, 0)}`,
          `${fmtInt(c.without.commitsPerSec)} / ${fmtInt(c.with.commitsPerSec)}`,
          `${fmtNum(c.without.eventLoopDelayP99Ms, 1)} / ${fmtNum(c.with.eventLoopDelayP99Ms, 1)} (max ${fmtNum(c.with.eventLoopDelayMaxMs, 1)})`,
          c.checkpoints,
          fmtNum(c.checkpointMsMean, 0),
        ],
  );
  return [
    `Durable commits of transactions of distinct keys and ${d.valueBytes} B values, closed loop (each of the concurrent callers awaits its commit, then starts the next), real temp directory; the systems take turns cell by cell (with several rounds, each row is the system's median round, the range of all rounds beside it). Ratios are commits/s over the peer's in the same cell of this run.`,
    table,
    configs.join('\n'),
    'Commit latency with and without a checkpoint running (1-write transactions; `store.checkpoint()` looped back to back during the "with" halves; halves interleaved, latencies pooled over the rounds):',
    mdTable(
      [
        'state',
        'concurrent txns',
        'state MB at start',
        'p99 µs without',
        'p99 µs with checkpoint',
        'p99 with / without',
        'p50 µs without / with',
        'commits/s without / with',
        'event-loop delay p99 ms without / with',
        'checkpoints',
        'ms per checkpoint',
      ],
      ck,
    ),
  ].join('\n\n');
}
