/**
 * A small JUnit XML writer (the subset CI systems read: Jenkins, GitLab,
 * GitHub test reporters): <testsuites> of <testsuite> of <testcase>, each
 * with an optional <failure> or <error>. Every attribute and text value is
 * escaped, and characters XML 1.0 cannot carry at all (most C0 controls, lone
 * surrogates, U+FFFE, U+FFFF) are replaced by U+FFFD, so any plugin's error
 * message yields a well-formed file.
 */

export interface JUnitProblem {
  /** Short, one line: the broken rule or error code. */
  message: string;
  type: string;
  /** Any length, any characters: the full report. */
  text: string;
}

export interface JUnitCase {
  name: string;
  classname: string;
  /** Seconds. */
  time: number;
  failure?: JUnitProblem;
  error?: JUnitProblem;
  /** Lines for <system-out> (the replay command, for example). */
  output?: string;
}

export interface JUnitSuite {
  name: string;
  /** Seconds. */
  time: number;
  timestamp?: string;
  properties?: Record<string, string>;
  cases: readonly JUnitCase[];
}

// XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text for an XML attribute value or element content. */
export function escapeXml(value: string): string {
  return value.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"'\r\n\t]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      case '\r':
        return '&#13;';
      case '\n':
        return '&#10;';
      default:
        return '&#9;';
    }
  });
}

/** Escapes element content, keeping newlines and tabs literal (readable in CI logs). */
function escapeText(value: string): string {
  return escapeXml(value).replace(/&#10;/g, '\n').replace(/&#9;/g, '\t');
}

function seconds(time: number): string {
  return Number.isFinite(time) && time >= 0 ? time.toFixed(3) : '0.000';
}

function problem(tag: 'failure' | 'error', p: JUnitProblem): string {
  return `      <${tag} message="${escapeXml(p.message)}" type="${escapeXml(p.type)}">${escapeText(p.text)}</${tag}>\n`;
}

export function junitXml(suites: readonly JUnitSuite[]): string {
  const count = (s: JUnitSuite, pick: (c: JUnitCase) => boolean): number => s.cases.filter(pick).length;
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let time = 0;
  const parts: string[] = [];
  for (const suite of suites) {
    const f = count(suite, (c) => c.failure !== undefined);
    const e = count(suite, (c) => c.failure === undefined && c.error !== undefined);
    tests += suite.cases.length;
    failures += f;
    errors += e;
    time += suite.time;
    const stamp = suite.timestamp === undefined ? '' : ` timestamp="${escapeXml(suite.timestamp)}"`;
    parts.push(
      `  <testsuite name="${escapeXml(suite.name)}" tests="${suite.cases.length}" failures="${f}" errors="${e}" skipped="0" time="${seconds(suite.time)}"${stamp}>\n`,
    );
    const props = Object.entries(suite.properties ?? {});
    if (props.length > 0) {
      parts.push('    <properties>\n');
      for (const [name, value] of props) {
        parts.push(`      <property name="${escapeXml(name)}" value="${escapeXml(value)}"/>\n`);
      }
      parts.push('    </properties>\n');
    }
    for (const c of suite.cases) {
      const open = `    <testcase name="${escapeXml(c.name)}" classname="${escapeXml(c.classname)}" time="${seconds(c.time)}"`;
      const body =
        (c.failure === undefined ? '' : problem('failure', c.failure)) +
        (c.failure === undefined && c.error !== undefined ? problem('error', c.error) : '') +
        (c.output === undefined ? '' : `      <system-out>${escapeText(c.output)}</system-out>\n`);
      parts.push(body === '' ? `${open}/>\n` : `${open}>\n${body}    </testcase>\n`);
    }
    parts.push('  </testsuite>\n');
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds(time)}">\n` +
    parts.join('') +
    '</testsuites>\n'
  );
}
