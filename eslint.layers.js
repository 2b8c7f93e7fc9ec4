// @ts-check
/**
 * The layer rule: the rooms of src/ and what each may import. A room is a
 * folder of src/ (src/engine, src/sim, ...) or a base module at src/'s top
 * (src/ports.ts, ...). A file may import its own room's files and any package;
 * a relative import into another room must be one its room lists; and nothing
 * under src/ imports bench/, test/ or anything else outside src/.
 *
 * Rooms are told apart by path alone, so the rule resolves a relative
 * specifier by path arithmetic (no module resolution is needed: `./x.js`
 * names `x.ts`). It checks import and export declarations and dynamic
 * `import()` of a literal. docs/architecture.md draws the same table;
 * test/lint-layers.test.ts proves the rule fires.
 */
import * as path from 'node:path';

const BASE = ['ports', 'errors', 'assert', 'forwarding-file-system'];
const ALL_BELOW_HARNESS = [
  ...BASE,
  'rng',
  'engine',
  'store',
  'store-lmdb',
  'faults',
  'sim',
  'contract',
  'real',
  'conformance',
  'ops',
  'nodefs',
];

/** room -> the rooms it may import (by short name: the folder, or the base module without .ts). */
export const LAYERS = {
  // Base modules: the contract's ports, errors as data, assertions, the seeded generator.
  ports: [],
  errors: [],
  assert: ['errors'],
  rng: ['errors'],
  'forwarding-file-system': ['ports'],
  // The engine knows only the ports (and the forwarding wrapper over them), errors and assertions.
  engine: BASE,
  // The transactional store over the engine's log; its state stores are injected (memory here, LMDB in its own room).
  store: [...BASE, 'engine'],
  // The LMDB state store: real I/O through lmdb-js, so outside the deterministic rooms.
  'store-lmdb': [...BASE, 'store'],
  // Fault injectors: plain data and seeded draws, never the simulator.
  faults: [...BASE, 'rng'],
  // The simulator implements the ports and hooks the faults in.
  sim: [...BASE, 'rng', 'faults'],
  // The oracle: the contract's words, workloads, history, rules and the judge. Never the simulator or the harness.
  contract: [...BASE, 'rng'],
  // The ports over node:fs and real timers, and the seeded real-disk fault injector.
  real: [...BASE, 'rng'],
  conformance: BASE,
  // A node:fs-shaped facade over any FileSystem port (so code that only knows node:fs runs on the simulator).
  nodefs: BASE,
  // Operations: metrics and health read the engine's and the store's stats.
  ops: [...BASE, 'engine', 'store'],
  // The harness drives everything below it; only the command line is above it.
  harness: ALL_BELOW_HARNESS,
  cli: [...ALL_BELOW_HARNESS, 'harness'],
  // The vitest entry point (faultline/vitest): declares tests that call the harness.
  vitest: [...ALL_BELOW_HARNESS, 'harness'],
  index: [...ALL_BELOW_HARNESS, 'harness'],
};

/** The room of a path relative to the project root, or undefined outside src/. */
function roomOf(relative) {
  const parts = relative.split(path.sep);
  if (parts[0] !== 'src' || parts.length < 2) return undefined;
  if (parts.length === 2) return (parts[1] ?? '').replace(/\.(ts|js)$/, '');
  return parts[1];
}

/** @type {import('eslint').Rule.RuleModule} */
const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Rooms of src/ import only the rooms below them (docs/architecture.md)' },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    const file = path.relative(root, context.filename);
    const from = roomOf(file);
    if (from === undefined) return {};
    const allowed = LAYERS[from];
    const check = (node, specifier) => {
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const target = path.relative(root, path.resolve(path.dirname(context.filename), specifier));
      const to = roomOf(target);
      if (to === undefined) {
        context.report({
          node,
          message: `nothing under src/ imports bench/, test/ or anything outside src/ ('${specifier}' from ${file})`,
        });
        return;
      }
      if (to === from) return;
      if (allowed === undefined) {
        context.report({ node, message: `${file} is in a room the layer table does not list (eslint.layers.js): add it there` });
        return;
      }
      if (!allowed.includes(to)) {
        const may = allowed.length === 0 ? 'nothing else in src/' : allowed.join(', ');
        context.report({
          node,
          message: `src/${from} may not import src/${to} ('${specifier}'): it may import ${may} (docs/architecture.md)`,
        });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => {
        if (node.source) check(node, node.source.value);
      },
      ImportExpression: (node) => {
        if (node.source.type === 'Literal') check(node, node.source.value);
      },
    };
  },
};

export const layersPlugin = { rules: { layers: layersRule } };
