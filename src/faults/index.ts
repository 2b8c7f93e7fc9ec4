// Public surface of src/faults: re-exported from src/index.ts.
export {};
