/**
 * One TypeScript entry bundled into a plain ES module for `node` (esbuild,
 * which tsx brings along), packages left external so they resolve from this
 * checkout's node_modules. Tests use it to run code as an installed faultline
 * runs it (no TypeScript loader), or to skip compiling a child many times.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where bundles go: under node_modules/.cache, so their package imports resolve. */
export const BUNDLE_DIR = fileURLToPath(new URL('../../node_modules/.cache/faultline', import.meta.url));

/** Bundles `entry` to BUNDLE_DIR/`name` and returns the file's path. */
export async function bundleForNode(entry: string, name: string): Promise<string> {
  const esbuild = await import('esbuild');
  const outfile = join(BUNDLE_DIR, name);
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}
