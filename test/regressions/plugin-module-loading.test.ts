/**
 * Regressions (issue 14, defect 5 and a small one of item 7):
 * - a TypeScript plugin module did not load from the installed package
 *   (plain `node`, no `--import tsx`): "Unknown file extension .ts". The
 *   loader now registers tsx's ESM loader when Node refuses the extension.
 *   This test runs faultline's module loader bundled into plain JavaScript
 *   in a `node` process without tsx, as an installed faultline runs.
 * - a plugin with a syntax error was reported without its file and line.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadPluginModule } from '../../src/harness/plugin-module.js';
import { BUNDLE_DIR, bundleForNode } from '../helpers/bundle.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cache = BUNDLE_DIR;
const run = promisify(execFile);

describe('plugin modules load as users have them', () => {
  it('a TypeScript plugin module loads in plain node (tsx registered on demand)', async () => {
    await mkdir(cache, { recursive: true });
    const entry = join(cache, 'load-ts-plugin-entry.ts');
    await writeFile(
      entry,
      `import { loadPluginModule } from ${JSON.stringify(join(root, 'src/harness/plugin-module.ts'))};\n` +
        `const plugin = await loadPluginModule(process.argv[2]);\nconsole.log(plugin.name, plugin.durableAppend);\n`,
    );
    const outfile = await bundleForNode(entry, 'load-ts-plugin.mjs');
    const env = { ...process.env, NODE_OPTIONS: '' };
    const { stdout } = await run(process.execPath, [outfile, 'test/fixtures/wals/correct-simple.ts'], { cwd: root, env });
    expect(stdout.trim()).toBe('correct-simple true');
  }, 60_000);

  it('a syntax error in a JavaScript plugin module names its file and line', async () => {
    await mkdir(cache, { recursive: true });
    const bad = join(cache, 'syntax-error-plugin.mjs');
    await writeFile(bad, 'export default {\n  name: "x",\n  durableAppend: true,\n  open( {\n};\n');
    await expect(loadPluginModule(bad)).rejects.toMatchObject({
      code: 'EPLUGIN',
      message: expect.stringMatching(/\(at \S*syntax-error-plugin\.mjs:5\)$/),
    });
  });
});
