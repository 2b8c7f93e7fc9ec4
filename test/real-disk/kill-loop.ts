/**
 * The parent side of the process-crash test: start a child (crash-child.ts)
 * that appends and reports each call and acknowledgement over IPC, SIGKILL
 * it at a seeded random moment, reopen the log here and judge the recovery
 * with the judge of simulated runs (src/contract/judge.ts); repeat.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import type { WalPlugin } from '../../src/ports.js';
import { Judge } from '../../src/contract/judge.js';
import { History } from '../../src/contract/history.js';
import { Rng } from '../../src/rng.js';
import { fullPayload } from '../../src/contract/payload.js';
import type { AppendCall, Violation } from '../../src/contract/types.js';
import type { ChildMessage } from './crash-child.js';
import { bundleForNode } from '../helpers/bundle.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'crash-child.ts');

interface ChildProgram {
  file: string;
  execArgv: string[];
}

let bundled: Promise<ChildProgram> | undefined;

/**
 * The child as one plain ESM file (esbuild, which tsx brings along), so each of
 * the many child starts skips TypeScript compilation: about 4x faster on this
 * machine. It lives under node_modules/.cache so its package imports resolve.
 * A plugin module in TypeScript still needs tsx in the child.
 */
function childProgram(pluginModule: string | undefined): Promise<ChildProgram> {
  if (pluginModule !== undefined && /\.[cm]?ts$/.test(pluginModule)) return Promise.resolve({ file: CHILD, execArgv: ['--import', 'tsx'] });
  bundled ??= bundleForNode(CHILD, 'crash-child.mjs').then((file) => ({ file, execArgv: [] }));
  return bundled;
}

export interface KillLoopOptions {
  kills: number;
  seed: number;
  clients: number;
  /** A plugin module for the child; default the built-in engine with group commit. */
  pluginModule?: string;
  openPlugin: () => Promise<WalPlugin>;
}

export interface KillLoopResult {
  violation?: Violation;
  kills: number;
  acknowledged: number;
  recovered: number;
  killedBeforeReady: number;
}

async function runChild(
  root: string,
  epoch: number,
  options: KillLoopOptions,
  history: History,
  rng: Rng,
): Promise<{ beforeReady: boolean }> {
  const args = [root, String(epoch), String(options.clients), String(options.seed)];
  if (options.pluginModule !== undefined) args.push(options.pluginModule);
  const program = await childProgram(options.pluginModule);
  const child: ChildProcess = fork(program.file, args, { execArgv: program.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const calls = new Map<number, AppendCall>();
  // Kill while the appenders run (most kills), or at a random moment of start-up and recovery.
  const early = rng.chance(0.15);
  const delayMs = early ? rng.nextInt(600) : 1 + rng.nextInt(80);
  let ready = false;
  let timer: NodeJS.Timeout | undefined;
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return new Promise((resolve, reject) => {
    const watchdog = setTimeout(() => {
      kill();
      reject(new Error(`child ${epoch} never became ready`));
    }, 30_000);
    if (early) timer = setTimeout(kill, delayMs);
    child.on('message', (m: ChildMessage) => {
      switch (m.t) {
        case 'ready':
          ready = true;
          if (!early) timer = setTimeout(kill, delayMs);
          break;
        case 'call':
          calls.set(
            m.id,
            history.append(epoch, m.client, fullPayload(m.id, m.epoch, m.client, m.size), `e${epoch}.c${m.client}.#${m.id % 100_000}`),
          );
          break;
        case 'ack': {
          const call = calls.get(m.id);
          if (call === undefined) reject(new Error(`ack for unknown append ${m.id}`));
          else history.resolve(call, m.lsn);
          break;
        }
        case 'fail':
          reject(new Error(`child ${epoch} failed: ${m.message}`));
          break;
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      if (timer !== undefined) clearTimeout(timer);
      history.freeze(epoch);
      if (signal !== 'SIGKILL') reject(new Error(`child ${epoch} exited with ${code ?? signal}, not by SIGKILL`));
      else resolve({ beforeReady: !ready });
    });
  });
}

/** Kills, reopens and checks; stops at the first violation. */
export async function killLoop(root: string, options: KillLoopOptions): Promise<KillLoopResult> {
  const rng = new Rng(`${options.seed}/kills`);
  const history = new History(() => performance.now());
  const plugin = await options.openPlugin();
  const judge = new Judge(history, plugin.durableAppend);
  let killedBeforeReady = 0;
  let recovered = 0;
  for (let epoch = 0; epoch < options.kills; epoch++) {
    const { beforeReady } = await runChild(root, epoch, options, history, rng);
    if (beforeReady) killedBeforeReady++;
    const order = judge.afterWorkload(epoch);
    if (order !== undefined) return { violation: order, kills: epoch + 1, acknowledged: 0, recovered, killedBeforeReady };
    const wal = await plugin.open({ fs: new NodeFileSystem(root), clock: new RealClock(), dir: 'wal' });
    const verdict = judge.afterOpen(epoch + 1, wal.recovered, { durabilityRequired: true });
    await wal.close();
    recovered = verdict.recovered.length;
    if (verdict.violation !== undefined) {
      return { violation: verdict.violation, kills: epoch + 1, acknowledged: countAcked(history), recovered, killedBeforeReady };
    }
  }
  return { kills: options.kills, acknowledged: countAcked(history), recovered, killedBeforeReady };
}

function countAcked(history: History): number {
  return history.appends().filter((a) => a.outcome === 'resolved').length;
}
