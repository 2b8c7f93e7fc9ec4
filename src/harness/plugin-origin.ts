/**
 * Where a plugin object came from, so a failure found from code can print a
 * replay command that names the right plugin: a module (loadPluginModule),
 * the built-in engine (builtinPlugin), or unknown (a plugin built in code,
 * which no command line can name). Kept beside the object, never on it.
 */

export type PluginOrigin = { kind: 'module'; module: string; options?: unknown } | { kind: 'builtin'; options?: unknown };

const origins = new WeakMap<object, PluginOrigin>();

/** Records where `plugin` came from (the last word wins: a module's default export may be loaded again). */
export function notePluginOrigin<P extends object>(plugin: P, origin: PluginOrigin): P {
  origins.set(plugin, origin);
  return plugin;
}

/** Where `plugin` (a WalPlugin or a StorePlugin) came from, or undefined for a plugin built in code. */
export function pluginOriginOf(plugin: object): PluginOrigin | undefined {
  return origins.get(plugin);
}
