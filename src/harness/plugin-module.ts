/**
 * loadPluginModule: imports a plugin module (a path or a package name) whose
 * default export is a WalPlugin or a factory `(options?) => WalPlugin`
 * (loadStorePluginModule: a StorePlugin, for `faultline check --store`).
 * Anything else is WalError EPLUGIN (the CLI's exit status 2).
 */
import { isAbsolute, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WalError } from '../errors.js';
import type { StorePlugin, WalPlugin } from '../ports.js';
import { notePluginOrigin } from './plugin-origin.js';
import { isUnknownTypeScriptExtension, registerTypeScriptLoader } from './typescript-loader.js';

export function isStorePlugin(x: unknown): x is StorePlugin {
  if (x === null || typeof x !== 'object') return false;
  const p = x as Partial<StorePlugin>;
  return typeof p.name === 'string' && typeof p.durableCommit === 'boolean' && typeof p.openStore === 'function';
}

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

/** Imports the module; a TypeScript module that Node refuses is imported again through tsx's loader. */
async function importPlugin(spec: string): Promise<{ default?: unknown }> {
  const url = pluginSpecifier(spec);
  try {
    return (await import(url)) as { default?: unknown };
  } catch (err) {
    if (!isUnknownTypeScriptExtension(err, spec)) throw err;
    await registerTypeScriptLoader(spec);
    // A fresh URL: the failed import stays cached under the first one.
    return (await import(url.startsWith('file:') ? `${url}?faultline-ts` : url)) as { default?: unknown };
  }
}

/**
 * The import error's message, and for a syntax error in a local JavaScript
 * module where it is: Node's ESM loader keeps the file and line out of the
 * error object, so `node --check` is asked (only on this error path).
 */
export function describeImportError(err: unknown, spec: string): string {
  if (!(err instanceof Error)) return String(err);
  if (!(err instanceof SyntaxError) || !/\.(m?js|cjs)$/.test(spec)) return err.message;
  const file = spec.startsWith('file:') ? fileURLToPath(spec) : resolve(spec);
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  const where = (check.stderr ?? '').split('\n')[0]?.trim() ?? '';
  return /:\d+$/.test(where) ? `${err.message} (at ${where})` : err.message;
}

export async function loadPluginModule(spec: string, options?: unknown): Promise<WalPlugin> {
  return loadModuleDefault(spec, options, isWalPlugin, 'a WalPlugin { name, durableAppend, open(env) }');
}

/** A store plugin module (`faultline check --store`): its default export is a StorePlugin or a factory of one. WalError EPLUGIN otherwise. */
export async function loadStorePluginModule(spec: string, options?: unknown): Promise<StorePlugin> {
  return loadModuleDefault(spec, options, isStorePlugin, 'a StorePlugin { name, durableCommit, openStore(env) }');
}

async function loadModuleDefault<P extends object>(
  spec: string,
  options: unknown,
  isPlugin: (x: unknown) => x is P,
  what: string,
): Promise<P> {
  if (typeof spec !== 'string' || spec === '') throw new WalError('EPLUGIN', 'no plugin module given');
  let mod: { default?: unknown };
  try {
    mod = await importPlugin(spec);
  } catch (cause) {
    if (cause instanceof WalError) throw cause;
    throw new WalError('EPLUGIN', `cannot import plugin module ${spec}: ${describeImportError(cause, spec)}`, { cause });
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
  if (!isPlugin(plugin)) {
    throw new WalError('EPLUGIN', `${spec}: the default export must be ${what} or a function returning one`);
  }
  return notePluginOrigin(plugin, options === undefined ? { kind: 'module', module: spec } : { kind: 'module', module: spec, options });
}
