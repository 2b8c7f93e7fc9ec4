/**
 * Joins the files of a campaign's shards into one, and refuses what would
 * make the joined result lie: files of different campaigns, a shard present
 * twice (overlap), a shard absent (a gap, unless `allowMissing`), runs outside
 * their file's ranges, duplicate runs, or a seed that is not the run's seed.
 */
import { WalError } from '../errors.js';
import { campaignFile } from './campaign.js';
import { CAMPAIGN_FORMAT, CAMPAIGN_FORMAT_VERSION, type CampaignFile } from './campaign-types.js';
import { seedOfRun, shardRange, type RunRange } from './shard.js';

export const MAX_MERGE_FILES = 100_000;

/** Parses one campaign JSON file (untrusted text); `name` is used in error messages. */
export function parseCampaignFile(text: string, name: string): CampaignFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new WalError('EINVAL', `${name}: not JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const file = value as Partial<CampaignFile> | null;
  if (file === null || typeof file !== 'object' || file.format !== CAMPAIGN_FORMAT) {
    throw new WalError('EINVAL', `${name}: not a faultline campaign file`);
  }
  if (file.version !== CAMPAIGN_FORMAT_VERSION) {
    throw new WalError(
      'EINVAL',
      `${name}: campaign format version ${String(file.version)}, this faultline reads ${CAMPAIGN_FORMAT_VERSION}`,
    );
  }
  const c = file.campaign;
  if (
    c === undefined ||
    typeof c !== 'object' ||
    !Number.isSafeInteger(c.baseSeed) ||
    !Number.isSafeInteger(c.runs) ||
    !Number.isSafeInteger(c.shardCount) ||
    !Array.isArray(file.shards) ||
    !Array.isArray(file.ranges) ||
    !Array.isArray(file.results) ||
    typeof file.startedAt !== 'string' ||
    typeof file.wallMs !== 'number'
  ) {
    throw new WalError('EINVAL', `${name}: campaign file is missing fields`);
  }
  return file as CampaignFile;
}

/** JSON with sorted keys: equal for equal data whatever the key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function inRanges(run: number, ranges: readonly RunRange[]): boolean {
  return ranges.some((r) => run >= r.start && run < r.end);
}

/** Merges sorted ranges that touch. */
function coalesce(ranges: RunRange[]): RunRange[] {
  const out: RunRange[] = [];
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    const last = out.at(-1);
    if (last !== undefined && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else if (r.end > r.start) out.push({ ...r });
  }
  return out;
}

export interface MergeOptions {
  /** Accept a campaign with shards missing (the result says which runs it holds). Default false. */
  allowMissing?: boolean;
}

export function mergeCampaignFiles(named: ReadonlyArray<{ name: string; file: CampaignFile }>, options: MergeOptions = {}): CampaignFile {
  if (named.length === 0) throw new WalError('EINVAL', 'campaign merge needs at least one file');
  if (named.length > MAX_MERGE_FILES) throw new WalError('EINVAL', `campaign merge takes at most ${MAX_MERGE_FILES} files`);
  const first = named[0]!;
  const identity = first.file.campaign;
  const key = canonical(identity);
  const shardOwner = new Map<number, string>();
  const runOwner = new Map<number, string>();
  const results: CampaignFile['results'] = [];
  const ranges: RunRange[] = [];
  for (const { name, file } of named) {
    if (canonical(file.campaign) !== key) {
      throw new WalError(
        'EINVAL',
        `${name} belongs to another campaign than ${first.name} (plugin, seed, runs, faults or shard count differ)`,
      );
    }
    for (const index of file.shards) {
      const other = shardOwner.get(index);
      if (other !== undefined)
        throw new WalError('EINVAL', `overlapping shards: shard ${index}/${identity.shardCount} is in both ${other} and ${name}`);
      if (!Number.isSafeInteger(index) || index < 1 || index > identity.shardCount) {
        throw new WalError('EINVAL', `${name}: shard ${index} is outside 1..${identity.shardCount}`);
      }
      shardOwner.set(index, name);
      // The ranges a file claims must be exactly its shards' ranges.
      const expected = shardRange(identity.runs, { index, count: identity.shardCount });
      if (expected.end > expected.start && !file.ranges.some((r) => r.start <= expected.start && r.end >= expected.end)) {
        throw new WalError('EINVAL', `${name}: shard ${index} should hold runs ${expected.start}..${expected.end - 1}, its ranges do not`);
      }
    }
    for (const result of file.results) {
      if (!inRanges(result.run, file.ranges)) throw new WalError('EINVAL', `${name}: run ${result.run} lies outside the file's ranges`);
      const other = runOwner.get(result.run);
      if (other !== undefined) throw new WalError('EINVAL', `overlapping runs: run ${result.run} is in both ${other} and ${name}`);
      if (result.seed !== seedOfRun(identity.baseSeed, result.run)) {
        throw new WalError(
          'EINVAL',
          `${name}: run ${result.run} has seed ${result.seed}, expected ${seedOfRun(identity.baseSeed, result.run)}`,
        );
      }
      runOwner.set(result.run, name);
      results.push(result);
    }
    ranges.push(...file.ranges);
  }
  const merged = coalesce(ranges);
  const heldRuns = merged.reduce((n, r) => n + r.end - r.start, 0);
  if (heldRuns !== results.length) {
    throw new WalError('EINVAL', `the files claim ${heldRuns} runs but hold ${results.length} results: some shard did not finish`);
  }
  const missing = Array.from({ length: identity.shardCount }, (_, i) => i + 1).filter((i) => !shardOwner.has(i));
  if (missing.length > 0 && options.allowMissing !== true) {
    const shown = missing
      .slice(0, 20)
      .map((i) => `${i}/${identity.shardCount}`)
      .join(', ');
    throw new WalError('EINVAL', `missing shards: ${shown}${missing.length > 20 ? ` and ${missing.length - 20} more` : ''}`);
  }
  results.sort((a, b) => a.run - b.run);
  const startedAt = named.map((n) => n.file.startedAt).sort()[0] ?? first.file.startedAt;
  const wallMs = Math.max(...named.map((n) => n.file.wallMs));
  return campaignFile(identity, [...shardOwner.keys()], merged, startedAt, wallMs, results);
}
