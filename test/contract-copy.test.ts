import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// docs/plugin-contract.md ships the contract with the package; the canonical
// text is ../shared/spec/plugin-contract.md, and the copy is exact: what
// faultline adds is in docs/contract-additions.md.
const canonical = '../shared/spec/plugin-contract.md';

describe('docs/plugin-contract.md', () => {
  it.skipIf(!existsSync(canonical))('is the canonical contract, byte for byte', () => {
    const shipped = readFileSync('docs/plugin-contract.md', 'utf8');
    expect(shipped).toBe(readFileSync(canonical, 'utf8'));
  });
});
