/**
 * Reading segments for recovery: each segment is read whole, in 1 MiB chunks
 * in the background, while recovery verifies the bytes already read
 * (docs/format.md, "Recovery", how a segment is read). Nothing here judges a
 * byte beyond "is it zero": the scan (segment-scan.ts) and the policy
 * (recovery.ts) decide what the bytes mean.
 *
 * The order in which reads are issued is part of a run's trace (the
 * simulator hashes it), so it is fixed here and nowhere else: two chunk reads
 * in flight while the chunks hold data, one at a time through a reused
 * scratch buffer after the first all-zero chunk, and the next segment's read
 * started as soon as the previous one's has ended, never two segments at once.
 */
import { assert, present } from '../assert.js';
import { errorCode, WalError } from '../errors.js';
import type { FileHandle, FileSystem } from '../ports.js';
import { isZero, RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE } from './format.js';

/** Largest file recovery reads into memory. */
const MAX_READ_BYTES = 2 ** 31 - 1;
/** Read size of recovery: the data region is read in place, the zero-filled rest through one reused chunk. */
const READ_CHUNK = 1024 * 1024;
/** Chunk reads in flight while reading data in place (the thread pool fills fresh pages in parallel). */
const READS_IN_FLIGHT = 2;

export interface SegmentBytes {
  /** The whole file's length (bytes read). */
  size: number;
  /** The file's bytes, as long as the file; bytes past `dataEnd` are zero. */
  buf: Uint8Array;
  /** Every byte at or after this offset is zero (a multiple of READ_CHUNK, or size). */
  dataEnd: number;
}

/**
 * Reads a whole segment in the background, chunk after chunk, while recovery
 * verifies the bytes already read (`until`). Chunks are read straight into
 * the result while they hold data; once a chunk is all zero (the preallocated
 * tail), later chunks go through one reused scratch buffer and are copied
 * over only if non-zero, so the zero tail of a 64 MiB segment costs
 * cache-hot reads and native compares, not fresh pages.
 */
export class SegmentReader {
  /** Bytes read so far, from offset 0. */
  available = 0;
  buf: Uint8Array = new Uint8Array(0);
  finished = false;
  private failure: unknown;
  private waiters: { need: number; resolve: () => void; reject: (err: unknown) => void }[] = [];
  /** Resolves with the whole segment once read; rejects with WalError EIO (or ECORRUPT for an oversized file). */
  readonly done: Promise<SegmentBytes>;

  constructor(
    private readonly fs: FileSystem,
    private readonly path: string,
    private readonly scratch: Uint8Array,
  ) {
    this.done = this.run();
    this.done.catch(() => undefined); // the caller observes the failure through until() or done
  }

  /** Resolves once `need` bytes (or the whole file, if shorter) are read; rejects if the read failed. */
  until(need: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.finished || this.available >= need) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ need, resolve, reject }));
  }

  private notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (this.failure !== undefined) w.reject(this.failure);
      else if (this.finished || this.available >= w.need) w.resolve();
      else this.waiters.push(w);
    }
  }

  private async run(): Promise<SegmentBytes> {
    try {
      const whole = await this.read();
      this.finished = true;
      this.notify();
      return whole;
    } catch (err) {
      this.failure = err;
      this.notify();
      throw err;
    }
  }

  private async read(): Promise<SegmentBytes> {
    const path = this.path;
    const wrapEio = (err: unknown): WalError =>
      new WalError('EIO', `read error during recovery of ${path}: nothing was truncated`, {
        cause: err,
        details: { path, code: errorCode(err) },
      });
    let handle: FileHandle;
    try {
      handle = await this.fs.open(path, 'r');
    } catch (err) {
      throw errorCode(err) === 'EIO' ? wrapEio(err) : err;
    }
    try {
      const size = (await handle.stat()).size;
      if (size > MAX_READ_BYTES)
        throw new WalError('ECORRUPT', `segment ${path} is larger than ${MAX_READ_BYTES} bytes`, { details: { path, size } });
      const buf = new Uint8Array(size);
      this.buf = buf;
      let pos = 0; // processed (in order) up to here
      let issued = 0; // reads issued up to here
      let dataEnd = 0;
      let inPlace = true;
      let eof = false;
      const inFlight: { at: number; target: Uint8Array; read: Promise<number> }[] = [];
      // Bounded: each turn issues reads ahead (at most READS_IN_FLIGHT, one when reading through
      // scratch) and consumes the oldest; every read covers at least one byte or ends the loop.
      while (pos < size && !eof) {
        while (issued < size && inFlight.length < (inPlace ? READS_IN_FLIGHT : 1)) {
          const want = Math.min(READ_CHUNK, size - issued);
          const target = inPlace ? buf.subarray(issued, issued + want) : this.scratch.subarray(0, want);
          const read = handle.read(target, issued);
          read.catch(() => undefined); // awaited below in order; a failure is raised there
          inFlight.push({ at: issued, target, read });
          issued += want;
        }
        const next = inFlight.shift();
        if (next === undefined) break;
        const n = await next.read;
        if (n < next.target.length) eof = true; // the file ended early: stop after this chunk
        if (n <= 0) break;
        const got = next.target.subarray(0, n);
        const zero = isZero(got, 0, n);
        if (!zero) {
          if (got.buffer !== buf.buffer) buf.set(got, next.at);
          dataEnd = next.at + n;
        }
        inPlace = !zero;
        pos = next.at + n;
        this.available = pos;
        this.notify();
      }
      // Reads issued past an early end of file: let them finish before the handle closes.
      for (const r of inFlight)
        await r.read.then(
          () => undefined,
          () => undefined,
        );
      if (pos < size) this.buf = buf.subarray(0, pos);
      return { size: pos, buf: this.buf, dataEnd };
    } catch (err) {
      if (err instanceof WalError) throw err;
      throw wrapEio(err);
    } finally {
      await handle.close();
    }
  }
}

