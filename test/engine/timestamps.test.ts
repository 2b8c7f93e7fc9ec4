/**
 * Commit timestamps (format v4 time marks) and restore to a time: every
 * stamped batch carries the wall-clock time it was encoded at; recovery
 * reads the marks; a restore to a time is the prefix of the log that stops
 * before the first restore point stamped later than the target, also when
 * the wall clock jumped backwards; logs written without timestamps (all or
 * part) are refused where the answer would be a guess.
 */
import { describe, expect, it } from 'vitest';
import { Wal, type WalOptions } from '../../src/engine/index.js';
import {
  decodeTimeMark,
  encodeTimeMarkInto,
  FORMAT_VERSION_TIMESTAMPS,
  saltSeed,
  SEGMENT_HEADER_SIZE,
  TIME_MARK_SIZE,
  decodeSegmentHeader,
} from '../../src/engine/format.js';
import { lsnForTime, recoveryPoints, restoreToLsn, restoreToTime } from '../../src/engine/restore.js';
import { recoverLog } from '../../src/engine/recovery.js';
import type { FileSystem } from '../../src/ports.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { dec, enc, memEnv, SteppingClock } from './support.js';

const now = (): number => 0;

/** A stepping clock whose wall time is set by the test (and may go backwards). */
class WallClock extends SteppingClock {
  wall = 1_800_000_000_000;
  wallNow(): number {
    return this.wall;
  }
}

const OPTIONS: WalOptions = { timestamps: true, transactions: true, segmentSize: 4096, preallocate: false };

async function readAll(fs: FileSystem, path: string): Promise<Uint8Array> {
  const f = await fs.open(path, 'r');
  try {
    const buf = new Uint8Array((await f.stat()).size);
    await f.read(buf, 0);
    return buf;
  } finally {
    await f.close();
  }
}

/** Appends `units` (plain records and transactions), each at the wall time given; returns per unit its last LSN, its LSNs and time. */
async function writeUnits(wal: Wal, clock: WallClock, times: readonly number[]): Promise<{ last: number; lsns: number[]; time: number }[]> {
  const units: { last: number; lsns: number[]; time: number }[] = [];
  for (const [i, time] of times.entries()) {
    clock.wall = time;
    if (i % 4 === 3) {
      const lsn = await wal.appendTransaction([enc(`t${i}a`), enc(`t${i}b-${'y'.repeat(90)}`)]);
      units.push({ last: lsn, lsns: [lsn - 2, lsn - 1, lsn], time });
    } else {
      const lsn = await wal.append(enc(`p${i}-${'x'.repeat(150)}`));
      units.push({ last: lsn, lsns: [lsn], time });
    }
  }
  return units;
}

/** The data LSNs a restore to `target` must hold: the units before the first one stamped after it. */
function expectedFor(units: readonly { lsns: number[]; time: number }[], target: number): number[] {
  const out: number[] = [];
  for (const u of units) {
    if (u.time > target) break;
    // A transaction's commit record is not a data record the log hands out.
    out.push(...(u.lsns.length > 1 ? u.lsns.slice(0, -1) : u.lsns));
  }
  return out;
}

