/**
 * Fault schedules in the harness: a failing run's faults, recorded as a
 * schedule, replay the same run with no probabilistic plan; shrinking the
 * scenario and schedule together leaves the one fault the bug needs, and
 * the report names it in the timeline; replay (seed, path and schedule path;
 * a saved scenario) reproduces the shrunk run's trace hash; a saved failure
 * from before schedules still replays as it always did.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkStore,
  checkWal,
  formatStoreFailureReport,
  loadStorePluginModule,
  replayStoreFailure,
  runStoreScenario,
  formatFailureReport,
  loadPluginModule,
  readSavedFailure,
  replayFailure,
  replaySavedFailure,
  runScenario,
  type ScheduledFault,
} from '../../src/index.js';
import { scheduledRunOptions, shrinkWithSchedule } from '../../src/harness/check.js';
import { scheduledPlan } from '../../src/harness/check.js';
import { logScheduledRunArbitrary, scheduledRunOf, storeScheduledRunArbitrary } from '../../src/harness/schedule-shrink.js';
import { renderHtmlReport } from '../../src/harness/html-report.js';
import { runFaultline } from '../helpers/cli.js';

const plugin = await loadPluginModule('test/fixtures/wals/fsync-retry.ts');
const dir = await mkdtemp(join(tmpdir(), 'faultline-schedule-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Seed 9 at fault probability 0.2: the unshrunk run fires fsync-error, disk-full, fsync-error and read-error, and loses a record. */
const FOUND = { seed: 9, faultProbability: 0.2 };

