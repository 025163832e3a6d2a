/**
 * The run reports as a person sees them: headless Chromium (Debian's, /usr/bin/chromium, driven by
 * playwright-core; .ci/run installs it) opens the report of the flagship sample run, of each
 * sample day, of full participation, of a failed day, and the page of `etl report` over them all.
 * Each page loads with no console error and no request beyond itself; what it shows is what the
 * manifest says; a screenshot of each is saved in the test's temporary folder; and no name, kana,
 * address or birth date of the inputs is anywhere in the HTML.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePipeline } from '../../src/config/compile.ts';
import type { ManifestDoc } from '../../src/engine/manifest.ts';
import { FAILED_REPORT_LINE } from '../../src/report/run-report.ts';
import { RUN_PART_END, RUN_PART_START } from '../../src/report/run-page.ts';
import { decodeHistoryLine, personalValuesOf, samplePersonalValues, splitLines } from '../robustness/helpers.ts';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`${CHROMIUM} is missing: the browser tests of the run reports are SKIPPED (.ci/run installs Debian's chromium)`);
const DAYS = [1, 2, 3, 4].map((d) => ({ name: `day-${d}`, data: `data/sample-daily/D${d}`, until: `2003-04-1${[1, 2, 3, 5][d - 1]} 00:00:00` }));

/** Every personal value of the inputs: the sample registry and every sample day's changes. */
function personalValues(): string[] {
  const days = DAYS.flatMap((d) => splitLines(fs.readFileSync(path.join(ROOT, d.data, 'changes.csv'))).slice(1).flatMap((l) => personalValuesOf(decodeHistoryLine(l))));
  return [...new Set([...samplePersonalValues(), ...days])];
}

/** What a page did while loading: console errors, uncaught errors, and every request it made. */
async function open(page: Page, file: string): Promise<{ errors: string[]; requests: string[] }> {
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { errors, requests };
}

/** A table's body as text, cell by cell. */
async function cells(page: Page, selector: string): Promise<string[][]> {
  return page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));
}

