/**
 * The parent's side of one hot-backup writer child (backup-child.ts): starts
 * it, applies its messages as they arrive (announced and acknowledged LSNs to
 * the ledger, truncations to the log's state, each backup's start, steps,
 * work while copying and manifest to its trace), asks it for backups, waits
 * for what it reports, and kills it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackupManifest } from '../../src/engine/index.js';
import { bundleForNode } from '../helpers/bundle.js';
import { closed } from './child-ipc.js';
import type { Ledger } from './backup-judge.js';
import type { KillPlan, ParentMessage, WriterConfig, WriterMessage } from './backup-protocol.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'backup-child.ts');
/** A wait for the child (to be ready, to finish a backup) fails after this long: a hung child, not a slow one. */
const WAIT_LIMIT_MS = 60_000;

let bundled: Promise<string> | undefined;
/** The child as one plain ESM file (esbuild), so each start skips TypeScript compilation. */
function childProgram(): Promise<string> {
  bundled ??= bundleForNode(CHILD, 'backup-child.mjs');
  return bundled;
}

/** What the parent saw of one backup. */
export interface BackupTrace {
  n: number;
  dest: string;
  kill: KillPlan | undefined;
  requestedAt: number;
  begin?: { ackedBefore: number; ackedSeen: number; truncatedBefore: number };
  steps: { step: number; op: string; path: string }[];
  during?: Extract<WriterMessage, { t: 'during' }>;
  done?: { manifest: BackupManifest; at: number };
}

/** What the parent follows of the log across rounds. */
export interface LogState {
  ledger: Ledger;
  /** The highest upTo of truncatePrefix calls begun, and of those that resolved. */
  truncateCalled: number;
  truncateResolved: number;
  logId?: string;
}

/** One writer child: its messages applied to the ledger and the backup traces as they arrive. */
export class WriterSession {
  readonly backups = new Map<number, BackupTrace>();
  nextLsn: number | undefined;
  failure: Error | undefined;
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private hasEnded = false;
  private readonly waiters = new Set<() => void>();

  /** Starts a writer child with `config`; `seed` draws its choices of transaction or plain append. */
  static async start(config: WriterConfig, seed: string, log: LogState): Promise<WriterSession> {
    const child = fork(await childProgram(), [JSON.stringify(config), seed], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new WriterSession(child, log);
  }

  private constructor(
    private readonly child: ChildProcess,
    private readonly log: LogState,
  ) {
    this.ended = closed(child).finally(() => {
      this.hasEnded = true;
      this.wake();
    });
    child.on('message', (m: WriterMessage) => {
      try {
        this.apply(m);
      } catch (err) {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
        this.kill();
      }
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters) w();
  }

  private trace(n: number): BackupTrace {
    const t = this.backups.get(n);
    if (t === undefined) throw new Error(`the child reported on backup ${n}, which was not asked for`);
    return t;
  }

  private apply(m: WriterMessage): void {
    const { ledger } = this.log;
    switch (m.t) {
      case 'ready':
        this.nextLsn = m.nextLsn;
        return;
      case 'call':
        return ledger.call(m.first, m.last);
      case 'ack':
        return ledger.ack(m.lsn);
      case 'truncate':
        this.log.truncateCalled = Math.max(this.log.truncateCalled, m.upTo);
        return;
      case 'truncated':
        this.log.truncateResolved = Math.max(this.log.truncateResolved, m.upTo);
        return;
      case 'backup-begin':
        this.trace(m.n).begin = { ackedBefore: m.ackedBefore, ackedSeen: ledger.maxAcked, truncatedBefore: this.log.truncateResolved };
        return;
      case 'step':
        this.trace(m.n).steps.push({ step: m.step, op: m.op, path: m.path });
        return;
      case 'during':
        this.trace(m.n).during = m;
        return;
      case 'backup-done':
        this.trace(m.n).done = { manifest: m.manifest, at: performance.now() };
        return;
      case 'fail':
        throw new Error(`the writer child failed: ${m.message}`);
    }
  }

  /** Resolves once `condition` holds; rejects when the child failed, or ended (unless `orEnd`), or after WAIT_LIMIT_MS. */
  async until(what: string, condition: () => boolean, orEnd = false): Promise<void> {
    const started = performance.now();
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (condition() || (orEnd && this.hasEnded)) return;
      if (this.hasEnded) throw new Error(`the writer child ended while the parent waited for ${what}`);
      if (performance.now() - started > WAIT_LIMIT_MS) {
        this.kill();
        throw new Error(`the writer child never got to ${what}`);
      }
      await new Promise<void>((resolve) => {
        const w = (): void => {
          this.waiters.delete(w);
          resolve();
        };
        this.waiters.add(w);
        setTimeout(w, 100);
      });
    }
  }

  requestBackup(n: number, dest: string, kill?: KillPlan): BackupTrace {
    const trace: BackupTrace = { n, dest, kill, requestedAt: performance.now(), steps: [] };
    this.backups.set(n, trace);
    const message: ParentMessage = kill === undefined ? { t: 'backup', n, dest } : { t: 'backup', n, dest, kill };
    this.child.send(message);
    return trace;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
