/**
 * Recovery fuzzing at scale (issue 17, item 2). A pool of real logs is built
 * with the engine's own Wal (uncompressed and lz4, small segments so there are
 * many, records of 0 B to several KiB, with and without preallocation), then
 * fast-check damages copies of them and opens each damaged directory in every
 * recovery mode:
 *
 * - byte damage: bit flips, zeroed and garbage ranges, lying length fields
 *   (a u32 written at an entry start), truncation;
 * - file damage: a deleted segment, a segment duplicated under another valid
 *   segment name, two segments' contents swapped, a stale segment of ANOTHER
 *   log (another salt, other records) dropped in under its own or another
 *   name, a leftover `wal-next.prealloc` (zeros, garbage or a segment's bytes).
 *
 * The oracle knows where every entry (record or compressed frame) of the
 * undamaged log ends, from a small parser of the format written here, and
 * which bytes the damage changed (a file cut short inside its entries is
 * changed where it now ends; one cut inside its zero tail is not). From that it computes the prefix pointInTime must keep (docs/format.md,
 * "Recovery"): files in LSN order, each real segment at its own name with an
 * intact header copy keeps the entries that end before its first changed
 * byte; the walk stops at the first changed byte, unusable header (wrong
 * name, other salt, both copies damaged) or LSN discontinuity. Then:
 *
 * - pointInTime recovers exactly that prefix, byte for byte, and its repairs
 *   leave a log that a second open, in absoluteConsistency, finds nothing
 *   wrong with and recovers the same records from;
 * - tolerateCorruptedTail recovers the same, or refuses (ECORRUPT) exactly
 *   when pointInTime's report has a mid-log finding;
 * - absoluteConsistency recovers the same, or refuses (ECORRUPT): always when
 *   tolerateCorruptedTail refused, never when pointInTime found nothing;
 * - skipCorrupted recovers a strictly increasing subsequence of the appended
 *   records (exact bytes) that starts with pointInTime's prefix and, when no
 *   file was duplicated, swapped or foreign, holds every record of every
 *   segment left untouched;
 * - every other mode is gap-free; every outcome is that or a WalError with a
 *   code (never another error type);
 * - the report agrees: records === recovered.length, first/last LSN, and a
 *   corruption finding whenever anything was dropped, truncated or skipped.
 *
 * Hangs: each open races a real timer (OPEN_TIMEOUT_MS); losing fails the
 * property. (A synchronous infinite loop would block the timer too; vitest's
 * own timeout is then the backstop.)
 *
 * Allocation, two checks that do not depend on the garbage collector's timing:
 * (1) the FileSystem port is wrapped, and no read of an open may ask for bytes
 * past the end of the file (a lying length must never size a read), nor may
 * an open read more than twice the directory's bytes; (2) the growth of
 * process.memoryUsage().arrayBuffers across one open (measured when it
 * resolves, before close, so it includes the recovered payloads and read
 * buffers it keeps) must stay below 3 x the directory's bytes + 4 x
 * maxRecordSize + 2 MiB (the reader's 1 MiB scratch chunk and slack), plus,
 * under skipCorrupted, 3 x the bytes its dead-letter queue took in (docs/dlq.md:
 * the queue keeps its entries, and its writer its batch buffer) + 64 KiB. A
 * decompression bomb (a frame declaring 64 MiB or 4 GiB) or a read sized by a
 * lying length would exceed it; garbage collection during the open can only
 * make the growth smaller, so the check does not flake. Transient
 * allocations freed before open resolves are not seen by (2); the bounded
 * decompression itself is pinned by test/engine/compression-recovery.test.ts.
 *
 * Logs are written with and without timestamps (format v4 time marks: an
 * entry that stamps the records after it and holds none).
 *
 * Cases: FAULTLINE_FUZZ_CASES (default 5,000 in CI, split over the
 * properties below), or FAULTLINE_RUNS when that is set; seed FAULTLINE_SEED
 * (default fixed). The file prints the seed, the case counts and its wall
 * time.
 *
 * Kept out, on purpose (an oracle question, reported with issue 17): a stale
 * segment of another log is never placed so that it is the first file with a
 * valid header whose name matches it. The engine takes the salt from the
 * first valid header (docs/format.md, "Recovery"), so such a file would
 * decide the log's salt and pointInTime / skipCorrupted would return the
 * other log's records; which salt is "the log's" is then ambiguous, and this
 * file does not decide it. (Seen by hand: a 4-segment log whose first
 * segment is replaced by another log's wal-0000000000000001.log: pointInTime
 * returns the other log's 19 records and unlinks this log's 3 later
 * segments, skipCorrupted returns the same 19; tolerateCorruptedTail refuses.)
 * Such cases are counted ("kept out") and skipped, nothing else is.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Volume } from 'memfs';
import { Wal } from '../../src/engine/wal.js';
import type { RecoveryMode, WalOptions } from '../../src/engine/options.js';
import { isWalError } from '../../src/errors.js';
import { ForwardingFileHandle, ForwardingFileSystem } from '../../src/forwarding-file-system.js';
import type { FileHandle, FileSystem, OpenFlags, RecoveredRecord } from '../../src/ports.js';
import type { RecoveryReport } from '../../src/engine/recovery.js';
import { bytesEqual } from '../../src/engine/format.js';
import { MemfsFileSystem } from '../helpers/memfs-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import { memEnv } from './support.js';

const SEED = Number(process.env['FAULTLINE_SEED'] ?? 20261217);
const TOTAL_CASES = Number(process.env['FAULTLINE_FUZZ_CASES'] ?? process.env['FAULTLINE_RUNS'] ?? 5000);
const OPEN_TIMEOUT_MS = 10_000;
const MODES: RecoveryMode[] = ['tolerateCorruptedTail', 'absoluteConsistency', 'pointInTime', 'skipCorrupted'];
const DIR = '/wal';
const HEADER = 64;
/** Base logs built per run: more when more cases are asked for. */
const POOL = Math.min(200, Math.max(24, Math.round(TOTAL_CASES / 200)));
const NAME = /^wal-(\d{16})\.log$/;