/**
 * The part of a segment recovery must look at: up to its last chunk holding
 * data, plus room for one whole record starting inside it (`maxRecordSize`,
 * the largest limit any check of this segment uses). Everything after is zero,
 * so every check (record decode, zero tail, resynchronisation, non-zero end)
 * answers as it would over the whole file.
 */
export function scanView(seg: SegmentBytes, maxRecordSize: number): Uint8Array {
  const len = Math.min(seg.size, Math.max(SEGMENT_HEADER_SIZE, seg.dataEnd) + RECORD_HEADER_SIZE + maxRecordSize);
  assert(len <= seg.buf.length, 'the scanned part of a segment lies inside the bytes read', { len, read: seg.buf.length });
  return seg.buf.subarray(0, len);
}

/**
 * The reads of a log's segments, in order, overlapping the scan: segment i's
 * read starts as soon as segment i - 1's has ended (unless the scan has
 * stopped), so the scan of one segment runs while the next is read, yet only
 * one segment is read at a time (they share one scratch chunk). A segment is
 * handed to the scan only once the one before it is read whole, so a read
 * error anywhere rejects before any repair.
 */
export class SegmentReads {
  private readonly scratch = new Uint8Array(READ_CHUNK);
  private readonly readers: SegmentReader[] = [];
  /** The reader started ahead for the next segment, if its read has begun. */
  private ahead: SegmentReader | undefined;
  private previous: SegmentReader | undefined;
  private halted = false;

  /** Starts reading the first segment at once. */
  constructor(
    private readonly fs: FileSystem,
    private readonly paths: readonly string[],
  ) {
    this.ahead = this.start(0);
  }

  private start(i: number): SegmentReader | undefined {
    const path = this.paths[i];
    if (path === undefined) return undefined;
    const r = new SegmentReader(this.fs, path, this.scratch);
    this.readers.push(r);
    return r;
  }

  /**
   * The reader of segment i, once segment i - 1 is read whole (rejects with
   * that read's error). Reading segment i + 1 starts when this read ends.
   */
  async reader(i: number): Promise<SegmentReader> {
    assert(i >= 0 && i < this.paths.length, 'a segment read lies inside the list of segments', { i, segments: this.paths.length });
    // Every segment is read whole before the next is looked at (a read error anywhere rejects open), and the next read has started by then.
    if (this.previous !== undefined) await this.previous.done;
    const reader = present(this.ahead ?? this.start(i), 'a segment in the list has a reader', { i });
    this.ahead = undefined;
    this.previous = reader;
    void reader.done.then(
      () => {
        if (!this.halted) this.ahead = this.start(i + 1);
      },
      () => undefined, // the failure reaches the scan through until()/done
    );
    return reader;
  }

  /** No read starts after this (the scan stopped: what follows is not needed). */
  halt(): void {
    this.halted = true;
  }

  /**
   * Halts, then waits until every read started has ended and closed its file.
   * Their errors were raised to the scan through the readers, or do not matter
   * (a segment read ahead but not needed).
   */
  async settle(): Promise<void> {
    this.halt();
    for (const r of this.readers)
      await r.done.then(
        () => undefined,
        () => undefined,
      );
  }
}
