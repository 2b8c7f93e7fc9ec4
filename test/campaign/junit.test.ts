import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { escapeXml, junitXml, type JUnitSuite } from '../../src/harness/junit.js';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => name === 'testsuite' || name === 'testcase',
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  parseTagValue: false,
  parseAttributeValue: false,
});

type Parsed = {
  testsuites: {
    tests: string;
    failures: string;
    errors: string;
    testsuite: Array<{
      name: string;
      tests: string;
      failures: string;
      errors: string;
      testcase: Array<{
        name: string;
        classname: string;
        failure?: { message: string; type: string; '#text'?: string } | string;
        error?: unknown;
        'system-out'?: string;
      }>;
    }>;
  };
};

function suite(name: string, messages: string[]): JUnitSuite {
  return {
    name,
    time: 1.25,
    timestamp: '2026-01-01T00:00:00Z',
    properties: { plugin: name, faults: 'crash,bitflip' },
    cases: messages.map((m, i) => ({
      name: `seed ${i} ${m}`,
      classname: `faultline.${name}`,
      time: 0.001 * i,
      ...(i % 2 === 0 ? { failure: { message: m, type: 'durability', text: `report\n${m}` } } : {}),
      ...(i % 3 === 1 ? { error: { message: m, type: 'EPLUGIN', text: m } } : {}),
      output: `faultline replay --seed ${i} "${m}"`,
    })),
  };
}

describe('junit writer', () => {
  it('escapes markup characters', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(escapeXml('x\u0000y\u001bz\uFFFE\uD800')).toBe('x\uFFFDy\uFFFDz\uFFFD\uFFFD');
    expect(escapeXml('😀 é')).toBe('😀 é');
  });

  it('writes counts a JUnit reader sees', () => {
    const xml = junitXml([suite('one', ['a', 'b', 'c', 'd', 'e'])]);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml) as Parsed;
    expect(doc.testsuites.tests).toBe('5');
    expect(doc.testsuites.failures).toBe('3'); // cases 0, 2, 4
    expect(doc.testsuites.errors).toBe('1'); // case 1 (case 4 has a failure, which wins)
    const cases = doc.testsuites.testsuite[0]!.testcase;
    expect(cases.map((c) => c.name)).toEqual(['seed 0 a', 'seed 1 b', 'seed 2 c', 'seed 3 d', 'seed 4 e']);
    expect(cases[3]!.failure).toBeUndefined();
  });

  it('stays well-formed and round-trips any string', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { minLength: 1, maxLength: 6 }),
        fc.string({ unit: 'binary' }),
        (messages, name) => {
          const xml = junitXml([suite(name, messages)]);
          expect(XMLValidator.validate(xml)).toBe(true);
          const doc = parser.parse(xml) as Parsed;
          const clean = (s: string) => s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
          const parsedSuite = doc.testsuites.testsuite[0]!;
          expect(parsedSuite.name).toBe(clean(name));
          parsedSuite.testcase.forEach((c, i) => {
            expect(c.name).toBe(clean(`seed ${i} ${messages[i]}`));
            if (i % 2 === 0) {
              const failure = c.failure as { message: string };
              expect(failure.message).toBe(clean(messages[i]!));
            }
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
