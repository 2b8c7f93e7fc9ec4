/** Lets every pending microtask run before the Scheduler's next pick (outside the deterministic directories on purpose). */
export const hostYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
