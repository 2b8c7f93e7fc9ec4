// Public surface of src/harness: re-exported from src/index.ts.
export * from './types.js';
