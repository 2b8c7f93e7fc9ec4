/**
 * The writer child of the hot-backup SIGKILL test (backup-loop.ts), run as
 *   node backup-child.mjs '<WriterConfig as JSON>' <seed>
 * It opens the built-in engine on a real disk (<root>/wal, small segments)
 * and runs concurrent appenders until it is killed; the record at each LSN
 * holds payloadForLsn(lsn), so any copy of the log can be checked byte for
 * byte. Appends are admitted one at a time (the LSN an append gets is the
 * next one, so the child knows it before the call), and each is announced to
 * the parent before it is made ({t:'call'}, once handed to the channel) and
 * reported when it resolves ({t:'ack'}).
 *
 * On {t:'backup'} it takes a hot backup of its log into <root>/<dest> with
 * backup(wal, ...) while the appenders go on, the destination wrapped in a
 * SteppedFileSystem: each destination operation is reported ({t:'step'})
 * before it runs, and the child SIGKILLs itself where the kill plan says.
 * Once the backup has opened the segments and before it copies the first
 * one, the child waits for the log to rotate and then releases, with
 * truncatePrefix, every segment the backup is about to copy, so the copy
 * reads unlinked files through its open handles.
 */
import { backup, Wal } from '../../src/engine/index.js';
import { MANIFEST_NAME, MANIFEST_TEMP_NAME } from '../../src/engine/backup-manifest.js';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { Rng } from '../../src/rng.js';
import { sendToParent } from './child-ipc.js';
import {
  payloadForLsn,
  transactionRecords,
  WAL_DIR,
  walOptionsFor,
  type KillPlan,
  type ParentMessage,
  type WriterConfig,
  type WriterMessage,
} from './backup-protocol.js';
import { SteppedFileSystem } from './stepped-file-system.js';

/** How long the child waits for the log to rotate (and an append after it to resolve) during a backup. */
const PROGRESS_TIMEOUT_MS = 20_000;

const send = (m: WriterMessage): Promise<void> => sendToParent(m);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited++) {
    if (waited > PROGRESS_TIMEOUT_MS) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

function die(): Promise<never> {
  process.kill(process.pid, 'SIGKILL');
  return new Promise(() => undefined); // never reached: SIGKILL ends the process
}

function parseConfig(text: string | undefined): WriterConfig {
  const config = JSON.parse(text ?? 'null') as WriterConfig | null;
  if (config === null || typeof config.root !== 'string' || !Number.isSafeInteger(config.clients) || config.clients < 1) {
    throw new Error(`usage: backup-child.ts '<WriterConfig as JSON>' <seed>, got ${text}`);
  }
  return config;
}

async function main(): Promise<void> {
  const config = parseConfig(process.argv[2]);
  const rng = new Rng(`${process.argv[3] ?? '0'}/backup-child`);
  const fs = new NodeFileSystem(config.root);
  const wal = await Wal.open({ fs, clock: new RealClock(), dir: WAL_DIR }, walOptionsFor(config));
  let next = wal.stats().nextLsn;
  /** The highest LSN acknowledged so far (what recovery gave back counts: it is in the log). */
  let ackedMax = next - 1;
  let acks = 0;

  // Admission one at a time: reserve the LSNs, announce them, offer the append; the engine hands out LSNs in offer order.
  let admission: Promise<unknown> = Promise.resolve();
  const admit = (): Promise<{ last: number; done: Promise<number> }> => {
    const step = admission.then(async () => {
      const first = next;
      const records = config.transactions && rng.chance(0.4) ? transactionRecords(first) : 0;
      const last = first + records; // a transaction's commit record takes the LSN after its data records
      next = last + 1;
      await send({ t: 'call', first, last });
      const done =
        records === 0
          ? wal.append(payloadForLsn(first))
          : wal.appendTransaction(Array.from({ length: records }, (_, i) => payloadForLsn(first + i)));
      return { last, done };
    });
    admission = step.catch(() => undefined);
    return step;
  };
  const client = async (): Promise<void> => {
    for (;;) {
      const { last, done } = await admit();
      const lsn = await done;
      if (lsn !== last)
        throw new Error(`an append expected to end at LSN ${last} resolved with ${lsn}: LSNs are not handed out in offer order`);
      ackedMax = Math.max(ackedMax, lsn);
      acks++;
      void send({ t: 'ack', lsn });
    }
  };

  /** Between the backup opening the segments and copying the first one: wait for a rotation, then release every segment it holds. */
  const whileCopying = async (n: number): Promise<void> => {
    const before = wal.stats();
    const acksBefore = acks;
    await until('a rotation during the backup', () => wal.stats().rotations > before.rotations);
    // The first append into the segment that rotation began: once it is acknowledged, every older segment is below it.
    const inNewSegment = wal.stats().nextLsn;
    await until('an append after the rotation', () => ackedMax >= inNewSegment);
    const upTo = ackedMax;
    await send({ t: 'truncate', upTo });
    await wal.truncatePrefix(upTo);
    await send({ t: 'truncated', upTo });
    const after = wal.stats();
    await send({
      t: 'during',
      n,
      rotations: after.rotations - before.rotations,
      removed: after.segmentsRemoved - before.segmentsRemoved,
      upTo,
      acks: acks - acksBefore,
    });
  };

  const takeBackup = async (n: number, dest: string, kill: KillPlan | undefined): Promise<void> => {
    let copying = false;
    let renamed = false;
    const destFs = new SteppedFileSystem(fs, async (step, op, path) => {
      const installsManifest = op === 'rename' && path.endsWith(MANIFEST_NAME); // 'temp -> manifest': the temporary name ends in .tmp
      if (kill?.at === 'step' && kill.step === step) await die();
      if (kill?.at === 'beforeRename' && installsManifest) await die();
      if (kill?.at === 'afterRename' && renamed) await die();
      await send({ t: 'step', n, step, op, path });
      if (installsManifest) renamed = true;
      if (!copying && op.startsWith('open') && !path.endsWith(MANIFEST_TEMP_NAME)) {
        copying = true;
        await whileCopying(n);
      }
    });
    const ackedBefore = ackedMax;
    void send({ t: 'backup-begin', n, ackedBefore });
    const manifest = await backup(wal, destFs, dest); // called in the same turn as ackedBefore was read
    await send({ t: 'backup-done', n, manifest });
  };

  const fail = (err: unknown): void => {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    send({ t: 'fail', message })
      .catch(() => undefined)
      .finally(() => process.exit(1));
  };
  process.on('message', (m: ParentMessage) => {
    if (m.t === 'backup') takeBackup(m.n, m.dest, m.kill).catch(fail);
  });
  await send({ t: 'ready', nextLsn: next });
  for (let c = 0; c < config.clients; c++) client().catch(fail);
}

main().catch(async (err: unknown) => {
  await send({ t: 'fail', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }).catch(() => undefined);
  process.exit(1);
});
