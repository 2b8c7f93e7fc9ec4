/**
 * The per-log salt (8 bytes). With a random source (the `random` option) it
 * is drawn from it; without one it is derived from the injected clock and a
 * hash of the directory's state (never Math.random or node:crypto). Either
 * way it differs from every salt found in files of the directory that could
 * not be read as this log's segments, so their records never validate.
 */
import { WalError } from '../errors.js';
import { bytesEqual, crc32, SALT_SIZE } from './format.js';

/** Attempts before giving up on finding a salt unlike the ones to avoid (each collides with probability ~2^-64). */
const MAX_ATTEMPTS = 64;

function fromRandom(random: () => number): Uint8Array {
  const out = new Uint8Array(SALT_SIZE);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 2; i++) {
    const r = random();
    if (typeof r !== 'number' || !(r >= 0 && r < 1))
      throw new WalError('EINVAL', `the random option returned ${String(r)}, not a number in [0, 1)`);
    view.setUint32(i * 4, Math.floor(r * 0x1_0000_0000) >>> 0, true);
  }
  return out;
}

function fromState(now: number, state: readonly Uint8Array[], attempt: number): Uint8Array {
  const enc = new TextEncoder();
  let h1 = crc32(enc.encode(`faultline-salt:${now}:${attempt}`));
  for (const s of state) h1 = crc32(s, h1);
  const h2 = crc32(enc.encode(`${h1}:${now}:${state.length}:${attempt}`), h1 ^ 0x9e3779b9);
  const out = new Uint8Array(SALT_SIZE);
  const view = new DataView(out.buffer);
  view.setUint32(0, h1, true);
  view.setUint32(4, h2, true);
  return out;
}

export function newSalt(opts: {
  random: (() => number) | undefined;
  now: number;
  state: readonly Uint8Array[];
  avoid: readonly Uint8Array[];
}): Uint8Array {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const salt = opts.random !== undefined ? fromRandom(opts.random) : fromState(opts.now, opts.state, attempt);
    if (!opts.avoid.some((a) => bytesEqual(a, salt))) return salt;
  }
  throw new WalError('EINVAL', 'could not find a salt unlike the stale ones in the directory (is the random option constant?)');
}
