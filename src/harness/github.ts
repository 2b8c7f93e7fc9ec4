/**
 * GitHub Actions output for `faultline check` and `faultline campaign`: when
 * the environment says GITHUB_ACTIONS=true, each failure becomes an `::error`
 * workflow command (an annotation carrying the rule and the replay command),
 * and a Markdown summary (runs, faults fired, the failures with their replay
 * commands) is appended to the file GITHUB_STEP_SUMMARY names, truncated with
 * a note to GitHub's 1 MiB limit. Pure functions make the text; one small
 * writer emits it.
 */
import { appendFile, stat } from 'node:fs/promises';
import { WalError, errorCode } from '../errors.js';
import type { FaultKind } from '../faults/types.js';
import type { CampaignFile, CampaignRunResult } from './campaign-types.js';
import { formatFailureReport } from './report.js';
import type { CheckResult, FailureReport } from './types.js';
import { formatStoreFailureReport } from './check-store.js';
import type { StoreCheckResult } from './store-check-types.js';

/** GitHub's limit on one step's summary file, in bytes. */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;
/** GitHub shows at most 10 error annotations per step: more are named in the last one. */
export const MAX_ANNOTATIONS = 10;

/** What faultline hands GitHub: workflow commands (lines for the log) and the step summary (Markdown). */
export interface GithubReport {
  commands: string;
  summary: string;
}

/** True when running as a GitHub Actions step. */
export function isGithubActions(env: NodeJS.ProcessEnv): boolean {
  return env['GITHUB_ACTIONS'] === 'true';
}

/** A workflow command's message: %, CR and LF escaped, as GitHub's runner unescapes them. */
export function escapeCommandData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A workflow command's property value (title=...): the message's escapes plus ':' and ','. */
export function escapeCommandProperty(s: string): string {
  return escapeCommandData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One `::error title=...::message` line. */
export function errorCommand(title: string, message: string): string {
  return `::error title=${escapeCommandProperty(title)}::${escapeCommandData(message)}\n`;
}

/** A fenced Markdown code block whose fence no backtick run inside can close. */
function fence(text: string, lang = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(Math.max(3, longest + 1));
  return `${f}${lang}\n${text}\n${f}`;
}

/** Markdown table cell text: pipes and newlines would break the row. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function faultsTable(fired: Partial<Record<FaultKind, number>>): string {
  const rows = Object.entries(fired).filter(([, n]) => (n ?? 0) > 0);
  if (rows.length === 0) return 'Faults fired: none (power cuts and restarts only).';
  return ['| fault | fired |', '| --- | ---: |', ...rows.map(([k, n]) => `| ${cell(k)} | ${n} |`)].join('\n');
}

function failureSection(
  heading: string,
  f: { rule: string; message: string; replayCommand: string; violation: { epoch: number } },
  text: string = formatFailureReport(f as FailureReport),
): string {
  return [
    `### ${heading}`,
    '',
    `Rule \`${f.rule}\` broken in epoch ${f.violation.epoch}: ${cell(f.message)}`,
    '',
    'Replay it:',
    '',
    fence(f.replayCommand, 'sh'),
    '',
    '<details><summary>The failure report</summary>',
    '',
    fence(text, 'text'),
    '',
    '</details>',
  ].join('\n');
}

/** The annotation of a failure: the rule in its title, the message and the replay command in its body. */
function failureCommand(prefix: string, f: { rule?: string; message?: string; replayCommand?: string }): string {
  return errorCommand(
    `faultline: rule ${f.rule ?? '(unknown)'} broken${prefix}`,
    `${f.message ?? ''}\nreplay with: ${f.replayCommand ?? '(no replay command)'}`,
  );
}

/** `faultline check`'s annotation and step summary. */
export function checkGithubReport(pluginName: string, result: CheckResult): GithubReport {
  const s = result.summary;
  return checkReportOf(
    pluginName,
    result.ok,
    ['runs', 'seed', 'stopped by', 'epochs', 'power cuts', 'appended', 'acknowledged', 'recovered'],
    [s.runs, s.seed, s.stoppedBy, s.epochs, s.crashes, s.appends, s.acknowledged, s.recovered],
    s.faultsFired,
    result.failure === undefined ? undefined : { f: result.failure, text: formatFailureReport(result.failure) },
  );
}

/** `faultline check --store`'s annotation and step summary. */
export function storeCheckGithubReport(pluginName: string, result: StoreCheckResult): GithubReport {
  const s = result.summary;
  return checkReportOf(
    pluginName,
    result.ok,
    ['runs', 'seed', 'stopped by', 'epochs', 'power cuts', 'transactions', 'acknowledged', 'aborted', 'applied'],
    [s.runs, s.seed, s.stoppedBy, s.epochs, s.crashes, s.transactions, s.acknowledged, s.aborted, s.applied],
    s.faultsFired,
    result.failure === undefined ? undefined : { f: result.failure, text: formatStoreFailureReport(result.failure) },
  );
}

function checkReportOf(
  pluginName: string,
  ok: boolean,
  columns: readonly string[],
  row: readonly (string | number)[],
  faults: Partial<Record<FaultKind, number>>,
  failure: { f: { rule: string; message: string; replayCommand: string; violation: { epoch: number } }; text: string } | undefined,
): GithubReport {
  const commands = failure === undefined ? '' : failureCommand(` (${pluginName})`, failure.f);
  const summary = [
    `## faultline check: ${cell(pluginName)}: ${ok ? 'OK, no violation' : 'FAILED, a rule of the plugin contract was broken'}`,
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map((c) => (c === 'stopped by' ? '---' : '---:')).join(' | ')} |`,
    `| ${row.join(' | ')} |`,
    '',
    faultsTable(faults),
    ...(failure === undefined ? [] : ['', failureSection('The failure', failure.f, failure.text)]),
    '',
  ].join('\n');
  return { commands, summary };
}

function badRunCommand(r: CampaignRunResult): string {
  if (r.status === 'failed') return failureCommand(` (run ${r.run}, seed ${r.seed})`, r);
  return errorCommand(`faultline: run ${r.run} (seed ${r.seed}) errored`, r.error?.message ?? 'error');
}

/** `faultline campaign`'s (and `campaign merge`'s) annotations and step summary. */
export function campaignGithubReport(file: CampaignFile, maxListed = 20): GithubReport {
  const id = file.campaign;
  const bad = file.results.filter((r) => r.status !== 'passed');
  let commands = bad.slice(0, MAX_ANNOTATIONS).map(badRunCommand).join('');
  if (bad.length > MAX_ANNOTATIONS) {
    commands += errorCommand(
      'faultline: more failures',
      `${bad.length - MAX_ANNOTATIONS} more failed run(s): see the step summary or the campaign JSON`,
    );
  }
  const sum = (field: 'epochs' | 'crashes' | 'appends' | 'acknowledged'): number => file.results.reduce((n, r) => n + (r[field] ?? 0), 0);
  // Runs that passed report counters only: what fired is known for the failing runs (their reports).
  const fired: Partial<Record<FaultKind, number>> = {};
  for (const r of bad)
    for (const [k, n] of Object.entries(r.failure?.faultsFired ?? {}) as [FaultKind, number][]) fired[k] = (fired[k] ?? 0) + n;
  const t = file.totals;
  const lines = [
    `## faultline campaign: ${cell(id.pluginName)}: ${file.ok ? 'OK, every run passed' : `FAILED, ${t.failed} failed and ${t.errors} errored`}`,
    '',
    `Base seed ${id.baseSeed}, shards ${file.shards.join(', ')} of ${id.shardCount}, fault kinds ${id.faults.join(', ')}.`,
    '',
    '| runs | passed | failed | errors | epochs | power cuts | appends | acknowledged |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${t.runs} | ${t.passed} | ${t.failed} | ${t.errors} | ${sum('epochs')} | ${sum('crashes')} | ${sum('appends')} | ${sum('acknowledged')} |`,
  ];
  if (bad.length > 0) {
    lines.push('', 'Faults fired in the failing runs:', '', faultsTable(fired));
    for (const r of bad.slice(0, maxListed)) {
      lines.push('');
      if (r.status === 'failed' && r.failure !== undefined) lines.push(failureSection(`Run ${r.run} (seed ${r.seed})`, r.failure));
      else if (r.status === 'failed')
        lines.push(
          `### Run ${r.run} (seed ${r.seed})`,
          '',
          `Rule \`${r.rule ?? '?'}\`: ${cell(r.message ?? '')}`,
          '',
          fence(r.replayCommand ?? '(none)', 'sh'),
        );
      else lines.push(`### Run ${r.run} (seed ${r.seed}): error`, '', fence(r.error?.message ?? 'error', 'text'));
    }
    if (bad.length > maxListed) lines.push('', `... and ${bad.length - maxListed} more in the campaign JSON.`);
  }
  lines.push('');
  return { commands, summary: lines.join('\n') };
}

