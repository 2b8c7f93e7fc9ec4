/**
 * `faultline dlq list|show|replay|purge <dir>`: the dead-letter queue of the
 * log in <dir> (its `dlq/` directory; docs/dlq.md).
 *
 * - `list <dir> [--all] [--json]`: the entries waiting (with --all, the
 *   replayed and purged ones the queue still holds too); read only.
 * - `show <dir> <id> [--json]`: one entry, its source, reason and payload; read only.
 * - `replay <dir> --handler <module> [--id <n>...]`: hands each live entry
 *   (or those named) to the module's default export, a function of the
 *   entry; one it takes is resolved, one it throws for stays in the queue.
 * - `purge <dir> --id <n>... | --through <n> --yes`: purges exactly the ids
 *   named, or every live entry up to an id with an explicit --yes.
 *
 * Exit 0 done; 1 a failed operation (an entry that failed again on replay,
 * a damaged queue, an I/O failure); 2 usage (not a log directory, no queue,
 * an unknown id, a handler module that cannot be loaded). replay and purge
 * write the queue: never while another process has the log open.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Option, type Command } from 'commander';
import { DeadLetterQueue, openDeadLetterQueue, type DeadLetter, type DeadLetterHandler } from '../../engine/index.js';
import { listSegments } from '../../engine/segments.js';
import { errorCode, WalError } from '../../errors.js';
import type { WalEnv } from '../../ports.js';
import { NodeFileSystem } from '../../real/node-file-system.js';
import { RealClock } from '../../real/real-clock.js';
import { EXIT_OK, EXIT_USAGE, EXIT_VIOLATION } from '../exit-codes.js';
import { intOption } from './check.js';
import { previewPayload } from './dump.js';
import { describeReadError } from './verify.js';

/** Errors that are the caller's to fix (exit 2): bad arguments, a module that does not load, a path that is not there. */
const USAGE_CODES = new Set(['EINVAL', 'EPLUGIN', 'ENOENT', 'ENOTDIR', 'EACCES']);

function fail(command: string, err: unknown): void {
  process.stderr.write(`faultline dlq ${command}: ${err instanceof WalError ? err.message : describeReadError(err)}\n`);
  const code = errorCode(err);
  process.exitCode = code !== undefined && USAGE_CODES.has(code) ? EXIT_USAGE : EXIT_VIOLATION;
}

/** The log directory as an env; EINVAL when it holds neither a segment nor a queue (not a faultline log directory). */
async function logEnv(dir: string): Promise<WalEnv> {
  const env: WalEnv = { fs: new NodeFileSystem(dir), clock: new RealClock(), dir: '.' };
  const [segments, queue] = await Promise.all([listSegments(env.fs, '.'), DeadLetterQueue.exists(env)]);
  if (segments.segments.length === 0 && !queue) {
    throw new WalError('EINVAL', `${dir} is not a faultline log directory (no segment file, no dlq/)`, { details: { dir } });
  }
  if (!queue) {
    throw new WalError('EINVAL', `no dead-letter queue in ${dir} (no dlq/ directory: nothing was ever dead-lettered there)`, {
      details: { dir },
    });
  }
  return env;
}

function payloadBytes(e: DeadLetter): number {
  return e.parts.reduce((n, p) => n + p.data.length, 0);
}

function sourceText(e: DeadLetter): string {
  if (e.kind === 'salvaged') return `${e.segment} offset ${e.offset} (LSN ${e.firstLsn === 0 ? '?' : e.firstLsn} expected there)`;
  const where = e.segment === '' ? '' : ` in ${e.segment}`;
  return e.kind === 'record' ? `LSN ${e.firstLsn}${where}` : `LSN ${e.firstLsn}..${e.lastLsn - 1}, commit ${e.lastLsn}${where}`;
}

function lineOf(e: DeadLetter): string {
  const failed = e.failedReplays === 0 ? '' : `, ${e.failedReplays} failed replay(s), last: ${e.lastError?.code}: ${e.lastError?.message}`;
  const status = e.status === 'live' ? '' : ` [${e.status}]`;
  return `  ${e.id}${status}  ${e.kind}  ${sourceText(e)}  ${payloadBytes(e)} B  ${e.reason.code}: ${e.reason.message}${failed}`;
}

function jsonOf(e: DeadLetter, payload: boolean): Record<string, unknown> {
  const { parts, ...rest } = e;
  return {
    ...rest,
    bytes: payloadBytes(e),
    parts: parts.map((p) => ({ lsn: p.lsn, bytes: p.data.length, ...(payload ? { base64: Buffer.from(p.data).toString('base64') } : {}) })),
  };
}

/** Loads a replay handler: the default export of an ES module, a function of the entry. */
async function loadHandler(spec: string): Promise<DeadLetterHandler> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(resolve(spec)).href)) as { default?: unknown };
  } catch (err) {
    throw new WalError('EPLUGIN', `cannot load the handler module ${spec}: ${describeReadError(err)}`, { cause: err });
  }
  if (typeof mod.default !== 'function') {
    throw new WalError('EPLUGIN', `the handler module ${spec} must default-export a function (entry) => void | Promise<void>`);
  }
  return mod.default as DeadLetterHandler;
}

const idOption = (text: string, previous: number[] | undefined): number[] => [...(previous ?? []), intOption('--id', 1)(text)];

