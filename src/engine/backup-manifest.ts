/**
 * A backup's manifest (docs/format.md, "Backup manifest"): what a backup
 * copied, as JSON, followed by a line with the CRC-32 of that JSON. A
 * manifest that fails its CRC, does not parse, or names anything but segment
 * files is ECORRUPT: a backup is restored from only when its manifest holds.
 */
import { WalError } from '../errors.js';
import { crc32 } from './crc.js';
import { parseSegmentName } from './format.js';

export const MANIFEST_NAME = 'backup-manifest.json';
export const MANIFEST_TEMP_NAME = 'backup-manifest.json.tmp';
const FORMAT = 'faultline-backup';
const VERSION = 1;

export interface BackupSegment {
  name: string;
  firstLsn: number;
  /** Bytes copied (a sealed segment up to the end of its last record, the active one up to its write offset). */
  bytes: number;
  crc32: number;
}

export interface BackupManifest {
  /** The log's id (its salt, hex): every segment of the backup carries it. */
  logId: string;
  /** Every record up to this LSN was durable in the log when the backup began, and is in the backup. */
  durableThrough: number;
  /** The log's clock (monotonic ms) when the backup began. */
  clockMs: number;
  /** Oldest first. */
  segments: BackupSegment[];
  /**
   * true: the log's dead-letter queue (docs/dlq.md) is backed up beside it,
   * in DEAD_LETTER_DIR with a manifest of its own written first; absent: the
   * log had no queue log when the backup began.
   */
  deadLetters?: true;
}

const utf8 = new TextEncoder();

export function encodeManifest(m: BackupManifest): Uint8Array {
  const body = JSON.stringify({ format: FORMAT, version: VERSION, ...m });
  const crc = crc32(utf8.encode(body)) >>> 0;
  return utf8.encode(`${body}\ncrc32 ${crc.toString(16).padStart(8, '0')}\n`);
}

function bad(reason: string): WalError {
  return new WalError('ECORRUPT', `backup manifest is damaged: ${reason}`, { details: { reason } });
}

function safeInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(`${what} is not a non-negative integer`);
  return v;
}

function clockMs(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw bad('clockMs is not a non-negative number');
  return v;
}

export function decodeManifest(bytes: Uint8Array): BackupManifest {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw bad('not UTF-8');
  }
  const m = /^(.*)\ncrc32 ([0-9a-f]{8})\n$/s.exec(text);
  if (m === null || m[1] === undefined || m[2] === undefined) throw bad('no CRC line after the JSON');
  const body = m[1];
  if (crc32(utf8.encode(body)) >>> 0 !== Number.parseInt(m[2], 16)) throw bad('CRC mismatch');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw bad('the JSON does not parse');
  }
  if (typeof parsed !== 'object' || parsed === null) throw bad('not an object');
  const o = parsed as Record<string, unknown>;
  if (o['format'] !== FORMAT || o['version'] !== VERSION) throw bad(`not a ${FORMAT} manifest of version ${VERSION}`);
  if (typeof o['logId'] !== 'string' || !/^[0-9a-f]{16}$/.test(o['logId'])) throw bad('logId is not 16 hex digits');
  if (!Array.isArray(o['segments'])) throw bad('segments is not a list');
  const segments: BackupSegment[] = o['segments'].map((s: unknown, i: number) => {
    if (typeof s !== 'object' || s === null) throw bad(`segment ${i} is not an object`);
    const r = s as Record<string, unknown>;
    const name = r['name'];
    if (typeof name !== 'string' || parseSegmentName(name) === undefined) throw bad(`segment ${i} is not named like a segment`);
    const firstLsn = safeInt(r['firstLsn'], `segment ${i}'s firstLsn`);
    if (parseSegmentName(name) !== firstLsn) throw bad(`segment ${i}'s name and firstLsn disagree`);
    const crc = safeInt(r['crc32'], `segment ${i}'s crc32`);
    if (crc > 0xffff_ffff) throw bad(`segment ${i}'s crc32 is out of range`);
    return { name, firstLsn, bytes: safeInt(r['bytes'], `segment ${i}'s bytes`), crc32: crc };
  });
  for (let i = 1; i < segments.length; i++) {
    if ((segments[i] as BackupSegment).firstLsn <= (segments[i - 1] as BackupSegment).firstLsn) throw bad('segments are not in LSN order');
  }
  if (o['deadLetters'] !== undefined && o['deadLetters'] !== true) throw bad('deadLetters is neither true nor absent');
  return {
    logId: o['logId'],
    durableThrough: safeInt(o['durableThrough'], 'durableThrough'),
    clockMs: clockMs(o['clockMs']),
    segments,
    ...(o['deadLetters'] === true ? { deadLetters: true as const } : {}),
  };
}
