/**
 * The failure database: every failure a check finds is saved as an explicit
 * scenario file (the shrunk workload, the fault plan and what fired, the
 * options that replay it: plain JSON, not only a seed and a path), under a
 * directory the user commits (the CLI's default `.faultline/failures/`).
 * Every later check of the same plugin replays the saved scenarios first,
 * before random search, so a reintroduced bug is caught at once, and an entry
 * survives changes to faultline's generators (it never needs them).
 * `faultline replay --scenario FILE` replays one entry.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WalError } from '../errors.js';
import { isFaultKind, parseFaultPlan } from '../faults/plan.js';
import type { FaultKind, FaultPlan } from '../faults/types.js';
import { parseScenario } from '../contract/workload.js';
import type { RuleName, Scenario, WorkloadOptions } from '../contract/types.js';
import type { StoreRuleName, StoreScenario, StoreWorkloadOptions } from '../contract/store-types.js';
import { parseStoreScenario } from '../contract/store-workload.js';
import type { FailureReport } from './types.js';

export const FAILURE_DB_VERSION = 1;
/** Where `faultline check` keeps its failures unless told otherwise (FAULTLINE_FAILURES, --failures, --no-failures). */
export const DEFAULT_FAILURE_DIR = '.faultline/failures';

/** One saved failure. Everything a rerun needs is here; the seed and path are kept only to say where it came from. */
export interface SavedFailure {
  version: typeof FAILURE_DB_VERSION;
  /** The plugin's name: a check replays only the entries of the plugin it checks. */
  plugin: string;
  pluginModule?: string;
  pluginOptions?: unknown;
  rule: RuleName;
  message: string;
  faults: FaultKind[];
  faultProbability?: number;
  workload?: WorkloadOptions;
  /** The shrunk scenario, explicit. */
  scenario: Scenario;
  /** The fault plan the run used (its draws are keyed to the scenario's simulator seed). */
  faultPlan: FaultPlan;
  faultsFired: FailureReport['faultsFired'];
  traceHash: string;
  /** Where it came from; `schedulePath` when it was shrunk with its fault schedule (faultPlan then holds the schedule). */
  found: { seed: number; path: string; schedulePath?: string };
}

/** The file an entry is saved under: plugin, rule and trace hash (the same failure found twice is one file). */
export function savedFailureName(entry: { plugin: string; rule: string; traceHash: string }): string {
  const safe = entry.plugin.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64) || 'plugin';
  return `${safe}-${entry.rule}-${entry.traceHash}.json`;
}

/** What a saved failure holds of its report and of how its plugin was named (a log's failure or a store's). */
export function savedFieldsOf<R extends { rule: string; counterexample: unknown }>(
  plugin: string,
  report: Pick<FailureReport, 'message' | 'faults' | 'faultPlan' | 'faultsFired' | 'traceHash' | 'fastCheck' | 'schedule'> & R,
  id: { pluginModule?: string; pluginOptions?: unknown; faultProbability?: number },
): {
  version: typeof FAILURE_DB_VERSION;
  plugin: string;
  rule: R['rule'];
  message: string;
  faults: FailureReport['faults'];
  scenario: R['counterexample'];
  faultPlan: FailureReport['faultPlan'];
  faultsFired: FailureReport['faultsFired'];
  traceHash: string;
  found: { seed: number; path: string; schedulePath?: string };
  pluginModule?: string;
  pluginOptions?: unknown;
  faultProbability?: number;
} {
  return {
    version: FAILURE_DB_VERSION,
    plugin,
    rule: report.rule,
    message: report.message,
    faults: [...report.faults],
    scenario: report.counterexample,
    faultPlan: report.faultPlan,
    faultsFired: report.faultsFired,
    traceHash: report.traceHash,
    found: {
      seed: report.fastCheck.seed,
      path: report.fastCheck.path,
      ...(report.schedule === undefined ? {} : { schedulePath: report.schedule.path }),
    },
    ...(id.pluginModule === undefined ? {} : { pluginModule: id.pluginModule }),
    ...(id.pluginOptions === undefined ? {} : { pluginOptions: id.pluginOptions }),
    ...(id.faultProbability === undefined ? {} : { faultProbability: id.faultProbability }),
  };
}

export function savedFailureOf(
  plugin: string,
  report: FailureReport,
  id: { pluginModule?: string; pluginOptions?: unknown; faultProbability?: number; workload?: WorkloadOptions },
): SavedFailure {
  const entry: SavedFailure = savedFieldsOf(plugin, report, id);
  if (id.workload !== undefined && Object.keys(id.workload).length > 0) entry.workload = id.workload;
  return entry;
}