/** The note a truncated summary ends with. */
export const TRUNCATION_NOTE =
  "\n\n> **faultline:** this summary was cut to fit GitHub's 1 MiB step-summary limit; the full report is in the job's log.\n";

/**
 * `markdown` cut to at most `budget` bytes of UTF-8 (at a line end when one is
 * near, never inside a character), with TRUNCATION_NOTE when anything was cut.
 * WalError ENOSPC when not even the note fits.
 */
export function truncateSummary(markdown: string, budget: number = STEP_SUMMARY_LIMIT): string {
  const bytes = Buffer.from(markdown, 'utf8');
  if (bytes.length <= budget) return markdown;
  const note = Buffer.byteLength(TRUNCATION_NOTE, 'utf8');
  if (budget < note)
    throw new WalError('ENOSPC', `the GitHub step summary has ${budget} byte(s) left of its 1 MiB: not even the truncation note fits`);
  let end = budget - note;
  // Back off to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  let text = bytes.subarray(0, end).toString('utf8');
  const nl = text.lastIndexOf('\n');
  if (nl > text.length - 4096 && nl > 0) text = text.slice(0, nl);
  return `${text}${TRUNCATION_NOTE}`;
}

/** Appends `markdown` to the step summary file, within what is left of the 1 MiB limit; WalError EIO when it cannot. */
export async function appendStepSummary(path: string, markdown: string): Promise<void> {
  let used = 0;
  try {
    used = (await stat(path)).size;
  } catch (err) {
    if (errorCode(err) !== 'ENOENT')
      throw new WalError('EIO', `cannot read the GitHub step summary ${path}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
  }
  const text = truncateSummary(markdown, STEP_SUMMARY_LIMIT - used);
  try {
    await appendFile(path, text);
  } catch (err) {
    throw new WalError('EIO', `cannot append to the GitHub step summary ${path}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/**
 * Under GitHub Actions (GITHUB_ACTIONS=true): writes the workflow commands to
 * `out` and appends the summary to GITHUB_STEP_SUMMARY when it is set.
 * Anywhere else: nothing.
 */
export async function emitGithubReport(env: NodeJS.ProcessEnv, out: { write(text: string): unknown }, report: GithubReport): Promise<void> {
  if (!isGithubActions(env)) return;
  if (report.commands !== '') out.write(report.commands);
  const file = env['GITHUB_STEP_SUMMARY'];
  if (file !== undefined && file !== '') await appendStepSummary(file, report.summary);
}
