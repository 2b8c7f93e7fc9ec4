/**
 * `faultline serve-ops <dir> [--port N] [--host H]`: opens the faultline log
 * in <dir> with the built-in engine (read/write, as any open: recovery may
 * truncate a torn tail) and serves its metrics and health over HTTP
 * (src/ops/server.ts) until SIGINT or SIGTERM, then closes the server and
 * the log cleanly. For inspection and demos: it must never be pointed at a
 * log another process has open (two writers corrupt a log); a process that
 * runs a log serves it itself with serveOps(wal). A directory without a
 * segment is refused (exit 2), as is a port in use.
 */
import type { Command } from 'commander';
import { Wal } from '../../engine/index.js';
import { listSegments } from '../../engine/segments.js';
import { WalError } from '../../errors.js';
import { createLogger } from '../../ops/logging.js';
import { serveOps } from '../../ops/server.js';
import { NodeFileSystem } from '../../real/node-file-system.js';
import { RealClock } from '../../real/real-clock.js';
import { EXIT_OK } from '../exit-codes.js';
import { intOption } from './check.js';
import { describeReadError } from './verify.js';

export const DEFAULT_OPS_PORT = 9464;

async function requireLog(fs: NodeFileSystem, dir: string): Promise<void> {
  let count: number;
  try {
    count = (await listSegments(fs, '.')).segments.length;
  } catch (err) {
    throw new WalError('EINVAL', `serve-ops: cannot read ${dir}: ${describeReadError(err)}`, { cause: err });
  }
  if (count === 0)
    throw new WalError('EINVAL', `serve-ops: no faultline log in ${dir} (no segment file); give the directory of an existing log`);
}

/** The first SIGINT or SIGTERM from now on; dispose() restores the signals' default handling. */
function untilSignal(): { signal: Promise<NodeJS.Signals>; dispose: () => void } {
  let on: (signal: NodeJS.Signals) => void = () => undefined;
  const dispose = (): void => {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  };
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    on = (s) => {
      dispose();
      resolve(s);
    };
  });
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return { signal, dispose };
}

export function registerServeOpsCommand(program: Command): void {
  program
    .command('serve-ops')
    .description('Open the log in <dir> and serve its /metrics, /health/live and /health/ready until SIGINT/SIGTERM (inspection and demos)')
    .argument('<dir>', 'the directory of an existing faultline log (not one another process has open)')
    .option('--port <n>', `TCP port, 0 for a free one (default ${DEFAULT_OPS_PORT})`, intOption('--port', 0, 65535))
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .action(async (dir: string, flags: { port?: number; host?: string }) => {
      const fs = new NodeFileSystem(dir);
      await requireLog(fs, dir);
      let wal: Wal;
      try {
        // No preallocation: serving must not write a 64 MiB segment ahead into the operator's directory.
        wal = await Wal.open({ fs, clock: new RealClock(), dir: '.' }, { preallocate: false, logger: createLogger() });
      } catch (err) {
        const code = err instanceof WalError ? err.code : 'EIO';
        throw new WalError(code === 'ECORRUPT' ? 'EINVAL' : 'EIO', `serve-ops: cannot open the log in ${dir}: ${describeReadError(err)}`, {
          cause: err,
        });
      }
      const stopped = untilSignal();
      try {
        const server = await serveOps(wal, { port: flags.port ?? DEFAULT_OPS_PORT, host: flags.host ?? '127.0.0.1', diskPath: fs.root });
        process.stdout.write(
          `faultline serve-ops: ${server.url}/metrics, ${server.url}/health/live, ${server.url}/health/ready (${dir}); SIGINT or SIGTERM stops\n`,
        );
        const signal = await stopped.signal;
        await server.close();
        process.stdout.write(`faultline serve-ops: ${signal}: server closed, closing the log\n`);
      } finally {
        stopped.dispose();
        await wal.close();
      }
      process.exitCode = EXIT_OK;
    });
}
