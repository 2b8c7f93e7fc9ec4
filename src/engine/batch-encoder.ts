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
  FRAME_ENTRY_OVERHEAD,
  frameContentSize,
  maxFrameStored,
  RECORD_HEADER_SIZE,
  viewOf,
  type CodecId,
  type RecordToEncode,
} from './format.js';
import type { QueuedAppend } from './queue.js';

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
  encode(batch: readonly QueuedAppend[], first: number, syncedThrough: number, maxFrameContent?: number): Uint8Array {
    let total = 0;
    for (const item of batch) total += RECORD_HEADER_SIZE + item.data.length;
    const out = this.bufferFor(total);
    this.last.plainBytes = total;
    this.last.compressedFrames = 0;
    this.last.plainGroups = 0;
    if (this.codec === undefined || maxFrameContent === undefined) {
      const end = encodeBatchInto(out, this.view.buffer === out.buffer ? this.view : viewOf(out), batch, first, syncedThrough, this.seed);
      assert(end === total, 'a batch encodes to its records (header and payload each) and nothing more', { end, total });
      return out.subarray(0, end);
    }
    const end = this.encodeFrames(out, batch, first, syncedThrough, this.codec, maxFrameContent);
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

  private encodeFrames(
    out: Uint8Array,
    batch: readonly QueuedAppend[],
    first: number,
    syncedThrough: number,
    codec: CodecId,
    maxFrameContent: number,
  ): number {
    const view = viewOf(out);
    const limit = Math.min(FRAME_TARGET_BYTES, maxFrameContent);
    let offset = 0;
    let k = 0;
    // Bounded: every turn takes at least one record of the batch.
    while (k < batch.length) {
      const from = k;
      let content = 0;
      while (k < batch.length && content + FRAME_ENTRY_OVERHEAD + (batch[k] as QueuedAppend).data.length <= limit) {
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
        const record: RecordToEncode = { lsn: first + from, syncedThrough, data: out };
        for (let j = from; j < k; j++) {
          record.lsn = first + j;
          record.data = (batch[j] as QueuedAppend).data;
          offset = encodeRecordInto(out, offset, record, this.seed, view);
        }
        continue;
      }
      this.last.compressedFrames += 1;
      offset = encodeFrameInto(
        out,
        offset,
        { firstLsn: first + from, count: k - from, syncedThrough, codec, contentLength: content, stored: frame },
        this.seed,
        view,
      );
    }
    return offset;
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
