/**
 * Encodes a batch of appends into one buffer, for one write (the bytes of a
 * record are src/engine/format.ts's). The buffer is reused from batch to
 * batch: the writer awaits each write before it encodes the next batch, so a
 * buffer is never changed under a write in flight. A batch above
 * BATCH_BUFFER_KEEP gets a buffer of its own, dropped after use.
 */
import { assert } from '../assert.js';
import { encodeBatchInto, RECORD_HEADER_SIZE, viewOf } from './format.js';
import type { QueuedAppend } from './queue.js';

/** Batch buffers up to this size are kept for the next batch; larger ones are dropped after use. */
const BATCH_BUFFER_KEEP = 4 * 1024 * 1024;

export class BatchEncoder {
  private buffer = new Uint8Array(0);
  private view = viewOf(this.buffer);

  /** `seed` is the log's checksum seed (from its salt). */
  constructor(private readonly seed: number) {}

  /** The records of `batch`, LSNs `first` on, each carrying `syncedThrough`. Valid until the next call. */
  encode(batch: readonly QueuedAppend[], first: number, syncedThrough: number): Uint8Array {
    let total = 0;
    for (const item of batch) total += RECORD_HEADER_SIZE + item.data.length;
    let out = this.buffer;
    let view = this.view;
    if (total > out.length) {
      out = new Uint8Array(Math.max(total, Math.min(BATCH_BUFFER_KEEP, 2 * out.length)));
      view = viewOf(out);
      if (out.length <= BATCH_BUFFER_KEEP) {
        this.buffer = out;
        this.view = view;
      }
    }
    const end = encodeBatchInto(out, view, batch, first, syncedThrough, this.seed);
    assert(end === total, 'a batch encodes to its records (header and payload each) and nothing more', { end, total });
    return out.subarray(0, end);
  }
}