const segName = (lsn: number): string => `wal-${String(lsn).padStart(16, '0')}.log`;
const nameLsn = (name: string): number | undefined => {
  const m = NAME.exec(name);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return n >= 1 ? n : undefined;
};

/** A seeded [0, 1) source for the Wal's salt (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Entry {
  /** Offset just past the entry. */
  end: number;
  firstLsn: number;
  lastLsn: number;
}
interface SegLayout {
  name: string;
  firstLsn: number;
  entries: Entry[];
}
interface BaseLog {
  files: Map<string, Uint8Array>;
  segs: SegLayout[];
  records: Uint8Array[];
  maxRecordSize: number;
  frames: number;
  compression: 'none' | 'lz4';
}

/** The entries of an undamaged segment, from the documented layout (no validation: the engine wrote it). */
function layout(name: string, bytes: Uint8Array): SegLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const firstLsn = Number(view.getBigUint64(8, true));
  const entries: Entry[] = [];
  let at = HEADER;
  while (at + 28 <= bytes.length) {
    const length = view.getUint32(at, true);
    const type = bytes[at + 4];
    const lsn = Number(view.getBigUint64(at + 8, true));
    if (type === 1) {
      entries.push({ end: at + 28 + length, firstLsn: lsn, lastLsn: lsn });
      at += 28 + length;
    } else if (type === 2) {
      const count = view.getUint32(at + 24, true);
      entries.push({ end: at + 36 + length, firstLsn: lsn, lastLsn: lsn + count - 1 });
      at += 36 + length;
    } else if (type === 4) {
      // A time mark: it stamps the records after it and holds none.
      entries.push({ end: at + 28 + length, firstLsn: lsn, lastLsn: lsn - 1 });
      at += 28 + length;
    } else break;
  }
  return { name, firstLsn, entries };
}

const text = new TextEncoder();
/** Payloads: empty, JSON-like (compresses), noise (does not), and multi-KiB runs. */
const payload: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  {
    weight: 4,
    arbitrary: fc
      .record({ id: fc.nat(9999), op: fc.constantFrom('put', 'del', 'cas'), key: fc.string({ maxLength: 16 }) })
      .chain((o) => fc.integer({ min: 1, max: 6 }).map((n) => text.encode(JSON.stringify(o).repeat(n)))),
  },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 700 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1024, max: 5000 }), fc.nat(255), fc.boolean())
      .map(([n, b, noisy]) => Uint8Array.from({ length: n }, (_, i) => (noisy ? (i * 2654435761 + b) >>> 24 : (b + (i % 7)) & 0xff))),
  },
);

const logSpec = fc.record({
  records: fc.array(payload, { minLength: 30, maxLength: 80, size: 'max' }),
  compression: fc.constantFrom<'none' | 'lz4'>('none', 'lz4', 'lz4'),
  timestamps: fc.boolean(),
  segmentSize: fc.constantFrom(4096, 4096, 6144, 8192),
  maxRecordSize: fc.constantFrom(5000, 6000),
  preallocate: fc.boolean(),
  everyWrite: fc.boolean(),
  wave: fc.integer({ min: 1, max: 12 }),
  salt: fc.nat(),
});
type LogSpec = typeof logSpec extends fc.Arbitrary<infer T> ? T : never;

