/**
 * The engine's structured log port. The engine never writes logs itself: it
 * reports notable events (open and recovery, torn tails, corruption,
 * fail-stop, rollbacks, rotations, segment removal) to an injected logger.
 * A pino Logger fits as it is (`src/ops/logging.ts` makes one); the default
 * drops everything.
 */
export type WalLogFields = Record<string, unknown>;

export interface WalLogger {
  debug(fields: WalLogFields, message: string): void;
  info(fields: WalLogFields, message: string): void;
  warn(fields: WalLogFields, message: string): void;
  error(fields: WalLogFields, message: string): void;
}

const ignore = (): void => undefined;

export const SILENT_LOGGER: WalLogger = Object.freeze({ debug: ignore, info: ignore, warn: ignore, error: ignore });

export function isWalLogger(x: unknown): x is WalLogger {
  if (typeof x !== 'object' || x === null) return false;
  const l = x as Record<string, unknown>;
  return typeof l.debug === 'function' && typeof l.info === 'function' && typeof l.warn === 'function' && typeof l.error === 'function';
}
