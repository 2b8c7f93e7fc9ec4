/**
 * CRC implementations compared on tinybench: Node's built-in zlib.crc32, the
 * crc-32 package, and whatever checksum the engine exports (passed in), over
 * record-sized and block-sized buffers.
 */
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { Bench } from 'tinybench';
import type { CrcRow } from '../lib/results.js';

const require = createRequire(import.meta.url);

export type CrcFn = (data: Uint8Array) => number;

export function builtinCrcs(): Array<{ name: string; fn: CrcFn }> {
  const crc32pkg = require('crc-32') as { buf(data: Uint8Array, seed?: number): number };
  const out: Array<{ name: string; fn: CrcFn }> = [{ name: 'crc-32 (package, js)', fn: (d) => crc32pkg.buf(d) >>> 0 }];
  const z = zlib as unknown as { crc32?: (d: Uint8Array) => number };
  if (typeof z.crc32 === 'function') {
    const crc32 = z.crc32;
    out.unshift({ name: 'zlib.crc32 (node built-in)', fn: (d) => crc32(d) });
  }
  return out;
}

export async function runCrcBench(impls: Array<{ name: string; fn: CrcFn }>, sizes: readonly number[], timeMs: number): Promise<CrcRow[]> {
  const rows: CrcRow[] = [];
  for (const bytes of sizes) {
    const data = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) data[i] = (i * 31 + 7) & 0xff;
    // Every implementation must agree before its speed means anything.
    const expected = impls[0]?.fn(data);
    for (const impl of impls) {
      const got = impl.fn(data);
      if (got !== expected) throw new Error(`${impl.name} disagrees on ${bytes} B: ${got} != ${expected}`);
    }
    const bench = new Bench({ name: `crc ${bytes} B`, time: timeMs, warmupTime: Math.min(100, timeMs) });
    let sink = 0;
    for (const impl of impls)
      bench.add(impl.name, () => {
        sink ^= impl.fn(data);
      });
    await bench.run();
    if (sink === 0.5) throw new Error('unreachable: keeps the checksum results alive');
    for (const task of bench.tasks) {
      const r = task.result;
      if (r.state !== 'completed') throw new Error(`crc task ${task.name} ended ${r.state}`);
      const opsPerSec = r.throughput.mean;
      rows.push({ implementation: task.name, bytes, opsPerSec, mbPerSec: (opsPerSec * bytes) / 1e6 });
    }
  }
  return rows;
}
