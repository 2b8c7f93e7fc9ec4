/** crash: power loss before the operation takes effect. The call and every later one reject ECRASHED; the medium is frozen for crash images. */
import type { FaultInjector } from './types.js';
import { SIM_OP_KINDS } from './ops.js';

export function crashInjector(): FaultInjector {
  return { kind: 'crash', ops: SIM_OP_KINDS, at: 'complete', effect: () => ({ type: 'crash' }) };
}
