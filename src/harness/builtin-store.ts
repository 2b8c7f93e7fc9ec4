/** The built-in store (src/store) as the default plugin of `faultline check --store` and `faultline replay --store`, configured for checking. */
import { storePlugin, type StoreOptions } from '../store/index.js';
import type { StorePlugin } from '../ports.js';
import { BUILTIN_CHECK_OPTIONS } from './builtin.js';
import { notePluginOrigin } from './plugin-origin.js';
import { loadStorePluginModule } from './plugin-module.js';

/**
 * Options the checks give the built-in store: the log as the log check
 * configures it (small segments, group commit), and a transaction timeout
 * short enough that the workload's long sleeps pass it.
 */
export const BUILTIN_STORE_CHECK_OPTIONS = Object.freeze({ wal: BUILTIN_CHECK_OPTIONS, transactionTimeoutMs: 100 });

export async function builtinStorePlugin(options: unknown = BUILTIN_STORE_CHECK_OPTIONS): Promise<StorePlugin> {
  // storePlugin validates the options (bad ones are WalError EINVAL, which the CLI reports as usage).
  const plugin = storePlugin(options as StoreOptions);
  return notePluginOrigin(plugin, options === BUILTIN_STORE_CHECK_OPTIONS ? { kind: 'builtin' } : { kind: 'builtin', options });
}

/** The store a command tests: the module given, or the built-in store. */
export function loadStorePlugin(module: string | undefined, pluginOptions: unknown): Promise<StorePlugin> {
  if (module === undefined) return pluginOptions === undefined ? builtinStorePlugin() : builtinStorePlugin(pluginOptions);
  return loadStorePluginModule(module, pluginOptions);
}

/**
 * The transaction timeout the workload's long sleeps should pass: the
 * built-in store's when it is the one checked and its options name one
 * (its 30 s default would outlast the liveness bound, so no long sleeps then).
 */
export function builtinStoreTimeoutMs(module: string | undefined, pluginOptions: unknown): number | undefined {
  if (module !== undefined) return undefined;
  const o = (pluginOptions ?? BUILTIN_STORE_CHECK_OPTIONS) as { transactionTimeoutMs?: unknown } | null;
  return typeof o?.transactionTimeoutMs === 'number' ? o.transactionTimeoutMs : undefined;
}
