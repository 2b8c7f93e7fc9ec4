/**
 * The layer rule (eslint.layers.js) fires: each probe below is linted as if
 * it lived in a room of src/, and every import the room may not make is
 * reported, while the imports it may make pass. And the tree as it is breaks
 * no layer.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function layerMessages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'faultline/layers' || m.ruleId === null).map((m) => m.message);
}

const refused: [room: string, specifier: string, says: RegExp][] = [
  ['src/engine/probe.ts', '../sim/index.js', /src\/engine may not import src\/sim/],
  ['src/engine/probe.ts', '../harness/run.js', /src\/engine may not import src\/harness/],
  ['src/engine/probe.ts', '../contract/checker.js', /src\/engine may not import src\/contract/],
  ['src/engine/probe.ts', '../rng.js', /src\/engine may not import src\/rng/],
  ['src/sim/probe.ts', '../harness/types.js', /src\/sim may not import src\/harness/],
  ['src/sim/probe.ts', '../contract/history.js', /src\/sim may not import src\/contract/],
  ['src/contract/probe.ts', '../harness/types.js', /src\/contract may not import src\/harness/],
  ['src/contract/probe.ts', '../sim/world.js', /src\/contract may not import src\/sim/],
  ['src/faults/probe.ts', '../sim/disk.js', /src\/faults may not import src\/sim/],
  ['src/real/probe.ts', '../harness/run.js', /src\/real may not import src\/harness/],
  ['src/harness/probe.ts', '../cli/main.js', /src\/harness may not import src\/cli/],
  ['src/ports.ts', './errors.js', /src\/ports may not import src\/errors/],
  ['src/harness/probe.ts', '../../bench/lib/plan.js', /nothing under src\/ imports bench\/, test\//],
  ['src/harness/probe.ts', '../../test/helpers/cli.js', /nothing under src\/ imports bench\/, test\//],
  ['src/cli/commands/probe.ts', '../../../bench/run.js', /nothing under src\/ imports bench\/, test\//],
];

const allowed: [room: string, specifier: string][] = [
  ['src/engine/probe.ts', '../ports.js'],
  ['src/engine/probe.ts', '../errors.js'],
  ['src/engine/probe.ts', '../assert.js'],
  ['src/engine/probe.ts', './format.js'],
  ['src/faults/probe.ts', '../rng.js'],
  ['src/sim/probe.ts', '../faults/plan.js'],
  ['src/contract/probe.ts', '../rng.js'],
  ['src/harness/probe.ts', '../sim/world.js'],
  ['src/harness/probe.ts', '../contract/judge.js'],
  ['src/cli/commands/probe.ts', '../../harness/index.js'],
  ['src/cli/commands/probe.ts', '../exit-codes.js'],
];

describe('layer lint rule', () => {
  for (const [room, specifier, says] of refused) {
    it(`refuses ${specifier} in ${room} (import, export and dynamic import)`, async () => {
      for (const code of [
        `import { x } from '${specifier}';\nexport const y = x;\n`,
        `export * from '${specifier}';\n`,
        `export const load = () => import('${specifier}');\n`,
      ]) {
        const messages = await layerMessages(room, code);
        expect(messages).toHaveLength(1);
        expect(messages[0]).toMatch(says);
      }
    });
  }

  for (const [room, specifier] of allowed) {
    it(`allows ${specifier} in ${room}`, async () => {
      expect(await layerMessages(room, `import { x } from '${specifier}';\nexport const y = x;\n`)).toEqual([]);
    });
  }

  it('does not apply outside src/ (tests and benchmarks may import anything)', async () => {
    expect(await layerMessages('test/probe.test.ts', `import { x } from '../src/harness/run.js';\nexport const y = x;\n`)).toEqual([]);
  });

  it('the tree as it is imports no room upward', async () => {
    const results = await eslint.lintFiles(['src']);
    const broken = results.flatMap((r) =>
      r.messages.filter((m) => m.ruleId === 'faultline/layers').map((m) => `${r.filePath}: ${m.message}`),
    );
    expect(broken).toEqual([]);
  }, 60_000);
});

describe('one judge', () => {
  it('no runner applies the rules itself: the verdict sequence is called only by src/contract/judge.ts', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    const verdictSteps = /\b(checkRecovery|checkRecoveryWorks|checkResolvedOrder|checkLsnsGoOn|identifyRecovered)\b/;
    const runners = [...files('src'), ...files('test/real-disk'), ...files('bench')].filter(
      (f) => !f.startsWith(join('src', 'contract')) && verdictSteps.test(readFileSync(f, 'utf8')),
    );
    expect(runners).toEqual([]);
  });
});
