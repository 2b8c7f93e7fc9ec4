/** Item 2, the peers: each loaded peer at the same record sizes and outstanding counts as faultline. */
import { mkdtemp, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { runClosedLoop } from '../lib/closed-loop.js';
import type { PeerCell } from '../lib/results.js';
import type { LoadedPeer } from './peers.js';

export interface PeerPlan {
  recordSizes: number[];
  outstanding: number[];
  durationMs: number;
  maxOps: number;
}

export async function runPeerSuite(peers: LoadedPeer[], plan: PeerPlan, tmpRoot: string, log: (line: string) => void): Promise<PeerCell[]> {
  const cells: PeerCell[] = [];
  for (const peer of peers) {
    for (const recordBytes of plan.recordSizes) {
      for (const outstanding of plan.outstanding) {
        if ('skipped' in peer) {
          cells.push({ peer: peer.name, recordBytes, outstanding, skipped: peer.skipped });
          continue;
        }
        const value = new Uint8Array(recordBytes);
        for (let i = 0; i < recordBytes; i++) value[i] = (i * 131 + 17) & 0xff;
        const dir = await mkdtemp(path.join(tmpRoot, 'peer-'));
        try {
          const store = await peer.def.open(dir);
          let run;
          try {
            run = await runClosedLoop((i) => store.put(i, value), {
              outstanding,
              durationMs: plan.durationMs,
              minOps: Math.max(outstanding * 4, 50),
              maxOps: plan.maxOps,
            });
          } finally {
            await store.close();
          }
          cells.push({
            peer: peer.name,
            version: peer.def.version,
            config: peer.def.config,
            recordBytes,
            outstanding,
            ops: run.ops,
            opsPerSec: run.opsPerSec,
            latency: run.latency,
          });
          log(
            `  ${peer.name.padEnd(28)} ${String(recordBytes).padStart(6)} B x${String(outstanding).padEnd(3)} ` +
              `${Math.round(run.opsPerSec).toString().padStart(8)} commits/s  p50 ${run.latency.p50Us.toFixed(0)} µs`,
          );
        } catch (err) {
          const reason = `failed: ${(err as Error).message.split('\n')[0]}`;
          cells.push({ peer: peer.name, recordBytes, outstanding, skipped: reason });
          log(`  ${peer.name}: ${reason}`);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
  }
  return cells;
}
