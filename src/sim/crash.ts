/**
 * Crash images: what a power cut can leave on the medium, given the Disk's
 * durable state and its pending operations.
 *
 * The choices a crash makes, one "choice point" each:
 * - directories: a prefix (in completion order) of the pending directory
 *   operations survives (radix: pending ops + 1);
 * - per file, its size: the size after some prefix of its pending writes and
 *   truncates (metadata reaches the medium in order); only prefixes that change
 *   the size are distinct choices. Content past what was kept reads as zeros;
 * - per pending write, per sector it covers on the medium: kept or lost
 *   (lost whole, kept whole, torn, and any subset across writes, which is
 *   out-of-order persistence). A write forced torn by a fault keeps a strict
 *   prefix of its sectors instead (one choice point, radix = its sectors).
 *
 * `sampleCrashImage` draws one assignment with a seeded Rng; `enumerateCrashImages`
 * walks every assignment up to a cap and keeps the distinct images.
 */
import { WalError } from '../errors.js';
import { Bytes } from './bytes.js';
import { applyEntryChange, ROOT_INO, type Disk, type DirNode, type FileNode, type PendingWrite } from './disk.js';
import { imageFileSize, sparseImageFile, type DiskImage } from './image.js';
import { joinPath } from './paths.js';
import type { Rng } from '../rng.js';

interface WritePlan {
  readonly op: PendingWrite;
  /** [start, end) medium offsets of each sector-aligned chunk. */
  readonly chunks: readonly (readonly [number, number])[];
  /** Index of this write's first choice point. */
  readonly point: number;
}

interface FilePlan {
  readonly node: FileNode;
  /** Candidate counts of pending ops whose size effect persisted. */
  readonly sizePoints: readonly number[];
  readonly sizePoint: number;
  readonly writes: readonly WritePlan[];
}

/** The crash choice space of one frozen disk. */
export class CrashSpace {
  readonly radices: number[] = [];
  private readonly files: FilePlan[] = [];
  /**
   * Content of files with nothing pending, one frozen copy (pages shared) per
   * file for every image of this space: their `data` is one buffer, shared.
   */
  private readonly stable = new Map<number, Bytes>();
  /** The buffers of `stable`'s contents, built when first asked for (isStable), for the first `stableSeen` of them. */
  private readonly stableSet = new Set<Uint8Array>();
  private stableSeen = 0;
  private readonly dirPoint: number;

  constructor(
    private readonly disk: Disk,
    readonly sectorSize: number,
  ) {
    if (!Number.isSafeInteger(sectorSize) || sectorSize <= 0)
      throw new WalError('EINVAL', `sectorSize must be a positive integer, got ${sectorSize}`);
    this.dirPoint = this.addPoint(disk.pendingDirOps.length + 1);
    const referenced = new Set<number>();
    for (const n of disk.inodes.values()) if (n.kind === 'dir') for (const ino of n.durable.values()) referenced.add(ino);
    for (const op of disk.pendingDirOps) for (const c of op.changes) if (c.ino !== null) referenced.add(c.ino);
    for (const ino of [...referenced].sort((a, b) => a - b)) {
      const node = disk.inodes.get(ino);
      if (node === undefined || node.kind !== 'file' || node.pending.length === 0) continue;
      this.files.push(this.planFile(node));
    }
  }

  private addPoint(radix: number): number {
    this.radices.push(radix);
    return this.radices.length - 1;
  }

  private planFile(node: FileNode): FilePlan {
    const sizePoints = [0];
    let prev = node.durable.size;
    node.pending.forEach((op, i) => {
      if (op.sizeAfter !== prev) sizePoints.push(i + 1);
      prev = op.sizeAfter;
    });
    const sizePoint = this.addPoint(sizePoints.length);
    const writes: WritePlan[] = [];
    for (const op of node.pending) {
      if (op.type !== 'write') continue;
      const chunks: [number, number][] = [];
      const end = op.target + op.length;
      for (let s = op.target; s < end;) {
        const next = Math.min(end, (Math.floor(s / this.sectorSize) + 1) * this.sectorSize);
        chunks.push([s, next]);
        s = next;
      }
      let point: number;
      if (op.torn) {
        point = this.addPoint(chunks.length);
      } else {
        point = this.radices.length;
        for (let c = 0; c < chunks.length; c++) this.addPoint(2);
      }
      writes.push({ op, chunks, point });
    }
    return { node, sizePoints, sizePoint, writes };
  }

