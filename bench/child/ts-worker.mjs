// Entry of a worker_threads worker that runs a TypeScript module: Node 20
// does not apply `--import tsx` from execArgv inside workers, so the worker
// registers tsx's loader itself, then imports workerData.entry (a file URL).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
