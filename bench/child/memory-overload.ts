/**
 * Child process of the memory benchmark (item 6): drives one log with far more
 * appends than the disk can take, without waiting for them, and prints one
 * JSON line with its peak RSS (VmHWM; getrusage maxRSS off Linux). Run once with
 * the default bounded queue (policy reject) and once with bounds too large to matter.
 *
 * argv: <mode bounded|unbounded> <records> <recordBytes> <tmpRoot>
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { loadEngine } from '../lib/modules.js';
import { overloadOptions } from '../suites/memory.js';

const BURST = 5000;

/**
 * Peak resident set of this process image in KiB. Linux's VmHWM is reset by
 * exec; getrusage's maxRSS is not (a child started by a large parent reports
 * the parent's peak), so VmHWM is preferred and maxRSS is the fallback.
 */
function peakRssKiB(): { kib: number; source: string } {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m?.[1] !== undefined) return { kib: Number(m[1]), source: 'VmHWM (/proc/self/status)' };
  } catch {
    // not Linux: fall through to getrusage
  }
  return { kib: process.resourceUsage().maxRSS, source: 'process.resourceUsage().maxRSS' };
}

async function main(): Promise<void> {
  const [mode, recordsArg, bytesArg, tmpRoot] = process.argv.slice(2);
  if ((mode !== 'bounded' && mode !== 'unbounded') || !recordsArg || !bytesArg || !tmpRoot) {
    throw new Error('usage: memory-overload <bounded|unbounded> <records> <recordBytes> <tmpRoot>');
  }
  const records = Number(recordsArg);
  const recordBytes = Number(bytesArg);
  const engine = await loadEngine();
  if (!engine.ok) throw new Error(engine.reason);
  const baseline = peakRssKiB();
  const dir = await mkdtemp(path.join(tmpRoot, 'mem-'));
  const options = overloadOptions(mode);
  let resolved = 0;
  let rejected = 0;
  const other: string[] = [];
  try {
    const wal = await engine.value.Wal.open({ fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'wal' }, options);
    const pending: Promise<void>[] = [];
    for (let i = 0; i < records; i++) {
      const record = new Uint8Array(recordBytes).fill(i & 0xff);
      pending.push(
        wal.append(record).then(
          () => {
            resolved++;
          },
          (err: { code?: string }) => {
            if (err.code === 'EBACKPRESSURE') rejected++;
            else if (other.length < 3) other.push(String(err.code ?? err));
          },
        ),
      );
      // Let the log make some progress between bursts; still far faster than the disk.
      if (i % BURST === BURST - 1) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(pending);
    await wal.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (other.length > 0) throw new Error(`unexpected append errors: ${other.join(', ')}`);
  process.stdout.write(
    JSON.stringify({
      mode,
      options,
      appendsIssued: records,
      appendsResolved: resolved,
      appendsRejected: rejected,
      peakRssKiB: peakRssKiB().kib,
      baselineRssKiB: baseline.kib,
      rssSource: baseline.source,
    }) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
