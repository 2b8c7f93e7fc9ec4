/**
 * The sample failure report shown in README.md and docs/replay.md must stay
 * true: its replay command, run against this build, reproduces the rule and
 * the trace hash printed beside it. A change to the workload generator, the
 * simulator or the payloads that alters the run makes this fail, and the
 * sample is regenerated rather than left stale.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPluginModule } from '../src/harness/plugin-module.js';
import { replayFailure } from '../src/harness/replay.js';

function sampleOf(doc: string): { module: string; seed: number; path: string; schedulePath?: string; rule: string; traceHash: string } {
  const text = readFileSync(doc, 'utf8');
  const replay = /replay with:\s+npx faultline replay (\S+) --seed (\d+) --path ([\d:]+)(?: --schedule-path ([\d:]+))?/.exec(text);
  const rule = /VIOLATION of rule "([a-z-]+)"/.exec(text);
  const hash = /trace hash ([0-9a-f]{16})/.exec(text);
  if (replay === null || rule === null || hash === null) throw new Error(`${doc} has no complete sample report`);
  const sample = { module: replay[1]!, seed: Number(replay[2]), path: replay[3]!, rule: rule[1]!, traceHash: hash[1]! };
  return replay[4] === undefined ? sample : { ...sample, schedulePath: replay[4] };
}

describe('the documented sample failure', () => {
  for (const doc of ['docs/replay.md', 'README.md']) {
    it(`${doc}: its replay command reproduces its rule and trace hash`, async () => {
      const sample = sampleOf(doc);
      const plugin = await loadPluginModule(sample.module);
      const replay = await replayFailure(plugin, {
        seed: sample.seed,
        path: sample.path,
        ...(sample.schedulePath === undefined ? {} : { schedulePath: sample.schedulePath }),
      });
      expect(replay.failure?.rule).toBe(sample.rule);
      expect(replay.outcome.traceHash).toBe(sample.traceHash);
    });
  }
});
