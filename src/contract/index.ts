// Public surface of src/contract (the oracle): re-exported from src/index.ts.
export * from './types.js';
export { History, historyToJson } from './history.js';
export * from './checker.js';
export {
  scenarioArbitrary,
  generateScenario,
  parseScenario,
  resolveWorkloadOptions,
  nonDefaultWorkload,
  DEFAULT_WORKLOAD,
  BOUNDARY_SIZES,
  describeSwarmDraw,
  type ResolvedWorkloadOptions,
} from './workload.js';
export { PayloadFactory, payloadKey, fullPayload, PAYLOAD_HEADER_BYTES, MAX_PAYLOAD_BYTES } from './payload.js';
export * from './store-types.js';
export { StoreHistory, storeHistoryToJson } from './store-history.js';
export * from './store-checker.js';
export { StoreJudge, storeLiveness } from './store-judge.js';
export {
  storeScenarioArbitrary,
  generateStoreScenario,
  parseStoreScenario,
  resolveStoreWorkload,
  DEFAULT_STORE_WORKLOAD,
  type ResolvedStoreWorkload,
} from './store-workload.js';
export { storeValue, parseStoreValue, describeValue, type WriteId } from './store-values.js';
