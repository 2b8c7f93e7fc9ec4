/**
 * The replay's HTML report in a real headless browser (Debian's chromium via
 * playwright-core): it renders the broken rule, expected against recovered,
 * the whole timeline; filtering by kind works; it loads nothing from the
 * network and logs no errors. Skips, saying so, when /usr/bin/chromium is absent
 * (.ci/run installs it: apt-get install -y chromium).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtmlReport, timelineRows } from '../../src/harness/html-report.js';
import { replayFailure } from '../../src/harness/replay.js';
import { checkWal } from '../../src/harness/check.js';
import ackBeforeFsync from '../fixtures/wals/ack-before-fsync.js';
import { makeTempDir } from '../helpers/tmpdir.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`SKIPPED the HTML report browser test: ${CHROMIUM} is absent (apt-get install -y chromium)`);

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('HTML replay report', () => {
  it('escapes what it embeds', async () => {
    const r = await checkWal(ackBeforeFsync, { seed: 3, runs: 50 });
    const f = r.failure;
    if (f === undefined) throw new Error('expected a failure');
    const replay = await replayFailure(ackBeforeFsync, { seed: f.seed, path: f.fastCheck.path });
    const html = renderHtmlReport(
      {
        ...replay.outcome,
        trace: [...(replay.outcome.trace ?? []), JSON.stringify({ seq: 1e6, t: 0, ev: 'note', text: '</script><b>x</b>' })],
      },
      replay.failure,
    );
    expect(html).not.toContain('<b>x</b>');
    expect(html.match(/<\/script>/g)?.length).toBe(2);
  });

  it('orders the timeline causally: a client call comes before the filesystem operations it caused', async () => {
    const r = await checkWal(ackBeforeFsync, { seed: 3, runs: 50 });
    const f = r.failure;
    if (f === undefined) throw new Error('expected a failure');
    const replay = await replayFailure(ackBeforeFsync, { seed: f.seed, path: f.fastCheck.path });
    const rows = timelineRows(replay.outcome);
    const firstOpen = rows.findIndex((row) => row.kind === 'call' && row.text.includes('open'));
    const firstOp = rows.findIndex((row) => row.kind === 'op');
    const firstAppend = rows.findIndex((row) => row.kind === 'call' && row.text.includes('append'));
    const openSettled = rows.findIndex((row) => row.kind === 'settle' && row.text.includes('open'));
    expect(firstOpen).toBeGreaterThanOrEqual(0);
    expect(firstOpen).toBeLessThan(firstOp);
    // recovery's filesystem operations happen between the open call and its settlement
    expect(rows.slice(firstOpen, openSettled).some((row) => row.kind === 'op')).toBe(true);
    expect(openSettled).toBeLessThan(firstAppend);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.t).toBeGreaterThanOrEqual(rows[i - 1]!.t);
  });

  it.skipIf(!hasChromium)(
    'renders the failure and its timeline in headless chromium, filters by kind, loads nothing else',
    async () => {
      const r = await checkWal(ackBeforeFsync, { seed: 3, runs: 50, pluginModule: 'test/fixtures/wals/ack-before-fsync.ts' });
      const f = r.failure;
      if (f === undefined) throw new Error('expected a failure');
      const replay = await replayFailure(ackBeforeFsync, {
        seed: f.seed,
        path: f.fastCheck.path,
        pluginModule: 'test/fixtures/wals/ack-before-fsync.ts',
      });
      const rows = timelineRows(replay.outcome);
      const opRows = rows.filter((x) => x.kind === 'op').length;
      expect(opRows).toBeGreaterThan(0);
      const { dir, cleanup } = await makeTempDir('faultline-html-');
      cleanups.push(cleanup);
      const file = join(dir, 'report.html');
      await writeFile(file, renderHtmlReport(replay.outcome, replay.failure));

      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        const requests: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('request', (req) => requests.push(req.url()));
        await page.goto(pathToFileURL(file).href);
        expect(await page.title()).toContain(f.rule);
        expect(await page.getAttribute('#verdict', 'data-rule')).toBe(f.rule);
        expect(await page.textContent('#replay-command')).toBe(f.replayCommand);
        expect(await page.textContent('#trace-hash')).toBe(f.traceHash);
        const expected = f.violation.expected ?? [];
        expect(await page.locator('.records').first().locator('li').count()).toBe(expected.length);
        expect(await page.locator('#timeline tbody tr').count()).toBe(rows.length);
        expect(await page.textContent('#shown')).toBe(String(rows.length));
        // A crash cut is on the timeline, marked.
        expect(await page.locator('#timeline tr.k-crash').count()).toBeGreaterThan(0);
        // Hide the filesystem operations.
        await page.uncheck('#filters input[data-kind="op"]');
        expect(await page.textContent('#shown')).toBe(String(rows.length - opRows));
        expect(await page.locator('#timeline tbody tr[data-kind="op"]:visible').count()).toBe(0);
        await page.check('#filters input[data-kind="op"]');
        expect(await page.textContent('#shown')).toBe(String(rows.length));
        const data = JSON.parse((await page.textContent('#data')) ?? 'null') as { violation: { rule: string } };
        expect(data.violation.rule).toBe(f.rule);
        expect(errors).toEqual([]);
        expect(requests).toEqual([pathToFileURL(file).href]);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
