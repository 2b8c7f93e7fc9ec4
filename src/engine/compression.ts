/**
 * The compression codec: lz4 (the lz4-napi package, a prebuilt lz4_flex
 * binary) behind two calls, compress and a bounded decompress. Which batches
 * are compressed, and how a frame is laid out, is batch-encoder.ts's and
 * format.ts's business; this module only turns bytes into bytes.
 *
 * Decompression is bounded before the decompressor runs: the frame's content
 * length was checked against the segment's max record size (format.ts), and
 * the length the lz4 bytes declare (which the decompressor allocates) must
 * equal it. So a damaged or hostile frame allocates at most maxRecordSize
 * bytes and fails as damage, never as out-of-memory; lz4 decoding is linear
 * in its input, so it cannot hang either.
 */
import { compressSync, uncompressSync } from 'lz4-napi';
import {
  CODEC_LZ4,
  FORMAT_VERSION,
  FORMAT_VERSION_FRAMES,
  FORMAT_VERSION_TIMESTAMPS,
  FORMAT_VERSION_TRANSACTIONS,
  lz4DeclaredLength,
  type CodecId,
  type DecodedFrame,
  type FormatVersion,
} from './format.js';

/** The compression option's resolved form. zstd is not offered yet (docs/format.md, "Compression"). */
export type Compression = 'none' | 'lz4';

/**
 * Frames whose uncompressed content is below this many bytes are written as
 * plain records without trying to compress them. Measured (bench/suites/
 * compression.ts, docs/format.md "Compression"): on JSON-like records of
 * ~150 B, one record alone saves nothing (a 36-byte frame header and a 4-byte
 * length against a 28-byte record header), two records (~256 B) already save
 * ~30% and 1 KiB ~60%, at ~1-5 µs of compression, far below a write.
 */
export const COMPRESS_MIN_BYTES = 256;

/** A frame of one record is compressed only when that record is at least this large (never one small record alone). */
export const COMPRESS_SINGLE_MIN_BYTES = 1024;

/** Uncompressed content per frame the encoder aims at (the block size lz4 was measured at: ratio ~2.8-3.4 on JSON). */
export const FRAME_TARGET_BYTES = 64 * 1024;

/** The codec id written in frame headers for a compression setting (undefined: none). */
export function codecOf(compression: Compression): CodecId | undefined {
  return compression === 'lz4' ? CODEC_LZ4 : undefined;
}

/** The name of a frame's algorithm, as reports print it. */
export function codecName(codec: CodecId): 'lz4' {
  if (codec === CODEC_LZ4) return 'lz4';
  return unknownCodec(codec);
}

/**
 * The format version of the segments a log creates: v4 with timestamps, else
 * v3 with transactions, else v2 with compression, else v1 (byte for byte as
 * before any of them existed).
 */
export function formatVersionFor(compression: Compression, transactions = false, timestamps = false): FormatVersion {
  if (timestamps) return FORMAT_VERSION_TIMESTAMPS;
  if (transactions) return FORMAT_VERSION_TRANSACTIONS;
  return compression === 'none' ? FORMAT_VERSION : FORMAT_VERSION_FRAMES;
}

/** Compresses a frame's content with `codec`. */
export function compress(codec: CodecId, content: Uint8Array): Uint8Array {
  // The only codec so far; a second one adds a case here and in decompress.
  if (codec === CODEC_LZ4) return compressSync(Buffer.from(content.buffer, content.byteOffset, content.length));
  return unknownCodec(codec);
}

function unknownCodec(codec: never): never {
  throw new RangeError(`unknown codec ${String(codec)}`);
}

export type DecompressResult = { ok: true; content: Uint8Array } | { ok: false; reason: string };

/**
 * The content of a frame whose header verified (so contentLength is at most
 * the segment's max record size): a failure is a reason, as for a record that
 * fails its CRC; the decompressor's message is kept in it.
 */
export function decompress(frame: DecodedFrame): DecompressResult {
  const declared = lz4DeclaredLength(frame.stored);
  if (declared !== frame.contentLength) {
    return { ok: false, reason: `lz4 data declares ${String(declared)} bytes, the frame header ${frame.contentLength}` };
  }
  let out: Uint8Array;
  try {
    out = uncompressSync(frame.stored);
  } catch (err) {
    // A decoding failure is a finding about the bytes (damage), reported with the decoder's words, not an error of the reader.
    return { ok: false, reason: `lz4 data does not decompress: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (out.length !== frame.contentLength) {
    return { ok: false, reason: `frame decompressed to ${out.length} bytes, its header says ${frame.contentLength}` };
  }
  return { ok: true, content: out };
}
