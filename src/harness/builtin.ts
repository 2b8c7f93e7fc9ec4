/** The built-in engine as the default plugin of `faultline check` and `faultline replay`, configured for checking. */
import { walPlugin, type WalOptions } from '../engine/index.js';
import type { WalPlugin } from '../ports.js';
import { notePluginOrigin } from './plugin-origin.js';

/** Options the checks give the engine: small segments so a run rotates them many times, and a durability level that promises durability. */
export const BUILTIN_CHECK_OPTIONS = Object.freeze({ segmentSize: 256 * 1024, durability: { kind: 'groupCommit' } });

export async function builtinPlugin(options: unknown = BUILTIN_CHECK_OPTIONS): Promise<WalPlugin> {
  // walPlugin validates the options (bad ones are WalError EINVAL, which the CLI reports as usage).
  const plugin = walPlugin(options as WalOptions);
  return notePluginOrigin(plugin, options === BUILTIN_CHECK_OPTIONS ? { kind: 'builtin' } : { kind: 'builtin', options });
}
