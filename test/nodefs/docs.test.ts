/**
 * docs/node-fs.md stays true: its sample failure replays to the rule it
 * prints, every call of the subset is in its table, and every refused
 * callback-API call it names is refused.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replayFailure } from '../../src/harness/replay.js';
import { createNodeFs, NODE_FS_CALLS, NODE_FS_UNSUPPORTED } from '../../src/nodefs/index.js';
import { world } from '../sim/helpers.js';
import atomicJson from './plugins/atomic-json.js';

const doc = readFileSync('docs/node-fs.md', 'utf8');

describe('docs/node-fs.md', () => {
  it('its sample failure replays to the rule and message it shows', async () => {
    const m =
      /VIOLATION of rule "([a-z-]+)" in epoch \d+: (.+)\n[\s\S]*?replay with:\s+npx faultline replay (\S+) --seed (\d+) --path ([\d:]+) --faults (\S+) --plugin-options '([^']+)'/.exec(
        doc,
      );
    if (m === null) throw new Error('docs/node-fs.md has no complete sample report');
    const [, rule, message, module, seed, path, faults, options] = m;
    expect(module).toBe('test/nodefs/plugins/atomic-json.ts');
    const replay = await replayFailure(atomicJson(JSON.parse(options ?? '{}')), {
      seed: Number(seed),
      path: path ?? '',
      faults: (faults ?? '').split(',') as never,
    });
    expect(replay.failure?.rule).toBe(rule);
    expect(replay.failure?.message).toBe(message);
  });

  it('names every call of the subset in its table', () => {
    const table = doc.slice(doc.indexOf('## The subset'), doc.indexOf('### Descriptors'));
    for (const name of NODE_FS_CALLS) expect(table, name).toContain(`\`${name}\``);
  });

  it('every call it lists as refused is refused', () => {
    const fs = createNodeFs(world('docs').fs);
    const refused = doc.slice(doc.indexOf('## What is refused'), doc.indexOf('- **Every synchronous call**'));
    const named = [...refused.matchAll(/`([a-zA-Z]+)`/g)].map((x) => x[1] ?? '').filter((n) => n in fs && !['promises'].includes(n));
    expect(named.length).toBeGreaterThan(10);
    for (const name of named) {
      expect(NODE_FS_UNSUPPORTED.includes(name as never) || ['watch', 'watchFile', 'openAsBlob'].includes(name), name).toBe(true);
      expect(() => (fs[name] as () => unknown)(), name).toThrow(new RegExp(`^${name}:`));
    }
  });
});
