/**
 * The parent side of the hot-backup test on a real disk. Each round starts a
 * writer child (backup-child.ts) on the same log, at a durability level drawn
 * from the seed, and while its appenders run asks it for two hot backups:
 *
 * 1. one left to finish: while it copies, the log rotates and truncatePrefix
 *    unlinks every segment it copies. It must verify, and its restore, opened
 *    with the engine, must hold a gap-free run of LSNs from its first
 *    segment's first LSN through its manifest's durableThrough, covering
 *    every LSN acknowledged before backup() was called, each record with the
 *    bytes appended at its LSN, each transaction whole, nothing never
 *    appended; and the restored log takes the next LSN;
 * 2. one the child is SIGKILLed during, by turns: before a seeded step of
 *    the destination's operations, just before the rename that installs the
 *    manifest, just after it, or after a seeded delay. If the manifest was
 *    installed, the backup is judged as in 1; if not, verifyBackup and
 *    restoreBackup must refuse it (ECORRUPT, naming the missing manifest)
 *    and the restore must create nothing.
 *
 * After each kill the parent reopens the live log and judges it the same way
 * (every acknowledged LSN kept, gap-free, exact bytes), then starts the next
 * child, whose LSNs must go on from there. Problems are collected as data;
 * the loop stops at the round that found one.
 */
import { isDeepStrictEqual } from 'node:util';
import { parseSegmentName, restoreBackup, verifyBackup, Wal, type BackupManifest, type Durability } from '../../src/engine/index.js';
import { MANIFEST_NAME } from '../../src/engine/backup-manifest.js';
import { errorCode, isWalError } from '../../src/errors.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { Rng } from '../../src/rng.js';
import { Ledger, judgePrefix, type PrefixExpectation } from './backup-judge.js';
import { WAL_DIR, walOptionsFor, type KillPlan, type WriterConfig } from './backup-protocol.js';
import { WriterSession, type BackupTrace, type LogState } from './backup-session.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How the backup of each round is killed, by turns. */
export const KILL_MODES = ['step', 'beforeRename', 'afterRename', 'time'] as const;

export interface BackupLoopOptions {
  rounds: number;
  seed: number;
  transactions: boolean;
  /** Each round's child runs at one of these, drawn from the seed. */
  durabilities: readonly Durability[];
  clients: number;
}

export interface BackupLoopResult {
  problems: string[];
  rounds: number;
  /** Backups restored and judged: every round's first, and killed ones whose manifest was in place. */
  restored: number;
  /** Killed backups without a manifest, refused by verifyBackup and restoreBackup. */
  refused: number;
  /** Of those, the ones that already held copied segment files. */
  refusedWithFiles: number;
  /** Kills that landed before the backup reported its end. */
  killedDuringBackup: number;
  acknowledged: number;
  /** Over the finished backups: segments the backup copied that truncatePrefix had unlinked from the live log by then. */
  copiedUnlinked: number;
  /** Over the finished backups: rotations of the live log while they copied. */
  rotationsWhileCopying: number;
  /** Records (and commits) in the restored backups, summed. */
  restoredLsns: number;
  /** Committed transactions in the restored backups, summed. */
  restoredTransactions: number;
  /** A refused backup's directory and a finished one's (under the root), for a check through the CLI. */
  refusedDir?: string;
  finishedDir?: string;
}

/** Was the manifest installed when the child died? undefined: the rename may or may not have run. */
function manifestInstalled(trace: BackupTrace): boolean | undefined {
  if (trace.done !== undefined) return true;
  const rename = trace.steps.findIndex((s) => s.op === 'rename' && s.path.endsWith(MANIFEST_NAME));
  if (rename < 0) return false;
  // A child that kills itself does so before a step it has not reported: every reported step ran.
  if (trace.kill?.at !== 'time') return true;
  return rename < trace.steps.length - 1 ? true : undefined;
}

function killPlan(mode: (typeof KILL_MODES)[number], reference: BackupTrace, rng: Rng): KillPlan {
  if (mode === 'step') return { at: 'step', step: rng.nextInt(Math.max(1, reference.steps.length)) };
  if (mode === 'time') {
    const took = (reference.done?.at ?? reference.requestedAt) - reference.requestedAt;
    return { at: 'time', delayMs: rng.nextInt(Math.max(1, Math.ceil(took * 1.2))) };
  }
  return { at: mode };
}