/** A clock whose wall time moves 1 ms per reading, so stamped batches get marks, and a case replays the same. */
class CountingWallClock extends RealClock {
  private wall = 1_800_000_000_000;
  override wallNow(): number {
    return this.wall++;
  }
}

async function buildLog(spec: LogSpec): Promise<BaseLog> {
  const fs = new MemfsFileSystem();
  const wal = await Wal.open(memEnv(fs, new CountingWallClock(), DIR), {
    compression: spec.compression,
    timestamps: spec.timestamps,
    segmentSize: spec.segmentSize,
    maxRecordSize: spec.maxRecordSize,
    preallocate: spec.preallocate,
    durability: spec.everyWrite ? { kind: 'everyWrite' } : { kind: 'groupCommit' },
    random: seeded(spec.salt),
  });
  for (let i = 0; i < spec.records.length; i += spec.wave)
    await Promise.all(spec.records.slice(i, i + spec.wave).map((r) => wal.append(r)));
  const frames = wal.stats().compressedFrames;
  await wal.close();
  const files = new Map<string, Uint8Array>();
  for (const name of fs.volume.readdirSync(DIR) as string[])
    files.set(name, new Uint8Array(fs.volume.readFileSync(`${DIR}/${name}`) as Buffer));
  const segs = [...files.entries()]
    .filter(([n]) => nameLsn(n) !== undefined)
    .sort((a, b) => (nameLsn(a[0]) as number) - (nameLsn(b[0]) as number))
    .map(([n, b]) => layout(n, b));
  const laid = segs.flatMap((s) => s.entries).reduce((n, e) => n + e.lastLsn - e.firstLsn + 1, 0);
  if (laid !== spec.records.length) throw new Error(`layout parser found ${laid} records, ${spec.records.length} appended`);
  return { files, segs, records: spec.records, maxRecordSize: spec.maxRecordSize, frames, compression: spec.compression };
}

// ---------------------------------------------------------------- damage

/** Where a file's bytes came from: a segment of the base log (its index), the foreign log, or neither. */
type Origin = { kind: 'real'; seg: number } | { kind: 'foreign'; name: string } | { kind: 'other' };
interface DirFile {
  bytes: Uint8Array;
  origin: Origin;
}

type ByteDamage =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'zero'; at: number; length: number }
  | { kind: 'garbage'; at: number; bytes: Uint8Array }
  | { kind: 'length'; entry: number; field: number; value: number }
  | { kind: 'truncate'; at: number };
type FileDamage =
  | { kind: 'delete'; file: number }
  | { kind: 'duplicate'; file: number; lsn: number }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'foreign'; file: number; lsn: number | undefined }
  | { kind: 'prealloc'; fill: 'zero' | 'garbage' | 'segment'; file: number };

const frac = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const byteDamage: fc.Arbitrary<ByteDamage> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: frac, bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('zero' as const), at: frac, length: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('garbage' as const), at: frac, bytes: fc.uint8Array({ minLength: 1, maxLength: 80 }) }),
  fc.record({
    kind: fc.constant('length' as const),
    entry: fc.nat(),
    // the length of a record, the stored length of a frame; a frame's count and uncompressed length
    field: fc.constantFrom(0, 0, 24, 28),
    value: fc.constantFrom(0, 1, 27, 4097, 5001, 6001, 0x7fffffff, 0xffffffff, 64 * 1024 * 1024),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: frac }),
);
const fileDamage: fc.Arbitrary<FileDamage> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), file: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), file: fc.nat(), lsn: fc.integer({ min: 1, max: 90 }) }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('foreign' as const), file: fc.nat(), lsn: fc.option(fc.integer({ min: 1, max: 90 }), { nil: undefined }) }),
  fc.record({
    kind: fc.constant('prealloc' as const),
    fill: fc.constantFrom('zero' as const, 'garbage' as const, 'segment' as const),
    file: fc.nat(),
  }),
);

const segmentNames = (dir: Map<string, DirFile>): string[] =>
  [...dir.keys()].filter((n) => nameLsn(n) !== undefined).sort((a, b) => (nameLsn(a) as number) - (nameLsn(b) as number));

