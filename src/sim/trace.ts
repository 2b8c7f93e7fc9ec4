/**
 * Trace: every filesystem operation, fault, crash and recovery of a run as
 * JSON lines stamped with virtual time, plus a running hash of those lines
 * (two FNV-1a 32-bit lanes) that is equal for equal runs. Lines beyond
 * `maxLines` still feed the hash but are not kept.
 */
import { WalError } from '../errors.js';

export interface TraceEvent {
  /** Position in the trace, from 0. */
  seq: number;
  /** Virtual time in milliseconds. */
  t: number;
  /** What happened: 'op', 'fault', 'crash', 'epoch', 'phase', or a caller's own kind. */
  ev: string;
  [field: string]: unknown;
}

export class Trace {
  private readonly kept: string[] = [];
  private readonly maxLines: number;
  private count = 0;
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193 ^ 0x5bd1e995;

  constructor(opts: { maxLines?: number } = {}) {
    this.maxLines = opts.maxLines ?? 1_000_000;
    if (!Number.isSafeInteger(this.maxLines) || this.maxLines < 0)
      throw new WalError('EINVAL', 'Trace maxLines must be a non-negative integer');
  }

  /** Appends one event. Fields must be JSON-serialisable (no binary payloads: record lengths). */
  record(ev: string, t: number, fields: Record<string, unknown> = {}): void {
    const line = JSON.stringify({ seq: this.count, t, ev, ...fields });
    this.count++;
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h2 >>> 13);
    }
    h1 = Math.imul(h1 ^ 10, 0x01000193);
    h2 = Math.imul(h2 ^ 10, 0x01000193);
    this.h1 = h1;
    this.h2 = h2;
    if (this.kept.length < this.maxLines) this.kept.push(line);
  }

  /** Events recorded (kept or not). */
  get length(): number {
    return this.count;
  }

  /** True when some lines were hashed but not kept. */
  get truncated(): boolean {
    return this.count > this.kept.length;
  }

  get lines(): readonly string[] {
    return this.kept;
  }

  /** 16 hex digits identifying the sequence of events. */
  hash(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, '0') + (this.h2 >>> 0).toString(16).padStart(8, '0');
  }

  toJsonLines(): string {
    return this.kept.length === 0 ? '' : `${this.kept.join('\n')}\n`;
  }

  /** The events of a JSON-lines trace; WalError EINVAL on a malformed line. */
  static parse(text: string): TraceEvent[] {
    const out: TraceEvent[] = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let e: unknown;
      try {
        e = JSON.parse(line);
      } catch (cause) {
        throw new WalError('EINVAL', `trace line ${i + 1} is not JSON`, { cause });
      }
      const ev = e as Partial<TraceEvent> | null;
      if (ev === null || typeof ev !== 'object' || typeof ev.seq !== 'number' || typeof ev.t !== 'number' || typeof ev.ev !== 'string') {
        throw new WalError('EINVAL', `trace line ${i + 1} lacks seq, t or ev`);
      }
      out.push(ev as TraceEvent);
    });
    return out;
  }
}

/** Index of the first differing line of two traces, or -1 when one is equal to the other. */
export function firstTraceDivergence(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