describe.skipIf(!hasChromium)('run reports in Chromium', () => {
  const out = fixture({});
  const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-report-shots-'));
  let browser: Browser;
  const manifest = (dir: string, name = 'manifest.json') => JSON.parse(fs.readFileSync(path.join(out, dir, name), 'utf8')) as ManifestDoc;
  const run = async (...argv: string[]) => runCli(['run', '--quiet', ...argv], ROOT);

  beforeAll(async () => {
    expect(await run('pipeline.yaml', '--param', `out_dir=${out}/setup`)).toMatchObject({ code: 0, err: '' });
    let state = `${out}/setup`;
    for (const d of DAYS) {
      expect(await run('daily.yaml', '--param', `state_dir=${state}`, '--param', `data_dir=${d.data}`, '--param', `out_dir=${out}/${d.name}`, '--param', `until=${d.until}`)).toMatchObject({ code: 0, err: '' });
      state = `${out}/${d.name}`;
    }
    expect(await run('full-participation.yaml', '--param', `held_file=${state}/04_held.csv`, '--param', `out_dir=${out}/full`)).toMatchObject({ code: 0, err: '' });
    expect(await runCli(['report', ...['setup', ...DAYS.map((d) => d.name), 'full'].map((d) => path.join(out, d)), '--out', `${out}/runs.html`], ROOT)).toMatchObject({ code: 0, err: '' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    if (process.env['ETL_KEEP_SHOTS']) console.warn(`screenshots kept in ${shots}`);
    else fs.rmSync(shots, { recursive: true, force: true });
  });

  it('shows the flagship run: every stage in the graph, and the manifest\'s counts, hashes, checks and measures', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const file = path.join(out, 'setup', 'report.html');
    const { errors, requests } = await open(page, file);
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    const doc = manifest('setup');
    const pipeline = compilePipeline(path.join(ROOT, 'pipeline.yaml'));
    const drawn = await page.$$eval('svg#graph [data-stage]', (gs) => gs.map((g) => [g.getAttribute('data-stage'), g.getAttribute('data-rows'), g.textContent]));
    expect(drawn.map(([id]) => id).sort()).toEqual([...pipeline.stages.keys()].sort());
    for (const [id, rows, text] of drawn) {
      expect(text).toContain(id);
      expect(Number(rows)).toBe(doc.stages.find((s) => s.id === id)!.rows);
    }
    expect(await page.$eval('svg#graph', (svg) => svg.textContent)).toContain('held_changes: 7 rows');
    expect(await cells(page, '#outputs-table')).toEqual(doc.outputs.map((o) => [o.stage, o.path, String(o.rows), `${o.sha256.slice(0, 12)}…`]));
    expect(await page.$$eval('#outputs-table code.sha', (cs) => cs.map((c) => c.getAttribute('title')))).toEqual(doc.outputs.map((o) => o.sha256));
    expect(await cells(page, '#inputs-table')).toEqual(doc.inputs.map((i) => [i.source, i.path, String(i.rows), `${i.sha256!.slice(0, 12)}…`]));
    const balance = await cells(page, '#conservation-table');
    expect(balance.map((r) => [r[0], Number(r[2]), Number(r[4]), r[5]])).toEqual(doc.conservation.map((c) => ['routes' in c
      ? [c.stage, c.input, Object.values(c.routes).reduce((a, b) => a + b, 0), '✓ holds']
      : [c.stage, c.read, c.accepted + c.rejected, '✓ holds']][0]));
    const checks = await cells(page, '#checks-table');
    expect(checks.map((r) => r[2])).toEqual(doc.reconciliation.map(() => '✓ passed'));
    doc.reconciliation.forEach((c, k) => Object.entries(c.values).forEach(([label, value]) => expect(checks[k]![1]).toContain(`${label} = ${value}`)));
    expect((await cells(page, '#measures-table')).map((r) => Number(r[1]))).toEqual(Object.values(doc.measures!));
    expect(await cells(page, '#counts-exceptions_csv-reason')).toEqual(Object.entries((doc.stages.find((s) => s.id === 'exceptions_csv')!.counts_by as Record<string, Record<string, number>>)['reason']!).map(([k, v]) => [k, String(v)]));
    expect(await page.$$eval('#sink-order li', (lis) => lis.map((li) => li.textContent))).toEqual(['deletions_csv', 'entries_csv', 'held_csv, outbound_csv']);
    expect(await page.$$eval('#run .chart svg .mark-rect path', (bars) => bars.length)).toBeGreaterThan(0);
    const shot = path.join(shots, 'setup.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(fs.statSync(shot).size).toBeGreaterThan(20_000);
    await page.close();
  });

  it('shows the page over the runs: a chart per measure, the runs in order with their own reports, the manifests\' numbers', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const file = path.join(out, 'runs.html');
    const { errors, requests } = await open(page, file);
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    const runs = [['setup', 'manifest.json'], ...DAYS.map((d) => [d.name, 'manifest.json']), ['full', '07_manifest.json']] as const;
    const docs = runs.map(([dir, name]) => manifest(dir, name));
    const measures = ['listed', 'held', 'sent', 'released', 'exceptions', 'held_total'];
    expect(await page.$$eval('[data-measure]', (cs) => cs.map((c) => c.getAttribute('data-measure')))).toEqual(measures);
    for (const m of measures) expect(await page.$$eval(`[data-measure="${m}"] svg .mark-rect path`, (bars) => bars.length)).toBe(docs.filter((d) => d.measures && m in d.measures).length);
    const rows = await cells(page, '#runs-table');
    expect(rows.map((r) => r[0])).toEqual(runs.map(([dir]) => path.join(out, dir)));
    expect(rows.map((r) => r.slice(4, 4 + measures.length))).toEqual(docs.map((d) => measures.map((m) => (d.measures && m in d.measures ? String(d.measures[m]) : '—'))));
    const links = await page.$$eval('#runs-table a', (as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(links).toEqual(runs.map(([dir, name]) => pathToFileURL(path.join(out, dir, name === 'manifest.json' ? 'report.html' : '07_report.html')).href));
    expect(await page.$('#warnings .warning')).toBeNull();
    await page.screenshot({ path: path.join(shots, 'runs.png'), fullPage: true });
    expect(fs.statSync(path.join(shots, 'runs.png')).size).toBeGreaterThan(20_000);
    for (const [dir, name] of runs.slice(1)) {
      const day = await browser.newPage();
      const report = path.join(out, dir, name === 'manifest.json' ? 'report.html' : '07_report.html');
      const seen = await open(day, report);
      expect(seen).toEqual({ errors: [], requests: [pathToFileURL(report).href] });
      await day.close();
    }
    await page.close();
  });

  it('writes a failed day\'s report under the temporary folder (0600), names it, and shows what failed', async () => {
    const state = fixture({});
    fs.cpSync(path.join(out, 'setup'), state, { recursive: true });
    fs.appendFileSync(path.join(state, 'state', 'listed.csv'), '0000999999,2003-04-01 00:00:00\n');
    const before = fs.readdirSync(path.join(out, 'day-1'));
    const result = await run('daily.yaml', '--param', `state_dir=${state}`, '--param', 'data_dir=data/sample-daily/D1', '--param', `out_dir=${out}/day-1`, '--param', 'until=2003-04-11 00:00:00');
    expect(result.code).toBe(1);
    const lines = result.err.trimEnd().split('\n');
    expect(lines.slice(0, -1)).toEqual([`${state}/state/listed.csv: source "listed": the file has changed since the run that wrote it (its SHA-256 differs from ${state}/manifest.json); refusing to go on`]);
    const named = lines.at(-1)!.slice(FAILED_REPORT_LINE.length + 1);
    expect(lines.at(-1)).toBe(`${FAILED_REPORT_LINE} ${named}`);
    expect(path.dirname(named)).toBe(os.tmpdir());
    expect(fs.statSync(named).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.join(out, 'day-1'))).toEqual(before);
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const { errors, requests } = await open(page, named);
      expect(errors).toEqual([]);
      expect(requests).toEqual([pathToFileURL(named).href]);
      expect(await page.textContent('#status')).toBe('FAILED');
      expect(await page.textContent('#failure .failure')).toBe(lines[0]);
      expect(await page.$eval('svg#graph [data-stage="listed"]', (g) => g.textContent)).toContain('failed');
      expect(await page.$eval('svg#graph [data-stage="outbound_csv"]', (g) => g.textContent)).toContain('not run');
      expect(await page.textContent('#files')).toContain('None: a failed run writes nothing.');
      await page.screenshot({ path: path.join(shots, 'failed.png'), fullPage: true });
      await page.close();
      expect(leaks(fs.readFileSync(named, 'utf8'))).toEqual([]);
    } finally {
      fs.rmSync(named, { force: true });
    }
  });

  const values = personalValues();
  const leaks = (html: string) => values.filter((v) => html.includes(v));

  it('puts no name, kana, address or birth date of the inputs anywhere in the pages', () => {
    expect(values.length).toBeGreaterThan(50);
    const pages = ['setup/report.html', ...DAYS.map((d) => `${d.name}/report.html`), 'full/07_report.html', 'runs.html'];
    for (const p of pages) expect(leaks(fs.readFileSync(path.join(out, p), 'utf8')), p).toEqual([]);
    // The scan itself finds what it looks for: the inputs' own values are in the outputs beside the pages.
    expect(leaks(fs.readFileSync(path.join(out, 'setup', '04_held.csv'), 'utf8')).length).toBeGreaterThan(10);
  });

  it('is the same page, byte for byte, for a rerun of the same inputs, but for the run\'s times', async () => {
    const strip = (html: string) => {
      const [head, rest] = html.split(RUN_PART_START);
      return `${head}${rest!.split(RUN_PART_END)[1]}`;
    };
    const first = fs.readFileSync(path.join(out, 'day-1', 'report.html'), 'utf8');
    expect(await run('daily.yaml', '--param', `state_dir=${out}/setup`, '--param', 'data_dir=data/sample-daily/D1', '--param', `out_dir=${out}/day-1`, '--param', 'until=2003-04-11 00:00:00')).toMatchObject({ code: 0, err: '' });
    const second = fs.readFileSync(path.join(out, 'day-1', 'report.html'), 'utf8');
    expect(second).not.toBe(first);
    expect(strip(second)).toBe(strip(first));
    // What was taken out is what differs: the run's start time is in the page, and not in the rest.
    const started = new Date(manifest('day-1').run!.started_at).toISOString();
    expect(second).toContain(started);
    expect(strip(second)).not.toContain(started);
  }, 60_000);
});
