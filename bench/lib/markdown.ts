/** Renders a results document as the markdown report (bench/results/latest.md). */
import { machineLine } from './machine.js';
import type { BenchResults, DurabilityCell, LossRow, PeerCell, Section, SimulatorSpeed } from './results.js';
import { storeTables } from './store-markdown.js';

export function mdTable(header: string[], rows: Array<Array<string | number>>): string {
  const esc = (c: string | number): string => String(c).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`| ${header.map(esc).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.map(esc).join(' | ')} |`);
  return lines.join('\n');
}

export function fmtInt(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

export function fmtNum(v: number, digits = 1): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function skipped<T>(s: Section<T>): string | null {
  return s.status === 'skipped' ? `_Skipped: ${s.reason}_` : null;
}

/** The cell used for the one-line-per-level tables: 100 B records at the highest measured concurrency. */
export function referenceCells(cells: DurabilityCell[]): { recordBytes: number; outstanding: number; cells: DurabilityCell[] } | null {
  const sizes = [...new Set(cells.map((c) => c.recordBytes))].sort((a, b) => a - b);
  const recordBytes = sizes[0];
  if (recordBytes === undefined) return null;
  const at = cells.filter((c) => c.recordBytes === recordBytes);
  const outstanding = Math.max(...at.map((c) => c.outstanding));
  return { recordBytes, outstanding, cells: at.filter((c) => c.outstanding === outstanding) };
}

function tradeoffTable(r: BenchResults): string {
  if (r.durability.status !== 'ok') return skipped(r.durability) ?? '';
  const ref = referenceCells(r.durability.data);
  if (ref === null) return '_No durability cells._';
  const loss = r.loss.status === 'ok' ? r.loss.data : [];
  const lossOf = (level: string): LossRow | undefined => loss.find((l) => l.level === level);
  const rows = ref.cells.map((c) => {
    const l = lossOf(c.level);
    return [
      c.level,
      c.durableAppend ? 'yes' : 'no',
      fmtInt(c.opsPerSec),
      fmtNum(c.latency.p50Us, 0),
      fmtNum(c.latency.p99Us, 0),
      l ? `${fmtNum(l.lostRecordsMean, 2)} / ${fmtInt(l.lostRecordsMax)}` : r.loss.status === 'ok' ? 'not measured' : 'skipped',
      l ? `${fmtNum(l.lostMsMean, 2)} / ${fmtNum(l.lostMsMax, 2)}` : '',
      l
        ? `${l.epochsWithLoss}/${l.crashes}` + (l.violations > 0 ? ` (${l.violations} contract violations: ${l.firstViolation ?? ''})` : '')
        : '',
    ];
  });
  const note =
    r.loss.status === 'skipped'
      ? `\n\n_Loss side skipped: ${r.loss.reason}_`
      : '\n\nLoss is measured in the simulator over seeded crashes. For levels whose append does not wait for durability (`none`, `interval`), "acknowledged" means "append resolved": what the application was told.';
  return (
    `Throughput at ${ref.recordBytes} B records, ${ref.outstanding} outstanding appends; loss per crash (mean / max).\n\n` +
    mdTable(
      ['level', 'durable append', 'appends/s', 'p50 µs', 'p99 µs', 'acked records lost', 'ms of acked writes lost', 'crashes losing data'],
      rows,
    ) +
    note
  );
}

function durabilityTable(r: BenchResults): string {
  if (r.durability.status !== 'ok') return skipped(r.durability) ?? '';
  const rows = r.durability.data.map((c) => [
    c.level,
    c.recordBytes,
    c.outstanding,
    fmtInt(c.opsPerSec),
    fmtNum(c.mbPerSec, 1),
    fmtNum(c.latency.p50Us, 0),
    fmtNum(c.latency.p99Us, 0),
    fmtNum(c.latency.p999Us, 0),
    fmtNum(c.appendsPerBatch, 1),
    fmtInt(c.avgBatchBytes),
    c.raw ? fmtInt(c.raw.limitAppendsPerSec) : '',
    c.ratioToRaw !== undefined
      ? `${fmtNum(c.ratioToRaw, 2)}x` +
        (c.rawRounds && c.rawRounds.length > 1
          ? ` (rounds ${c.rawRounds.map((x) => fmtNum(x.opsPerSec / x.raw.limitAppendsPerSec, 2)).join(', ')})`
          : '')
      : '',
  ]);
  return mdTable(
    [
      'level',
      'record B',
      'outstanding',
      'appends/s',
      'MB/s',
      'p50 µs',
      'p99 µs',
      'p99.9 µs',
      'appends/batch',
      'batch B',
      'raw limit appends/s',
      'vs raw',
    ],
    rows,
  );
}

function rawTable(r: BenchResults): string {
  if (r.durability.status !== 'ok') return skipped(r.durability) ?? '';
  const rows = r.durability.data
    .filter((c) => c.raw !== undefined)
    .map((c) => {
      const raw = c.raw as NonNullable<DurabilityCell['raw']>;
      return [
        `${c.level}, ${c.recordBytes} B x${c.outstanding}`,
        fmtInt(raw.batchBytes),
        fmtInt(raw.appendSyncsPerSec),
        fmtNum(raw.appendP50Us, 0),
        fmtInt(raw.preallocatedSyncsPerSec),
        fmtNum(raw.preallocatedP50Us, 0),
      ];
    });
  if (rows.length === 0) return '_No raw-disk measurements._';
  return mdTable(['for cell', 'batch B', 'append: write+fdatasync/s', 'append p50 µs', 'preallocated: /s', 'preallocated p50 µs'], rows);
}

function peerTable(r: BenchResults): string {
  if (r.peers.status !== 'ok') return skipped(r.peers) ?? '';
  const cells = r.durability.status === 'ok' ? r.durability.data : [];
  const bestFaultline = (bytes: number, outstanding: number): DurabilityCell | undefined =>
    cells
      .filter((c) => c.durableAppend && c.recordBytes === bytes && c.outstanding === outstanding)
      .sort((a, b) => b.opsPerSec - a.opsPerSec)[0];
  const rows = r.peers.data.map((p: PeerCell) => {
    if ('skipped' in p) return [p.peer, '', p.recordBytes, p.outstanding, `skipped: ${p.skipped}`, '', '', ''];
    const f = bestFaultline(p.recordBytes, p.outstanding);
    return [
      p.peer,
      p.version,
      p.recordBytes,
      p.outstanding,
      fmtInt(p.opsPerSec),
      fmtNum(p.latency.p50Us, 0),
      fmtNum(p.latency.p99Us, 0),
      f ? `${fmtNum(f.opsPerSec / p.opsPerSec, 2)}x (${f.level})` : '',
    ];
  });
  const configs = [...new Map(r.peers.data.filter((p) => !('skipped' in p)).map((p) => [p.peer, 'config' in p ? p.config : ''])).entries()]
    .map(([name, config]) => `- \`${name}\`: ${config}`)
    .join('\n');
  return (
    mdTable(['peer', 'version', 'record B', 'outstanding', 'commits/s', 'p50 µs', 'p99 µs', 'best durable faultline level / peer'], rows) +
    (configs ? `\n\n${configs}` : '')
  );
}

function recoveryTable(r: BenchResults): string {
  const parts: string[] = [];
  if (r.recovery.status !== 'ok') parts.push(skipped(r.recovery) ?? '');
  else {
    parts.push(
      mdTable(
        ['record B', 'records', 'log MB', 'replay MB/s', 'replay records/s', 'raw sequential read MB/s', 'replay / raw read'],
        r.recovery.data.map((x) => [
          x.recordBytes,
          fmtInt(x.records),
          fmtNum(x.logBytes / 1e6, 1),
          fmtInt(x.replayMBps),
          fmtInt(x.replayRecordsPerSec),
          fmtInt(x.rawReadMBps),
          `${fmtNum(x.replayMBps / x.rawReadMBps, 2)}x`,
        ]),
      ),
    );
  }
  if (r.crc.status !== 'ok') parts.push(skipped(r.crc) ?? '');
  else {
    parts.push(
      'CRC implementations (tinybench):\n\n' +
        mdTable(
          ['implementation', 'buffer B', 'ops/s', 'MB/s'],
          r.crc.data.map((c) => [c.implementation, c.bytes, fmtInt(c.opsPerSec), fmtInt(c.mbPerSec)]),
        ),
    );
  }
  return parts.join('\n\n');
}

function simulatorTable(r: BenchResults): string {
  if (r.simulator.status !== 'ok') return skipped(r.simulator) ?? '';
  const s = r.simulator.data;
  const cpu = (c: number | undefined, n: number): string =>
    c === undefined
      ? 'CPU time not measured'
      : `process CPU ${fmtNum(c, 0)} ms = **${fmtNum(n / (c / 1000), 1)} scenarios per CPU-second**`;
  const scalingTable = (rows: SimulatorSpeed['scaling']): string => {
    const one = rows.find((w) => w.workers === 1);
    return mdTable(
      ['workers', 'scenarios', 'wall ms', 'scenarios/s', 'per worker', 'vs 1 worker'],
      rows.map((w) => [
        w.workers,
        w.scenarios,
        fmtNum(w.wallMs, 0),
        fmtInt(w.scenariosPerSec),
        fmtInt(w.scenariosPerSec / w.workers),
        one === undefined ? '' : `${fmtNum(w.scenariosPerSec / one.scenariosPerSec, 2)}x`,
      ]),
    );
  };
  const load =
    s.loadAverage === undefined
      ? ''
      : ` Load average (1 min) ${fmtNum(s.loadAverage[0], 2)} at the start of the section, ${fmtNum(s.loadAverage[1], 2)} at its end.`;
  return (
    `Single thread, engine options ${JSON.stringify(s.engineOptions)}: ${fmtInt(s.scenariosSingleThread)} crash scenarios, ${cpu(s.cpuMs, s.scenariosSingleThread)}; ` +
    `wall-clock ${fmtNum(s.wallMs, 0)} ms = ${fmtInt(s.scenariosPerSecPerCore)} scenarios/s; ` +
    `${fmtNum(s.virtualMs, 0)} ms of virtual time = **${fmtNum(s.virtualTimeSpeedup, 1)}x** virtual-time speedup. ` +
    `(Scenarios as \`faultline check\` generates them: several epochs and clients, records up to 1 MiB.) ` +
    `A generated scenario takes ${fmtInt(s.stepsPerScenario)} scheduler steps on average; the scheduler ran ${fmtInt(s.stepsPerSec)} steps/s. ` +
    `With the engine's default options (64 MiB preallocated segments): ${fmtInt(s.engineDefaults.scenarios)} scenarios, ${cpu(s.engineDefaults.cpuMs, s.engineDefaults.scenarios)}; wall-clock ${fmtNum(s.engineDefaults.scenariosPerSec, 1)}/s. ` +
    `On the small fixed crash scenario of the loss table: ${fmtInt(s.smallScenario.scenariosPerSec)} scenarios/s, ${fmtNum(s.smallScenario.virtualTimeSpeedup, 1)}x virtual-time speedup.${load}\n\n` +
    `Workers (worker_threads), each running the generated scenarios for the same time (wall-clock rates, summed over workers), engine options ${JSON.stringify(s.engineOptions)}:\n\n` +
    scalingTable(s.scaling) +
    (s.scalingDefaults === undefined
      ? ''
      : `\n\nThe same with the engine's default options (64 MiB preallocated segments):\n\n${scalingTable(s.scalingDefaults)}`)
  );
}

function memoryTable(r: BenchResults): string {
  if (r.memory.status !== 'ok') return skipped(r.memory) ?? '';
  return (
    mdTable(
      ['queue', 'appends issued', 'resolved', 'rejected (backpressure)', 'RSS at start MiB', 'peak RSS MiB'],
      r.memory.data.map((m) => [
        m.mode,
        fmtInt(m.appendsIssued),
        fmtInt(m.appendsResolved),
        fmtInt(m.appendsRejected),
        fmtNum(m.baselineRssMiB, 0),
        fmtNum(m.peakRssMiB, 0),
      ]),
    ) +
    `\n\nEach mode runs in its own child process; the producer issues appends in bursts of 5,000 without awaiting them. ` +
    `Queue options: ${r.memory.data.map((m) => `${m.mode} ${JSON.stringify(m.options)}`).join('; ')}. Peak RSS read from ${r.memory.data[0]?.rssSource ?? 'n/a'}.`
  );
}

function compressionTables(r: BenchResults): string {
  const s = r.compression;
  if (s === undefined) return '';
  if (s.status !== 'ok') return skipped(s) ?? '';
  const d = s.data;
  return [
    `The codec alone, on one ${d.frameTargetBytes} B block of each mix (the engine's frame target):`,
    mdTable(
      ['mix', 'codec', 'ratio', 'compress MB/s', 'decompress MB/s'],
      d.codec.map((c) => [c.mix, c.codec, fmtNum(c.ratio, 2), fmtNum(c.compressMBps, 0), fmtNum(c.decompressMBps, 0)]),
    ),
    'The engine, groupCommit, real temp directory, in interleaved rounds (the row is the median round by appends/s); replay is Wal.open of a log of the same records written without preallocation (the files hold only the log), median of the rounds:',
    mdTable(
      [
        'mix',
        'compression',
        'outstanding',
        'appends/s',
        'payload MB/s',
        'on disk, smaller by',
        'frames',
        'plain groups',
        'replay payload MB/s',
      ],
      d.engine.map((e) => [
        e.mix,
        e.compression,
        e.outstanding,
        fmtInt(e.appendsPerSec),
        fmtNum(e.payloadMBps, 1),
        `${fmtNum(e.diskRatio, 2)}x`,
        e.compressedFrames,
        e.compressionSkipped,
        fmtNum(e.replayPayloadMBps, 0),
      ]),
    ),
    `Bytes of n records as plain records and as one lz4 frame (groups below ${d.compressMinBytes} B of content are not compressed):`,
    mdTable(
      ['mix', 'records', 'content B', 'plain B', 'frame B'],
      d.threshold.map((t) => [t.mix, t.records, t.contentBytes, t.plainBytes, t.frameBytes]),
    ),
  ].join('\n\n');
}

export function renderMarkdown(r: BenchResults, charts: { tradeoff?: string; latency?: string }): string {
  const out: string[] = [];
  out.push(`# faultline benchmarks (${r.mode})`);
  out.push(`Run ${r.startedAt} to ${r.finishedAt}. Machine: ${machineLine(r.machine)} (load average at start ${r.machine.loadAverage1m}).`);
  out.push(
    'Every figure below was measured in this one run; ratios compare numbers from the same run. A section or peer that could not run says why instead of giving a number.',
  );
  out.push('## Targets');
  out.push(
    mdTable(
      ['target', 'measured', 'reference', 'verdict'],
      r.targets.map((t) => [
        t.description,
        t.measured === null ? '' : fmtNum(t.measured, 1),
        t.reference === null ? '' : fmtNum(t.reference, 1),
        t.verdict,
      ]),
    ),
  );
  out.push('## The tradeoff: throughput against what a crash loses');
  if (charts.tradeoff) out.push(`![throughput against loss window](${charts.tradeoff})`);
  out.push(tradeoffTable(r));
  out.push('## Append throughput and latency (real temp directory)');
  if (charts.latency) out.push(`![latency distribution](${charts.latency})`);
  out.push(durabilityTable(r));
  out.push('## Raw-disk limit for the same batches (write + fdatasync, synchronous calls)');
  out.push(
    "Measured in interleaved rounds with the faultline cell (faultline, raw, faultline, raw, ...); the row shows the median round. The limit in appends/s is the better layout's syncs/s times faultline's appends per batch in that round.",
  );
  out.push(rawTable(r));
  out.push('## Peers (durable commits)');
  out.push(peerTable(r));
  out.push('## Recovery');
  out.push(recoveryTable(r));
  if (r.compression !== undefined) {
    out.push('## Compression (lz4)');
    out.push(compressionTables(r));
  }
  if (r.store !== undefined) {
    out.push('## Store transactions (durable commits) and checkpoint latency');
    out.push(storeTables(r, r.targets));
  }
  out.push('## Simulator speed');
  out.push(simulatorTable(r));
  out.push('## Memory under overload');
  out.push(memoryTable(r));
  if (r.notes.length > 0) {
    out.push('## Notes');
    out.push(r.notes.map((n) => `- ${n}`).join('\n'));
  }
  return out.join('\n\n') + '\n';
}
