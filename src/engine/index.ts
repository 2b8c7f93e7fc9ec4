// Public surface of src/engine: re-exported from src/index.ts.
export {};
