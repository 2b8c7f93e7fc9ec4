/**
 * A backup plus archived segments, read as one log directory (roadmap 6.4:
 * restore from a base backup and the segments archived after it).
 *
 * The union is a read-only FileSystem whose directory `.` lists the segment
 * files of every source: the first source (a backup, or a log directory),
 * then each archive in turn. A segment present in several sources is taken
 * from the longest copy, and only when every shorter copy is a byte prefix of
 * it: the backup holds the active segment as far as it was written when the
 * backup began, an archive holds the same segment sealed. Copies that differ
 * are refused (ECORRUPT), never chosen between. What the union lists is then
 * judged by recovery like any log: a segment of another log (another salt)
 * or a missing one in the middle is mid-log damage, so a restore reaches as
 * far as the chain is whole and no further.
 */
import { errorCode, WalError } from '../errors.js';
import type { FileHandle, FileStat, FileSystem, OpenFlags } from '../ports.js';
import { parseSegmentName } from './format.js';
import { joinPath } from './segments.js';

/** One place segments are read from: a filesystem and a directory in it. */
export interface SegmentSource {
  fs: FileSystem;
  dir: string;
}

const CHUNK = 1024 * 1024;

function readOnly(call: string): WalError {
  return new WalError('EINVAL', `${call}: a backup read together with archived segments is read-only`);
}

/** Whether the first `length` bytes of a and b are equal, read in chunks. */
async function samePrefix(a: FileHandle, b: FileHandle, length: number): Promise<boolean> {
  const x = new Uint8Array(Math.min(CHUNK, Math.max(1, length)));
  const y = new Uint8Array(x.length);
  for (let at = 0; at < length;) {
    const want = Math.min(x.length, length - at);
    const [n, m] = await Promise.all([a.read(x.subarray(0, want), at), b.read(y.subarray(0, want), at)]);
    if (n !== want || m !== want) return false;
    for (let i = 0; i < want; i++) if (x[i] !== y[i]) return false;
    at += want;
  }
  return true;
}

class SegmentUnion implements FileSystem {
  constructor(private readonly chosen: ReadonlyMap<string, SegmentSource>) {}

  private sourceOf(path: string): { source: SegmentSource; name: string } {
    const name = path.startsWith('./') ? path.slice(2) : path;
    const source = this.chosen.get(name);
    if (source === undefined) {
      throw Object.assign(new Error(`ENOENT: no such segment in the backup or the archives, '${path}'`), { code: 'ENOENT', path });
    }
    return { source, name };
  }

  async open(path: string, flags: OpenFlags): Promise<FileHandle> {
    if (flags !== 'r') throw readOnly(`open ${path} (${flags})`);
    const { source, name } = this.sourceOf(path);
    return source.fs.open(joinPath(source.dir, name), 'r');
  }

  readdir(path: string): Promise<string[]> {
    if (path !== '.' && path !== '') return Promise.reject(readOnly(`readdir ${path}`));
    return Promise.resolve([...this.chosen.keys()]);
  }

  async stat(path: string): Promise<FileStat> {
    if (path === '.' || path === '') return { size: 0, isFile: false, isDirectory: true };
    const { source, name } = this.sourceOf(path);
    return source.fs.stat(joinPath(source.dir, name));
  }

  mkdir(path: string): Promise<void> {
    // recoverLog's directory is `.`, which exists; anything else would be a write.
    return path === '.' ? Promise.resolve() : Promise.reject(readOnly(`mkdir ${path}`));
  }

  rename(from: string): Promise<void> {
    return Promise.reject(readOnly(`rename ${from}`));
  }

  unlink(path: string): Promise<void> {
    return Promise.reject(readOnly(`unlink ${path}`));
  }

  syncDir(path: string): Promise<void> {
    return Promise.reject(readOnly(`syncDir ${path}`));
  }
}

async function sizeOf(s: SegmentSource, name: string): Promise<number> {
  return (await s.fs.stat(joinPath(s.dir, name))).size;
}

async function segmentNames(s: SegmentSource): Promise<string[]> {
  try {
    return (await s.fs.readdir(s.dir)).filter((n) => parseSegmentName(n) !== undefined);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') throw new WalError('EINVAL', `${s.dir}: no such directory of segments`, { cause: err });
    throw err;
  }
}

/**
 * The sources' segments as one read-only log directory `.` (see the module
 * comment). ECORRUPT when two copies of a segment disagree on the bytes they
 * both hold.
 */
export async function segmentUnion(sources: readonly SegmentSource[]): Promise<FileSystem> {
  const chosen = new Map<string, SegmentSource>();
  for (const source of sources) {
    for (const name of await segmentNames(source)) {
      const held = chosen.get(name);
      if (held === undefined) {
        chosen.set(name, source);
        continue;
      }
      const [heldSize, size] = [await sizeOf(held, name), await sizeOf(source, name)];
      const [short, long] = size > heldSize ? [held, source] : [source, held];
      const a = await short.fs.open(joinPath(short.dir, name), 'r');
      try {
        const b = await long.fs.open(joinPath(long.dir, name), 'r');
        try {
          if (!(await samePrefix(a, b, Math.min(size, heldSize)))) {
            throw new WalError('ECORRUPT', `${name} in ${source.dir} differs from the copy in ${held.dir}: not the same log's segment`, {
              details: { segment: name, dirs: [held.dir, source.dir] },
            });
          }
        } finally {
          await b.close();
        }
      } finally {
        await a.close();
      }
      chosen.set(name, long);
    }
  }
  return new SegmentUnion(chosen);
}
