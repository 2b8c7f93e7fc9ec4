/**
 * Path handling of the simulated filesystem: POSIX strings resolved against
 * the root ('/'). '.' and '..' are folded; a path that would climb above the
 * root, an empty path or one with a NUL byte is EINVAL (as NodeFileSystem does).
 */
import { fsError } from '../errors.js';

/** The components of a path below the root ([] is the root itself). */
export function splitPath(path: string, syscall: string): string[] {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
    throw fsError('EINVAL', syscall, String(path));
  }
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw fsError('EINVAL', syscall, path);
      out.pop();
    } else {
      out.push(part);
    }
  }
  return out;
}

/** '/a/b' for ['a', 'b'], '/' for []. */
export function joinPath(parts: readonly string[]): string {
  return `/${parts.join('/')}`;
}
