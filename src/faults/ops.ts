/**
 * The simulator's operation kinds: what an injector says it looks at. Kept
 * apart from types.ts so the injector modules (which the fault table in
 * kinds.ts imports, and types.ts re-exports from) import no value from
 * types.ts: the modules of src/faults form no import cycle.
 */
export type SimOpKind =
  | 'open'
  | 'read'
  | 'write'
  | 'sync'
  | 'datasync'
  | 'truncate'
  | 'fstat'
  | 'close'
  | 'readdir'
  | 'mkdir'
  | 'rename'
  | 'unlink'
  | 'stat'
  | 'syncDir';

export const SIM_OP_KINDS: readonly SimOpKind[] = [
  'open',
  'read',
  'write',
  'sync',
  'datasync',
  'truncate',
  'fstat',
  'close',
  'readdir',
  'mkdir',
  'rename',
  'unlink',
  'stat',
  'syncDir',
];