function applyFileDamage(dir: Map<string, DirFile>, d: FileDamage, foreign: BaseLog): boolean {
  const names = segmentNames(dir);
  if (names.length === 0) return false;
  const pick = (i: number): string => names[i % names.length] as string;
  switch (d.kind) {
    case 'delete':
      return dir.delete(pick(d.file));
    case 'duplicate': {
      const to = segName(d.lsn);
      if (dir.has(to)) return false;
      const from = dir.get(pick(d.file)) as DirFile;
      dir.set(to, { bytes: from.bytes.slice(), origin: from.origin });
      return true;
    }
    case 'swap': {
      const [a, b] = [pick(d.a), pick(d.b)];
      if (a === b) return false;
      const fa = dir.get(a) as DirFile;
      dir.set(a, dir.get(b) as DirFile);
      dir.set(b, fa);
      return true;
    }
    case 'foreign': {
      const fnames = segmentNames(new Map([...foreign.files].map(([n, b]) => [n, { bytes: b, origin: { kind: 'other' } }])));
      const fname = fnames[d.file % fnames.length] as string;
      dir.set(d.lsn === undefined ? fname : segName(d.lsn), {
        bytes: (foreign.files.get(fname) as Uint8Array).slice(),
        origin: { kind: 'foreign', name: fname },
      });
      return true;
    }
    case 'prealloc': {
      const size = 4096;
      const bytes =
        d.fill === 'zero'
          ? new Uint8Array(size)
          : d.fill === 'garbage'
            ? Uint8Array.from({ length: size }, (_, i) => (i * 131 + 7) & 0xff)
            : (dir.get(pick(d.file)) as DirFile).bytes.slice();
      dir.set('wal-next.prealloc', { bytes, origin: { kind: 'other' } });
      return true;
    }
  }
}

function applyByteDamage(file: DirFile, d: ByteDamage, base: BaseLog): boolean {
  const b = file.bytes;
  if (b.length === 0) return false;
  const pos = (x: number): number => Math.min(b.length - 1, Math.floor(x * b.length));
  switch (d.kind) {
    case 'flip':
      b[pos(d.at)]! ^= 1 << d.bit;
      return true;
    case 'zero':
      b.fill(0, pos(d.at), pos(d.at) + d.length);
      return true;
    case 'garbage':
      b.set(d.bytes.subarray(0, b.length - pos(d.at)), pos(d.at));
      return true;
    case 'length': {
      // A lying length at an entry start of the segment the bytes came from.
      const entries = file.origin.kind === 'real' ? (base.segs[file.origin.seg] as SegLayout).entries : [];
      const starts = [HEADER, ...entries.map((e) => e.end)].map((s) => s + d.field).filter((s) => s + 4 <= b.length);
      const at = starts[d.entry % Math.max(1, starts.length)];
      if (at === undefined) return false;
      new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, d.value >>> 0, true);
      return true;
    }
    case 'truncate':
      file.bytes = b.slice(0, pos(d.at));
      return true;
  }
}

// ---------------------------------------------------------------- oracle

/** The first offset at or after `from` where `now` differs from `was` (bytes past the end of either read as 0). */
function firstDiff(was: Uint8Array, now: Uint8Array, from: number): number {
  const n = Math.max(was.length, now.length);
  for (let i = from; i < n; i++) if ((was[i] ?? 0) !== (now[i] ?? 0)) return i;
  return Infinity;
}

