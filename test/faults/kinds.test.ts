/**
 * The fault table (src/faults/kinds.ts): the public kind lists agree with it,
 * every row builds its injector, the plans built from it are those the
 * harness and `--faults LIST` always had (the seeded swarm draws too), and
 * docs/fault-model.md's table is the one the rows generate.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CONTRACT_FAULT_KINDS,
  EXTRA_FAULT_KINDS,
  FAULT_KINDS,
  FaultSet,
  describeFaultPlan,
  faultPlanForKinds,
  injectorFor,
  parseFaultPlan,
  swarmFaultPlan,
  type ContractFaultKind,
  type FaultKind,
  type FaultOpContext,
  type FaultSpec,
  type FiredFault,
} from '../../src/faults/index.js';
import { FAULT_KIND_TABLE, faultKindRow, faultKindsWhere, type AnyFaultKindRow } from '../../src/faults/kinds.js';
import { faultPlanForCheck, parseFaultKinds } from '../../src/harness/index.js';
import { Rng } from '../../src/rng.js';

describe('the fault table', () => {
  it('the public kind lists keep their values and order, and agree with the rows', () => {
    expect([...CONTRACT_FAULT_KINDS]).toEqual(['crash', 'fsync-error', 'disk-full', 'read-error', 'bitflip', 'lying-fsync']);
    expect([...EXTRA_FAULT_KINDS]).toEqual(['torn-write', 'misdirected-write', 'latency', 'transient-error']);
    expect([...FAULT_KINDS]).toEqual([...CONTRACT_FAULT_KINDS, ...EXTRA_FAULT_KINDS]);
    expect(FAULT_KIND_TABLE.map((r) => r.kind)).toEqual([...FAULT_KINDS]);
    expect(faultKindsWhere((r) => r.contract)).toEqual([...CONTRACT_FAULT_KINDS]);
    expect(faultKindsWhere((r) => !r.contract)).toEqual([...EXTRA_FAULT_KINDS]);
    expect(faultKindRow('meteor')).toBeUndefined();
    expectTypeOf(CONTRACT_FAULT_KINDS).toEqualTypeOf<
      readonly ['crash', 'fsync-error', 'disk-full', 'read-error', 'bitflip', 'lying-fsync']
    >();
    expectTypeOf<FaultKind>().toEqualTypeOf<ContractFaultKind | 'torn-write' | 'misdirected-write' | 'latency' | 'transient-error'>();
    expectTypeOf<Extract<FaultSpec, { kind: 'latency' }>['ms']>().toEqualTypeOf<number>();
    expectTypeOf<Extract<FaultSpec, { kind: 'bitflip' }>['bits']>().toEqualTypeOf<number | undefined>();
  });

  it('policy: bitflip, lying-fsync and misdirected-write may take acknowledged data and let open reject; read-error and transient-error only during the open', () => {
    const destroys = faultKindsWhere((r) => r.destroysData);
    expect(destroys).toEqual(['bitflip', 'lying-fsync', 'misdirected-write']);
    expect(faultKindsWhere((r) => r.openMayReject === 'once-fired')).toEqual(destroys);
    expect(faultKindsWhere((r) => r.openMayReject === 'while-open-runs')).toEqual(['read-error', 'transient-error']);
    for (const r of FAULT_KIND_TABLE) expect(r.phases.length).toBeGreaterThan(0);
  });

  it('every row builds an injector of its kind, the one injectorFor gives', () => {
    for (const r of FAULT_KIND_TABLE as readonly AnyFaultKindRow[]) {
      const spec = { kind: r.kind, ...r.uniform } as FaultSpec;
      expect(r.injector(spec).kind).toBe(r.kind);
      expect(injectorFor(spec).kind).toBe(r.kind);
      expect(injectorFor(spec).ops).toEqual(r.injector(spec).ops);
    }
    expect(() => injectorFor({ kind: 'meteor' } as unknown as FaultSpec)).toThrow(/unknown fault kind "meteor"; known: crash, /);
  });
});

describe('plans built from the table', () => {
  it("faultPlanForCheck: the harness's defaults (phases, rates, bitflip's bound, latency 5 ms, transient streaks of 3; no crash)", () => {
    expect(faultPlanForCheck([...FAULT_KINDS])).toEqual({
      version: 1,
      faults: [
        { kind: 'fsync-error', trigger: { probability: 0.02, phase: 'workload' } },
        { kind: 'disk-full', trigger: { probability: 0.02, phase: 'workload' } },
        { kind: 'read-error', trigger: { probability: 0.04, phase: 'recovery' } },
        { kind: 'bitflip', trigger: { probability: 0.005, maxTimes: 2 } },
        { kind: 'lying-fsync', trigger: { probability: 0.02, phase: 'workload' } },
        { kind: 'torn-write', trigger: { probability: 0.02 } },
        { kind: 'misdirected-write', trigger: { probability: 0.02 } },
        { kind: 'latency', ms: 5, trigger: { probability: 0.02 } },
        { kind: 'transient-error', burst: 3, trigger: { probability: 0.02 } },
      ],
    });
    expect(faultPlanForCheck(['read-error'], 0.3).faults).toEqual([
      { kind: 'read-error', trigger: { probability: 0.1, phase: 'recovery' } },
    ]);
    expect(faultPlanForCheck(['crash']).faults).toEqual([]);
    expect(() => faultPlanForCheck([], 2)).toThrow('fault probability must be in [0, 1], got 2');
    // Plans are traced as JSON: the keys keep their order (kind, parameters, trigger).
    expect(JSON.stringify(faultPlanForCheck(['latency', 'bitflip'], 0.1))).toBe(
      '{"version":1,"faults":[{"kind":"latency","ms":5,"trigger":{"probability":0.1}},{"kind":"bitflip","trigger":{"probability":0.025,"maxTimes":2}}]}',
    );
  });

  it('faultPlanForKinds: every named kind, crash too, at one probability, no phases, latency 50 ms', () => {
    expect(JSON.stringify(faultPlanForKinds(['crash', 'latency', 'read-error']))).toBe(
      '{"version":1,"faults":[{"kind":"crash","trigger":{"probability":0.01}},{"kind":"latency","ms":50,"trigger":{"probability":0.01}},{"kind":"read-error","trigger":{"probability":0.01}}]}',
    );
    expect(() => faultPlanForKinds(['latency', 'nope'])).toThrow(
      'unknown fault kind "nope"; known: crash, fsync-error, disk-full, read-error, bitflip, lying-fsync, torn-write, misdirected-write, latency, transient-error',
    );
  });

  it('swarm: the draws per kind keep their order (on, probability, parameters), so a seed gives the plan it always gave', () => {
    expect(JSON.stringify(swarmFaultPlan(new Rng(7), { onChance: 1 }))).toBe(
      '{"version":1,"faults":[{"kind":"crash","trigger":{"probability":0.00268}},{"kind":"fsync-error","trigger":{"probability":0.000518}},{"kind":"disk-full","trigger":{"probability":0.00119}},{"kind":"read-error","trigger":{"probability":0.00516}},{"kind":"bitflip","trigger":{"probability":0.00107},"bits":1},{"kind":"lying-fsync","trigger":{"probability":0.0022}},{"kind":"torn-write","trigger":{"probability":0.00206}},{"kind":"misdirected-write","trigger":{"probability":0.0219},"maxShiftSectors":8},{"kind":"latency","trigger":{"probability":0.0123},"ms":122},{"kind":"transient-error","trigger":{"probability":0.0124},"burst":8}],"swarm":{"seed":"7"}}',
    );
    expect(JSON.stringify(swarmFaultPlan(new Rng(3)))).toBe(
      '{"version":1,"faults":[{"kind":"crash","trigger":{"probability":0.00311}},{"kind":"fsync-error","trigger":{"probability":0.00534}},{"kind":"disk-full","trigger":{"probability":0.00131}},{"kind":"read-error","trigger":{"probability":0.00907}},{"kind":"torn-write","trigger":{"probability":0.00179}}],"swarm":{"seed":"3"}}',
    );
  });

  it("describeFaultPlan prints each row's parameters after the trigger", () => {
    expect(describeFaultPlan(swarmFaultPlan(new Rng(7), { onChance: 1 }))).toBe(
      'crash p=0.00268; fsync-error p=0.000518; disk-full p=0.00119; read-error p=0.00516; bitflip p=0.00107 bits=1; lying-fsync p=0.0022; torn-write p=0.00206; misdirected-write p=0.0219 shift<=8; latency p=0.0123 ms=122; transient-error p=0.0124 burst<=8',
    );
    const plan = parseFaultPlan({
      version: 1,
      faults: [
        { kind: 'disk-full', capacityBytes: 1000, trigger: { nth: 3, path: 'x', phase: 'recovery', maxTimes: 2 } },
        { kind: 'bitflip' },
        { kind: 'misdirected-write', maxShiftSectors: 4 },
      ],
    });
    expect(describeFaultPlan(plan)).toBe(
      'disk-full nth=3 path=/x/ phase=recovery max=2 capacity=1000; bitflip always; misdirected-write always shift<=4',
    );
  });

  it("parseFaultKinds names the table's kinds, the contract's first", () => {
    expect(() => parseFaultKinds(['crash', 'x'])).toThrow(
      'unknown fault kind "x"; known: crash, fsync-error, disk-full, read-error, bitflip, lying-fsync (and torn-write, misdirected-write, latency, transient-error)',
    );
    expect(parseFaultKinds(['bitflip', 'crash', 'bitflip'])).toEqual(['bitflip', 'crash']);
  });
});

describe('FaultSet counts faults where they fire', () => {
  const ctx = (op: FaultOpContext['op']): FaultOpContext => ({
    op,
    path: 'wal/1.log',
    phase: 'workload',
    sectorSize: 512,
    usedBytes: 0,
    offset: 0,
    length: 100,
    fileSize: 0,
    durableSize: 0,
  });

  it('per kind, keys in the order kinds first fired, and tells onFault each one in firing order', () => {
    const heard: FiredFault[] = [];
    const set = new FaultSet(
      {
        version: 1,
        faults: [{ kind: 'torn-write', trigger: { nth: 2 } }, { kind: 'read-error' }, { kind: 'latency', ms: 4, trigger: { maxTimes: 1 } }],
      },
      new Rng(1),
      { onFault: (f) => heard.push(f) },
    );
    expect(set.fired).toEqual({});
    set.fire('complete', 'read', ctx('read'));
    set.fire('complete', 'write', ctx('write'));
    set.fire('issue', 'write', ctx('write'));
    set.fire('complete', 'write', ctx('write'));
    set.fire('issue', 'write', ctx('write'));
    set.fire('complete', 'read', ctx('read'));
    expect(Object.entries(set.fired)).toEqual([
      ['read-error', 2],
      ['latency', 1],
      ['torn-write', 1],
    ]);
    expect(heard.map((f) => f.kind)).toEqual(['read-error', 'latency', 'torn-write', 'read-error']);
    // Each carries the operation it fired on, numbered per decision point, phase, kind and path: a schedule entry's key.
    expect(heard[1]).toEqual({
      kind: 'latency',
      index: 2,
      effect: { type: 'delay', ms: 4 },
      at: 'issue',
      epoch: 0,
      phase: 'workload',
      op: 'write',
      path: 'wal/1.log',
      nth: 1,
    });
    expect(heard.map((f) => `${f.at} ${f.op} #${f.nth}`)).toEqual([
      'complete read #1',
      'issue write #1',
      'complete write #2',
      'complete read #2',
    ]);
  });
});

/** docs/fault-model.md's table of injectors, as the rows generate it. */
function generatedDocTable(): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|');
  const reject = { never: 'no', 'while-open-runs': 'while it fires during that open', 'once-fired': 'once it fired' } as const;
  const lines = [
    '| kind | contract name? | operations | what it does to the page cache | what it does to the medium | may take acknowledged data? | open may reject |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of FAULT_KIND_TABLE as readonly AnyFaultKindRow[]) {
    const cells = [
      `\`${r.kind}\``,
      r.contract ? 'yes' : 'extra',
      r.doc.operations,
      r.doc.pageCache,
      r.doc.medium,
      r.destroysData ? 'yes' : 'no',
      reject[r.openMayReject],
    ];
    lines.push(`| ${cells.map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

it("docs/fault-model.md's fault table is the one the fault table generates", () => {
  const doc = readFileSync('docs/fault-model.md', 'utf8');
  const start = doc.indexOf('| kind | contract name? |');
  expect(start, 'docs/fault-model.md has no fault table').toBeGreaterThan(0);
  const end = doc.indexOf('\n\n', start);
  const table = doc.slice(start, end === -1 ? undefined : end);
  expect(table, `docs/fault-model.md's table should read:\n\n${generatedDocTable()}\n`).toBe(generatedDocTable());
});
