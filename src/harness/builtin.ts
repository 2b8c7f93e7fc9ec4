/** The built-in engine as the default plugin of `faultline check` and `faultline replay`, configured for checking. */
import { WalError } from '../errors.js';
import type { WalPlugin } from '../ports.js';
import { isWalPlugin } from './plugin-module.js';

/** Options the checks give the engine: small segments so a run rotates them many times, and a durability level that promises durability. */
export const BUILTIN_CHECK_OPTIONS = Object.freeze({ segmentSize: 256 * 1024, durability: { kind: 'groupCommit' } });

export async function builtinPlugin(options: unknown = BUILTIN_CHECK_OPTIONS): Promise<WalPlugin> {
  const engine = (await import('../engine/index.js')) as unknown as { walPlugin?: (o?: unknown) => unknown };
  if (typeof engine.walPlugin !== 'function') throw new WalError('EPLUGIN', 'the built-in engine does not export walPlugin');
  const plugin = engine.walPlugin(options);
  if (!isWalPlugin(plugin)) throw new WalError('EPLUGIN', 'the built-in engine returned no WalPlugin');
  return plugin;
}