const sameRange = (a: Uint8Array, b: Uint8Array, from: number, to: number): boolean => {
  if (a.length < to || b.length < to) return false;
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** The undamaged bytes a file came from (a segment of the base log or of the foreign one). */
function originBytes(f: DirFile, base: BaseLog, foreign: BaseLog): Uint8Array | undefined {
  if (f.origin.kind === 'real') return base.files.get((base.segs[f.origin.seg] as SegLayout).name);
  if (f.origin.kind === 'foreign') return foreign.files.get(f.origin.name);
  return undefined;
}

/** Whether the header block still decodes to the origin's header (one intact copy is enough). */
function headerIntact(f: DirFile, was: Uint8Array): boolean {
  return f.bytes.length >= HEADER && (sameRange(f.bytes, was, 0, 32) || sameRange(f.bytes, was, 32, 64));
}

interface Expectation {
  /** LSNs pointInTime keeps, in order. */
  lsns: number[];
  /** Every LSN of real segments left wholly untouched at their own names. */
  untouched: number[];
  /** Whether a foreign file would fix the salt (the case is kept out). */
  hijack: boolean;
}

function expectation(dir: Map<string, DirFile>, base: BaseLog, foreign: BaseLog): Expectation {
  const names = segmentNames(dir);
  const lsns: number[] = [];
  const untouched: number[] = [];
  let hijack = false;
  let saltFixed = false;
  let stopped = false;
  let expected: number | undefined;
  let last = 0;
  for (const name of names) {
    const f = dir.get(name) as DirFile;
    const was = originBytes(f, base, foreign);
    const valid = was !== undefined && headerIntact(f, was) && nameLsn(name) === layout(name, was).firstLsn;
    if (!saltFixed && valid && f.origin.kind === 'foreign') hijack = true;
    if (valid) saltFixed = true;
    if (f.origin.kind !== 'real' || !valid || was === undefined) {
      stopped = true; // unusable header: torn newest segment or mid-log, nothing from it or after it
      continue;
    }
    const seg = base.segs[f.origin.seg] as SegLayout;
    // The first changed byte; a file cut short inside its entries is changed where it now ends (its lost bytes may have been zeros).
    const dataEnd = seg.entries.at(-1)?.end ?? HEADER;
    const diff = Math.min(firstDiff(was, f.bytes, HEADER), f.bytes.length < dataEnd ? f.bytes.length : Infinity);
    if (diff === Infinity && sameRange(f.bytes, was, 0, HEADER))
      for (const e of seg.entries) for (let l = e.firstLsn; l <= e.lastLsn; l++) untouched.push(l);
    if (stopped) continue;
    if (expected !== undefined && seg.firstLsn !== expected) {
      stopped = true; // LSN gap or overlap between segments: mid-log
      continue;
    }
    for (const e of seg.entries) {
      if (e.end > diff) break;
      for (let l = e.firstLsn; l <= e.lastLsn; l++) lsns.push(l);
      last = e.lastLsn;
    }
    expected = last >= seg.firstLsn ? last + 1 : seg.firstLsn;
    if (diff !== Infinity) stopped = true; // torn tail (newest) or mid-log: either way the walk ends here
  }
  return { lsns, untouched, hijack };
}

// ---------------------------------------------------------------- opening

/** A cheap assertion for the hot paths (vitest's expect costs more than a case). */
function check(ok: boolean, message: () => string): asserts ok {
  if (!ok) throw new Error(`recovery-fuzz: ${message()}`);
}

/** A handle that notes any read past the end of its file (as it was when opened for reading). */
class BoundedReadHandle extends ForwardingFileHandle {
  constructor(
    inner: FileHandle,
    private readonly owner: BoundedReadFs,
    private readonly path: string,
    private readonly size: number | undefined,
  ) {
    super(inner);
  }
  override read(buffer: Uint8Array, position: number): Promise<number> {
    if (this.size !== undefined && position + buffer.length > this.size)
      this.owner.violations.push(`${this.path}: read of ${buffer.length} at ${position}, file has ${this.size}`);
    this.owner.readBytes += buffer.length;
    return this.inner.read(buffer, position);
  }
}

/** The port, checked: no read past the end of a file, and the bytes read counted. */
class BoundedReadFs extends ForwardingFileSystem {
  readBytes = 0;
  violations: string[] = [];
  override async open(path: string, flags: OpenFlags): Promise<FileHandle> {
    const h = await this.inner.open(path, flags);
    return new BoundedReadHandle(h, this, path, flags === 'r' ? (await h.stat()).size : undefined);
  }
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HANG: ${what} did not settle within ${OPEN_TIMEOUT_MS} ms`)), OPEN_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

type Outcome = { ok: true; lsns: number[]; data: Uint8Array[]; report: RecoveryReport; volume: Volume } | { ok: false; code: string };

async function openIn(dir: Map<string, DirFile>, mode: RecoveryMode, base: BaseLog, opts: WalOptions, stats: Stats): Promise<Outcome> {
  const vol = new Volume();
  vol.mkdirSync(DIR, { recursive: true });
  let dirBytes = 0;
  for (const [name, f] of dir) {
    vol.writeFileSync(`${DIR}/${name}`, f.bytes);
    dirBytes += f.bytes.length;
  }
  const fs = new BoundedReadFs(new MemfsFileSystem(vol) as FileSystem);
  const before = process.memoryUsage().arrayBuffers;
  let wal: Wal;
  try {
    wal = await withTimeout(Wal.open(memEnv(fs, undefined, DIR), { ...opts, recoveryMode: mode }), `open in ${mode}`);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('HANG')) throw err;
    check(isWalError(err) && typeof err.code === 'string', () => `open in ${mode} threw a non-WalError: ${String(err)}`);
    return { ok: false, code: err.code };
  }
  try {
    const grown = process.memoryUsage().arrayBuffers - before;
    const dead = wal.deadLetters?.list({ all: true }) ?? [];
    const deadBytes = dead.reduce((n, e) => n + e.parts.reduce((m, p) => m + p.data.length, 0), 0);
    const bound = 3 * dirBytes + 4 * base.maxRecordSize + 2 * 1024 * 1024 + (dead.length === 0 ? 0 : 3 * deadBytes + 64 * 1024);
    // What skipCorrupted passed over is in the queue as the damaged directory's raw bytes, where they lie.
    for (const e of dead) {
      const file = dir.get(e.segment);
      const data = e.parts[0]?.data;
      check(
        e.kind === 'salvaged' &&
          file !== undefined &&
          data !== undefined &&
          bytesEqual(file.bytes.subarray(e.offset, e.offset + data.length), data),
        () => `dead letter ${e.id} (${e.segment} offset ${e.offset}) is not the directory's bytes there`,
      );
    }
    check(
      dead.length === 0 || wal.report.corruption.some((c) => c.kind === 'mid-log'),
      () => `${dead.length} dead letters without a mid-log finding`,
    );
    stats.maxGrowth = Math.max(stats.maxGrowth, grown);
    check(grown <= bound, () => `open in ${mode} grew arrayBuffers by ${grown} B (bound ${bound})`);
    check(fs.violations.length === 0, () => `open in ${mode} read past the end of a file: ${fs.violations.join('; ')}`);
    check(fs.readBytes <= 2 * dirBytes + 64 * dir.size, () => `open in ${mode} read ${fs.readBytes} B of a ${dirBytes} B directory`);
    const rec: readonly RecoveredRecord[] = wal.recovered;
    return { ok: true, lsns: rec.map((r) => r.lsn), data: rec.map((r) => r.data), report: wal.report, volume: vol };
  } finally {
    await withTimeout(wal.close(), `close after ${mode}`);
  }
}