export async function backupLoop(root: string, options: BackupLoopOptions): Promise<BackupLoopResult> {
  const rng = new Rng(`${options.seed}/backup-loop`);
  const fs = new NodeFileSystem(root);
  const clock = new RealClock();
  await fs.mkdir('backups');
  await fs.mkdir('restores');
  const log: LogState = { ledger: new Ledger(), truncateCalled: 0, truncateResolved: 0 };
  const result: BackupLoopResult = {
    problems: [],
    rounds: 0,
    restored: 0,
    refused: 0,
    refusedWithFiles: 0,
    killedDuringBackup: 0,
    acknowledged: 0,
    copiedUnlinked: 0,
    rotationsWhileCopying: 0,
    restoredLsns: 0,
    restoredTransactions: 0,
  };
  const problems = result.problems;

  /** Verifies, restores, opens and judges a backup that must be whole. */
  const judgeFinished = async (label: string, trace: BackupTrace, config: WriterConfig): Promise<void> => {
    const begin = trace.begin;
    if (begin === undefined) return void problems.push(`${label}: finished without reporting its start`);
    let manifest: BackupManifest;
    try {
      manifest = await verifyBackup(fs, trace.dest);
    } catch (err) {
      return void problems.push(`${label}: verifyBackup refused a finished backup: ${String(err)}`);
    }
    if (trace.done !== undefined && !isDeepStrictEqual(manifest, trace.done.manifest)) {
      problems.push(`${label}: the manifest on disk is not the one backup() returned`);
    }
    log.logId ??= manifest.logId;
    if (manifest.logId !== log.logId) problems.push(`${label}: the manifest names log ${manifest.logId}, the log is ${log.logId}`);
    const out = `restores/${label}`;
    await restoreBackup(fs, trace.dest, fs, out);
    const wal = await Wal.open({ fs, clock, dir: out }, walOptionsFor(config));
    try {
      const expect: PrefixExpectation = {
        firstAtMost: begin.truncatedBefore,
        holdsThrough: begin.ackedBefore,
        last: manifest.durableThrough,
      };
      const first = manifest.segments[0]?.firstLsn;
      if (first !== undefined) expect.first = first;
      problems.push(...judgePrefix(label, wal.recovered, wal.recoveredTransactions, log.ledger, expect));
      if (wal.logId !== manifest.logId) problems.push(`${label}: the restored log is ${wal.logId}, its manifest says ${manifest.logId}`);
      result.restoredLsns += wal.recovered.length + wal.recoveredTransactions.length;
      result.restoredTransactions += wal.recoveredTransactions.length;
      // The restored log goes on where the backup ended.
      const next = await wal.append(new Uint8Array([1, 2, 3]));
      if (next !== manifest.durableThrough + 1)
        problems.push(`${label}: the restored log appended at LSN ${next}, not ${manifest.durableThrough + 1}`);
    } finally {
      await wal.close();
    }
    result.restored++;
    result.finishedDir ??= trace.dest;
  };

  /** A killed backup without its manifest: refused, and its restore creates nothing. */
  const judgeRefused = async (label: string, trace: BackupTrace): Promise<void> => {
    const refusal = (what: string, err: unknown): void => {
      if (!isWalError(err, 'ECORRUPT') || !err.message.includes(`no ${MANIFEST_NAME}`) || !err.message.includes('unfinished')) {
        problems.push(`${label}: ${what} refused an unfinished backup with ${String(err)}, not ECORRUPT naming the missing manifest`);
      }
    };
    await verifyBackup(fs, trace.dest).then(
      () => problems.push(`${label}: verifyBackup accepted a backup killed before its manifest was installed`),
      (err: unknown) => refusal('verifyBackup', err),
    );
    const out = `restores/${label}`;
    await restoreBackup(fs, trace.dest, fs, out).then(
      () => problems.push(`${label}: restoreBackup restored a backup killed before its manifest was installed`),
      (err: unknown) => refusal('restoreBackup', err),
    );
    const created = await fs.stat(out).then(
      () => true,
      (err: unknown) => {
        if (errorCode(err) !== 'ENOENT') throw err;
        return false;
      },
    );
    if (created) problems.push(`${label}: the refused restore created ${out}`);
    const names = await fs.readdir(trace.dest).catch(() => [] as string[]);
    if (names.some((name) => parseSegmentName(name) !== undefined)) result.refusedWithFiles++;
    result.refused++;
    result.refusedDir ??= trace.dest;
  };

  for (let round = 0; round < options.rounds && problems.length === 0; round++) {
    const config: WriterConfig = {
      root,
      durability: rng.pick(options.durabilities),
      transactions: options.transactions,
      clients: options.clients,
    };
    const tag = `r${round}`;
    const expectedNext = log.ledger.maxCalled + 1; // read before the child starts announcing appends
    const session = await WriterSession.start(config, `${options.seed}/${round}`, log);
    const mode = KILL_MODES[round % KILL_MODES.length] ?? 'time';
    let timer: NodeJS.Timeout | undefined;
    let finished: BackupTrace;
    let killed: BackupTrace;
    try {
      await session.until('ready', () => session.nextLsn !== undefined);
      if (session.nextLsn !== expectedNext) {
        problems.push(`${tag}: the child's first LSN is ${session.nextLsn}, the log the parent reopened ended at ${expectedNext - 1}`);
      }
      await sleep(20 + rng.nextInt(60));
      finished = session.requestBackup(1, `backups/${tag}-finished`);
      await session.until('the end of a backup', () => finished.done !== undefined);
      // The copy read segments that were gone from the live directory by then.
      const live = new Set(await fs.readdir(WAL_DIR));
      const manifest = finished.done?.manifest;
      const unlinked = manifest?.segments.filter((s) => !live.has(s.name)).length ?? 0;
      const during = finished.during;
      if (during === undefined || during.rotations < 1 || during.removed < 1 || during.acks < 1 || unlinked < 1) {
        problems.push(
          `${tag}: while the backup copied, the log did not rotate, drop segments it held and acknowledge appends: ${JSON.stringify(during)}, ${unlinked} copied segments unlinked`,
        );
      }
      result.copiedUnlinked += unlinked;
      result.rotationsWhileCopying += during?.rotations ?? 0;
      await sleep(rng.nextInt(40));
      const plan = killPlan(mode, finished, rng);
      killed = session.requestBackup(2, `backups/${tag}-killed-${plan.at}`, plan);
      if (plan.at === 'time') timer = setTimeout(() => session.kill(), plan.delayMs);
      await session.until('the end of the backup to kill', () => killed.done !== undefined, true);
      session.kill();
      const end = await session.ended;
      if (end.signal !== 'SIGKILL') problems.push(`${tag}: the child exited with ${end.code ?? end.signal}, not by SIGKILL`);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      session.kill();
      await session.ended;
    }
    if (session.failure !== undefined) throw session.failure;
    result.rounds++;
    for (const trace of [finished, killed]) {
      const begin = trace.begin;
      if (begin !== undefined && begin.ackedBefore !== begin.ackedSeen) {
        problems.push(
          `${tag}: backup ${trace.n} began after LSN ${begin.ackedBefore} was acknowledged, the parent had seen ${begin.ackedSeen}`,
        );
      }
    }
    await judgeFinished(`${tag}-finished`, finished, config);

    if (killed.done === undefined) result.killedDuringBackup++;
    const label = `${tag}-killed-${killed.kill?.at ?? 'after'}`;
    const installed = manifestInstalled(killed);
    if (killed.kill?.at === 'beforeRename' && (installed !== false || !killed.steps.some((s) => s.op === 'datasync'))) {
      problems.push(`${label}: the kill before the manifest's rename did not land there (${JSON.stringify(killed.steps.slice(-3))})`);
    }
    if (killed.kill?.at === 'afterRename' && (installed !== true || killed.done !== undefined)) {
      problems.push(`${label}: the kill after the manifest's rename did not land there (${JSON.stringify(killed.steps.slice(-3))})`);
    }
    if (installed === true) await judgeFinished(label, killed, config);
    else if (installed === false) await judgeRefused(label, killed);
    else {
      const verified = await verifyBackup(fs, killed.dest).then(
        () => true,
        () => false,
      );
      await (verified ? judgeFinished(label, killed, config) : judgeRefused(label, killed));
    }

    // The live log after the kill: everything acknowledged is there, and the next child goes on from its end.
    const wal = await Wal.open({ fs, clock, dir: WAL_DIR }, walOptionsFor(config));
    try {
      problems.push(
        ...judgePrefix(`${tag}-live-log`, wal.recovered, wal.recoveredTransactions, log.ledger, {
          firstAtMost: log.truncateCalled,
          holdsThrough: log.ledger.maxAcked,
        }),
      );
      log.ledger.keepThrough(wal.stats().nextLsn - 1);
    } finally {
      await wal.close();
    }
  }
  result.acknowledged = log.ledger.acknowledged;
  return result;
}
