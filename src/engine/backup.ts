/**
 * Hot backup of a live log (roadmap 6.6): a consistent copy taken while the
 * log keeps serving appends.
 *
 * 1. Under the writer's lock (a moment): everything written is made durable
 *    and every segment opened for reading (writer.openForBackup). The copy
 *    covers the sealed segments whole and the active one up to its write
 *    offset at that moment, so it holds every record acknowledged before the
 *    backup began. Appends, rotations, retention and truncatePrefix go on
 *    meanwhile: the bytes named never change, and an open handle reads a
 *    segment even after it is unlinked.
 * 2. Each segment is copied to the destination up to the end of its last
 *    record (the preallocated zero fill after it is not copied: a segment
 *    ending there reads as a clean end) and fdatasync'd, then the destination
 *    directory fsync'd.
 * 3. The manifest (backup-manifest.ts: what was copied, sizes and CRCs,
 *    itself checksummed) is written to a temporary name, fdatasync'd, renamed
 *    in, and the directory fsync'd. A backup without a valid manifest is
 *    incomplete and is never restored from.
 *
 * A backup directory is a log directory: restoreBackup verifies it against
 * its manifest and copies it into a new directory, which Wal.open recovers.
 */
import { errorCode, WalError } from '../errors.js';
import type { FileHandle, FileSystem } from '../ports.js';
import { crc32 } from './crc.js';
import { decodeManifest, encodeManifest, MANIFEST_NAME, MANIFEST_TEMP_NAME, type BackupManifest } from './backup-manifest.js';
import { DEAD_LETTER_DIR } from './dead-letter-queue.js';
import { ensureDirectory, joinPath } from './segments.js';
import type { Wal } from './wal.js';

export type { BackupManifest, BackupSegment } from './backup-manifest.js';

const CHUNK = 1024 * 1024;

/** Creates dir durably when absent; refuses one that holds anything (EINVAL). */
export async function requireEmptyDir(fs: FileSystem, dir: string): Promise<void> {
  await ensureDirectory(fs, dir); // created durably: each new directory's parent is synced
  const names = await fs.readdir(dir);
  if (names.length > 0) {
    throw new WalError(
      'EINVAL',
      `backup destination ${dir} is not empty (${names.length} entries): refusing to mix a backup with other files`,
      {
        details: { dir, entries: names.slice(0, 5) },
      },
    );
  }
}

/**
 * Copies [0, end) of src (end undefined: the whole file) to a new file at
 * destPath, byte for byte, fdatasync'd; returns the bytes and their CRC.
 * Zero bytes are never trimmed: a record's payload may end in zeros, so
 * where a segment's records end is the caller's to say.
 */
export async function copyFile(
  src: FileHandle,
  end: number | undefined,
  destFs: FileSystem,
  destPath: string,
): Promise<{ bytes: number; crc: number }> {
  const size = end ?? (await src.stat()).size;
  const out = await destFs.open(destPath, 'wx+');
  try {
    const buf = new Uint8Array(CHUNK);
    let at = 0;
    let crc = 0;
    // Bounded: every turn reads at least one byte or stops.
    while (at < size) {
      const n = await src.read(buf.subarray(0, Math.min(CHUNK, size - at)), at);
      if (n === 0)
        throw new WalError('EIO', `a file ended at ${at} bytes while it was copied (${size} expected)`, { details: { at, size } });
      const chunk = buf.subarray(0, n);
      await out.write(chunk, at);
      crc = crc32(chunk, crc);
      at += n;
    }
    await out.datasync();
    await out.close();
    return { bytes: at, crc };
  } catch (err) {
    await out.close().catch(() => undefined); // the copy error is the one reported
    throw err;
  }
}

/**
 * Copies the live log to destDir on destFs (which must be empty or absent);
 * resolves with the manifest once the backup is durable.
 */
