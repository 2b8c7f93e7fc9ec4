/**
 * The SIGKILL loop judges what it is given: the correct fixture survives a
 * few kills, and a WAL that acknowledges from a user-space buffer is caught.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { WalPlugin } from '../../src/ports.js';
import { makeTempDir } from '../helpers/tmpdir.js';
import { killLoop } from './kill-loop.js';

const fixtures = join(import.meta.dirname, '../fixtures/wals');

async function loop(fixture: string, kills: number, seed: number) {
  const pluginModule = join(fixtures, fixture);
  const { dir, cleanup } = await makeTempDir('faultline-kill-');
  try {
    return await killLoop(dir, {
      kills,
      seed,
      clients: 3,
      pluginModule,
      openPlugin: async () => ((await import(pluginModule)) as { default: WalPlugin }).default,
    });
  } finally {
    await cleanup();
  }
}

it('passes correct-simple through SIGKILLs', async () => {
  const result = await loop('correct-simple.ts', 6, 11);
  expect(result.violation).toBeUndefined();
  expect(result.kills).toBe(6);
  expect(result.acknowledged).toBeGreaterThan(0);
}, 120_000);

it('catches a WAL that acknowledges before writing, naming the durability rule', async () => {
  const result = await loop('ack-before-write.ts', 12, 5);
  expect(result.violation?.rule).toBe('durability');
}, 120_000);