  /** Number of assignments (may be Infinity when astronomically large). */
  get total(): number {
    let t = 1;
    for (const r of this.radices) t *= r;
    return t;
  }

  /** One assignment drawn with the rng: each write lost, kept or torn with equal odds. */
  sample(rng: Rng): number[] {
    const choice = this.radices.map(() => 0);
    choice[this.dirPoint] = rng.nextInt(this.radices[this.dirPoint] as number);
    for (const f of this.files) {
      choice[f.sizePoint] = rng.nextInt(f.sizePoints.length);
      for (const w of f.writes) {
        if (w.op.torn) {
          choice[w.point] = rng.nextInt(w.chunks.length);
          continue;
        }
        const mode = rng.nextInt(3); // 0 lost, 1 kept, 2 torn (each sector a coin)
        for (let c = 0; c < w.chunks.length; c++) choice[w.point + c] = mode === 0 ? 0 : mode === 1 ? 1 : rng.nextInt(2);
      }
    }
    return choice;
  }

  /** Directories whose durable entries the kept prefix of pending directory operations changed: their entries after it. */
  private dirMapsFor(choice: readonly number[]): Map<number, Map<string, number>> {
    const disk = this.disk;
    const dirMaps = new Map<number, Map<string, number>>();
    const prefix = choice[this.dirPoint] ?? 0;
    for (let i = 0; i < prefix; i++) {
      const op = disk.pendingDirOps[i];
      if (op === undefined) break;
      for (const c of op.changes) {
        if (c.done) continue;
        let m = dirMaps.get(c.dir);
        if (m === undefined) {
          const dir = disk.inodes.get(c.dir) as DirNode;
          m = new Map(dir.durable);
          dirMaps.set(c.dir, m);
        }
        applyEntryChange(m, c);
      }
    }
    return dirMaps;
  }

