/**
 * `faultline backup <dir> <dest>`: opens the faultline log in <dir> with the
 * built-in engine (as any open: recovery may truncate a torn tail), copies
 * it to <dest> with the hot backup (src/engine/backup.ts), closes it. A
 * process that runs a log backs it up itself with backup(wal, fs, dir), while
 * it appends; this command must never be pointed at a log another process
 * has open (two writers corrupt a log).
 *
 * `faultline restore-backup <backup> <dest>`: verifies a backup against its
 * manifest and copies it into <dest> (empty or absent), a log directory
 * Wal.open recovers. The backup is only read.
 *
 * Exit 0 done; 1 the backup is damaged or unfinished; 2 usage (a destination
 * that is not empty, a directory without a log, unreadable paths).
 */
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { backup, restoreBackup, Wal, type BackupManifest } from '../../engine/index.js';
import { listSegments } from '../../engine/segments.js';
import { isWalError, WalError } from '../../errors.js';
import { NodeFileSystem } from '../../real/node-file-system.js';
import { RealClock } from '../../real/real-clock.js';
import { EXIT_OK, EXIT_USAGE, EXIT_VIOLATION } from '../exit-codes.js';
import { describeReadError } from './verify.js';

/** A port rooted at the parent of `path`, and the directory's name under it (the directory itself may not exist yet). */
function underParent(path: string): { fs: NodeFileSystem; dir: string } {
  const full = resolve(path);
  return { fs: new NodeFileSystem(dirname(full)), dir: basename(full) };
}

function summary(verb: string, from: string, to: string, m: BackupManifest): string {
  const bytes = m.segments.reduce((n, s) => n + s.bytes, 0);
  return `faultline ${verb}: ${from} -> ${to}: ${m.segments.length} segments, ${bytes} bytes, every record through LSN ${m.durableThrough} (log ${m.logId})\n`;
}

function fail(command: string, err: unknown): void {
  if (isWalError(err, 'ECORRUPT')) {
    process.stderr.write(`faultline ${command}: ${err.message}\n`);
    process.exitCode = EXIT_VIOLATION;
    return;
  }
  process.stderr.write(`faultline ${command}: ${err instanceof WalError ? err.message : describeReadError(err)}\n`);
  process.exitCode = EXIT_USAGE;
}

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description('Copy a faultline log to an empty directory, with a checksummed manifest: exit 0 done, 2 usage')
    .argument('<dir>', 'the log directory (not open in another process)')
    .argument('<dest>', 'the backup directory: empty or absent')
    .action(async (dir: string, dest: string) => {
      try {
        const src = new NodeFileSystem(dir);
        if ((await listSegments(src, '.')).segments.length === 0) {
          throw new WalError('EINVAL', `no faultline log in ${dir} (no segment file)`);
        }
        const wal = await Wal.open({ fs: src, clock: new RealClock(), dir: '.' });
        let manifest: BackupManifest;
        try {
          const to = underParent(dest);
          manifest = await backup(wal, to.fs, to.dir);
        } finally {
          await wal.close();
        }
        process.stdout.write(summary('backup', dir, dest, manifest));
        process.exitCode = EXIT_OK;
      } catch (err) {
        fail('backup', err);
      }
    });
  program
    .command('restore-backup')
    .description('Verify a backup against its manifest and copy it into an empty directory: exit 0 done, 1 damaged, 2 usage')
    .argument('<backup>', 'a directory written by faultline backup')
    .argument('<dest>', 'the directory to restore into: empty or absent')
    .action(async (from: string, dest: string) => {
      try {
        const to = underParent(dest);
        // Under its parent, so a message about the backup names its directory rather than '.'.
        const src = underParent(from);
        const manifest = await restoreBackup(src.fs, src.dir, to.fs, to.dir);
        process.stdout.write(summary('restore-backup', from, dest, manifest));
        process.exitCode = EXIT_OK;
      } catch (err) {
        fail('restore-backup', err);
      }
    });
}
