// Public surface of src/sim: re-exported from src/index.ts.
export {};
