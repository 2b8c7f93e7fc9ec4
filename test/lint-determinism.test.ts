import { readFile } from 'node:fs/promises';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

async function lintAs(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.line}:${m.ruleId ?? 'fatal'}:${m.message}`);
}

describe('determinism lint rule', () => {
  for (const dir of ['src/engine', 'src/sim', 'src/faults', 'src/contract']) {
    it(`rejects Math.random() in ${dir}`, async () => {
      const messages = await lintAs(`${dir}/lint-probe.ts`, 'export const x = Math.random();\n');
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/no-restricted-properties.*randomness/);
    });
  }

  it('rejects every ambient source of time, randomness and I/O in the fixture', async () => {
    // The fixture is excluded from the project's lint run; here it is linted as if it lived in src/sim.
    const code = await readFile('test/fixtures/lint/ambient.ts', 'utf8');
    const messages = await lintAs('src/sim/ambient-probe.ts', code);
    const lines = new Set(messages.map((m) => Number(m.split(':')[0])));
    // import of node:fs, Math.random, Date.now, new Date, setTimeout, setInterval, setImmediate
    expect([...lines].sort((a, b) => a - b)).toEqual([3, 5, 6, 7, 8, 9, 10]);
  });

  it('allows a Date built from a given time (it reads no clock), inside the deterministic directories too', async () => {
    const messages = await lintAs('src/engine/lint-probe.ts', 'export const s = new Date(1_767_225_600_000).toISOString();\n');
    expect(messages).toEqual([]);
  });

  it('allows the same code outside the deterministic directories', async () => {
    const messages = await lintAs('src/cli/lint-probe.ts', 'export const x = Math.random();\n');
    expect(messages).toEqual([]);
  });
});
