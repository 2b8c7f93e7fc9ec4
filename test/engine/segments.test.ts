import { describe, expect, it } from 'vitest';
import { Wal, type WalOptions } from '../../src/engine/index.js';
import { decodeSegmentHeader, parseSegmentName, PREALLOCATED_NAME } from '../../src/engine/format.js';
import type { FileHandle, FileSystem, OpenFlags } from '../../src/ports.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { dec, enc, FailingFileSystem, memEnv, readFileBytes, SteppingClock } from './support.js';

const DIR = '/wal';

async function segmentFiles(fs: FileSystem): Promise<string[]> {
  return (await fs.readdir(DIR)).filter((n) => parseSegmentName(n) !== undefined).sort();
}

/** Records the directory-level operations and writes, in completion order. */
class RecordingFileSystem extends FailingFileSystem {
  readonly log: string[] = [];
  override async open(path: string, flags: OpenFlags): Promise<FileHandle> {
    const h = await super.open(path, flags);
    const write = h.write.bind(h);
    h.write = async (data, position) => {
      await write(data, position);
      this.log.push(`write ${position}`);
    };
    if (flags !== 'r') this.log.push(`open ${path} ${flags}`);
    return h;
  }
  override async mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    await super.mkdir(path, options);
    this.log.push(`mkdir ${path}`);
  }
  override async rename(from: string, to: string): Promise<void> {
    await super.rename(from, to);
    this.log.push(`rename ${to}`);
  }
  override async unlink(path: string): Promise<void> {
    await super.unlink(path);
    this.log.push(`unlink ${path}`);
  }
  override async syncDir(path: string): Promise<void> {
    await super.syncDir(path);
    this.log.push(`syncDir ${path}`);
  }
}

const small: WalOptions = { segmentSize: 4096, durability: { kind: 'groupCommit' } };