describe('time marks (format v4)', () => {
  it('encode and decode; every damaged byte is refused', () => {
    const seed = saltSeed(new Uint8Array(8).fill(7));
    const out = new Uint8Array(TIME_MARK_SIZE);
    expect(encodeTimeMarkInto(out, 0, { lsn: 42, syncedThrough: 40, wallMs: 1_767_225_600_123 }, seed)).toBe(TIME_MARK_SIZE);
    const ok = decodeTimeMark(out, 0, seed);
    expect(ok).toEqual({ ok: true, mark: { lsn: 42, syncedThrough: 40, wallMs: 1_767_225_600_123, end: TIME_MARK_SIZE } });
    for (let i = 0; i < TIME_MARK_SIZE; i++) {
      const bad = out.slice();
      bad[i] = (bad[i] ?? 0) ^ 0x01;
      expect(decodeTimeMark(bad, 0, seed).ok, `byte ${i} flipped`).toBe(false);
    }
    expect(decodeTimeMark(out.subarray(0, TIME_MARK_SIZE - 1), 0, seed)).toEqual({ ok: false, reason: 'truncated payload' });
    expect(decodeTimeMark(out, 0, seed + 1).ok).toBe(false);
  });

  it('a log opened with timestamps needs a clock with wallNow, and refuses a bad option', async () => {
    const env = memEnv(new MemfsFileSystem(), { now: () => 0, sleep: () => Promise.resolve() });
    await expect(Wal.open(env, { timestamps: true })).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/wallNow/) });
    await expect(Wal.open(env, { timestamps: 'yes' as unknown as boolean })).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('a broken wall clock rejects the batch with EINVAL and the log goes on', async () => {
    const clock = new WallClock();
    const wal = await Wal.open(memEnv(new MemfsFileSystem(), clock), OPTIONS);
    clock.wall = Number.NaN;
    await expect(wal.append(enc('a'))).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/wallNow/) });
    clock.wall = 1_800_000_000_000;
    expect(await wal.append(enc('b'))).toBe(1);
    await wal.close();
  });

  it('stamps each batch whose time differs from the last mark, in v4 segments, and recovery reads the marks', async () => {
    const clock = new WallClock();
    const env = memEnv(new MemfsFileSystem(), clock);
    const wal = await Wal.open(env, OPTIONS);
    const units = await writeUnits(
      wal,
      clock,
      [100, 100, 100, 200, 300, 300].map((t) => 1_800_000_000_000 + t),
    );
    await wal.close();
    const names = (await env.fs.readdir(env.dir)).filter((n) => n.endsWith('.log')).sort();
    const first = await readAll(env.fs, `${env.dir}/${names[0] ?? ''}`);
    const hdr = decodeSegmentHeader(first);
    expect(hdr.ok && hdr.header.version).toBe(FORMAT_VERSION_TIMESTAMPS);
    const rec = await recoverLog(env.fs, env.dir, 'tolerateCorruptedTail', now, { repair: false, layout: true });
    const marks = (rec.layout ?? []).flatMap((s) => s.times);
    // Three distinct times, one mark each (a later segment would start with a mark of its own).
    expect(marks.map((m) => m.wallMs)).toEqual([...new Set(units.map((u) => u.time))]);
    expect(marks.map((m) => m.lsn)).toEqual([1, 4, 7]);
    // The records read back exactly; a mark takes no LSN.
    const reopened = await Wal.open(env, OPTIONS);
    expect(reopened.recovered.map((r) => r.lsn)).toEqual(expectedFor(units, Number.MAX_SAFE_INTEGER));
    expect(dec(reopened.recovered[0]?.data ?? new Uint8Array())).toMatch(/^p0-/);
    await reopened.close();
  });

  it('restores to every time exactly the prefix before the first point stamped later, across segments, also when the clock jumps back', async () => {
    const clock = new WallClock();
    const src = memEnv(new MemfsFileSystem(), clock);
    const wal = await Wal.open(src, OPTIONS);
    const base = 1_800_000_000_000;
    // Times go up, jump back (an NTP step) at unit 12, then up again.
    const times = Array.from({ length: 30 }, (_, i) => base + (i < 12 ? i * 10 : (i - 15) * 10));
    const units = await writeUnits(wal, clock, times);
    await wal.close();
    const points = await recoveryPoints(src.fs, src.dir, now);
    expect(points.segments.length).toBeGreaterThan(1);
    expect(points.oldestTime).toBe(times[0]);
    expect(points.newestTime).toBe(times.at(-1));
    for (const s of points.segments) expect(s.times).toBeDefined();
    const all = expectedFor(units, Number.POSITIVE_INFINITY);
    const newest = times.at(-1) ?? 0;
    const candidates = [...new Set(times.flatMap((t) => [t - 5, t, t + 5]))].sort((a, b) => a - b);
    for (const target of candidates) {
      const expected = expectedFor(units, target);
      if (expected.length === 0) {
        await expect(lsnForTime(src.fs, src.dir, target, now)).rejects.toMatchObject({ code: 'EINVAL', message: /before the oldest/ });
        continue;
      }
      if (expected.length === all.length && target > newest) {
        await expect(lsnForTime(src.fs, src.dir, target, now)).rejects.toMatchObject({ code: 'EINVAL', message: /after the newest/ });
        continue;
      }
      const out = new MemfsFileSystem();
      const r = await restoreToTime(src.fs, src.dir, out, '/restored', target, now);
      const restored = await Wal.open({ fs: out, clock, dir: '/restored' }, OPTIONS);
      expect(
        restored.recovered.map((x) => x.lsn),
        `target ${target - base}`,
      ).toEqual(expected);
      expect(r.timeMs).toBeLessThanOrEqual(target);
      await restored.close();
    }
    // The jump back: a target between the early times stops at the first point after it (unit 4, at +40), never reaching
    // the later points (units 12 on) stamped before it.
    expect(await lsnForTime(src.fs, src.dir, base + 35, now)).toEqual({ lsn: units[3]?.last, timeMs: base + 30 });
    await expect(lsnForTime(src.fs, src.dir, base - 1, now)).rejects.toMatchObject({ code: 'EINVAL', message: /before the oldest/ });
  });

  it('a log stamped from some segment on: targets before the first stamp are refused, later ones restore the unstamped records too', async () => {
    const clock = new WallClock();
    const src = memEnv(new MemfsFileSystem(), clock);
    const plain = await Wal.open(src, { transactions: true, segmentSize: 4096, preallocate: false });
    for (let i = 0; i < 5; i++) await plain.append(enc(`old-${i}`));
    await plain.close();
    const wal = await Wal.open(src, OPTIONS);
    clock.wall = 1_800_000_000_500;
    const a = await wal.append(enc('stamped-a'));
    clock.wall = 1_800_000_000_900;
    const b = await wal.append(enc('stamped-b'));
    await wal.close();
    expect([a, b]).toEqual([6, 7]);
    await expect(lsnForTime(src.fs, src.dir, 1_800_000_000_100, now)).rejects.toMatchObject({
      code: 'EINVAL',
      message: /carry no time/,
    });
    expect(await lsnForTime(src.fs, src.dir, 1_800_000_000_600, now)).toEqual({ lsn: 6, timeMs: 1_800_000_000_500 });
    // Stamping stops: points after the last stamped one cannot be placed in time.
    const after = await Wal.open(src, { transactions: true, segmentSize: 4096, preallocate: false });
    await after.append(enc('unstamped-again'));
    await after.close();
    // The unstamped record goes into a new segment of the older version, never behind the v4 segment's last mark.
    const r = await recoverLog(src.fs, src.dir, 'tolerateCorruptedTail', now, { repair: false, layout: true });
    expect(r.layout?.at(-1)).toMatchObject({ firstLsn: 8, times: [], records: [{ lsn: 8 }] });
    expect(r.segments.map((s) => s.formatVersion)).toEqual([3, 4, 3]);
    await expect(lsnForTime(src.fs, src.dir, 1_800_000_001_000, now)).rejects.toMatchObject({
      code: 'EINVAL',
      message: /from LSN 8 on carry no commit time/,
    });
    expect(await lsnForTime(src.fs, src.dir, 1_800_000_000_600, now)).toEqual({ lsn: 6, timeMs: 1_800_000_000_500 });
  });

  it('a log without timestamps is refused with a clear error', async () => {
    const src = memEnv();
    const wal = await Wal.open(src, { preallocate: false });
    await wal.append(enc('x'));
    await wal.close();
    await expect(restoreToTime(src.fs, src.dir, new MemfsFileSystem(), '/r', 1_800_000_000_000, now)).rejects.toMatchObject({
      code: 'EINVAL',
      message: /without timestamps/,
    });
    await expect(lsnForTime(src.fs, src.dir, Number.NaN, now)).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('a batch torn at any byte after its mark recovers the records before it, and the reopened log stamps again', async () => {
    const clock = new WallClock();
    const src = memEnv(new MemfsFileSystem(), clock);
    const wal = await Wal.open(src, { ...OPTIONS, segmentSize: 1 << 20 });
    clock.wall = 1_800_000_000_000;
    await wal.append(enc('first'));
    clock.wall = 1_800_000_000_050;
    await wal.append(enc('second-record'));
    await wal.close();
    const name = (await src.fs.readdir(src.dir)).find((n) => n.endsWith('.log')) ?? '';
    const whole = await readAll(src.fs, `${src.dir}/${name}`);
    const firstEnd = SEGMENT_HEADER_SIZE + TIME_MARK_SIZE + 28 + 5;
    for (let cut = firstEnd; cut < whole.length; cut++) {
      const fs = new MemfsFileSystem();
      await fs.mkdir('/wal');
      const h = await fs.open(`/wal/${name}`, 'w+');
      await h.write(whole.subarray(0, cut), 0);
      await h.close();
      const env = memEnv(fs, clock);
      const reopened = await Wal.open(env, { ...OPTIONS, segmentSize: 1 << 20 });
      expect(
        reopened.recovered.map((r) => dec(r.data)),
        `cut at ${cut}`,
      ).toEqual(['first']);
      clock.wall = 1_800_000_000_050;
      expect(await reopened.append(enc('again'))).toBe(2);
      await reopened.close();
      const again = await Wal.open(env, { ...OPTIONS, segmentSize: 1 << 20 });
      expect(again.recovered.map((r) => dec(r.data))).toEqual(['first', 'again']);
      await again.close();
      expect(await lsnForTime(fs, '/wal', 1_800_000_000_049, now)).toEqual({ lsn: 1, timeMs: 1_800_000_000_000 });
      expect(await lsnForTime(fs, '/wal', 1_800_000_000_050, now)).toEqual({ lsn: 2, timeMs: 1_800_000_000_050 });
    }
  });

  it('restoreToLsn keeps the marks: the restored log restores to the same times', async () => {
    const clock = new WallClock();
    const src = memEnv(new MemfsFileSystem(), clock);
    const wal = await Wal.open(src, OPTIONS);
    await writeUnits(
      wal,
      clock,
      [10, 20, 30, 40, 50].map((t) => 1_800_000_000_000 + t),
    );
    await wal.close();
    const out = new MemfsFileSystem();
    await restoreToLsn(src.fs, src.dir, out, '/r', 3, now);
    expect(await lsnForTime(out, '/r', 1_800_000_000_025, now)).toEqual({ lsn: 2, timeMs: 1_800_000_000_020 });
  });
});
