/**
 * `npm run bench` (full) and `npm run bench -- --quick` (under two minutes).
 *
 * Runs every item of the durability-tradeoff benchmark in one process and one
 * temp directory, so every ratio compares numbers from the same run, then
 * writes bench/results/<timestamp>.json, bench/results/latest.md and the SVG
 * charts. Options:
 *   --quick            the small matrix (100 B records, 1 and 64 outstanding)
 *   --only a,b         only these sections (crc, peers, durability, recovery, compression, store, loss, simulator, memory)
 *   --save-as NAME     also write the JSON as bench/results/NAME.json
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { latencyChart, tradeoffChart } from './lib/charts.js';
import { evaluateTargets } from './lib/evaluate.js';
import { describeMachine } from './lib/machine.js';
import { renderMarkdown } from './lib/markdown.js';
import { loadEngine, loadHarness } from './lib/modules.js';
import { makePlan, TARGET_LATENCY_OUTSTANDING, TARGET_RECORD_BYTES, TARGET_THROUGHPUT_OUTSTANDING } from './lib/plan.js';
import { RESULTS_SCHEMA, validateResults, type BenchResults, type Section } from './lib/results.js';
import { builtinCrcs, runCrcBench } from './suites/crc.js';
import { cellKey, runDurabilitySuite, type DurabilityRun } from './suites/durability.js';
import { runLossSuite } from './suites/loss.js';
import { runMemorySuite } from './suites/memory.js';
import { runPeerSuite } from './suites/peer-runs.js';
import { ensurePeersInstalled, loadPeers } from './suites/peers.js';
import { runRecoverySuite } from './suites/recovery.js';
import { runCompressionSuite } from './suites/compression.js';
import { compressionTargets } from './lib/compression-targets.js';
import { runSimulatorSuite } from './suites/simulator.js';
import { runStoreSuite } from './suites/store.js';
import { loadStoreSystems } from './suites/store-systems.js';
import { storeTargetNotes, storeTargets } from './lib/store-targets.js';
import { storeTables } from './lib/store-markdown.js';

const SECTION_NAMES = ['crc', 'peers', 'durability', 'recovery', 'compression', 'store', 'loss', 'simulator', 'memory'] as const;
type SectionName = (typeof SECTION_NAMES)[number];

const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'results');

interface Args {
  quick: boolean;
  only: Set<SectionName>;
  saveAs?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, only: new Set(SECTION_NAMES) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--only') {
      const list = (argv[++i] ?? '').split(',').filter(Boolean);
      const bad = list.filter((x) => !(SECTION_NAMES as readonly string[]).includes(x));
      if (bad.length > 0 || list.length === 0) throw new Error(`--only takes a list of: ${SECTION_NAMES.join(', ')}`);
      args.only = new Set(list as SectionName[]);
    } else if (a === '--save-as') {
      const name = argv[++i] ?? '';
      if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error('--save-as takes a plain file name');
      args.saveAs = name;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: npm run bench [-- --quick] [--only crc,peers,durability,recovery,compression,store,loss,simulator,memory] [--save-as NAME]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return args;
}

function log(line: string): void {
  process.stdout.write(line + '\n');
}

async function section<T>(name: SectionName, args: Args, fn: () => Promise<T>): Promise<Section<T>> {
  if (!args.only.has(name)) return { status: 'skipped', reason: 'not selected (--only)' };
  const t0 = process.hrtime.bigint();
  log(`\n== ${name}`);
  try {
    const data = await fn();
    log(`   (${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s)`);
    return { status: 'ok', data };
  } catch (err) {
    const reason = `failed: ${(err as Error).message.split('\n')[0]}`;
    log(`   ${name} ${reason}`);
    return { status: 'skipped', reason };
  }
}

function fail(reason: string): never {
  throw new Error(reason);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const plan = makePlan(args.quick ? 'quick' : 'full');
  const startedAt = new Date().toISOString();
  const tmpRoot = await mkdtemp(path.join(os.tmpdir(), 'faultline-bench-'));
  const machine = describeMachine(tmpRoot);
  const notes: string[] = [];
  log(`faultline bench (${plan.mode}) in ${tmpRoot}`);
  const engine = await loadEngine();
  const harness = await loadHarness();
  if (!engine.ok) notes.push(`engine: ${engine.reason}`);
  if (!harness.ok) notes.push(`harness: ${harness.reason}`);
  let durabilityRun: DurabilityRun | undefined;
  try {
    const crc = await section('crc', args, () => {
      const impls = builtinCrcs();
      const engineCrc = engine.ok ? engine.value.walCrc32 : undefined;
      if (engineCrc !== undefined) impls.push({ name: 'faultline walCrc32 (engine)', fn: (d) => engineCrc(d) });
      else notes.push('The engine exports no walCrc32: the CRC table compares the built-in implementations only.');
      return runCrcBench(impls, plan.crcSizes, plan.crcTimeMs);
    });

    const peers = await section('peers', args, async () => {
      const installFailure = ensurePeersInstalled(log);
      const loaded = loadPeers(installFailure);
      return runPeerSuite(
        loaded,
        { recordSizes: plan.recordSizes, outstanding: plan.outstanding, durationMs: plan.peerDurationMs, maxOps: plan.maxOpsPerCell },
        tmpRoot,
        log,
      );
    });

    const durability = await section('durability', args, async () => {
      if (!engine.ok) fail(engine.reason);
      durabilityRun = await runDurabilitySuite(
        engine.value,
        {
          levels: plan.levels,
          recordSizes: plan.recordSizes,
          outstanding: plan.outstanding,
          durationMs: plan.cellDurationMs,
          maxOps: plan.maxOpsPerCell,
          rawDurationMs: plan.rawDurationMs,
          wantRaw: (level, bytes, outstanding) =>
            plan.rawForAllDurableCells ||
            (bytes === TARGET_RECORD_BYTES &&
              ((level.kind === 'everyWrite' && outstanding === TARGET_LATENCY_OUTSTANDING) ||
                (level.kind === 'groupCommit' && outstanding === TARGET_THROUGHPUT_OUTSTANDING))),
        },
        tmpRoot,
        log,
      );
      return durabilityRun.cells;
    });

    const recovery = await section('recovery', args, async () => {
      if (!engine.ok) fail(engine.reason);
      return runRecoverySuite(engine.value, plan.recovery, tmpRoot, log);
    });

    const compression = await section('compression', args, () => runCompressionSuite(plan.compression, tmpRoot, log));

    const store = await section('store', args, async () => {
      const systems = await loadStoreSystems(ensurePeersInstalled(log));
      const run = await runStoreSuite(systems, plan.store, tmpRoot, log);
      log('\n' + storeTables({ store: { status: 'ok', data: run } }));
      return run;
    });

    const loss = await section('loss', args, async () => {
      if (!engine.ok) fail(engine.reason);
      if (!harness.ok) fail(harness.reason);
      return runLossSuite(engine.value, harness.value, plan.levels, plan.lossCrashesPerLevel, plan.lossTimeBudgetMsPerLevel, log);
    });

    const simulator = await section('simulator', args, async () => {
      if (!engine.ok) fail(engine.reason);
      if (!harness.ok) fail(harness.reason);
      return runSimulatorSuite(engine.value, harness.value, plan.simulatorTimeMs, plan.simulatorWorkers, log);
    });

    const memory = await section('memory', args, async () => {
      if (!engine.ok) fail(engine.reason);
      return runMemorySuite(plan.memoryRecords, plan.memoryRecordBytes, tmpRoot, log);
    });

    if (machine.cores <= 2) {
      notes.push(
        `This machine has ${machine.cores} cores: the bench process, the engine's I/O thread pool and the disk share them, so ratios are the meaningful figures.`,
      );
    }
    if (durability.status === 'ok') {
      const noisy = durability.data.filter((c) => {
        const ratios = (c.rawRounds ?? []).map((x) => x.opsPerSec / x.raw.limitAppendsPerSec);
        return (c.ratioToRaw ?? 0) > 1 || (ratios.length > 1 && Math.max(...ratios) > 2 * Math.min(...ratios));
      });
      if (noisy.length > 0) {
        notes.push(
          `Disk noise: ${noisy.map((c) => `${c.level} ${c.recordBytes} B x${c.outstanding}`).join('; ')} ` +
            'had interleaved rounds differing by more than 2x, or beat the raw-disk "limit": other load on this machine changed the disk\'s speed from one second to the next. Read those ratios as noise, not as faultline outrunning the disk.',
        );
      }
    }
    const loadEnd = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
    notes.push(`Load average (1 min): ${machine.loadAverage1m} at the start, ${loadEnd} at the end, on ${machine.cores} cores.`);
    if (peers.status === 'ok' && peers.data.some((p) => p.peer === 'better-sqlite3' && !('skipped' in p))) {
      notes.push('better-sqlite3 has a synchronous API: its commits serialize, so its figure does not change with outstanding appends.');
    }
    const body = {
      schema: RESULTS_SCHEMA,
      mode: plan.mode,
      startedAt,
      machine,
      durability,
      peers,
      loss,
      recovery,
      crc,
      simulator,
      memory,
      compression,
      store,
      notes,
    } as const;
    const targets = [...evaluateTargets(body), ...compressionTargets(body), ...storeTargets(body)];
    const storeNotes = storeTargetNotes(body, targets);
    notes.push(...storeNotes);
    const results: BenchResults = { ...body, targets, finishedAt: new Date().toISOString() };
    const problems = validateResults(results);
    if (problems.length > 0) throw new Error(`results fail their own schema: ${problems.join('; ')}`);
    await writeOutputs(results, durabilityRun, args);
    log('\n== targets');
    for (const t of targets) log(`  ${t.verdict}  [${t.description}]`);
    for (const n of storeNotes) log(`  ${n}`);
  } finally {
    await rm(tmpRoot, { recursive: true, force: true });
  }
}

async function writeOutputs(results: BenchResults, run: DurabilityRun | undefined, args: Args): Promise<void> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const json = JSON.stringify(results, null, 2) + '\n';
  const jsonPath = path.join(RESULTS_DIR, `${stamp}.json`);
  await writeFile(jsonPath, json);
  if (args.saveAs) await writeFile(path.join(RESULTS_DIR, `${args.saveAs.replace(/\.json$/, '')}.json`), json);
  const charts: { tradeoff?: string; latency?: string } = {};
  const tradeoff = tradeoffChart(results);
  if (tradeoff !== null) {
    await writeFile(path.join(RESULTS_DIR, 'throughput-vs-loss.svg'), tradeoff);
    charts.tradeoff = 'throughput-vs-loss.svg';
  }
  if (run !== undefined && results.durability.status === 'ok') {
    const series = results.durability.data
      .filter((c) => c.recordBytes === TARGET_RECORD_BYTES && c.outstanding === TARGET_LATENCY_OUTSTANDING)
      .map((c) => ({ name: c.level, us: run.latencies.get(cellKey(c.level, c.recordBytes, c.outstanding)) ?? new Float64Array() }));
    const svg = latencyChart(results, series, `${TARGET_RECORD_BYTES} B records, ${TARGET_LATENCY_OUTSTANDING} outstanding append`);
    if (svg !== null) {
      await writeFile(path.join(RESULTS_DIR, 'latency-distribution.svg'), svg);
      charts.latency = 'latency-distribution.svg';
    }
  }
  await writeFile(path.join(RESULTS_DIR, 'latest.md'), renderMarkdown(results, charts));
  log(
    `\nwrote ${path.relative(process.cwd(), jsonPath)}, bench/results/latest.md${charts.tradeoff ? ', throughput-vs-loss.svg' : ''}${charts.latency ? ', latency-distribution.svg' : ''}`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
