/**
 * Every corpus fixture is a working WAL when nothing goes wrong: on a real
 * disk, with concurrent appends, a clean close and a reopen, it recovers
 * exactly what was appended. So when the crash tests flag a fixture, it is
 * for its modelled bug, not for being broken outright.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeFileSystem } from '../../src/real/node-file-system.js';
import { RealClock } from '../../src/real/real-clock.js';
import type { WalEnv, WalPlugin } from '../../src/ports.js';
import { makeTempDir } from '../helpers/tmpdir.js';

const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/wals');
const NOT_PLUGINS = new Set(['framing.ts']);
const fixtures = readdirSync(fixturesDir)
  .filter((f) => f.endsWith('.ts') && !NOT_PLUGINS.has(f))
  .sort();

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function loadFixture(file: string): Promise<WalPlugin> {
  const mod = (await import(join(fixturesDir, file))) as { default: WalPlugin };
  return mod.default;
}

function payload(i: number): Uint8Array {
  return new TextEncoder().encode(`record-${i}-`.repeat(1 + (i % 7)));
}

describe('corpus fixtures work without faults', () => {
  it('has at least 12 buggy fixtures and the correct one', () => {
    expect(fixtures).toContain('correct-simple.ts');
    expect(fixtures.length).toBeGreaterThanOrEqual(13);
  });

  it.each(fixtures)('%s recovers what it acknowledged across a clean restart', async (file) => {
    const plugin = await loadFixture(file);
    expect(typeof plugin.name).toBe('string');
    expect(plugin.durableAppend).toBe(true);
    const { dir, cleanup } = await makeTempDir('faultline-corpus-');
    cleanups.push(cleanup);
    const env: WalEnv = { fs: new NodeFileSystem(dir), clock: new RealClock(), dir: 'log' };

    const first = await plugin.open(env);
    expect(first.recovered).toEqual([]);
    // One at a time (an LSN-ordering bug needs concurrency to show), then concurrently.
    const lsns: number[] = [];
    for (let i = 0; i < 5; i++) lsns.push(await first.append(payload(i)));
    const concurrent = await Promise.all([5, 6, 7, 8].map((i) => first.append(payload(i))));
    await first.sync();
    await first.close();
    expect(lsns).toEqual([...lsns].sort((a, b) => a - b));
    expect(new Set([...lsns, ...concurrent]).size).toBe(9);

    const second = await plugin.open(env);
    const recoveredData = second.recovered.map((r) => new TextDecoder().decode(r.data)).sort();
    const appendedData = Array.from({ length: 9 }, (_, i) => new TextDecoder().decode(payload(i))).sort();
    expect(recoveredData).toEqual(appendedData);
    await second.close();
  });
});
