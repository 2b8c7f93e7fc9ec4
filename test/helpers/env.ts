/** Reads the environment knobs of the longer tests (FAULTLINE_KILLS, FAULTLINE_SEED, ...). */

/** The non-negative integer in process.env[name], or fallback when unset or empty; anything else is an error, not a silent default. */
export function envInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${text}'`);
  return n;
}
