/**
 * ras-log: an append-only log written the way random-access-storage users
 * write one (SSB's logs, hypercore's data files): it is handed a storage
 * object (here randomAccessStorage over the harness's disk) and only calls
 * its read, write, stat, truncate, close (and flush when it has one). Each
 * record is [length u32][lsn u32][crc32 of lsn and data u32][data]; recovery
 * keeps the longest run of valid records and truncates what follows.
 *
 * Options: `{ flush?: boolean }` (default false): call storage.flush() after
 * each write and sync the directory once after creating the file. Without it
 * the log does what random-access-file gives it: no fsync at all.
 */
import { Buffer } from 'node:buffer';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { WalError } from '../../../src/errors.js';
import { createNodeFs } from '../../../src/nodefs/index.js';
import { randomAccessStorage } from '../../../src/nodefs/random-access-storage.js';
import type { RecoveredRecord, WalEnv, WalLog, WalPlugin } from '../../../src/ports.js';

const HEADER = 12;

function frame(lsn: number, data: Uint8Array): Buffer {
  const out = Buffer.alloc(HEADER + data.length);
  out.writeUInt32LE(data.length, 0);
  out.writeUInt32LE(lsn, 4);
  out.set(data, HEADER);
  out.writeUInt32LE(crc32(out.subarray(4, 8), crc32(data)) >>> 0, 8);
  return out;
}

function scan(bytes: Buffer): { records: RecoveredRecord[]; end: number } {
  const records: RecoveredRecord[] = [];
  let at = 0;
  while (at + HEADER <= bytes.length) {
    const length = bytes.readUInt32LE(at);
    const lsn = bytes.readUInt32LE(at + 4);
    if (lsn !== records.length + 1 || at + HEADER + length > bytes.length) break;
    const data = bytes.subarray(at + HEADER, at + HEADER + length);
    if (bytes.readUInt32LE(at + 8) !== crc32(bytes.subarray(at + 4, at + 8), crc32(data)) >>> 0) break;
    records.push({ lsn, data: Uint8Array.from(data) });
    at += HEADER + length;
  }
  return { records, end: at };
}

export default function rasLog(options?: unknown): WalPlugin {
  const o = (options ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(o)) if (key !== 'flush') throw new WalError('EINVAL', `ras-log: unknown option ${key}`);
  if (o['flush'] !== undefined && typeof o['flush'] !== 'boolean') throw new WalError('EINVAL', 'ras-log: flush must be a boolean');
  const flush = o['flush'] === true;
  return {
    name: flush ? 'ras-log(flush)' : 'ras-log',
    durableAppend: true,
    async open(env: WalEnv): Promise<WalLog> {
      const file = `${env.dir}/data`;
      const fs = createNodeFs(env.fs);
      const existed = await fs.promises.access(file).then(
        () => true,
        () => false,
      );
      const storage = randomAccessStorage(env.fs, file, flush ? { flush: 'fdatasync' } : {});
      const stat = promisify(storage.stat.bind(storage));
      const read = promisify(storage.read.bind(storage));
      const write = promisify(storage.write.bind(storage));
      const truncate = promisify(storage.truncate.bind(storage));
      const close = promisify(storage.close.bind(storage));
      const sync = storage.flush === undefined ? undefined : promisify(storage.flush.bind(storage));
      const { size } = (await stat()) as { size: number };
      if (flush && !existed) {
        // The storage API has no directory sync: a log that wants its new file to survive syncs the directories itself.
        for (const dir of ['/', env.dir]) {
          const h = await fs.promises.open(dir, 'r');
          await h.sync();
          await h.close();
        }
      }
      const bytes = size === 0 ? Buffer.alloc(0) : ((await read(0, size)) as Buffer);
      const { records, end: validEnd } = scan(bytes);
      let end = validEnd;
      if (end < size) {
        await truncate(end);
        if (sync !== undefined) await sync();
      }
      let next = records.length + 1;
      let queue: Promise<unknown> = Promise.resolve();
      // A failed flush may have dropped dirty pages (other writes' too): the log stops, it never retries.
      let failed: unknown = undefined;
      const flushOrStop = async (): Promise<void> => {
        if (sync === undefined) return;
        try {
          await sync();
        } catch (err) {
          failed = err;
          throw err;
        }
      };
      const serial = <T>(body: () => Promise<T>): Promise<T> => {
        const run = queue.then(async () => {
          if (failed !== undefined) throw failed;
          return body();
        });
        queue = run.then(
          () => undefined,
          () => undefined,
        );
        return run;
      };
      return {
        recovered: records,
        append(record: Uint8Array): Promise<number> {
          return serial(async () => {
            const lsn = next;
            const f = frame(lsn, record);
            await write(end, f);
            await flushOrStop();
            end += f.length;
            next++;
            return lsn;
          });
        },
        sync(): Promise<void> {
          return serial(flushOrStop);
        },
        async close(): Promise<void> {
          await queue;
          await close();
        },
      };
    },
  };
}
