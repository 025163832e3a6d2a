/**
 * bin/etl.js runs the sources compiled by esbuild and kept in node_modules/.cache/etl/program/
 * (bin/compiled.js), made anew when a source changed, and loads them through tsx where nothing can
 * be kept. Each test works on a copy of the project (bin/, src/, types/ and a node_modules of links
 * to the real packages), so that it can change sources and block the cache without touching this
 * checkout's.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A copy of the project's code, its packages linked; no compiled program yet. */
function project(): string {
  const dir = fixture({});
  for (const folder of ['bin', 'src', 'types']) fs.cpSync(path.join(ROOT, folder), path.join(dir, folder), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  for (const name of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
    if (name !== '.cache') fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(dir, 'node_modules', name));
  }
  return dir;
}

const programDir = (dir: string) => path.join(dir, 'node_modules', '.cache', 'etl', 'program');
const bundles = (dir: string) => (fs.existsSync(programDir(dir)) ? fs.readdirSync(programDir(dir)).filter((n) => n !== 'current.json').sort() : []);
const etl = (dir: string, ...args: string[]) => spawnSync(process.execPath, [path.join(dir, 'bin', 'etl.js'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ETL_CHECK_MIN_BYTES: '1' } });

/** What an unknown command prints: text of src/cli/help.ts (imported by main.ts), which the tests change. */
const usage = (dir: string) => {
  const r = etl(dir, 'no-such-command');
  expect(r.status).toBe(2);
  return r.stderr;
};

describe('the compiled program', () => {
  it('is made by the first run, used by the next, and made anew when a source changes', () => {
    const dir = project();
    const first = usage(dir);
    expect(first).toMatch(/^etl: unknown command "no-such-command"\nusage: etl run /);
    const [made, ...more] = bundles(dir);
    expect(more).toEqual([]);
    expect(made).toMatch(/^[0-9a-f]{32}$/);
    expect(fs.readdirSync(path.join(programDir(dir), made!))).toEqual(expect.arrayContaining(['main.js', 'main.js.map', 'check-port.js', 'check-worker.mjs', 'cp932-worker.mjs', 'cluster-watchdog.mjs']));
    const current = JSON.parse(fs.readFileSync(path.join(programDir(dir), 'current.json'), 'utf8')) as { key: string; inputs: string[] };
    expect(current.key).toBe(made);
    expect(current.inputs).toEqual(expect.arrayContaining(['src/cli/main.ts', 'src/components/check-port.ts', 'src/csv/cp932-worker.mjs', 'types/wareki-date.ts']));

    // Used as it is: the same output, nothing made.
    const mtime = fs.statSync(path.join(programDir(dir), made!, 'main.js')).mtimeMs;
    expect(usage(dir)).toBe(first);
    expect(bundles(dir)).toEqual([made]);
    expect(fs.statSync(path.join(programDir(dir), made!, 'main.js')).mtimeMs).toBe(mtime);

    // A source changed (its size, then only its bytes): the run is of the changed source.
    const help = path.join(dir, 'src', 'cli', 'help.ts');
    fs.writeFileSync(help, fs.readFileSync(help, 'utf8').replace('usage: etl run', 'usage: etl RUN'));
    expect(usage(dir)).toBe(first.replace('usage: etl run', 'usage: etl RUN'));
    expect(bundles(dir)).toHaveLength(2);
    fs.writeFileSync(help, fs.readFileSync(help, 'utf8').replace('usage: etl RUN', 'usage: etl Run'));
    expect(usage(dir)).toBe(first.replace('usage: etl run', 'usage: etl Run'));
    expect(bundles(dir)).toHaveLength(3);
  }, 60_000);

  it("checks a source's rows in its worker threads (every source, with ETL_CHECK_MIN_BYTES=1)", () => {
    const dir = project();
    const compiled = etl(dir, 'run', path.join(ROOT, 'pipeline.yaml'), '--quiet', '--database', 'duckdb', '--param', `data_dir=${path.join(ROOT, 'data/sample')}`, '--param', `out_dir=${path.join(dir, 'out')}`);
    expect({ status: compiled.status, stderr: compiled.stderr }).toEqual({ status: 0, stderr: '' });
    expect(bundles(dir)).toHaveLength(1);
    const expected = path.join(ROOT, 'test/golden/flagship/expected');
    for (const file of ['01_deletions.csv', '02_entries.csv', '03_outbound.csv', '04_held.csv', 'exceptions.csv']) {
      expect(fs.readFileSync(path.join(dir, 'out', file), 'utf8'), file).toBe(fs.readFileSync(path.join(expected, file), 'utf8'));
    }
  }, 60_000);

  it('is done without where nothing can be kept: the sources load through tsx', () => {
    const dir = project();
    const expected = usage(project());
    // A file where the cache's folder would be: nothing can be made under it.
    fs.writeFileSync(path.join(dir, 'node_modules', '.cache'), '');
    expect(usage(dir)).toBe(expected);
    expect(fs.statSync(path.join(dir, 'node_modules', '.cache')).isFile()).toBe(true);
  }, 60_000);

  it('is made once by runs that start together, each using it', async () => {
    const dir = project();
    const runs = await Promise.all(
      [1, 2, 3, 4].map(
        () =>
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, [path.join(dir, 'bin', 'etl.js'), 'no-such-command'], { cwd: dir });
            let stderr = '';
            child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
            child.on('close', (code) => resolve({ code, stderr }));
          }),
      ),
    );
    expect(new Set(runs.map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify({ code: 2, stderr: usage(dir) })]));
    expect(bundles(dir)).toHaveLength(1);
    expect(fs.readdirSync(programDir(dir)).filter((n) => n.startsWith('.staging') || n.startsWith('current.json.'))).toEqual([]);
  }, 60_000);

  it('removes bundles of other sources that no run started on for a day, and what a killed build left', () => {
    const dir = project();
    usage(dir);
    const [kept] = bundles(dir);
    const old = path.join(programDir(dir), '0'.repeat(32));
    const recent = path.join(programDir(dir), '1'.repeat(32));
    const staging = path.join(programDir(dir), '.staging-1-0000');
    for (const folder of [old, recent, staging]) fs.mkdirSync(folder);
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    for (const folder of [old, staging]) fs.utimesSync(folder, twoDaysAgo, twoDaysAgo);
    // A run that uses a bundle removes nothing, and marks the bundle used.
    fs.utimesSync(path.join(programDir(dir), kept!), twoDaysAgo, twoDaysAgo);
    expect(usage(dir)).toContain('usage: etl run');
    expect(bundles(dir)).toEqual([kept, '0'.repeat(32), '1'.repeat(32), '.staging-1-0000'].sort());

    // Removed when a change makes a new bundle.
    const main = path.join(dir, 'src', 'cli', 'main.ts');
    fs.appendFileSync(main, '\n');
    usage(dir);
    const now = bundles(dir);
    expect(now).toHaveLength(3);
    expect(now).toEqual(expect.arrayContaining([kept, '1'.repeat(32)]));
    expect(now).not.toContain('0'.repeat(32));
    expect(now).not.toContain('.staging-1-0000');
  }, 60_000);
});
