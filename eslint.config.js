// @ts-check
import tseslint from 'typescript-eslint';
import { layersPlugin } from './eslint.layers.js';

/**
 * Determinism rule: src/engine, src/sim and src/faults get time, randomness and
 * I/O only through injected ports (Clock, FileSystem, seeded generators), so one
 * seed reproduces one run bit for bit. The rule is here, not in anyone's memory.
 */
const ambientTime = 'Ambient time breaks determinism: use the injected Clock port.';
const ambientIo = 'Direct filesystem access bypasses the FileSystem port (and the simulator).';

export const determinismRules = {
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: 'Ambient randomness breaks determinism: use a seeded generator.' },
    { object: 'Date', property: 'now', message: ambientTime },
    { object: 'performance', property: 'now', message: ambientTime },
    { object: 'process', property: 'hrtime', message: ambientTime },
    { object: 'crypto', property: 'getRandomValues', message: 'Ambient randomness breaks determinism: use a seeded generator.' },
    { object: 'crypto', property: 'randomUUID', message: 'Ambient randomness breaks determinism: use a seeded generator.' },
    { object: 'globalThis', property: 'setTimeout', message: ambientTime },
    { object: 'globalThis', property: 'setInterval', message: ambientTime },
    { object: 'globalThis', property: 'setImmediate', message: ambientTime },
  ],
  'no-restricted-globals': [
    'error',
    { name: 'setTimeout', message: ambientTime },
    { name: 'setInterval', message: ambientTime },
    { name: 'setImmediate', message: ambientTime },
    { name: 'performance', message: ambientTime },
  ],
  'no-restricted-syntax': [
    'error',
    // new Date() reads the clock; new Date(ms) only formats a time it is given, so it stays allowed.
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: ambientTime },
    { selector: "CallExpression[callee.name='Date']", message: ambientTime },
  ],
  'no-restricted-imports': [
    'error',
    {
      paths: [
        { name: 'fs', message: ambientIo },
        { name: 'node:fs', message: ambientIo },
        { name: 'fs/promises', message: ambientIo },
        { name: 'node:fs/promises', message: ambientIo },
        { name: 'timers', message: ambientTime },
        { name: 'node:timers', message: ambientTime },
        { name: 'timers/promises', message: ambientTime },
        { name: 'node:timers/promises', message: ambientTime },
        { name: 'perf_hooks', message: ambientTime },
        { name: 'node:perf_hooks', message: ambientTime },
        { name: 'crypto', message: 'Ambient randomness breaks determinism: use a seeded generator.' },
        { name: 'node:crypto', message: 'Ambient randomness breaks determinism: use a seeded generator.' },
      ],
    },
  ],
};

export const deterministicDirs = [
  'src/engine/**/*.ts',
  'src/store/**/*.ts',
  'src/sim/**/*.ts',
  'src/faults/**/*.ts',
  'src/contract/**/*.ts',
  'src/rng.ts',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', 'bench/peers/node_modules/**', 'test/fixtures/lint/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  { files: deterministicDirs, rules: determinismRules },
  // The layers: which room of src/ may import which (eslint.layers.js, drawn in docs/architecture.md).
  { files: ['src/**/*.ts'], plugins: { faultline: layersPlugin }, rules: { 'faultline/layers': 'error' } },
);
