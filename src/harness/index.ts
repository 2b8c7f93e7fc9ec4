// Public surface of src/harness: re-exported from src/index.ts.
export * from './types.js';
export { checkWal, ViolationFound, DEFAULT_RUNS } from './check.js';
export { assertStore, assertWal, WalCheckFailed } from './assert-wal.js';
export {
  runScenario,
  faultPlanForCheck,
  parseFaultKinds,
  DEFAULT_LIVENESS_MS,
  DEFAULT_MAX_STEPS,
  DEFAULT_FAULT_PROBABILITY,
} from './run.js';
export { replayFailure, replaySavedFailure, scenarioAt } from './replay.js';
export { DEFAULT_FAILURE_DIR, loadSavedFailures, readSavedFailure, saveFailure, type SavedFailure } from './failure-db.js';
export { loadPluginModule, isWalPlugin } from './plugin-module.js';
export { builtinPlugin, BUILTIN_CHECK_OPTIONS } from './builtin.js';
export { formatFailureReport, makeFailureReport, replayCommand, type ReplayIdentity } from './report.js';
export { hostYield } from './host-yield.js';
export type { TimedFault } from './epoch-runner.js';
export { renderHtmlReport, timelineRows, type TimelineRow } from './html-report.js';
export { CrashCutFileSystem, type CrashCutPoint } from './crash-cut.js';
export * from './store-check-types.js';
export {
  checkStore,
  replayStoreFailure,
  replaySavedStoreFailure,
  storeScenarioAt,
  formatStoreFailureReport,
  makeStoreFailureReport,
} from './check-store.js';
export { runStoreScenario } from './run-store.js';
export { loadStorePluginModule, isStorePlugin } from './plugin-module.js';
export { builtinStorePlugin, BUILTIN_STORE_CHECK_OPTIONS } from './builtin-store.js';
export { renderStoreHtmlReport } from './html-store.js';
export {
  exploreWal,
  replayExploreState,
  exploreWorkloads,
  EXPLORE_ALPHABET,
  type ExploreOptions,
  type ExploreResult,
  type ExploreStateId,
  type ExploreCounterexample,
  type ExploreReplayResult,
} from './explore.js';
export { formatExploreResult } from './explore-report.js';