export function registerDlqCommands(program: Command): void {
  const dlq = program.command('dlq').description("A log's dead-letter queue (dlq/): list, show, replay, purge");
  dlq
    .command('list')
    .description('List the entries waiting in the dead-letter queue (read only)')
    .argument('<dir>', 'the log directory')
    .option('--all', 'also the replayed and purged entries the queue still holds')
    .option('--json', 'print JSON')
    .action(async (dir: string, flags: { all?: boolean; json?: boolean }) => {
      try {
        const q = await DeadLetterQueue.inspect(await logEnv(dir));
        const entries = q.list({ all: flags.all === true });
        if (flags.json === true) {
          process.stdout.write(`${JSON.stringify({ entries: entries.map((e) => jsonOf(e, false)), stats: q.stats() })}\n`);
        } else {
          const lines = [`faultline dlq list: ${dir}: ${q.stats().live} live entries`, ...entries.map(lineOf)];
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        process.exitCode = EXIT_OK;
      } catch (err) {
        fail('list', err);
      }
    });
  dlq
    .command('show')
    .description('Show one dead-letter entry: source, reason, payload (read only)')
    .argument('<dir>', 'the log directory')
    .argument('<id>', 'the entry id (as list prints it)', intOption('<id>', 1))
    .option('--json', 'print JSON, payload as base64')
    .action(async (dir: string, id: number, flags: { json?: boolean }) => {
      try {
        const e = (await DeadLetterQueue.inspect(await logEnv(dir))).get(id);
        if (flags.json === true) {
          process.stdout.write(`${JSON.stringify(jsonOf(e, true))}\n`);
        } else {
          const lines = [
            `faultline dlq show: ${dir}: entry ${e.id} (${e.status})`,
            `  kind      ${e.kind}`,
            `  source    log ${e.logId}, ${sourceText(e)}`,
            `  reason    ${e.reason.code}: ${e.reason.message}`,
            `  at        ${e.atMs} ms on the log's clock`,
            `  replays   ${e.failedReplays} failed${e.lastError === undefined ? '' : ` (last: ${e.lastError.code}: ${e.lastError.message})`}`,
            ...e.parts.map(
              (p) => `  part      ${p.lsn === 0 ? 'raw bytes' : `LSN ${p.lsn}`}, ${p.data.length} B: ${previewPayload(p.data)}`,
            ),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        process.exitCode = EXIT_OK;
      } catch (err) {
        fail('show', err);
      }
    });
  dlq
    .command('replay')
    .description('Hand live entries to a handler module; an entry it fails on stays in the queue (exit 1)')
    .argument('<dir>', 'the log directory (not open in another process)')
    .requiredOption('--handler <module>', 'an ES module whose default export is a function (entry) => void | Promise<void>')
    .option('--id <n>', 'replay only this entry (repeatable)', idOption)
    .action(async (dir: string, flags: { handler: string; id?: number[] }) => {
      try {
        const env = await logEnv(dir);
        const handler = await loadHandler(flags.handler);
        const q = await openDeadLetterQueue(env);
        let out;
        try {
          out = await q.replay(handler, flags.id === undefined ? {} : { ids: flags.id });
        } finally {
          await q.close();
        }
        const lines = [
          `faultline dlq replay: ${dir}: ${out.replayed.length} replayed${out.replayed.length === 0 ? '' : ` (${out.replayed.join(', ')})`}`,
        ];
        for (const f of out.failed) lines.push(`  entry ${f.id} failed again and stays in the queue: ${f.error.code}: ${f.error.message}`);
        process.stdout.write(`${lines.join('\n')}\n`);
        if (out.failed.length > 0) {
          process.stderr.write(
            `faultline dlq replay: ${out.failed.length} entries failed again: ${out.failed.map((f) => f.id).join(', ')}\n`,
          );
        }
        process.exitCode = out.failed.length > 0 ? EXIT_VIOLATION : EXIT_OK;
      } catch (err) {
        fail('replay', err);
      }
    });
  dlq
    .command('purge')
    .description('Purge dead-letter entries: exact ids, or every live one up to an id with --yes')
    .argument('<dir>', 'the log directory (not open in another process)')
    .option('--id <n>', 'purge this entry (repeatable)', idOption)
    .addOption(new Option('--through <n>', 'purge every live entry with an id up to n (needs --yes)').argParser(intOption('--through', 1)))
    .option('--yes', 'confirm --through')
    .action(async (dir: string, flags: { id?: number[]; through?: number; yes?: boolean }) => {
      try {
        if ((flags.id === undefined) === (flags.through === undefined)) {
          throw new WalError('EINVAL', 'say what to purge: --id <n> (repeatable) or --through <n> --yes, not both');
        }
        if (flags.through !== undefined && flags.yes !== true) {
          throw new WalError('EINVAL', `--through ${flags.through} purges every live entry up to it: confirm with --yes`);
        }
        const q = await openDeadLetterQueue(await logEnv(dir));
        let purged: number[];
        try {
          const through = flags.through;
          const ids =
            through === undefined
              ? (flags.id ?? [])
              : q
                  .list()
                  .filter((e) => e.id <= through)
                  .map((e) => e.id);
          purged = await q.purge(ids);
        } finally {
          await q.close();
        }
        process.stdout.write(
          `faultline dlq purge: ${dir}: ${purged.length} purged${purged.length === 0 ? '' : ` (${purged.join(', ')})`}\n`,
        );
        process.exitCode = EXIT_OK;
      } catch (err) {
        fail('purge', err);
      }
    });
}