describe('segments: rotation, preallocation, directory fsyncs', () => {
  it('rotates at segmentSize; each segment is named after its first LSN, which its header repeats', async () => {
    const fs = new MemfsFileSystem();
    const wal = await Wal.open(memEnv(fs), small);
    for (let i = 0; i < 60; i++) await wal.append(new Uint8Array(200).fill(i));
    expect(wal.stats().rotations).toBeGreaterThanOrEqual(3);
    await wal.close();
    const segs = await segmentFiles(fs);
    expect(segs.length).toBe(wal.stats().rotations + 1);
    for (const name of segs) {
      const bytes = await readFileBytes(fs, `${DIR}/${name}`);
      expect(bytes.length).toBe(4096); // preallocated, and no batch crossed the boundary
      const h = decodeSegmentHeader(bytes);
      expect(h.ok && h.header.firstLsn).toBe(parseSegmentName(name));
    }
    const again = await Wal.open(memEnv(fs), small);
    expect(again.recovered.map((r) => r.lsn)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(again.recovered.every((r, i) => r.data.length === 200 && r.data[0] === i)).toBe(true);
    await again.close();
  });

  it('preallocates the next segment ahead of time (once the active one is half full), zero-filled to segmentSize', async () => {
    const fs = new MemfsFileSystem();
    const wal = await Wal.open(memEnv(fs), small);
    await wal.append(enc('x'));
    // 64 + 29 bytes of 4096 written: not yet half full, so nothing is prepared.
    expect(await fs.readdir(DIR)).not.toContain(PREALLOCATED_NAME);
    // Past half (2048 bytes), still in the first segment: the next one is prepared in the background.
    for (let i = 0; i < 25; i++) await wal.append(new Uint8Array(60).fill(i));
    expect(wal.stats().rotations).toBe(0);
    await wal.close(); // waits for the preparation in flight
    const next = await readFileBytes(fs, `${DIR}/${PREALLOCATED_NAME}`);
    expect(next.length).toBe(4096);
    expect(next.every((b) => b === 0)).toBe(true);
    // A reopen keeps the leftover for the next preparation and recovers every record.
    const again = await Wal.open(memEnv(fs), small);
    expect(again.recovered.length).toBe(26);
    await again.close();
  });

  it('without preallocation segments grow with their records', async () => {
    const fs = new MemfsFileSystem();
    const wal = await Wal.open(memEnv(fs), { ...small, preallocate: false });
    await wal.append(enc('abc'));
    await wal.close();
    const [seg] = await segmentFiles(fs);
    expect((await fs.stat(`${DIR}/${seg}`)).size).toBe(64 + 28 + 3);
    expect(await fs.readdir(DIR)).not.toContain(PREALLOCATED_NAME);
  });

  it('creating the log directory syncs each new directory’s parent', async () => {
    const fs = new RecordingFileSystem(new MemfsFileSystem());
    const wal = await Wal.open({ fs, clock: new SteppingClock(), dir: '/a/b/c' }, { ...small, preallocate: false });
    await wal.close();
    const dirOps = fs.log.filter((l) => l.startsWith('mkdir') || l.startsWith('syncDir /a') || l === 'syncDir /');
    expect(dirOps.slice(0, 6)).toEqual(['mkdir /a', 'syncDir /', 'mkdir /a/b', 'syncDir /a', 'mkdir /a/b/c', 'syncDir /a/b']);
  });

  it('a new segment is renamed into place and its directory synced before any record is written to it', async () => {
    const fs = new RecordingFileSystem(new MemfsFileSystem());
    const wal = await Wal.open(memEnv(fs), { ...small, preallocate: false });
    for (let i = 0; i < 30; i++) await wal.append(new Uint8Array(300));
    await wal.close();
    const renames = fs.log.flatMap((l, i) => (l.startsWith('rename') ? [i] : []));
    expect(renames.length).toBeGreaterThanOrEqual(3);
    for (const i of renames) {
      expect(fs.log[i + 1]).toBe(`syncDir ${DIR}`);
      // The header was written before the rename; the first record write comes after the dir fsync.
      expect(
        fs.log
          .slice(0, i)
          .reverse()
          .find((l) => l.startsWith('write')),
      ).toBe('write 0');
    }
  });
});

describe('retention and truncatePrefix', () => {
  it('keepLast(n) keeps the newest n segments; what remains recovers as a suffix and LSNs go on', async () => {
    const fs = new MemfsFileSystem();
    const options: WalOptions = { ...small, retention: { kind: 'keepLast', segments: 2 } };
    const wal = await Wal.open(memEnv(fs), options);
    for (let i = 0; i < 80; i++) await wal.append(new Uint8Array(300).fill(i));
    await wal.close();
    expect((await segmentFiles(fs)).length).toBe(2);
    const again = await Wal.open(memEnv(fs), options);
    const lsns = again.recovered.map((r) => r.lsn);
    expect(lsns.at(-1)).toBe(80);
    expect(lsns).toEqual(Array.from({ length: lsns.length }, (_, i) => (lsns[0] as number) + i));
    expect(await again.append(enc('x'))).toBe(81);
    await again.close();
  });

  it('keepDuration(ms) removes segments sealed longer ago than ms on the injected clock', async () => {
    const fs = new MemfsFileSystem();
    const clock = new SteppingClock();
    const options: WalOptions = { ...small, retention: { kind: 'keepDuration', ms: 1000 } };
    const wal = await Wal.open(memEnv(fs, clock), options);
    for (let i = 0; i < 40; i++) await wal.append(new Uint8Array(300));
    const before = (await segmentFiles(fs)).length;
    expect(before).toBeGreaterThan(2);
    expect(wal.stats().segmentsRemoved).toBe(0);
    clock.advance(5000);
    for (let i = 0; i < 14; i++) await wal.append(new Uint8Array(300)); // forces a rotation, which applies retention
    expect(wal.stats().segmentsRemoved).toBeGreaterThanOrEqual(before - 1);
    await wal.close();
    const again = await Wal.open(memEnv(fs, clock), options);
    expect(again.recovered.at(-1)?.lsn).toBe(54);
    await again.close();
  });

  it('truncatePrefix unlinks whole segments below the LSN; LSNs keep increasing after everything older is gone', async () => {
    const fs = new MemfsFileSystem();
    const wal = await Wal.open(memEnv(fs), small);
    for (let i = 0; i < 50; i++) await wal.append(new Uint8Array(300).fill(i));
    const segsBefore = await segmentFiles(fs);
    const cut = parseSegmentName(segsBefore[2] as string) as number;
    await wal.truncatePrefix(cut + 1);
    expect(await segmentFiles(fs)).toEqual(segsBefore.slice(2));
    await wal.truncatePrefix(10_000); // releases everything: the active segment stays
    expect(await segmentFiles(fs)).toEqual(segsBefore.slice(-1));
    await expect(wal.truncatePrefix(0)).rejects.toMatchObject({ code: 'EINVAL' });
    await wal.close();
    const again = await Wal.open(memEnv(fs), small);
    expect(again.recovered.at(-1)?.lsn).toBe(50);
    expect(again.recovered[0]?.lsn).toBe(parseSegmentName(segsBefore.at(-1) as string));
    expect(await again.append(enc('next'))).toBe(51);
    await again.close();
  });

  it('concurrent truncatePrefix calls unlink oldest first, each unlink durable before the next', async () => {
    const fs = new RecordingFileSystem(new MemfsFileSystem());
    const wal = await Wal.open(memEnv(fs), { ...small, preallocate: false });
    for (let i = 0; i < 60; i++) await wal.append(new Uint8Array(300));
    const segs = await segmentFiles(fs);
    fs.log.length = 0;
    await Promise.all([wal.truncatePrefix(60), wal.truncatePrefix(20), wal.truncatePrefix(40)]);
    const unlinks = fs.log.filter((l) => l.startsWith('unlink'));
    expect(unlinks).toEqual(segs.slice(0, -1).map((s) => `unlink ${DIR}/${s}`));
    fs.log.forEach((l, i) => {
      if (l.startsWith('unlink')) expect(fs.log[i + 1]).toBe(`syncDir ${DIR}`);
    });
    await wal.close();
    const again = await Wal.open(memEnv(fs), small);
    expect(again.recovered.at(-1)?.lsn).toBe(60);
    expect(dec(await readFileBytes(fs, `${DIR}/${segs.at(-1)}`)).length).toBeGreaterThan(0);
    await again.close();
  });
});
