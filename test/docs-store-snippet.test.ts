/**
 * README's "Use the store" code, run as written (the store in a temporary
 * directory instead of /var/lib/myapp, and faultline imported from this
 * checkout): it must run, and leave the state it says.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { openStore } from '../src/store/index.js';
import { NodeFileSystem } from '../src/real/node-file-system.js';
import { RealClock } from '../src/real/real-clock.js';

const root = fileURLToPath(new URL('..', import.meta.url));

it("README's store snippet runs and counts a visit", async () => {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('### Use the store');
  const end = readme.indexOf('\n### ', start + 1);
  expect(start).toBeGreaterThan(0);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start, end))?.[1];
  expect(block).toBeDefined();
  const dir = await mkdtemp(join(tmpdir(), 'faultline-readme-store-'));
  try {
    const code = (block ?? '')
      .replace(`from 'faultline'`, `from ${JSON.stringify(join(root, 'src/index.ts'))}`)
      .replace(`'/var/lib/myapp'`, JSON.stringify(dir));
    expect(code).toContain(dir);
    const file = join(dir, 'snippet.ts');
    await writeFile(file, code);
    await import(file);
    await import(`${file}?again`); // a second run opens the same store and counts again
    const store = await openStore({ fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'db' });
    expect(new TextDecoder().decode((await store.get('visits')) ?? new Uint8Array())).toBe('2');
    expect(store.report.snapshot).toBe('loaded');
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
