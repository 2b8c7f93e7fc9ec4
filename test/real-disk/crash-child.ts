/**
 * The child of the SIGKILL test (process-crash.test.ts), run as
 *   node --import tsx test/real-disk/crash-child.ts <root> <epoch> <clients> <seed> [plugin-module]
 * It opens the WAL in <root>/wal (the built-in engine with group commit, or
 * the plugin module given), then runs <clients> concurrent appenders until it
 * is killed. Before each append it sends {t:'call'} and waits until the
 * message is handed to the IPC channel (so the parent knows every record that
 * can reach the disk); after each append resolves it sends {t:'ack', lsn}.
 */
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { Rng } from '../../src/rng.js';
import { fullPayload } from '../../src/contract/payload.js';
import type { WalPlugin } from '../../src/ports.js';
import { walPlugin } from '../../src/engine/index.js';
import { sendToParent } from './child-ipc.js';

export interface CallMessage {
  t: 'call';
  id: number;
  epoch: number;
  client: number;
  size: number;
}
export interface AckMessage {
  t: 'ack';
  id: number;
  lsn: number;
}
export interface ReadyMessage {
  t: 'ready';
  recovered: number;
}
export interface FailMessage {
  t: 'fail';
  id?: number;
  message: string;
}
export type ChildMessage = CallMessage | AckMessage | ReadyMessage | FailMessage;

/** Appends per client per child: far more than a child lives to make. */
export const MAX_APPENDS_PER_CLIENT = 99_999;
export const MAX_CLIENTS = 40;
export const SEGMENT_SIZE = 128 * 1024;

export function payloadId(epoch: number, client: number, i: number): number {
  return epoch * 4_000_000 + client * 100_000 + i;
}

async function loadPlugin(module: string | undefined): Promise<WalPlugin> {
  if (module !== undefined) return ((await import(module)) as { default: WalPlugin }).default;
  return walPlugin({ durability: { kind: 'groupCommit' }, segmentSize: SEGMENT_SIZE });
}

const send = (message: ChildMessage): Promise<void> => sendToParent(message);

async function main(): Promise<void> {
  const [root, epochText, clientsText, seedText, module] = process.argv.slice(2);
  const epoch = Number(epochText);
  const clients = Number(clientsText);
  if (
    root === undefined ||
    !Number.isSafeInteger(epoch) ||
    epoch < 0 ||
    epoch > 1000 ||
    !Number.isSafeInteger(clients) ||
    clients < 1 ||
    clients > MAX_CLIENTS
  ) {
    throw new Error('usage: crash-child.ts <root> <epoch 0..1000> <clients 1..40> <seed> [plugin-module]');
  }
  const plugin = await loadPlugin(module);
  const wal = await plugin.open({ fs: new NodeFileSystem(root), clock: new RealClock(), dir: 'wal' });
  await send({ t: 'ready', recovered: wal.recovered.length });
  const rng = new Rng(`${seedText ?? '0'}/child/${epoch}`);
  const client = async (c: number): Promise<void> => {
    const sizes = rng.fork(`client-${c}`);
    for (let i = 0; i < MAX_APPENDS_PER_CLIENT; i++) {
      const size = sizes.chance(0.85) ? 16 + sizes.nextInt(240) : 256 + sizes.nextInt(48 * 1024);
      const id = payloadId(epoch, c, i);
      await send({ t: 'call', id, epoch, client: c, size });
      const lsn = await wal.append(fullPayload(id, epoch, c, size));
      void send({ t: 'ack', id, lsn });
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  await wal.close();
}

main().catch(async (err: unknown) => {
  await send({ t: 'fail', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }).catch(() => undefined);
  process.exitCode = 1;
});
