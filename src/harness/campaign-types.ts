/**
 * The data of a campaign: what a worker is asked to do for one seed, what it
 * answers, and the JSON file a campaign (or one shard of it) writes. Plain
 * JSON-able data only.
 */
import type { FaultKind } from '../faults/types.js';
import type { RunRange } from './shard.js';
import type { FailureReport } from './types.js';
import type { RuleName, WorkloadOptions } from '../contract/types.js';
import type { StoreRuleName, StoreWorkloadOptions } from '../contract/store-types.js';
import type { StoreFailureReport } from './store-check-types.js';

export const CAMPAIGN_FORMAT = 'faultline-campaign';
export const CAMPAIGN_FORMAT_VERSION = 1;

/** What the campaign is: equal on every shard of one campaign. */
export interface CampaignIdentity {
  /** 'store': a campaign of a store (contract section 5): the module is a StorePlugin module, each run a checkStore run. Absent: a log. */
  subject?: 'store';
  /** A store campaign's workload knobs (the log's are `workload`). */
  storeWorkload?: StoreWorkloadOptions;
  /** The plugin module as given on the command line; undefined for the built-in engine (or store). */
  pluginModule?: string;
  pluginOptions?: unknown;
  /** The plugin's own name (WalPlugin.name). */
  pluginName: string;
  faults: FaultKind[];
  faultProbability?: number;
  workload: WorkloadOptions;
  baseSeed: number;
  /** Runs of the whole campaign (all shards together). */
  runs: number;
  shardCount: number;
}

/** One seed's job, sent to a worker thread (the plugin goes by module path, never as an object). */
export interface CampaignTask {
  subject?: 'store';
  storeWorkload?: StoreWorkloadOptions;
  pluginModule?: string;
  pluginOptions?: unknown;
  faults: FaultKind[];
  faultProbability?: number;
  workload: WorkloadOptions;
  run: number;
  seed: number;
}

export type RunStatus = 'passed' | 'failed' | 'error';

export interface CampaignRunResult {
  run: number;
  seed: number;
  status: RunStatus;
  wallMs: number;
  /** failed: the broken rule and the shrunk, replayable report. */
  rule?: RuleName | StoreRuleName;
  message?: string;
  replayCommand?: string;
  failure?: FailureReport | StoreFailureReport;
  /** error: what went wrong outside the checked rules (a plugin that throws on load, a harness fault). */
  error?: { code?: string; message: string };
  /** Counters of the run (passed and failed runs). */
  epochs?: number;
  crashes?: number;
  appends?: number;
  /** A store campaign's transactions (acknowledged counts transactions there). */
  transactions?: number;
  acknowledged?: number;
}

/** The JSON file of a campaign, of one shard of it, or of merged shards. */
export interface CampaignFile {
  format: typeof CAMPAIGN_FORMAT;
  version: typeof CAMPAIGN_FORMAT_VERSION;
  campaign: CampaignIdentity;
  /** Shard indexes (1-based) whose runs this file holds, sorted. */
  shards: number[];
  /** The runs this file holds, as sorted disjoint ranges. */
  ranges: RunRange[];
  startedAt: string;
  wallMs: number;
  totals: { runs: number; passed: number; failed: number; errors: number };
  ok: boolean;
  /** Every run, sorted by run number. */
  results: CampaignRunResult[];
}
