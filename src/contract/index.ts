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
  type ResolvedWorkloadOptions,
} from './workload.js';
export { PayloadFactory, payloadKey, fullPayload, PAYLOAD_HEADER_BYTES, MAX_PAYLOAD_BYTES } from './payload.js';
