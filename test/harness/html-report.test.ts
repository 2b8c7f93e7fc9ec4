/**
 * The replay's HTML report in a real headless browser (Debian's chromium via
 * playwright-core): it renders the broken rule, expected against recovered,
 * the whole timeline; filtering by kind works; the run is drawn as
 * swimlanes (a bar per call, the disk, the power cut) with a byte map per
 * crash image, and a click on a bar opens its raw event; it loads nothing from
 * the network and logs no errors. Skips, saying so, when /usr/bin/chromium is absent
 * (.ci/run installs it: apt-get install -y chromium).
 */
import { existsSync, statSync } from 'node:fs';
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

  it('says how each epoch was scripted to end and what happened, apart: a violation is not an ending', async () => {
    const r = await checkWal(ackBeforeFsync, { seed: 3, runs: 50 });
    const f = r.failure;
    if (f === undefined) throw new Error('expected a failure');
    const replay = await replayFailure(ackBeforeFsync, { seed: f.seed, path: f.fastCheck.path });
    const html = renderHtmlReport(replay.outcome, replay.failure);
    const row = (epoch: number): string => new RegExp(`<tr data-epoch="${epoch}"[^>]*>(.*?)</tr>`).exec(html)?.[1] ?? '';
    replay.outcome.scenario.epochs.forEach((e, i) => {
      const cells = [...row(i).matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]);
      expect(cells[1]).toEqual(e.end.type === 'restart' ? 'clean restart' : expect.stringContaining('power cut'));
      expect(cells[1]).not.toContain('violation');
    });
    expect(row(f.violation.epoch)).toContain(`stopped: rule &quot;${f.rule}&quot;`);
    // An epoch scripted to restart cleanly whose own open broke the rule: the scripted end stays 'clean restart'.
    const o = replay.outcome;
    const first = o.epochs[0];
    const v = o.violation;
    if (first === undefined || v === undefined) throw new Error('expected an epoch and a violation');
    const crafted = renderHtmlReport({
      ...o,
      scenario: { ...o.scenario, epochs: o.scenario.epochs.map((e, i) => (i === 0 ? { ...e, end: { type: 'restart' as const } } : e)) },
      epochs: [{ ...first, end: 'violation' }, ...o.epochs.slice(1)],
      violation: { ...v, epoch: 0, rule: 'durability' },
    });
    const cells = [...(new RegExp('<tr data-epoch="0"[^>]*>(.*?)</tr>').exec(crafted)?.[1] ?? '').matchAll(/<td[^>]*>(.*?)<\/td>/g)].map(
      (m) => m[1],
    );
    expect(cells[1]).toBe('clean restart');
    expect(cells[2]).toBe(
      "stopped: rule &quot;durability&quot; broken by what this epoch's open recovered; the scripted ending never came",
    );
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
        // The raw events sit in a closed <details>: one click on its summary opens them.
        expect(await page.locator('#raw').evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);
        expect(await page.locator('#timeline').isVisible()).toBe(false);
        await page.click('#raw > summary');
        expect(await page.locator('#timeline').isVisible()).toBe(true);
        // Hide the filesystem operations.
        await page.uncheck('#filters input[data-kind="op"]');
        expect(await page.textContent('#shown')).toBe(String(rows.length - opRows));
        expect(await page.locator('#timeline tbody tr[data-kind="op"]:visible').count()).toBe(0);
        await page.check('#filters input[data-kind="op"]');
        expect(await page.textContent('#shown')).toBe(String(rows.length));
        const data = JSON.parse((await page.textContent('#data')) ?? 'null') as { violation: { rule: string } };
        expect(data.violation.rule).toBe(f.rule);

        // Swimlanes: a lane per client and for the harness and the disk, one bar per call (none of zero width).
        const history = replay.outcome.history;
        const clientLanes = new Set(history.map((c) => (c.client < 0 ? 'harness' : `client ${c.client}`)));
        for (const lane of [...clientLanes, 'disk']) expect(await page.locator(`#lanes .lane[data-lane="${lane}"]`).count()).toBe(1);
        expect(await page.locator('#lanes .bar').count()).toBe(history.length);
        const widths = await page
          .locator('#lanes .bar rect')
          .evaluateAll((rs) => rs.map((r) => (r as unknown as { getBBox(): { width: number } }).getBBox().width));
        expect(widths.every((w) => w >= 2)).toBe(true);
        // Outcomes are coloured: every call's bar carries its outcome.
        for (const outcome of ['resolved', 'rejected', 'pending'] as const)
          expect(await page.locator(`#lanes .bar.${outcome}`).count()).toBe(history.filter((c) => c.outcome === outcome).length);
        expect(await page.locator('#lanes .mark.op').count()).toBe(opRows);
        // The power cut: one line across the lanes per cut in the trace.
        const cuts = (replay.outcome.trace ?? []).filter((l) => {
          const e = JSON.parse(l) as { ev: string; reason?: string };
          return e.ev === 'crash' && e.reason !== 'next epoch' && e.reason !== 'end of run';
        }).length;
        expect(cuts).toBeGreaterThan(0);
        expect(await page.locator('#lanes .cut').count()).toBe(cuts);
        expect(await page.locator('#lanes .epoch-sep').count()).toBeGreaterThan(1);
        // A probe for a file that does not exist yet is an answer, not an error.
        const answers = rows.filter((x) => x.tone === 'answer').length;
        expect(answers).toBeGreaterThan(0);
        expect(await page.locator('#timeline tr.answer').count()).toBe(answers);
        expect(await page.locator('#timeline tr.answer.bad').count()).toBe(0);
        // Byte maps: a section per crash image, a map per file of it, sectors drawn.
        const images = replay.outcome.crashImages ?? [];
        expect(images.length).toBeGreaterThan(0);
        expect(await page.locator('.crash-image').count()).toBe(images.length);
        expect(await page.locator('.byte-map').count()).toBe(images.reduce((k, c) => k + c.map.files.length, 0));
        const sectors = images.reduce((k, c) => k + c.map.files.reduce((m, f) => m + f.ranges.length, 0), 0);
        expect(await page.locator('.byte-map rect.sec:not(.gone)').count()).toBe(sectors);
        // A click on a bar shows its line among the raw events (the raw events closed again first).
        await page.click('#raw > summary');
        expect(await page.locator('#timeline').isVisible()).toBe(false);
        const bar = page.locator('#lanes .bar').first();
        const rowId = await bar.getAttribute('data-row');
        await bar.click();
        expect(await page.locator('#raw').evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(true);
        expect(await page.getAttribute(`#${rowId ?? ''}`, 'class')).toContain('hl');
        expect(await page.locator(`#${rowId ?? ''}`).isVisible()).toBe(true);
        const shot = join(dir, 'report.png');
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size).toBeGreaterThan(10_000);

        expect(errors).toEqual([]);
        expect(requests).toEqual([pathToFileURL(file).href]);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
