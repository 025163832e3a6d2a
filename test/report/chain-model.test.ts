import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chainModel } from '../../src/report/chain-model.ts';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

/** The chain of the golden sample runs: the setup, four days, full participation. */
const GOLDEN = path.resolve(import.meta.dirname, '../golden');
const MANIFESTS: Record<string, string> = {
  setup: 'flagship/expected/manifest.json',
  'day-1': 'daily/D1/expected/manifest.json',
  'day-2': 'daily/D2/expected/manifest.json',
  'day-3': 'daily/D3/expected/manifest.json',
  'day-4': 'daily/D4/expected/manifest.json',
  full: 'daily/full-participation/expected/07_manifest.json',
};

/** Copies the golden manifests into run folders named as an operator would (`full` keeps its 07_manifest.json). */
function runs(edit: (name: string, doc: any) => void = () => undefined): string {
  const dir = fixture({});
  for (const [name, rel] of Object.entries(MANIFESTS)) {
    const doc = JSON.parse(fs.readFileSync(path.join(GOLDEN, rel), 'utf8'));
    edit(name, doc);
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, path.basename(rel)), JSON.stringify(doc));
  }
  return dir;
}

describe('a chain of runs', () => {
  it('orders the runs by what each read of the one before, whatever order they are given in', () => {
    const dir = runs();
    const model = chainModel(['full', 'day-3', 'day-1', 'setup', 'day-4', 'day-2'].map((n) => path.join(dir, n)), path.join(dir, 'runs.html'));
    expect(model.runs.map((r) => path.basename(r.label))).toEqual(['setup', 'day-1', 'day-2', 'day-3', 'day-4', 'full']);
    expect(model.runs.map((r) => r.follows && path.basename(r.follows))).toEqual([undefined, 'setup', 'day-1', 'day-2', 'day-3', 'day-4']);
    expect(model.warnings).toEqual([]);
  });

  it('gives each quantity per run: listed, held, sent, released, exceptions, and the held total', () => {
    const dir = runs();
    const model = chainModel(Object.keys(MANIFESTS).map((n) => path.join(dir, n)), path.join(dir, 'runs.html'));
    expect(model.measures).toEqual(['listed', 'held', 'sent', 'released', 'exceptions', 'held_total']);
    const row = (m: string) => model.runs.map((r) => r.measures[m] ?? '-').join(' ');
    expect(row('listed')).toBe('16 21 21 21 18 -');
    expect(row('sent')).toBe('22 5 4 1 5 21');
    expect(row('released')).toBe('0 0 2 0 5 21');
    expect(row('exceptions')).toBe('8 2 0 0 0 -');
    expect(row('held_total')).toBe('18 23 24 26 21 0');
    // The held total carries on: each day's is the day before's, plus what it held, less what it released.
    for (let k = 1; k <= 4; k++) {
      const [before, day] = [model.runs[k - 1]!.measures, model.runs[k]!.measures];
      expect(day['held_total']).toBe(before['held_total']! + day['held']! - day['released']!);
    }
  });

  it('warns where a run did not read the state the run before it wrote', () => {
    const dir = runs((name, doc) => {
      if (name !== 'day-3') return;
      const held = doc.inputs.find((i: { path: string }) => i.path.endsWith('state/held.csv'));
      held.sha256 = '0'.repeat(64);
    });
    const model = chainModel(Object.keys(MANIFESTS).map((n) => path.join(dir, n)), path.join(dir, 'runs.html'));
    expect(model.warnings).toEqual([
      `${path.join(dir, 'day-3')}: test/golden/daily/D2/expected/state/held.csv is not the state/held.csv that ${path.join(dir, 'day-2')} wrote (its SHA-256 differs): this run did not continue from the run before it`,
    ]);
  });

  it('warns where a day is missing from the chain', () => {
    const dir = runs();
    const model = chainModel(['setup', 'day-1', 'day-3'].map((n) => path.join(dir, n)), path.join(dir, 'runs.html'));
    expect(model.warnings.length).toBe(4);
    expect(model.warnings[0]).toBe(`${path.join(dir, 'day-3')}: test/golden/daily/D2/expected/state/held.csv is not the state/held.csv that ${path.join(dir, 'day-1')} wrote (its SHA-256 differs): this run did not continue from the run before it`);
  });

  it('refuses a folder without a manifest, naming it', () => {
    const dir = fixture({ 'empty/x.txt': '' });
    expect(() => chainModel([path.join(dir, 'empty')], path.join(dir, 'runs.html'))).toThrow(`${path.join(dir, 'empty', 'manifest.json')}: no manifest here: ${path.join(dir, 'empty')} is not the output folder of a run that wrote a manifest`);
  });
});

describe('etl report', () => {
  it('writes the page (0600) and exits 1 with the warnings on stderr when the chain is broken', async () => {
    const dir = runs();
    const result = await runCli(['report', 'setup', 'day-1', 'day-3', '--out', 'runs.html'], dir);
    expect(result.code).toBe(1);
    expect(result.out).toBe('runs.html: 3 runs, 4 chain warnings\n');
    expect(result.err.split('\n')[0]).toBe('etl: warning: day-3: test/golden/daily/D2/expected/state/held.csv is not the state/held.csv that day-1 wrote (its SHA-256 differs): this run did not continue from the run before it');
    expect(fs.statSync(path.join(dir, 'runs.html')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, 'runs.html'), 'utf8')).toContain('<h2>The chain is broken</h2>');
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('exits 0 on an unbroken chain, and 2 on a folder without a manifest', async () => {
    const dir = runs();
    expect(await runCli(['report', ...Object.keys(MANIFESTS)], dir)).toEqual({ code: 0, out: 'runs.html: 6 runs\n', err: '' });
    expect(await runCli(['report', 'setup', 'nowhere'], dir)).toEqual({ code: 2, out: '', err: 'nowhere: no such folder or manifest\n' });
    fs.mkdirSync(path.join(dir, 'empty'));
    expect(await runCli(['report', 'setup', 'empty'], dir)).toEqual({ code: 2, out: '', err: 'empty/manifest.json: no manifest here: empty is not the output folder of a run that wrote a manifest\n' });
  });
});
