/**
 * Loading a plugin module written in TypeScript from an installed faultline
 * (plain `node`, no `--import tsx`): when Node refuses the `.ts` extension,
 * faultline registers tsx's ESM loader (`tsx/esm/api`) found from the user's
 * project first (the working directory), then from faultline's own
 * dependencies, and imports the module again. Without tsx anywhere the error
 * says exactly what to install.
 */
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WalError } from '../errors.js';

let registered: Promise<void> | undefined;

/** True when `err` is Node refusing a TypeScript file (no loader registered). */
export function isUnknownTypeScriptExtension(err: unknown, spec: string): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?ts$/.test(spec);
}

/** The ESM entry of `tsx/esm/api` in the tsx package that `from` resolves, by the package's own exports map. */
async function tsxEntryFrom(from: string): Promise<string> {
  const manifestPath = createRequire(join(from, 'package.json')).resolve('tsx/package.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { exports?: Record<string, unknown> };
  const api = manifest.exports?.['./esm/api'] as { import?: string | { default?: string } } | undefined;
  const entry = typeof api?.import === 'string' ? api.import : api?.import?.default;
  if (entry === undefined) throw new WalError('EPLUGIN', `${manifestPath} has no ESM entry for tsx/esm/api`);
  return pathToFileURL(join(dirname(manifestPath), entry)).href;
}

async function tsxApi(): Promise<{ register: () => unknown }> {
  let entry: string;
  try {
    entry = await tsxEntryFrom(process.cwd());
  } catch {
    // Not in the user's project: faultline's own copy, if it has one (the error below if not).
    entry = await tsxEntryFrom(dirname(fileURLToPath(import.meta.url)));
  }
  return (await import(entry)) as { register: () => unknown };
}

/** Registers tsx's loader once per process; WalError EPLUGIN (naming `spec`) when tsx cannot be found. */
export function registerTypeScriptLoader(spec: string): Promise<void> {
  registered ??= tsxApi().then(
    (api) => {
      api.register();
    },
    (cause: unknown) => {
      registered = undefined;
      throw new WalError(
        'EPLUGIN',
        `plugin module ${spec} is TypeScript, and no TypeScript loader is available: install tsx in your project (npm install --save-dev tsx), run faultline with NODE_OPTIONS='--import tsx', or compile the module to JavaScript`,
        { cause },
      );
    },
  );
  return registered;
}
