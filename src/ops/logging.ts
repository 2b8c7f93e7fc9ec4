/**
 * Structured logs on pino for the command line and the harness (outside the
 * deterministic directories). JSON lines by default, for log aggregation.
 */
import { WalError } from '../errors.js';
import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';

export type { Logger };

export const LOG_LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function isLogLevel(value: string): value is LevelWithSilent {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** A logger named `faultline` at `level` (default: FAULTLINE_LOG_LEVEL, else 'info'), writing to `destination` (default stderr). */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  const level = options.level ?? process.env.FAULTLINE_LOG_LEVEL ?? 'info';
  if (!isLogLevel(level)) throw new WalError('EINVAL', `unknown log level ${JSON.stringify(level)}; one of ${LOG_LEVELS.join(', ')}`);
  return pino({ name: 'faultline', level }, options.destination ?? pino.destination(2));
}