interface Stats {
  cases: number;
  damaged: number;
  fileDamage: number;
  recovered: number;
  refused: number;
  refusedByMode: Record<RecoveryMode, number>;
  recoveredByMode: Record<RecoveryMode, number>;
  shorterThanLog: number;
  hijackSkipped: number;
  maxGrowth: number;
}

function checkOutcome(mode: RecoveryMode, o: Outcome & { ok: true }, base: BaseLog): void {
  let prev = 0;
  o.lsns.forEach((lsn, i) => {
    check(lsn > prev, () => `${mode}: LSN ${lsn} after ${prev}: LSNs must strictly increase`);
    check(mode === 'skipCorrupted' || i === 0 || lsn === prev + 1, () => `${mode}: LSN ${lsn} after ${prev}: a gap`);
    prev = lsn;
    const appended = base.records[lsn - 1];
    check(appended !== undefined, () => `${mode}: LSN ${lsn} was never appended`);
    check(Buffer.from(o.data[i] as Uint8Array).equals(Buffer.from(appended)), () => `${mode}: LSN ${lsn} came back with other bytes`);
  });
  const r = o.report;
  check(r.mode === mode, () => `report.mode ${r.mode} in ${mode}`);
  check(r.records === o.lsns.length, () => `${mode}: report.records ${r.records}, recovered ${o.lsns.length}`);
  check(r.firstLsn === o.lsns[0] && r.lastLsn === o.lsns.at(-1), () => `${mode}: report first/last LSN ${r.firstLsn}/${r.lastLsn}`);
  const repaired = r.dropped.segments.length > 0 || r.dropped.bytes > 0 || r.tornBytesTruncated > 0;
  const holes = o.lsns.some((l, i) => i > 0 && l !== (o.lsns[i - 1] as number) + 1);
  check(
    !(repaired || holes) || r.corruption.length > 0,
    () => `${mode}: dropped or salvaged something without a finding: ${JSON.stringify(r)}`,
  );
}

