/**
 * The parts of faultline the benchmarks drive, loaded at run time: the engine
 * (src/engine: Wal, walPlugin) and the harness (src/harness: runScenario). The
 * shapes below are the documented APIs of docs/architecture.md, checked when
 * loaded; a module that is missing or has another shape makes the sections
 * that need it "skipped" with the reason, never a number.
 */
import type { RunScenarioOptions, ScenarioOutcome } from '../../src/harness/types.js';
import type { WalEnv, WalPlugin, RecoveredRecord } from '../../src/ports.js';

export interface WalStatsLike {
  appends: number;
  batches: number;
  fsyncs: number;
  bytesWritten: number;
  [key: string]: unknown;
}

export interface WalLike {
  readonly recovered: readonly RecoveredRecord[];
  append(record: Uint8Array): Promise<number>;
  sync(): Promise<void>;
  close(): Promise<void>;
  stats(): WalStatsLike;
}

export type DurabilitySpec =
  | { kind: 'none' }
  | { kind: 'interval'; ms: number }
  | { kind: 'everyWrite' }
  | { kind: 'groupCommit'; maxWaitUs?: number; maxBatch?: number; maxBatchBytes?: number };

export interface EngineModule {
  Wal: { open(env: WalEnv, options?: Record<string, unknown>): Promise<WalLike> };
  walPlugin(options?: Record<string, unknown>): WalPlugin;
  /** The checksum the engine's format uses, when exported. */
  walCrc32?: (data: Uint8Array, seed?: number) => number;
}

export type Loaded<T> = { ok: true; value: T } | { ok: false; reason: string };

export async function loadEngine(): Promise<Loaded<EngineModule>> {
  try {
    const mod = (await import('../../src/engine/index.js')) as unknown as Partial<EngineModule>;
    if (typeof mod.Wal?.open !== 'function') return { ok: false, reason: 'src/engine does not export Wal.open (engine not built yet)' };
    if (typeof mod.walPlugin !== 'function') return { ok: false, reason: 'src/engine does not export walPlugin' };
    return { ok: true, value: mod as EngineModule };
  } catch (err) {
    return { ok: false, reason: `cannot load src/engine: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** A short label for a durability level, used as the row name everywhere. */
export function durabilityLabel(d: DurabilitySpec): string {
  switch (d.kind) {
    case 'none':
      return 'none';
    case 'interval':
      return `interval ${d.ms} ms`;
    case 'everyWrite':
      return 'everyWrite';
    case 'groupCommit':
      return d.maxWaitUs === undefined ? 'groupCommit (default window)' : `groupCommit ${d.maxWaitUs} µs`;
  }
}

/** Levels whose append resolves only once the record is durable. */
export function isDurableLevel(d: DurabilitySpec): boolean {
  return d.kind === 'everyWrite' || d.kind === 'groupCommit';
}

export interface HarnessModule {
  runScenario(plugin: WalPlugin, options: RunScenarioOptions): Promise<ScenarioOutcome>;
}

export async function loadHarness(): Promise<Loaded<HarnessModule>> {
  try {
    const mod = (await import('../../src/harness/index.js')) as unknown as Partial<HarnessModule>;
    if (typeof mod.runScenario !== 'function')
      return { ok: false, reason: 'src/harness does not export runScenario (harness not built yet)' };
    return { ok: true, value: mod as HarnessModule };
  } catch (err) {
    return { ok: false, reason: `cannot load src/harness: ${(err as Error).message.split('\n')[0]}` };
  }
}
