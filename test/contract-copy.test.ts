import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// docs/plugin-contract.md ships the contract with the package; the canonical
// text is ../shared/spec/plugin-contract.md. The copy may only ever add to it.
const canonical = '../shared/spec/plugin-contract.md';

describe('docs/plugin-contract.md', () => {
  it.skipIf(!existsSync(canonical))('contains the canonical contract unchanged', () => {
    const shipped = readFileSync('docs/plugin-contract.md', 'utf8');
    expect(shipped.startsWith(readFileSync(canonical, 'utf8'))).toBe(true);
  });
});