async function runCase(
  base: BaseLog,
  foreign: BaseLog,
  bytes: { file: number; d: ByteDamage }[],
  files: FileDamage[],
  stats: Stats,
): Promise<void> {
  const dir = new Map<string, DirFile>();
  for (const [name, b] of base.files) {
    const seg = base.segs.findIndex((s) => s.name === name);
    dir.set(name, { bytes: b.slice(), origin: seg >= 0 ? { kind: 'real', seg } : { kind: 'other' } });
  }
  let applied = 0;
  for (const d of files) if (applyFileDamage(dir, d, foreign)) applied++;
  const fileApplied = applied;
  for (const { file, d } of bytes) {
    const names = segmentNames(dir);
    if (names.length === 0) break;
    if (applyByteDamage(dir.get(names[file % names.length] as string) as DirFile, d, base)) applied++;
  }
  const exp = expectation(dir, base, foreign);
  if (exp.hijack) {
    stats.hijackSkipped++;
    return; // kept out: see the header comment
  }
  stats.cases++;
  if (applied > 0) stats.damaged++;
  if (fileApplied > 0) stats.fileDamage++;
  const structural = files.some((d) => d.kind === 'duplicate' || d.kind === 'swap' || d.kind === 'foreign');
  const opts: WalOptions = { compression: base.compression, maxRecordSize: base.maxRecordSize, segmentSize: 8192, preallocate: false };
  const out = {} as Record<RecoveryMode, Outcome>;
  for (const mode of MODES) {
    const o = await openIn(dir, mode, base, opts, stats);
    out[mode] = o;
    if (o.ok) {
      stats.recovered++;
      stats.recoveredByMode[mode]++;
      checkOutcome(mode, o, base);
    } else {
      stats.refused++;
      stats.refusedByMode[mode]++;
    }
  }
  const pit = out.pointInTime;
  const skip = out.skipCorrupted;
  // pointInTime and skipCorrupted give up what they must and never refuse damage.
  check(pit.ok, () => `pointInTime refused: ${pit.ok ? '' : pit.code}`);
  check(skip.ok, () => `skipCorrupted refused: ${skip.ok ? '' : skip.code}`);
  const same = (x: number[], y: number[]): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
  check(same(pit.lsns, exp.lsns), () => `pointInTime kept LSNs ${pit.lsns.join(',')}; the consistent prefix is ${exp.lsns.join(',')}`);
  if (exp.lsns.length < base.records.length) stats.shorterThanLog++;
  check(
    same(skip.lsns.slice(0, pit.lsns.length), pit.lsns),
    () => `skipCorrupted kept ${skip.lsns.join(',')}, not starting with ${pit.lsns.join(',')}`,
  );
  if (!structural) {
    const got = new Set(skip.lsns);
    const missing = exp.untouched.filter((l) => !got.has(l));
    check(missing.length === 0, () => `skipCorrupted lost LSNs ${missing.join(',')} of untouched segments`);
  }
  // pointInTime's repairs leave a consistent log: a second open, even in absoluteConsistency, finds nothing and the same records.
  const again = await withTimeout(
    Wal.open(memEnv(new MemfsFileSystem(pit.volume), undefined, DIR), { ...opts, recoveryMode: 'absoluteConsistency' }),
    'reopen after pointInTime',
  );
  const againLsns = again.recovered.map((r) => r.lsn);
  const againFindings = again.report.corruption.length;
  await withTimeout(again.close(), 'close of the reopen');
  check(
    same(againLsns, pit.lsns) && againFindings === 0,
    () => `reopened after pointInTime: ${againLsns.join(',')} (${againFindings} findings), kept ${pit.lsns.join(',')}`,
  );
  const midLog = pit.report.corruption.some((f) => f.kind === 'mid-log');
  const tol = out.tolerateCorruptedTail;
  check(
    tol.ok === !midLog,
    () => `tolerateCorruptedTail ${tol.ok ? 'recovered' : 'refused'}; pointInTime found ${JSON.stringify(pit.report.corruption)}`,
  );
  if (tol.ok) check(same(tol.lsns, exp.lsns), () => `tolerateCorruptedTail kept ${tol.lsns.join(',')}, expected ${exp.lsns.join(',')}`);
  else check(tol.code === 'ECORRUPT', () => `tolerateCorruptedTail refused with ${tol.code}`);
  const abs = out.absoluteConsistency;
  check(tol.ok || !abs.ok, () => 'absoluteConsistency recovered a log tolerateCorruptedTail refused');
  if (abs.ok) check(same(abs.lsns, exp.lsns), () => `absoluteConsistency kept ${abs.lsns.join(',')}, expected ${exp.lsns.join(',')}`);
  else {
    check(abs.code === 'ECORRUPT', () => `absoluteConsistency refused with ${abs.code}`);
    check(pit.report.corruption.length > 0, () => 'absoluteConsistency refused a log pointInTime found nothing wrong with');
  }
}

// ---------------------------------------------------------------- properties

const pool: BaseLog[] = [];
const foreigners: BaseLog[] = [];
const started = Date.now();
const totals: Stats[] = [];

beforeAll(async () => {
  const specs = fc.sample(logSpec, { seed: SEED, numRuns: POOL });
  for (const s of specs) pool.push(await buildLog(s));
  // Logs of another salt whose records differ from every pool log's (each payload prefixed), so a leak shows.
  const others = fc.sample(logSpec, { seed: SEED + 1, numRuns: 2 });
  for (const [i, s] of others.entries())
    foreigners.push(
      await buildLog({
        ...s,
        compression: i === 0 ? 'none' : 'lz4',
        salt: s.salt + 7919,
        records: s.records.map((r) => Uint8Array.from([0xf0, ...r])),
      }),
    );
  console.log(
    `recovery-fuzz: seed ${SEED}, ${TOTAL_CASES} cases, pool of ${pool.length} logs (${pool.reduce((n, b) => n + b.segs.length, 0)} segments, ${pool.reduce((n, b) => n + b.frames, 0)} frames, ${pool.reduce((n, b) => n + b.records.length, 0)} records) built in ${Date.now() - started} ms`,
  );
}, 60_000);

