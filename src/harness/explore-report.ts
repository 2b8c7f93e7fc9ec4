/**
 * The text `faultline explore` prints: the bound, what was visited and
 * pruned (and why), the time, the bound that stopped the search, and a
 * counterexample with its replay command.
 */
import type { Violation } from '../contract/types.js';
import type { ExploreReplayResult, ExploreResult, ExploreStateId } from './explore.js';

function describeState(id: ExploreStateId): string[] {
  const clients = id.workload.map((ops, c) => `c${c}[${ops.join(', ')}]`).join(' ');
  const at =
    id.crashAt === 'restart'
      ? 'a clean close and reopen after the workload'
      : `a power cut after step ${id.crashAt}, crash image #${id.image}`;
  return [`  workload:      ${clients}`, `  picks:         ${id.picks.join(',') || '(none)'}`, `  crash state:   ${at}`];
}

function describeViolation(v: Violation): string[] {
  const lines = [`VIOLATION of rule "${v.rule}": ${v.message}`];
  if (v.expected !== undefined) lines.push(`  expected:      ${v.expected.join(' ') || '(nothing)'}`);
  if (v.recovered !== undefined) lines.push(`  recovered:     ${v.recovered.join(' ') || '(nothing)'}`);
  lines.push(`  evidence:      ${JSON.stringify(v.evidence)}`);
  return lines;
}

const STOPS: Record<ExploreResult['stoppedBy'], string> = {
  complete: 'complete: every state within the bound was visited',
  violation: 'a violation (the first one found)',
  'max-states': 'the state bound (--max-states)',
  'time-limit': 'the time limit (--time-limit)',
};

export function formatExploreResult(name: string, r: ExploreResult): string {
  const lines: string[] = [];
  if (r.counterexample !== undefined) {
    lines.push(...describeViolation(r.counterexample.violation), ...describeState(r.counterexample));
    lines.push(`  replay with:   ${r.counterexample.replayCommand}`, '');
  }
  const b = r.bound;
  const scope =
    b.workload === undefined
      ? `every workload of up to ${b.clients} client(s) and ${b.ops} operation(s) in all`
      : `the workload ${b.workload.map((ops, c) => `c${c}[${ops.join(', ')}]`).join(' ')}`;
  lines.push(
    `faultline explore: ${name}`,
    `  bound:         ${scope}, over ${b.alphabet.join(', ')}`,
    `  workloads:     ${r.workloads} of ${r.ofWorkloads} run; ${r.prunedSymmetric} more pruned as the same operation lists on renamed clients`,
    `  interleavings: ${r.interleavings} (every order of the scheduler's picks, client calls included; no reduction)`,
    `  crash points:  ${r.crashPoints}; ${r.cappedPoints} of them had more crash images than the cap examined`,
    `  crash states:  ${r.states} judged (${r.recoveries} distinct images recovered); ${r.prunedDuplicate} pruned as already judged (the same image under the same history)`,
    `  stopped by:    ${STOPS[r.stoppedBy]}`,
    `  time:          ${(r.wallMs / 1000).toFixed(1)} s`,
  );
  if (!r.ok) lines.push('FAILED: a crash state broke a rule of the plugin contract');
  else if (r.complete) lines.push(`OK: every crash state of ${scope} is correct`);
  else
    lines.push(
      `INCOMPLETE: no rule broke, but the search did not cover its bound (${r.stoppedBy === 'complete' ? 'the crash-image cap cut points short (--image-cap)' : STOPS[r.stoppedBy]})`,
    );
  return lines.join('\n');
}

export function formatExploreReplay(name: string, r: ExploreReplayResult): string {
  const lines = r.violation === undefined ? ['the state breaks no rule'] : describeViolation(r.violation);
  lines.push(...describeState(r.id), `  images:        ${r.images} at this crash point`, `faultline explore --replay: ${name}`);
  return lines.join('\n');
}
