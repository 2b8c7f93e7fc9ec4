/**
 * Encodes a batch of appends into one buffer, for one write (the bytes of a
 * record or frame are src/engine/format.ts's). The buffer is reused from
 * batch to batch: the writer awaits each write before it encodes the next
 * batch, so a buffer is never changed under a write in flight. A batch above
 * BATCH_BUFFER_KEEP gets a buffer of its own, dropped after use.
 *
 * With compression (a log whose active segment is format v2), the batch is
 * cut, in LSN order, into groups of at most FRAME_TARGET_BYTES of content (a
 * larger record is a group of its own; no group is more than the segment's
 * max record size, so a record of that size stays plain); each group becomes one
 * compressed frame when that pays, else plain records: the choice is per
 * group and the frame header (or the plain record's type) records it. A
 * group is never compressed when it is small (COMPRESS_MIN_BYTES, or a single
 * record below COMPRESS_SINGLE_MIN_BYTES), or when its frame would not be
 * smaller than its plain records. So a batch never encodes larger than its
 * plain records, and the writer's room and rotation rules hold unchanged.
 */
import { assert } from '../assert.js';
import { COMPRESS_MIN_BYTES, COMPRESS_SINGLE_MIN_BYTES, compress, FRAME_TARGET_BYTES } from './compression.js';
import {
  encodeBatchInto,
  encodedFrameSize,
  encodeFrameContent,
  encodeFrameInto,
  encodeRecordInto,
  encodeTimeMarkInto,
  FRAME_ENTRY_OVERHEAD,
  frameContentSize,
  maxFrameStored,
  RECORD_HEADER_SIZE,
  TIME_MARK_SIZE,
  TXN_COMMIT,
  TXN_DATA,
  TXN_NONE,
  viewOf,
  type CodecId,
  type RecordToEncode,
} from './format.js';
import { encodedSizeOf, type QueuedAppend } from './queue.js';

/** Batch buffers up to this size are kept for the next batch; larger ones are dropped after use. */
const BATCH_BUFFER_KEEP = 4 * 1024 * 1024;

/** What the last encode did: bytes as plain records, and how many groups were compressed or left plain. */
export interface EncodeOutcome {
  plainBytes: number;
  compressedFrames: number;
  plainGroups: number;
}

export class BatchEncoder {
  private buffer = new Uint8Array(0);
  private view = viewOf(this.buffer);
  private content = new Uint8Array(0);
  readonly last: EncodeOutcome = { plainBytes: 0, compressedFrames: 0, plainGroups: 0 };

  /** `seed` is the log's checksum seed (from its salt); `codec` the compression of new frames (undefined: none). */
  constructor(
    private readonly seed: number,
    private readonly codec: CodecId | undefined = undefined,
  ) {}

  /**
   * The records of `batch`, LSNs `first` on, each carrying `syncedThrough`;
   * compressed into frames when the encoder has a codec and `maxFrameContent`
   * (the active segment's max record size) is given (a format v2 segment).
   * Valid until the next call.
   */
  encode(batch: readonly QueuedAppend[], first: number, syncedThrough: number, maxFrameContent?: number, markMs?: number): Uint8Array {
    const mark = markMs === undefined ? 0 : TIME_MARK_SIZE;
    let total = mark;
    let transactions = false;
    for (const item of batch) {
      total += encodedSizeOf(item, RECORD_HEADER_SIZE);
      if (item.writes !== undefined) transactions = true;
    }
    const out = this.bufferFor(total);
    this.last.plainBytes = total;
    this.last.compressedFrames = 0;
    this.last.plainGroups = 0;
    const view = this.view.buffer === out.buffer ? this.view : viewOf(out);
    if (markMs !== undefined) encodeTimeMarkInto(out, 0, { lsn: first, syncedThrough, wallMs: markMs }, this.seed, view);
    if (this.codec === undefined || maxFrameContent === undefined) {
      let end: number;
      if (transactions) end = this.encodePlain(out, view, batch, 0, batch.length, { lsn: first, offset: mark }, syncedThrough).offset;
      else if (mark === 0) end = encodeBatchInto(out, view, batch, first, syncedThrough, this.seed);
      else end = mark + encodeBatchInto(out.subarray(mark), viewOf(out.subarray(mark)), batch, first, syncedThrough, this.seed);
      assert(end === total, 'a batch encodes to its time mark and records (header and payload each) and nothing more', { end, total });
      return out.subarray(0, end);
    }
    const end = this.encodeFrames(out, batch, first, syncedThrough, this.codec, maxFrameContent, mark);
    assert(end <= total, 'a compressed batch is never larger than its plain records', { end, total });
    return out.subarray(0, end);
  }

