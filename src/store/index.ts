// Public surface of src/store: re-exported from src/index.ts.
export { openStore, TransactionalStore, STORE_WAL_DIR, type StoreStats, type StoreOpenReport, type TransactionOptions } from './store.js';
export { storePlugin } from './plugin.js';
export type { StoreOptions, StateStoreFactory, StateStoreContext } from './options.js';
export type { StateStore, StateSnapshot, StateWrite } from './state-store.js';
export { MemoryStateStore } from './memory-state.js';
export { restoreStoreToLsn, restoreStoreToTime, type StoreRestoreResult } from './restore-store.js';
