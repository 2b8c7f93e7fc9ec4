/** Which plugin a campaign tests: a module path, or faultline's own engine (as `faultline check` configures it) when none is given. */
import type { WalPlugin } from '../ports.js';
import { builtinPlugin } from './builtin.js';
import { loadPluginModule } from './plugin-module.js';

export function loadCampaignPlugin(pluginModule: string | undefined, pluginOptions: unknown): Promise<WalPlugin> {
  if (pluginModule === undefined) return pluginOptions === undefined ? builtinPlugin() : builtinPlugin(pluginOptions);
  return loadPluginModule(pluginModule, pluginOptions);
}
