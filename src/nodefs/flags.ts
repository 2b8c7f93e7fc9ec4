/**
 * node:fs open flags (strings and numbers) decoded into what the open asks
 * for, and that mapped onto the port's flags. Strings are node's own list;
 * numbers are decoded with the facade's constants (Linux's values).
 */
import { constants as C } from './constants.js';
import { invalidArg, notSupported } from './errors.js';

export interface OpenMode {
  readonly read: boolean;
  readonly write: boolean;
  readonly create: boolean;
  readonly exclusive: boolean;
  readonly truncate: boolean;
  readonly append: boolean;
  /** O_DSYNC: every write is followed by fdatasync; O_SYNC: by fsync. */
  readonly sync: 'none' | 'data' | 'full';
  /** O_DIRECTORY: the path must be a directory. */
  readonly directory: boolean;
  /** The flags as the caller gave them, for messages. */
  readonly text: string;
}

const STRING_FLAGS: Record<string, number> = {
  r: C.O_RDONLY,
  rs: C.O_RDONLY | C.O_SYNC,
  sr: C.O_RDONLY | C.O_SYNC,
  'r+': C.O_RDWR,
  'rs+': C.O_RDWR | C.O_SYNC,
  'sr+': C.O_RDWR | C.O_SYNC,
  w: C.O_TRUNC | C.O_CREAT | C.O_WRONLY,
  wx: C.O_TRUNC | C.O_CREAT | C.O_WRONLY | C.O_EXCL,
  xw: C.O_TRUNC | C.O_CREAT | C.O_WRONLY | C.O_EXCL,
  'w+': C.O_TRUNC | C.O_CREAT | C.O_RDWR,
  'wx+': C.O_TRUNC | C.O_CREAT | C.O_RDWR | C.O_EXCL,
  'xw+': C.O_TRUNC | C.O_CREAT | C.O_RDWR | C.O_EXCL,
  a: C.O_APPEND | C.O_CREAT | C.O_WRONLY,
  ax: C.O_APPEND | C.O_CREAT | C.O_WRONLY | C.O_EXCL,
  xa: C.O_APPEND | C.O_CREAT | C.O_WRONLY | C.O_EXCL,
  as: C.O_APPEND | C.O_CREAT | C.O_WRONLY | C.O_SYNC,
  sa: C.O_APPEND | C.O_CREAT | C.O_WRONLY | C.O_SYNC,
  'a+': C.O_APPEND | C.O_CREAT | C.O_RDWR,
  'ax+': C.O_APPEND | C.O_CREAT | C.O_RDWR | C.O_EXCL,
  'xa+': C.O_APPEND | C.O_CREAT | C.O_RDWR | C.O_EXCL,
  'as+': C.O_APPEND | C.O_CREAT | C.O_RDWR | C.O_SYNC,
  'sa+': C.O_APPEND | C.O_CREAT | C.O_RDWR | C.O_SYNC,
};

/** Bits that change nothing here: the port has no symlinks, no access times, no terminals and never blocks. */
const HARMLESS = C.O_NOFOLLOW | C.O_NOATIME | C.O_NOCTTY | C.O_NONBLOCK;
const KNOWN = C.O_WRONLY | C.O_RDWR | C.O_CREAT | C.O_EXCL | C.O_TRUNC | C.O_APPEND | C.O_SYNC | C.O_DSYNC | C.O_DIRECTORY | HARMLESS;

export function parseOpenFlags(flags: unknown, fallback: string): OpenMode {
  const given = flags === undefined || flags === null ? fallback : flags;
  let bits: number;
  let text: string;
  if (typeof given === 'string') {
    const b = STRING_FLAGS[given];
    if (b === undefined) throw invalidArg(`unknown open flags '${given}'`);
    bits = b;
    text = given;
  } else if (typeof given === 'number' && Number.isSafeInteger(given) && given >= 0) {
    bits = given;
    text = `0o${given.toString(8)}`;
  } else {
    throw invalidArg(`open flags must be a string or a non-negative integer, got ${String(given)}`);
  }
  if ((bits & C.O_DIRECT) !== 0) throw notSupported('open', 'O_DIRECT (the port always goes through the page cache)');
  const unknown = bits & ~KNOWN;
  if (unknown !== 0) throw notSupported('open', `flag bits 0o${unknown.toString(8)}`);
  const access = bits & (C.O_WRONLY | C.O_RDWR);
  if (access === (C.O_WRONLY | C.O_RDWR)) throw invalidArg(`open flags ${text}: O_WRONLY and O_RDWR together`);
  const mode: OpenMode = {
    read: access !== C.O_WRONLY,
    write: access !== C.O_RDONLY,
    create: (bits & C.O_CREAT) !== 0,
    exclusive: (bits & C.O_EXCL) !== 0 && (bits & C.O_CREAT) !== 0,
    truncate: (bits & C.O_TRUNC) !== 0,
    append: (bits & C.O_APPEND) !== 0,
    sync: (bits & C.O_SYNC) === C.O_SYNC ? 'full' : (bits & C.O_DSYNC) !== 0 ? 'data' : 'none',
    directory: (bits & C.O_DIRECTORY) !== 0,
    text,
  };
  if (mode.truncate && !mode.write) throw invalidArg(`open flags ${text}: O_TRUNC needs write access`);
  if (mode.directory && (mode.write || mode.create || mode.truncate))
    throw invalidArg(`open flags ${text}: O_DIRECTORY opens a directory for reading only`);
  if (mode.append && !mode.create) throw notSupported('open', `flags ${text}: O_APPEND without O_CREAT (the port's append flags create)`);
  return mode;
}

/**
 * How an open reaches the port: one port flag (with a truncate to 0 right
 * after it where the port has no flag that both opens and truncates: O_TRUNC
 * without O_CREAT, or with O_APPEND), or the emulation of O_CREAT alone
 * ('create': tried as 'r+', then 'wx+' when absent). Neither emulation
 * changes anything durable that the one call would not.
 */
export type PortOpen = { kind: 'flag'; flag: 'r' | 'r+' | 'w+' | 'wx+' | 'a+' | 'ax+'; truncateAfter: boolean } | { kind: 'create' };

export function portOpenFor(mode: OpenMode): PortOpen {
  if (mode.create) {
    // A file made exclusively is empty: O_TRUNC has nothing to do.
    if (mode.exclusive) return { kind: 'flag', flag: mode.append ? 'ax+' : 'wx+', truncateAfter: false };
    if (mode.append) return { kind: 'flag', flag: 'a+', truncateAfter: mode.truncate };
    if (mode.truncate) return { kind: 'flag', flag: 'w+', truncateAfter: false };
    return { kind: 'create' };
  }
  if (mode.truncate) return { kind: 'flag', flag: 'r+', truncateAfter: true };
  return { kind: 'flag', flag: mode.write ? 'r+' : 'r', truncateAfter: false };
}
