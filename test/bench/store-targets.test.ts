import { describe, expect, it } from 'vitest';
import type { StoreCell, StoreRun } from '../../bench/lib/results.js';
import { storeTables } from '../../bench/lib/store-markdown.js';
import { storeTargetNotes, storeTargets } from '../../bench/lib/store-targets.js';

function cell(system: string, concurrency: number, commitsPerSec: number, extra: Partial<StoreCell> = {}): StoreCell {
  const lat = { count: 100, minUs: 1, meanUs: 2, p50Us: 2, p99Us: 3, p999Us: 4, maxUs: 5 };
  return {
    system,
    writesPerTxn: 1,
    concurrency,
    commits: 100,
    commitsPerSec,
    writesPerSec: commitsPerSec,
    latency: lat,
    cpuUsPerCommit: 20,
    ...extra,
  } as StoreCell;
}

const MEM = 'faultline store (memory state)';
const LMDB = 'faultline store (LMDB state)';

function run(cells: StoreCell[]): StoreRun {
  return { valueBytes: 100, systems: [], cells, checkpoint: [] };
}

describe('store targets', () => {
  it('SKIPPED with the reason when the suite did not run or a state store is not available', () => {
    expect(storeTargets({}).map((t) => t.status)).toEqual(['SKIPPED', 'SKIPPED']);
    const t = storeTargets({
      store: {
        status: 'ok',
        data: run([cell(MEM, 1, 500), { system: LMDB, writesPerTxn: 1, concurrency: 1, skipped: 'LMDB state: not available (x)' }]),
      },
    });
    expect(t[0]?.status).toBe('MISS');
    expect(t[1]?.status).toBe('SKIPPED');
    expect(t[1]?.verdict).toContain('LMDB state: not available');
  });

  it('takes the best concurrency of 1-write transactions against 10,000 and explains a miss from the same cell', () => {
    const cells = [
      cell(MEM, 1, 300),
      cell(MEM, 256, 12_000),
      { ...cell(MEM, 256, 50_000), writesPerTxn: 10 } as StoreCell,
      cell(LMDB, 64, 2_000, { commitsPerFsync: 1.5, fsyncsPerSec: 1333, cpuUsPerCommit: 450 }),
    ];
    const r = { store: { status: 'ok' as const, data: run(cells) } };
    const t = storeTargets(r);
    expect(t[0]?.status).toBe('PASS');
    expect(t[0]?.ratio).toBe(1.2);
    expect(t[1]?.status).toBe('MISS');
    const notes = storeTargetNotes(r, t);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('80% short');
    expect(notes[0]).toContain('1.5 commits each');
    expect(notes[0]).toContain('90% of one core');
    expect(notes[0]).toContain('CPU-bound');
  });

  it('a miss that is not CPU-bound says whether the most concurrent cell batched its commits', () => {
    const cells = [
      cell(LMDB, 1, 400, { commitsPerFsync: 1, fsyncsPerSec: 400, cpuUsPerCommit: 900 }),
      cell(LMDB, 256, 300, { commitsPerFsync: 2.5, fsyncsPerSec: 120, cpuUsPerCommit: 900 }),
    ];
    const r = { store: { status: 'ok' as const, data: run(cells) } };
    const notes = storeTargetNotes(r, storeTargets(r));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('at best (x1)');
    expect(notes[0]).toContain('the CPU is not the limit');
    expect(notes[0]).toContain('At x256 only 2.5 commits shared each fdatasync');
  });

  it('the table gives ratios to the peers of the same cell and a target row per state store', () => {
    const cells = [cell(MEM, 8, 2000), cell('lmdb-js', 8, 1000), cell('better-sqlite3', 8, 250)];
    const md = storeTables({ store: { status: 'ok', data: run(cells) } });
    expect(md).toContain('| faultline store (memory state) | 1 | 8 | 2,000 |');
    expect(md).toContain('| 2.00x | 8.00x |');
    expect(md).toContain('commits ran one after another');
    expect(md).toContain('target (roadmap): 10,000+ txn/s, faultline store (memory state)');
    expect(md).toContain('MISS 0.20x');
  });
});