export async function backup(wal: Wal, destFs: FileSystem, destDir: string): Promise<BackupManifest> {
  await requireEmptyDir(destFs, destDir);
  const view = await wal.openForBackup();
  const segments: BackupManifest['segments'] = [];
  try {
    for (const s of view.segments) {
      const copied = await copyFile(s.handle, s.end, destFs, joinPath(destDir, s.name));
      segments.push({ name: s.name, firstLsn: s.firstLsn, bytes: copied.bytes, crc32: copied.crc });
    }
  } finally {
    for (const s of view.segments) await s.handle.close().catch(() => undefined); // read handles: nothing to lose; a copy error is reported
  }
  // The dead-letter queue, a backup of its own (manifest included) before this one's manifest, which marks the whole complete.
  const deadLetters = await wal.deadLetters?.backupTo(destFs, joinPath(destDir, DEAD_LETTER_DIR));
  await destFs.syncDir(destDir);
  const manifest: BackupManifest = {
    logId: wal.logId,
    durableThrough: view.durableThrough,
    clockMs: view.clockMs,
    segments,
    ...(deadLetters === undefined ? {} : { deadLetters: true as const }),
  };
  const temp = joinPath(destDir, MANIFEST_TEMP_NAME);
  const h = await destFs.open(temp, 'wx+');
  try {
    await h.write(encodeManifest(manifest), 0);
    await h.datasync();
  } finally {
    await h.close();
  }
  await destFs.rename(temp, joinPath(destDir, MANIFEST_NAME));
  await destFs.syncDir(destDir);
  return manifest;
}

/** Reads and checks a backup's manifest and every file it names (sizes and CRCs). */
export async function verifyBackup(fs: FileSystem, dir: string): Promise<BackupManifest> {
  let handle: FileHandle;
  try {
    handle = await fs.open(joinPath(dir, MANIFEST_NAME), 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT')
      throw new WalError('ECORRUPT', `${dir} has no ${MANIFEST_NAME}: not a backup, or an unfinished one`, { cause: err });
    throw err;
  }
  let manifest: BackupManifest;
  try {
    const size = (await handle.stat()).size;
    if (size > 16 * 1024 * 1024) throw new WalError('ECORRUPT', `${MANIFEST_NAME} of ${size} bytes is larger than any manifest`);
    const bytes = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const n = await handle.read(bytes.subarray(at), at);
      if (n === 0) break;
      at += n;
    }
    manifest = decodeManifest(bytes.subarray(0, at));
  } finally {
    await handle.close();
  }
  for (const s of manifest.segments) {
    const f = await fs.open(joinPath(dir, s.name), 'r').catch((err: unknown) => {
      throw new WalError('ECORRUPT', `backup file ${s.name} named by the manifest cannot be opened`, {
        cause: err,
        details: { segment: s.name },
      });
    });
    try {
      const size = (await f.stat()).size;
      if (size !== s.bytes) {
        throw new WalError('ECORRUPT', `backup file ${s.name} is ${size} bytes, the manifest says ${s.bytes}`, {
          details: { segment: s.name, size, expected: s.bytes },
        });
      }
      const buf = new Uint8Array(CHUNK);
      let crc = 0;
      for (let at = 0; at < size;) {
        const n = await f.read(buf.subarray(0, Math.min(CHUNK, size - at)), at);
        if (n === 0) break;
        crc = crc32(buf.subarray(0, n), crc);
        at += n;
      }
      if (crc !== s.crc32)
        throw new WalError('ECORRUPT', `backup file ${s.name} does not match its CRC in the manifest`, { details: { segment: s.name } });
    } finally {
      await f.close();
    }
  }
  if (manifest.deadLetters === true) {
    await verifyBackup(fs, joinPath(dir, DEAD_LETTER_DIR)).catch((err: unknown) => {
      throw new WalError(
        'ECORRUPT',
        `the backup's dead-letter queue (${DEAD_LETTER_DIR}): ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
    });
  }
  return manifest;
}

/**
 * Restores a verified backup into destDir (empty or absent): every segment
 * the manifest names, copied and fdatasync'd, then the directory fsync'd.
 * The source is only read. Open the result with Wal.open.
 */
export async function restoreBackup(srcFs: FileSystem, backupDir: string, destFs: FileSystem, destDir: string): Promise<BackupManifest> {
  const manifest = await verifyBackup(srcFs, backupDir);
  await requireEmptyDir(destFs, destDir);
  for (const s of manifest.segments) {
    const src = await srcFs.open(joinPath(backupDir, s.name), 'r');
    try {
      const copied = await copyFile(src, s.bytes, destFs, joinPath(destDir, s.name));
      if (copied.crc !== s.crc32)
        throw new WalError('ECORRUPT', `backup file ${s.name} changed while it was restored`, { details: { segment: s.name } });
    } finally {
      await src.close();
    }
  }
  if (manifest.deadLetters === true) {
    await restoreBackup(srcFs, joinPath(backupDir, DEAD_LETTER_DIR), destFs, joinPath(destDir, DEAD_LETTER_DIR));
  }
  await destFs.syncDir(destDir);
  return manifest;
}
