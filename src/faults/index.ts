// Public surface of src/faults: re-exported from src/index.ts.
export {
  CONTRACT_FAULT_KINDS,
  EXTRA_FAULT_KINDS,
  FAULT_KINDS,
  SIM_OP_KINDS,
  type ContractFaultKind,
  type FaultEffect,
  type FaultInjector,
  type FaultKind,
  type FaultOpContext,
  type FaultPlan,
  type FaultSpec,
  type FaultTrigger,
  type SimOpKind,
  type SimPhase,
} from './types.js';
export { TriggerState } from './trigger.js';
export {
  FaultSet,
  NO_FAULTS,
  describeFaultPlan,
  faultKindsOf,
  faultPlanForKinds,
  injectorFor,
  isFaultKind,
  parseFaultPlan,
  serializeFaultPlan,
  swarmFaultPlan,
  scheduledFaultOf,
  type FiredFault,
  type SwarmOptions,
} from './plan.js';
export { describeScheduledFault, parseFaultSchedule, type ScheduledFault } from './schedule.js';
export { crashInjector } from './crash.js';
export { tornWriteInjector } from './torn-write.js';
export { bitflipInjector } from './bitflip.js';
export { lyingFsyncInjector } from './lying-fsync.js';
export { fsyncErrorInjector } from './fsync-error.js';
export { diskFullInjector } from './disk-full.js';
export { readErrorInjector } from './read-error.js';
export { misdirectedWriteInjector } from './misdirected-write.js';
export { latencyInjector } from './latency.js';
export { transientErrorInjector, TRANSIENT_ERROR_CODES, type TransientErrorCode } from './transient-error.js';
