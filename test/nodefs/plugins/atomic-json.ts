/**
 * atomic-json: a "JSON file database" WAL plugin in the style of lowdb and
 * conf: the whole state (every record) is one JSON file, rewritten on every
 * append with the write-file-atomic idiom (write-file-atomic.ts). It knows
 * only node:fs: the plugin hands it `createNodeFs(env.fs)`, the facade over
 * the disk the harness gives it, so the harness sees every call.
 *
 * Options (a factory's argument): `{ fsyncFile?: boolean, fsyncDir?: boolean }`,
 * both true by default; turning one off makes the buggy variant.
 */
import { promisify } from 'node:util';
import { Buffer } from 'node:buffer';
import { WalError } from '../../../src/errors.js';
import { createNodeFs } from '../../../src/nodefs/index.js';
import type { RecoveredRecord, WalEnv, WalLog, WalPlugin } from '../../../src/ports.js';
import { writeFileAtomic, type AtomicWriteSteps } from './write-file-atomic.js';

interface Stored {
  records: { lsn: number; data: string }[];
}

function stepsOf(options: unknown): AtomicWriteSteps {
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object') throw new WalError('EINVAL', 'atomic-json options must be an object');
  for (const key of Object.keys(o))
    if (key !== 'fsyncFile' && key !== 'fsyncDir') throw new WalError('EINVAL', `atomic-json: unknown option ${key}`);
  const flag = (key: 'fsyncFile' | 'fsyncDir'): boolean => {
    const v = o[key];
    if (v === undefined) return true;
    if (typeof v !== 'boolean') throw new WalError('EINVAL', `atomic-json: ${key} must be a boolean`);
    return v;
  };
  return { fsyncFile: flag('fsyncFile'), fsyncDir: flag('fsyncDir') };
}

export default function atomicJson(options?: unknown): WalPlugin {
  const steps = stepsOf(options);
  const name =
    steps.fsyncFile && steps.fsyncDir
      ? 'atomic-json'
      : `atomic-json(${steps.fsyncFile ? '' : 'no-file-fsync'}${steps.fsyncDir ? '' : 'no-dir-fsync'})`;
  return {
    name,
    durableAppend: true,
    async open(env: WalEnv): Promise<WalLog> {
      const fs = createNodeFs(env.fs);
      const file = `${env.dir}/db.json`;
      let writes = 0;
      const write = promisify((data: string, cb: (err: NodeJS.ErrnoException | null) => void) =>
        writeFileAtomic(fs, file, `${file}.${++writes}.tmp`, data, steps, cb),
      );
      await fs.promises.mkdir(env.dir, { recursive: true });
      const parent = await fs.promises.open('/', 'r');
      await parent.sync();
      await parent.close();
      let stored: Stored = { records: [] };
      try {
        stored = JSON.parse((await fs.promises.readFile(file, 'utf8')) as string) as Stored;
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
      }
      const recovered: RecoveredRecord[] = stored.records.map((r) => ({ lsn: r.lsn, data: Buffer.from(r.data, 'base64') }));
      let queue: Promise<unknown> = Promise.resolve();
      let next = (recovered.at(-1)?.lsn ?? 0) + 1;
      return {
        recovered,
        append(record: Uint8Array): Promise<number> {
          const run = queue.then(async () => {
            const lsn = next++;
            const records = [...stored.records, { lsn, data: Buffer.from(record).toString('base64') }];
            await write(JSON.stringify({ records }));
            stored = { records };
            return lsn;
          });
          queue = run.then(
            () => undefined,
            () => undefined,
          );
          return run;
        },
        async sync(): Promise<void> {
          await queue; // every append resolved durable
        },
        async close(): Promise<void> {
          await queue;
        },
      };
    },
  };
}