function newStats(): Stats {
  return {
    cases: 0,
    damaged: 0,
    fileDamage: 0,
    recovered: 0,
    refused: 0,
    refusedByMode: { tolerateCorruptedTail: 0, absoluteConsistency: 0, pointInTime: 0, skipCorrupted: 0 },
    recoveredByMode: { tolerateCorruptedTail: 0, absoluteConsistency: 0, pointInTime: 0, skipCorrupted: 0 },
    shorterThanLog: 0,
    hijackSkipped: 0,
    maxGrowth: 0,
  };
}

const logIndex = fc.nat(POOL - 1);
const foreignIndex = fc.nat(1);
const placedBytes = fc.record({ file: fc.nat(), d: byteDamage });

const PROPERTIES: {
  name: string;
  share: number;
  bytes: fc.Arbitrary<{ file: number; d: ByteDamage }[]>;
  files: fc.Arbitrary<FileDamage[]>;
}[] = [
  {
    name: 'byte damage (flips, zeroed and garbage ranges, lying lengths, truncation)',
    share: 0.5,
    bytes: fc.array(placedBytes, { minLength: 1, maxLength: 3 }),
    files: fc.constant([]),
  },
  {
    name: 'file damage (deleted, duplicated, swapped, foreign segments, leftover prealloc) with some byte damage',
    share: 0.5,
    bytes: fc.array(placedBytes, { maxLength: 1 }),
    files: fc.array(fileDamage, { minLength: 1, maxLength: 3 }),
  },
];

describe('recovery fuzzing at scale', () => {
  for (const p of PROPERTIES) {
    const runs = Math.max(1, Math.round(TOTAL_CASES * p.share));
    it(
      `${p.name}: every mode keeps what it promises or refuses with a WalError (${runs} cases)`,
      async () => {
        const stats = newStats();
        const t0 = Date.now();
        await fc.assert(
          fc.asyncProperty(logIndex, foreignIndex, p.bytes, p.files, async (li, fi, bytes, files) => {
            await runCase(pool[li] as BaseLog, foreigners[fi] as BaseLog, bytes, files, stats);
          }),
          { numRuns: runs, seed: SEED, endOnFailure: false },
        );
        totals.push(stats);
        console.log(
          `recovery-fuzz [${p.name}]: ${stats.cases} cases (${stats.hijackSkipped} kept out) in ${Date.now() - t0} ms; damage applied in ${stats.damaged}, file damage in ${stats.fileDamage}; opens recovered ${stats.recovered}, refused ${stats.refused} (by mode ${JSON.stringify(stats.refusedByMode)}); pointInTime short of the whole log in ${stats.shorterThanLog}; largest arrayBuffers growth ${stats.maxGrowth} B`,
        );
        // Not vacuous: damage was applied, it cost records, and both outcomes occurred.
        expect(stats.cases).toBeGreaterThan(runs * 0.9);
        expect(stats.damaged).toBeGreaterThan(stats.cases * 0.9);
        expect(stats.shorterThanLog).toBeGreaterThan(0);
        expect(stats.recovered).toBeGreaterThan(0);
        expect(stats.refused).toBeGreaterThan(0);
        expect(stats.refusedByMode.tolerateCorruptedTail).toBeGreaterThan(0);
        expect(stats.refusedByMode.absoluteConsistency).toBeGreaterThan(stats.refusedByMode.tolerateCorruptedTail);
        for (const mode of MODES) expect(stats.recoveredByMode[mode], `${mode} recovered in some case`).toBeGreaterThan(0);
        if (p.files !== PROPERTIES[0]?.files) expect(stats.fileDamage).toBeGreaterThan(stats.cases * 0.9);
      },
      Math.max(600_000, runs * 25),
    );
  }

  it('the pool holds real logs: several segments each, lz4 frames, time marks, 0-byte and multi-KiB records', () => {
    expect(pool.filter((b) => b.segs.length >= 3).length).toBeGreaterThan(POOL / 2);
    expect(pool.reduce((n, b) => n + b.frames, 0)).toBeGreaterThan(0);
    const marks = (b: BaseLog): number => b.segs.flatMap((s) => s.entries).filter((e) => e.lastLsn < e.firstLsn).length;
    expect(pool.filter((b) => marks(b) > 0).length).toBeGreaterThan(0);
    expect(pool.filter((b) => marks(b) === 0).length).toBeGreaterThan(0);
    expect(pool.some((b) => b.records.some((r) => r.length === 0))).toBe(true);
    expect(pool.some((b) => b.records.some((r) => r.length >= 4096))).toBe(true);
    console.log(
      `recovery-fuzz: total ${totals.reduce((n, s) => n + s.cases, 0)} cases, wall time ${Date.now() - started} ms (seed ${SEED})`,
    );
  });
});
