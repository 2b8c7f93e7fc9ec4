/** Which plugin a campaign tests: a module path, or faultline's own engine (as `faultline check` configures it) when none is given. */
import type { StorePlugin, WalPlugin } from '../ports.js';
import { builtinPlugin } from './builtin.js';
import { loadStorePlugin } from './builtin-store.js';
import { loadPluginModule } from './plugin-module.js';

export function loadCampaignPlugin(pluginModule: string | undefined, pluginOptions: unknown): Promise<WalPlugin> {
  if (pluginModule === undefined) return pluginOptions === undefined ? builtinPlugin() : builtinPlugin(pluginOptions);
  return loadPluginModule(pluginModule, pluginOptions);
}

/** Which store a store campaign tests: a StorePlugin module, or the built-in store (as `faultline check --store` configures it). */
export function loadCampaignStore(pluginModule: string | undefined, pluginOptions: unknown): Promise<StorePlugin> {
  return loadStorePlugin(pluginModule, pluginOptions);
}
