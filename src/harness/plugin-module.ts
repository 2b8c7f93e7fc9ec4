/**
 * loadPluginModule: imports a plugin module (a path or a package name) whose
 * default export is a WalPlugin or a factory `(options?) => WalPlugin`.
 * Anything else is WalError EPLUGIN (the CLI's exit status 2).
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WalError } from '../errors.js';
import type { WalPlugin } from '../ports.js';
import { notePluginOrigin } from './plugin-origin.js';

export function isWalPlugin(x: unknown): x is WalPlugin {
  if (x === null || typeof x !== 'object') return false;
  const p = x as Partial<WalPlugin>;
  return typeof p.name === 'string' && typeof p.durableAppend === 'boolean' && typeof p.open === 'function';
}

/** The URL or specifier to import: paths (./x, ../x, /x, x.ts, x.js) resolve against the working directory. */
export function pluginSpecifier(spec: string): string {
  if (spec.startsWith('file:')) return spec;
  const looksLikePath = spec.startsWith('.') || isAbsolute(spec) || /\.(m?[jt]s|cjs)$/.test(spec);
  return looksLikePath ? pathToFileURL(resolve(spec)).href : spec;
}

export async function loadPluginModule(spec: string, options?: unknown): Promise<WalPlugin> {
  if (typeof spec !== 'string' || spec === '') throw new WalError('EPLUGIN', 'no plugin module given');
  let mod: { default?: unknown };
  try {
    mod = (await import(pluginSpecifier(spec))) as { default?: unknown };
  } catch (cause) {
    throw new WalError('EPLUGIN', `cannot import plugin module ${spec}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
  const exported = mod.default;
  let plugin: unknown = exported;
  if (typeof exported === 'function') {
    try {
      plugin = (exported as (o?: unknown) => unknown)(options);
    } catch (cause) {
      throw new WalError('EPLUGIN', `plugin factory of ${spec} threw: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
      });
    }
  } else if (options !== undefined) {
    throw new WalError('EPLUGIN', `${spec} exports a plugin, not a factory, so it takes no options`);
  }
  if (!isWalPlugin(plugin)) {
    throw new WalError(
      'EPLUGIN',
      `${spec}: the default export must be a WalPlugin { name, durableAppend, open(env) } or a function returning one`,
    );
  }
  return notePluginOrigin(plugin, options === undefined ? { kind: 'module', module: spec } : { kind: 'module', module: spec, options });
}
