/**
 * DiskImage: what survives on the medium (after a crash or a clean close), as
 * plain data: every directory and every file with its exact bytes. Paths are
 * absolute ('/wal/000001.log'), sorted; the root is implied. Saving and loading
 * is lossless for binary content (base64 inside JSON).
 */
import { WalError } from '../errors.js';
import { Bytes } from './bytes.js';

export interface DiskImageFile {
  path: string;
  data: Uint8Array;
}

/**
 * The sparse content behind image files the simulator made (crash and
 * shutdown images), by file entry. Such an entry's `data` is built from it
 * only when first read, so an image of a preallocated 64 MiB segment costs
 * its written pages, not 64 MiB, and the next epoch loads it without copying
 * (pages shared copy-on-write). Assigning `data` cuts the link.
 */
const sparseContent = new WeakMap<DiskImageFile, Bytes>();

/**
 * An image file over `content`, which must never change afterwards (pass a
 * clone or a Bytes no one else holds). `data` is an enumerable property like
 * that of any other entry (JSON, spreads and equality see it), materialised
 * once, on first read, as `content.view()`.
 */
export function sparseImageFile(path: string, content: Bytes): DiskImageFile {
  const file = { path } as DiskImageFile;
  Object.defineProperty(file, 'data', {
    enumerable: true,
    configurable: true,
    get: () => content.view(),
    set: (data: Uint8Array) => {
      sparseContent.delete(file);
      Object.defineProperty(file, 'data', { value: data, enumerable: true, configurable: true, writable: true });
    },
  });
  sparseContent.set(file, content);
  return file;
}

/** The content of an image file as Bytes of its own (shared copy-on-write with the image: neither changes the other). */
export function imageFileBytes(file: DiskImageFile): Bytes {
  const content = sparseContent.get(file);
  return content === undefined ? Bytes.sharing(file.data) : content.clone();
}

/** The length of an image file's content, without materialising it. */
export function imageFileSize(file: DiskImageFile): number {
  return sparseContent.get(file)?.size ?? file.data.length;
}

export interface DiskImage {
  dirs: string[];
  files: DiskImageFile[];
}

export const EMPTY_DISK_IMAGE: DiskImage = Object.freeze({ dirs: [], files: [] }) as DiskImage;

/** Sorts paths so equal images have equal order. */
export function normalizeDiskImage(image: DiskImage): DiskImage {
  const dirs = [...image.dirs].sort();
  const files = [...image.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { dirs, files };
}

/** A string that is equal for two images exactly when they hold the same tree and bytes. */
export function diskImageKey(image: DiskImage): string {
  const n = normalizeDiskImage(image);
  const parts: string[] = [];
  for (const d of n.dirs) parts.push(`d ${d}`);
  for (const f of n.files) parts.push(`f ${f.path} ${Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength).toString('base64')}`);
  return parts.join('\n');
}

export function diskImagesEqual(a: DiskImage, b: DiskImage): boolean {
  return diskImageKey(a) === diskImageKey(b);
}

interface SavedDiskImage {
  format: 'faultline-disk-image';
  version: 1;
  dirs: string[];
  files: { path: string; base64: string }[];
}

/** Serialises an image to JSON text, binary-safe. */
export function saveDiskImage(image: DiskImage): string {
  const n = normalizeDiskImage(image);
  const saved: SavedDiskImage = {
    format: 'faultline-disk-image',
    version: 1,
    dirs: n.dirs,
    files: n.files.map((f) => ({
      path: f.path,
      base64: Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength).toString('base64'),
    })),
  };
  return JSON.stringify(saved);
}

/** Parses what saveDiskImage wrote; rejects anything else with WalError EINVAL. */
export function loadDiskImage(text: string): DiskImage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new WalError('EINVAL', 'disk image is not JSON', { cause });
  }
  const p = parsed as Partial<SavedDiskImage> | null;
  if (p === null || typeof p !== 'object' || p.format !== 'faultline-disk-image' || p.version !== 1) {
    throw new WalError('EINVAL', 'not a faultline disk image (format/version)');
  }
  if (!Array.isArray(p.dirs) || !p.dirs.every((d) => typeof d === 'string' && d.startsWith('/'))) {
    throw new WalError('EINVAL', 'disk image: dirs must be absolute path strings');
  }
  if (!Array.isArray(p.files)) throw new WalError('EINVAL', 'disk image: files must be an array');
  const files: DiskImageFile[] = [];
  for (const f of p.files as unknown[]) {
    const e = f as { path?: unknown; base64?: unknown } | null;
    if (e === null || typeof e !== 'object' || typeof e.path !== 'string' || !e.path.startsWith('/') || typeof e.base64 !== 'string') {
      throw new WalError('EINVAL', 'disk image: each file needs an absolute path and base64 data');
    }
    files.push({ path: e.path, data: new Uint8Array(Buffer.from(e.base64, 'base64')) });
  }
  return normalizeDiskImage({ dirs: p.dirs, files });
}

/** Total bytes of file content in an image. */
export function diskImageBytes(image: DiskImage): number {
  let n = 0;
  for (const f of image.files) n += imageFileSize(f);
  return n;
}