  /** The durable image an assignment yields. */
  build(choice: readonly number[]): DiskImage {
    const disk = this.disk;
    const dirMaps = this.dirMapsFor(choice);
    const contents = new Map<number, Bytes>();
    for (const f of this.files) contents.set(f.node.ino, this.fileContent(f, choice));

    const image: DiskImage = { dirs: [], files: [] };
    const onPath = new Set<number>();
    const walk = (ino: number, parts: string[]): void => {
      const dir = disk.inodes.get(ino) as DirNode;
      onPath.add(ino);
      const entries = dirMaps.get(ino) ?? dir.durable;
      for (const [name, child] of [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
        const node = disk.inodes.get(child);
        if (node === undefined) continue;
        const p = [...parts, name];
        if (node.kind === 'dir') {
          if (onPath.has(child)) continue;
          image.dirs.push(joinPath(p));
          walk(child, p);
        } else {
          image.files.push(sparseImageFile(joinPath(p), contents.get(child) ?? this.stableContent(node)));
        }
      }
      onPath.delete(ino);
    };
    walk(ROOT_INO, []);
    return image;
  }

  private stableContent(node: FileNode): Bytes {
    let content = this.stable.get(node.ino);
    if (content === undefined) {
      content = node.durable.clone();
      this.stable.set(node.ino, content);
    }
    return content;
  }

  /** True when `data` is the shared content of a file with nothing pending (equal across images by identity). */
  isStable(data: Uint8Array): boolean {
    if (this.stableSeen < this.stable.size) {
      for (const content of [...this.stable.values()].slice(this.stableSeen)) this.stableSet.add(content.view());
      this.stableSeen = this.stable.size;
    }
    return this.stableSet.has(data);
  }

  /** Per file of `image` (built from `choice`), which sectors and writes the crash kept. */
  describe(choice: readonly number[], image: DiskImage): CrashImageMap {
    const ss = this.sectorSize;
    const byPath = new Map<string, FilePlan>();
    const nodes = new Map<string, FileNode>();
    // Paths of the image name inodes: find them by walking the same way build() does.
    const inoOfPath = this.pathInodes(choice);
    for (const f of this.files) for (const [p, ino] of inoOfPath) if (ino === f.node.ino) byPath.set(p, f);
    for (const [p, ino] of inoOfPath) {
      const n = this.disk.inodes.get(ino);
      if (n !== undefined && n.kind === 'file') nodes.set(p, n);
    }
    const files: CrashFileMap[] = [];
    for (const file of image.files) {
      const size = imageFileSize(file);
      const node = nodes.get(file.path);
      const plan = byPath.get(file.path);
      const sectors = Math.ceil(size / ss);
      // per sector: bit 1 = a pending write over it was kept, bit 2 = one was lost
      const marks = new Uint8Array(sectors);
      const writes: CrashWriteFact[] = [];
      if (plan !== undefined) {
        for (const w of plan.writes) {
          let kept = 0;
          w.chunks.forEach(([s, e], c) => {
            const k = w.op.torn ? c < (choice[w.point] ?? 0) : (choice[w.point + c] ?? 0) === 1;
            if (k) kept++;
            for (let sec = Math.floor(s / ss); sec * ss < e && sec < sectors; sec++) marks[sec] = (marks[sec] ?? 0) | (k ? 1 : 2);
          });
          const first = w.chunks[0];
          const last = w.chunks[w.chunks.length - 1];
          if (first === undefined || last === undefined) continue;
          writes.push({ start: first[0], end: last[1], keptSectors: kept, sectors: w.chunks.length, forcedTorn: w.op.torn });
        }
      }
      const ranges: CrashFileMap['ranges'] = [];
      for (let sec = 0; sec < sectors; sec++) {
        const m = marks[sec] ?? 0;
        const state: CrashSectorState = m === 0 ? 'durable' : m === 1 ? 'kept' : m === 2 ? 'lost' : 'mixed';
        const start = sec * ss;
        const end = Math.min(size, start + ss);
        const prev = ranges[ranges.length - 1];
        if (prev !== undefined && prev.state === state && prev.end === start) prev.end = end;
        else ranges.push({ start, end, state });
      }
      files.push({
        path: file.path,
        size,
        durableSize: node?.durable.size ?? size,
        cacheSize: node?.cache.size ?? size,
        sectorSize: ss,
        ranges,
        writes,
      });
    }
    return { sectorSize: ss, pendingDirOps: this.disk.pendingDirOps.length, keptDirOps: choice[this.dirPoint] ?? 0, files };
  }

  /** Path -> inode of every file the image of `choice` holds (the walk of build()). */
  private pathInodes(choice: readonly number[]): Map<string, number> {
    const disk = this.disk;
    const dirMaps = this.dirMapsFor(choice);
    const out = new Map<string, number>();
    const onPath = new Set<number>();
    const walk = (ino: number, parts: string[]): void => {
      onPath.add(ino);
      const entries = dirMaps.get(ino) ?? (disk.inodes.get(ino) as DirNode).durable;
      for (const [name, child] of entries) {
        const node = disk.inodes.get(child);
        if (node === undefined) continue;
        const p = [...parts, name];
        if (node.kind === 'dir') {
          if (!onPath.has(child)) walk(child, p);
        } else out.set(joinPath(p), child);
      }
      onPath.delete(ino);
    };
    walk(ROOT_INO, []);
    return out;
  }

  /** The file's content in the image of `choice`: a Bytes of its own, never changed after. */
  private fileContent(f: FilePlan, choice: readonly number[]): Bytes {
    const k = f.sizePoints[choice[f.sizePoint] ?? 0] ?? 0;
    const b: Bytes = f.node.durable.clone();
    let w = 0;
    f.node.pending.forEach((op, i) => {
      if (op.type === 'truncate') {
        if (i < k) b.truncate(op.size);
        return;
      }
      const plan = f.writes[w++] as WritePlan;
      const keep = (c: number): boolean => (plan.op.torn ? c < (choice[plan.point] ?? 0) : (choice[plan.point + c] ?? 0) === 1);
      // Runs of kept sectors are copied as one (whole pages of the write are then shared, not copied).
      let runStart = -1;
      let runEnd = -1;
      const flush = (): void => {
        if (runStart >= 0) b.writeFrom(op.data, op.dataStart + (runStart - op.target), runEnd - runStart, runStart);
        runStart = -1;
      };
      plan.chunks.forEach(([s, e], c) => {
        if (!keep(c)) flush();
        else if (runStart >= 0 && runEnd === s) runEnd = e;
        else {
          flush();
          runStart = s;
          runEnd = e;
        }
      });
      flush();
    });
    const finalSize = k === 0 ? f.node.durable.size : (f.node.pending[k - 1]?.sizeAfter ?? f.node.durable.size);
    b.truncate(finalSize);
    return b;
  }
}

/** What happened to one stretch of a crash image file: see CrashFileMap. */
export type CrashSectorState = 'durable' | 'kept' | 'lost' | 'mixed';

/** One pending write of a file at the crash, and what the crash kept of it. */
export interface CrashWriteFact {
  /** [start, end) on the medium (where the write landed: differs from its offset after a misdirected write). */
  start: number;
  end: number;
  /** Sectors of the write that reached the medium. */
  keptSectors: number;
  sectors: number;
  /** Forced torn by a fault (a crash keeps a strict prefix of it). */
  forcedTorn: boolean;
}

/**
 * Per file of a crash image, which sectors survived: `ranges` cover
 * [0, size) in order, each run of sectors in one state: 'durable' (no pending
 * write touched it: the medium's bytes as of the last sync), 'kept' (every
 * pending write over it reached the medium), 'lost' (pending writes covered it
 * and none reached the medium: older bytes or zeros), 'mixed' (some did and
 * some did not). A write kept in part is torn (`writes`).
 */
export interface CrashFileMap {
  path: string;
  /** Bytes of the file in the image. */
  size: number;
  /** Bytes durable on the medium before the crash (its size as of the last sync). */
  durableSize: number;
  /** Size in the page cache when the power went: what the process saw. */
  cacheSize: number;
  sectorSize: number;
  ranges: { start: number; end: number; state: CrashSectorState }[];
  writes: CrashWriteFact[];
}

/** The facts of one crash image: the per-sector map of each file and the directory operations kept. Not part of the trace. */
export interface CrashImageMap {
  sectorSize: number;
  /** Pending directory operations at the crash, and how many of them (a prefix) survived. */
  pendingDirOps: number;
  keptDirOps: number;
  files: CrashFileMap[];
}

/** One crash image drawn with the rng and what it kept, sector by sector (the same draws as sampleCrashImage). */
export function sampleCrashImageWithMap(disk: Disk, sectorSize: number, rng: Rng): { image: DiskImage; map: CrashImageMap } {
  const space = new CrashSpace(disk, sectorSize);
  const choice = space.sample(rng);
  const image = space.build(choice);
  return { image, map: space.describe(choice, image) };
}

/** One sampled crash image. */
export function sampleCrashImage(disk: Disk, sectorSize: number, rng: Rng): DiskImage {
  const space = new CrashSpace(disk, sectorSize);
  return space.build(space.sample(rng));
}

export interface CrashEnumeration {
  /** Distinct images, in enumeration order. */
  images: DiskImage[];
  /** Assignments examined (each yields one image, many equal). */
  explored: number;
  /** Total assignments in the space (Infinity when too large to count). */
  total: number;
  /** True when the cap stopped the walk before every assignment was examined. */
  capped: boolean;
}

/** Every distinct crash image, examining at most `cap` assignments. */
export function enumerateCrashImages(disk: Disk, sectorSize: number, cap: number): CrashEnumeration {
  if (!Number.isSafeInteger(cap) || cap <= 0) throw new WalError('EINVAL', `crash image cap must be a positive integer, got ${cap}`);
  const space = new CrashSpace(disk, sectorSize);
  const radices = space.radices;
  const choice = radices.map(() => 0);
  const seen = new Set<string>();
  const stableIds = new Map<Uint8Array, string>();
  const enumerationKey = (image: DiskImage, ids: Map<Uint8Array, string>): string => {
    // Like diskImageKey, but content shared by every image is named, not re-encoded.
    const parts: string[] = image.dirs.map((d) => `d ${d}`);
    for (const f of image.files) {
      let id = ids.get(f.data);
      if (id === undefined && space.isStable(f.data)) {
        id = `#${ids.size}`;
        ids.set(f.data, id);
      }
      parts.push(`f ${f.path} ${id ?? Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength).toString('base64')}`);
    }
    return parts.join('\n');
  };
  const images: DiskImage[] = [];
  let explored = 0;
  for (;;) {
    if (explored >= cap) break;
    const image = space.build(choice);
    explored++;
    const key = enumerationKey(image, stableIds);
    if (!seen.has(key)) {
      seen.add(key);
      images.push(image);
    }
    // Mixed-radix increment.
    let i = 0;
    while (i < radices.length) {
      const r = radices[i] as number;
      const v = (choice[i] as number) + 1;
      if (v < r) {
        choice[i] = v;
        break;
      }
      choice[i] = 0;
      i++;
    }
    if (i === radices.length) break;
  }
  const total = space.total;
  return { images, explored, total, capped: explored < total };
}