/** A saved failure of a store check (`faultline check --store`): the same fields, with a store scenario and the store's workload. */
export interface SavedStoreFailure extends Omit<SavedFailure, 'rule' | 'workload' | 'scenario'> {
  subject: 'store';
  rule: StoreRuleName;
  workload?: StoreWorkloadOptions;
  scenario: StoreScenario;
}

/** Checks a value (a parsed file) is a saved failure of a log check; WalError EINVAL names the file and what is wrong. */
export function parseSavedFailure(value: unknown, file: string): SavedFailure {
  const entry = parseSavedEntry(value, file);
  if ('subject' in entry)
    throw new WalError('EINVAL', `${file} is a saved failure of a store check: replay it with --store`, { details: { file } });
  return entry;
}

/** Checks a value is a saved failure of a store check; WalError EINVAL otherwise. */
export function parseSavedStoreFailure(value: unknown, file: string): SavedStoreFailure {
  const entry = parseSavedEntry(value, file);
  if (!('subject' in entry))
    throw new WalError('EINVAL', `${file} is a saved failure of a log check, not of a store check: replay it without --store`, {
      details: { file },
    });
  return entry;
}

function parseSavedEntry(value: unknown, file: string): SavedFailure | SavedStoreFailure {
  const v = value as Partial<SavedFailure & { subject: unknown }> | null;
  const bad = (what: string): WalError => new WalError('EINVAL', `${file} is not a saved failure: ${what}`, { details: { file } });
  if (v === null || typeof v !== 'object') throw bad('not a JSON object');
  if (v.version !== FAILURE_DB_VERSION) throw bad(`version must be ${FAILURE_DB_VERSION}, got ${JSON.stringify(v.version)}`);
  if (typeof v.plugin !== 'string' || v.plugin === '') throw bad('no plugin name');
  if (!Array.isArray(v.faults) || !v.faults.every(isFaultKind)) throw bad('faults must be a list of fault kinds');
  if (typeof v.traceHash !== 'string' || typeof v.rule !== 'string') throw bad('rule and traceHash are required');
  if (v.subject !== undefined && v.subject !== 'store') throw bad(`subject must be "store" or absent, got ${JSON.stringify(v.subject)}`);
  try {
    if (v.subject === 'store') parseStoreScenario(v.scenario);
    else parseScenario(v.scenario);
    parseFaultPlan(v.faultPlan);
  } catch (cause) {
    throw new WalError('EINVAL', `${file} is not a saved failure: ${(cause as Error).message}`, { cause, details: { file } });
  }
  return v as SavedFailure | SavedStoreFailure;
}

/** Reads one entry (for `faultline replay --scenario FILE`). */
export async function readSavedFailure(file: string): Promise<SavedFailure> {
  return parseSavedFailure(await readSavedJson(file), file);
}

/** Reads one entry of a store check (for `faultline replay --store --scenario FILE`). */
export async function readSavedStoreFailure(file: string): Promise<SavedStoreFailure> {
  return parseSavedStoreFailure(await readSavedJson(file), file);
}

async function readSavedJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new WalError('EINVAL', `cannot read saved failure ${file}: ${(cause as Error).message}`, { cause, details: { file } });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new WalError('EINVAL', `${file} is not JSON`, { cause, details: { file } });
  }
  return value;
}

/** The entries of `dir` saved for `plugin`, oldest name first (a missing directory holds none). A damaged file is an error, not skipped. */
export async function loadSavedFailures(dir: string, plugin: string): Promise<{ file: string; entry: SavedFailure }[]> {
  const all = await loadSavedEntries(dir, plugin);
  return all.filter((e): e is { file: string; entry: SavedFailure } => !('subject' in e.entry));
}

/** The entries of `dir` saved by store checks of `plugin`. */
export async function loadSavedStoreFailures(dir: string, plugin: string): Promise<{ file: string; entry: SavedStoreFailure }[]> {
  const all = await loadSavedEntries(dir, plugin);
  return all.filter((e): e is { file: string; entry: SavedStoreFailure } => 'subject' in e.entry);
}

async function loadSavedEntries(dir: string, plugin: string): Promise<{ file: string; entry: SavedFailure | SavedStoreFailure }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return [];
    throw new WalError('EIO', `cannot list the failure database ${dir}: ${(err as Error).message}`, { cause: err, details: { dir } });
  }
  const out: { file: string; entry: SavedFailure | SavedStoreFailure }[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = join(dir, name);
    const entry = parseSavedEntry(await readSavedJson(file), file);
    if (entry.plugin === plugin) out.push({ file, entry });
  }
  return out;
}

/** Saves an entry (written to a temporary name, then renamed: a reader never sees half a file). Returns its path. */
export async function saveFailure(dir: string, entry: SavedFailure | SavedStoreFailure): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, savedFailureName(entry));
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(entry, null, 1)}\n`);
  await rename(tmp, file);
  return file;
}
