/**
 * Item 4: recovery speed. Fills a log with records of one size on the real
 * temp directory, closes it, then times Wal.open (which replays it) and a raw
 * sequential read of the same bytes of the same segment files, in the same
 * run. Both read files that were just written, so both mostly read the page
 * cache: the comparison is CPU work per byte, which is what replay adds.
 */
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import type { EngineModule } from '../lib/modules.js';
import type { RecoveryRow } from '../lib/results.js';

const FILL_OUTSTANDING = 256;

/** Reads up to `limit` bytes of every file of `dir` in name order; returns bytes read. */
export function rawSequentialRead(dir: string, limit: number): number {
  const buf = Buffer.allocUnsafe(1 << 20);
  let total = 0;
  const names = fs.readdirSync(dir).sort();
  for (const name of names) {
    const file = path.join(dir, name);
    if (!fs.statSync(file).isFile()) continue;
    const fd = fs.openSync(file, 'r');
    try {
      let pos = 0;
      while (total < limit) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, limit - total), pos);
        if (n === 0) break;
        pos += n;
        total += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    if (total >= limit) break;
  }
  return total;
}

export async function runRecoverySuite(
  engine: EngineModule,
  sizes: Array<{ recordBytes: number; records: number }>,
  tmpRoot: string,
  log: (line: string) => void,
): Promise<RecoveryRow[]> {
  const rows: RecoveryRow[] = [];
  for (const { recordBytes, records } of sizes) {
    const dir = await mkdtemp(path.join(tmpRoot, 'replay-'));
    try {
      const env = () => ({ fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'wal' });
      const payload = new Uint8Array(recordBytes);
      for (let i = 0; i < recordBytes; i++) payload[i] = (i * 29 + 3) & 0xff;
      const writer = await engine.Wal.open(env(), { durability: { kind: 'none' } });
      let logBytes: number;
      try {
        let next = 0;
        const fill = async (): Promise<void> => {
          while (next < records) {
            next++;
            await writer.append(payload);
          }
        };
        await Promise.all(Array.from({ length: FILL_OUTSTANDING }, fill));
        await writer.sync();
        logBytes = writer.stats().bytesWritten;
      } finally {
        await writer.close();
      }
      const t0 = process.hrtime.bigint();
      const reader = await engine.Wal.open(env(), { durability: { kind: 'none' } });
      const replayNs = Number(process.hrtime.bigint() - t0);
      const recovered = reader.recovered.length;
      await reader.close();
      if (recovered !== records) throw new Error(`replay recovered ${recovered} of ${records} records`);
      const r0 = process.hrtime.bigint();
      const read = rawSequentialRead(path.join(dir, 'wal'), logBytes);
      const rawNs = Number(process.hrtime.bigint() - r0);
      if (read < logBytes) throw new Error(`raw read found ${read} of ${logBytes} log bytes`);
      const row: RecoveryRow = {
        recordBytes,
        records,
        logBytes,
        replayMs: replayNs / 1e6,
        replayMBps: logBytes / 1e6 / (replayNs / 1e9),
        replayRecordsPerSec: records / (replayNs / 1e9),
        rawReadMs: rawNs / 1e6,
        rawReadMBps: read / 1e6 / (rawNs / 1e9),
      };
      rows.push(row);
      log(
        `  replay ${recordBytes} B x ${records}: ${row.replayMBps.toFixed(0)} MB/s, ${Math.round(row.replayRecordsPerSec)} records/s; ` +
          `raw read ${row.rawReadMBps.toFixed(0)} MB/s`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