  private bufferFor(total: number): Uint8Array {
    if (total <= this.buffer.length) return this.buffer;
    const out = new Uint8Array(Math.max(total, Math.min(BATCH_BUFFER_KEEP, 2 * this.buffer.length)));
    if (out.length <= BATCH_BUFFER_KEEP) {
      this.buffer = out;
      this.view = viewOf(out);
    }
    return out;
  }

  /**
   * Encodes batch[from, to) as plain records at `at` (LSN and offset, both
   * advanced): a plain append as one record, a transaction as its data
   * records marked as such, then its commit record.
   */
  private encodePlain(
    out: Uint8Array,
    view: DataView,
    batch: readonly QueuedAppend[],
    from: number,
    to: number,
    at: { lsn: number; offset: number },
    syncedThrough: number,
  ): { lsn: number; offset: number } {
    const record: RecordToEncode = { lsn: at.lsn, syncedThrough, data: out, txn: TXN_NONE };
    for (let j = from; j < to; j++) {
      const item = batch[j] as QueuedAppend;
      if (item.writes !== undefined) {
        record.txn = TXN_DATA;
        for (const w of item.writes) {
          record.data = w;
          at.offset = encodeRecordInto(out, at.offset, record, this.seed, view);
          record.lsn += 1;
        }
        record.txn = TXN_COMMIT;
      } else record.txn = TXN_NONE;
      record.data = item.data;
      at.offset = encodeRecordInto(out, at.offset, record, this.seed, view);
      record.lsn += 1;
    }
    at.lsn = record.lsn;
    return at;
  }

  private encodeFrames(
    out: Uint8Array,
    batch: readonly QueuedAppend[],
    first: number,
    syncedThrough: number,
    codec: CodecId,
    maxFrameContent: number,
    from: number,
  ): number {
    const view = viewOf(out);
    const limit = Math.min(FRAME_TARGET_BYTES, maxFrameContent);
    const at = { lsn: first, offset: from };
    let k = 0;
    // Bounded: every turn takes at least one entry of the batch.
    while (k < batch.length) {
      if ((batch[k] as QueuedAppend).writes !== undefined) {
        // A transaction is never compressed: its records stay plain, so its commit and data records read as they were written.
        this.encodePlain(out, view, batch, k, k + 1, at, syncedThrough);
        this.last.plainGroups += 1;
        k += 1;
        continue;
      }
      const from = k;
      let content = 0;
      while (
        k < batch.length &&
        (batch[k] as QueuedAppend).writes === undefined &&
        content + FRAME_ENTRY_OVERHEAD + (batch[k] as QueuedAppend).data.length <= limit
      ) {
        content += FRAME_ENTRY_OVERHEAD + (batch[k] as QueuedAppend).data.length;
        k += 1;
      }
      if (k === from) {
        // A record above the frame target goes alone: in a frame of its own when the segment's limit allows, else plain.
        const alone = FRAME_ENTRY_OVERHEAD + (batch[k] as QueuedAppend).data.length;
        content = alone <= maxFrameContent ? alone : 0;
        k += 1;
      }
      const frame = content === 0 ? undefined : this.frameOf(batch, from, k, content, codec, maxFrameContent);
      if (frame === undefined) {
        this.last.plainGroups += 1;
        this.encodePlain(out, view, batch, from, k, at, syncedThrough);
        continue;
      }
      this.last.compressedFrames += 1;
      at.offset = encodeFrameInto(
        out,
        at.offset,
        { firstLsn: at.lsn, count: k - from, syncedThrough, codec, contentLength: content, stored: frame },
        this.seed,
        view,
      );
      at.lsn += k - from;
    }
    return at.offset;
  }

  /** The stored bytes of batch[from, to) as one frame, or undefined when compressing it does not pay. */
  private frameOf(
    batch: readonly QueuedAppend[],
    from: number,
    to: number,
    content: number,
    codec: CodecId,
    maxFrameContent: number,
  ): Uint8Array | undefined {
    if (content < COMPRESS_MIN_BYTES) return undefined;
    if (to - from === 1 && content < COMPRESS_SINGLE_MIN_BYTES) return undefined;
    assert(content === frameContentSize(batch, from, to) && content <= maxFrameContent, 'a frame holds what its header will say', {
      content,
      maxFrameContent,
    });
    if (this.content.length < content)
      this.content = new Uint8Array(Math.max(content, Math.min(BATCH_BUFFER_KEEP, 2 * this.content.length)));
    const plain = this.content.subarray(0, content);
    encodeFrameContent(plain, batch, from, to);
    const stored = compress(codec, plain);
    const plainSize = content + (to - from) * (RECORD_HEADER_SIZE - FRAME_ENTRY_OVERHEAD);
    if (encodedFrameSize(stored.length) >= plainSize || stored.length > maxFrameStored(maxFrameContent)) return undefined;
    return stored;
  }
}