describe('a fault schedule', () => {
  it("replays a failing run's faults without probabilities: the same operations, faults and crash, only the trace's plan line differs", async () => {
    const found = await runScenario(plugin, { ...FOUND, keepTrace: true });
    expect(found.ok).toBe(false);
    expect((found.firedFaults ?? []).map((f) => f.kind)).toEqual(['fsync-error', 'disk-full', 'fsync-error', 'read-error']);
    const start = scheduledRunOf(found);
    if (start === undefined) throw new Error('the failing run fired faults');
    const options = scheduledRunOptions({ seed: FOUND.seed, keepTrace: true }, start);
    expect(options.faultPlan?.faults).toEqual([]);
    const replayed = await runScenario(plugin, options);
    expect(replayed.violation).toEqual(found.violation);
    const body = (t: readonly string[] | undefined): string[] => (t ?? []).filter((l) => !l.includes('"ev":"world"'));
    expect(body(replayed.trace)).toEqual(body(found.trace));
    expect(replayed.firedFaults).toEqual(found.firedFaults);
    // Bit for bit: the schedule alone decides the run.
    expect((await runScenario(plugin, options)).traceHash).toBe(replayed.traceHash);
  });

  it('shrinks with the scenario to the one fault the bug needs (fsync-error), and removing that one passes', async () => {
    const found = await runScenario(plugin, FOUND);
    const base = { seed: FOUND.seed };
    const shrunk = await shrinkWithSchedule(
      found,
      logScheduledRunArbitrary,
      (r) => runScenario(plugin, scheduledRunOptions(base, r)),
      1,
      {},
    );
    if (shrunk === undefined) throw new Error('the schedule reproduces the failure');
    const left = shrunk.outcome.faultPlan.schedule ?? [];
    expect(left.map((e) => e.kind)).toEqual(['fsync-error']);
    expect(shrunk.outcome.firedFaults?.map((f) => f.kind)).toEqual(['fsync-error']);
    expect(shrunk.shrinks).toBeGreaterThan(0);
    const without = await runScenario(plugin, scheduledRunOptions(base, { scenario: shrunk.outcome.scenario, schedule: [] }));
    expect(without.ok).toBe(true);
  });

  it('checkWal reports the decisive fault in the timeline; replay by schedule path and by saved scenario reproduce its trace hash', async () => {
    const failures = join(dir, 'failures');
    const r = await checkWal(plugin, { seed: 3, runs: 100, faultProbability: 0.3, failureDir: failures });
    const f = r.failure;
    if (f === undefined || f.schedule === undefined) throw new Error('the check fails and shrinks with a schedule');
    expect(f.faultPlan.faults).toEqual([]);
    const decisive = f.faultPlan.schedule ?? [];
    expect(decisive).toHaveLength(1);
    expect(decisive[0]?.kind).toBe('fsync-error');
    expect(f.faultTimeline.map((t) => t.kind)).toEqual(['fsync-error']);
    const text = formatFailureReport(f);
    expect(text).toMatch(/\n {2}decisive: {6}fsync-error on datasync #\d+ of \/wal\/wal\.log \(workload\) in epoch 0\n/);
    expect(text).toMatch(/\n {6}fault at [\d.]+ms: fsync-error on datasync #\d+ of \/wal\/wal\.log \(workload\)\n/);
    expect(f.replayCommand).toContain(`--schedule-path ${f.schedule.path}`);

    const byPath = await replayFailure(plugin, {
      seed: 3,
      path: f.fastCheck.path,
      schedulePath: f.schedule.path,
      faultProbability: 0.3,
    });
    expect(byPath.outcome.traceHash).toBe(f.traceHash);
    expect(byPath.failure?.faultPlan).toEqual(f.faultPlan);

    const file = r.savedTo;
    if (file === undefined) throw new Error('the failure was saved');
    const saved = await readSavedFailure(file);
    expect(saved.faultPlan).toEqual(f.faultPlan);
    expect(saved.found.schedulePath).toBe(f.schedule.path);
    const bySaved = await replaySavedFailure(plugin, file);
    expect(bySaved.outcome.traceHash).toBe(f.traceHash);

    // The HTML report's fault table: the one fault at its operation, and the plan that found the failure.
    const html = renderHtmlReport(byPath.outcome, byPath.failure);
    const table = /<table id="faults">(.*?)<\/table>/s.exec(html)?.[1] ?? '';
    expect(table.match(/<tr class="bad">/g)).toHaveLength(1);
    expect(table).toMatch(/datasync #\d+ of \/wal\/wal\.log<\/a><\/td><td>fsync-error<\/td>/);
    expect(html).toContain('it was found with: fsync-error p=0.3 phase=workload');
  });

  it('the CLI refuses a schedule path with a saved scenario, and a malformed one (usage errors, exit 2)', async () => {
    const withScenario = await runFaultline(['replay', '--scenario', join(dir, 'x.json'), '--schedule-path', '0']);
    expect(withScenario.code).toBe(2);
    expect(withScenario.stderr).toContain('give it without --seed, --path and --schedule-path');
    const malformed = await runFaultline(['replay', '--seed', '1', '--path', '0', '--schedule-path', '0:x']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain("--schedule-path must be numbers joined by ':', got '0:x'");
  });

  it('a saved failure from before schedules (no schedule in its plan) replays as it always did: the same trace hash', async () => {
    // The failure of test/fixtures/cli-output/check-fsync-retry.txt as a saved file of that version; its trace hash
    // c0e9a834e33e04ad is the one the pinned replay of seed 5 has always printed.
    const old = {
      version: 1,
      plugin: 'fsync-retry',
      rule: 'durability',
      message: '1 acknowledged record(s) not recovered: e0.c0.#0@1',
      faults: ['crash', 'fsync-error', 'disk-full', 'read-error', 'bitflip', 'lying-fsync'],
      scenario: {
        simSeed: 775516507,
        epochs: [{ clients: [[{ op: 'append', size: 0 }]], end: { type: 'crash', at: { class: 'sync-like', nth: 3, when: 'before' } } }],
      },
      faultPlan: {
        version: 1,
        faults: [
          { kind: 'fsync-error', trigger: { probability: 0.02, phase: 'workload' } },
          { kind: 'disk-full', trigger: { probability: 0.02, phase: 'workload' } },
          { kind: 'read-error', trigger: { probability: 0.04, phase: 'recovery' } },
          { kind: 'bitflip', trigger: { probability: 0.005, maxTimes: 2 } },
          { kind: 'lying-fsync', trigger: { probability: 0.02, phase: 'workload' } },
        ],
      },
      faultsFired: { 'fsync-error': 1 },
      traceHash: 'c0e9a834e33e04ad',
      found: { seed: 5, path: '15:11:6:5:2:3:4:3:3:3:4:5:4:4:5:5:5:2:3:3:4:3:3:3:4:4:4' },
    };
    const file = join(dir, 'old.json');
    await writeFile(file, JSON.stringify(old));
    const r = await replaySavedFailure(plugin, file);
    expect(r.outcome.traceHash).toBe('c0e9a834e33e04ad');
    expect(r.failure?.rule).toBe('durability');
    expect(r.failure?.schedule).toBeUndefined();
    expect(r.failure?.faultTimeline.map((t: ScheduledFault) => t.kind)).toEqual(['fsync-error']);
  });
});

describe("a store check's fault schedule", () => {
  const dirtyRead = loadStorePluginModule('test/fixtures/stores/dirty-read.ts');

  it('shrinks away every fault of a bug that needs none (a dirty read), and the report says so', async () => {
    const plugin = await dirtyRead;
    // Seed 22 at probability 0.3: the unshrunk run fires fsync-error, disk-full and two bitflips before the dirty read.
    const base = { seed: 22, faultProbability: 0.3 };
    const found = await runStoreScenario(plugin, base);
    expect((found.firedFaults ?? []).map((f) => f.kind)).toEqual(['fsync-error', 'disk-full', 'bitflip', 'bitflip']);
    const shrunk = await shrinkWithSchedule(
      found,
      storeScheduledRunArbitrary,
      (r) => runStoreScenario(plugin, { ...base, scenario: r.scenario, faultPlan: scheduledPlan(r.schedule) }),
      1,
      {},
    );
    if (shrunk === undefined) throw new Error('the schedule reproduces the failure');
    expect(shrunk.outcome.violation?.rule).toBe('order');
    expect(shrunk.outcome.faultPlan).toEqual({ version: 1, faults: [], schedule: [] });
    expect(shrunk.outcome.firedFaults).toBeUndefined();
  });

  it('checkStore reports the schedule, and replayStoreFailure by schedule path reproduces its trace hash', async () => {
    const plugin = await dirtyRead;
    // No shrink budget: the first failure, with all its faults, is the schedule (path "0"), so the replay has faults to fire.
    const r = await checkStore(plugin, { seed: 1, runs: 50, faultProbability: 0.3, maxShrinkRuns: 0 });
    const f = r.failure;
    if (f === undefined || f.schedule === undefined) throw new Error('the store check fails with faults fired');
    expect(f.schedule.path).toBe('0');
    expect(f.faultTimeline.length).toBeGreaterThan(1);
    expect(f.faultPlan.schedule).toEqual(f.faultTimeline.map(({ t: _t, ...e }) => e));
    expect(formatStoreFailureReport(f)).toContain(`--schedule-path 0`);
    const replay = await replayStoreFailure(plugin, { seed: 1, path: f.fastCheck.path, schedulePath: '0', faultProbability: 0.3 });
    expect(replay.outcome.traceHash).toBe(f.traceHash);
    expect(replay.failure?.schedule?.path).toBe('0');
  });
});
