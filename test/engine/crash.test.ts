import { execSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../scripts/gen/generate.ts';

/**
 * Runs killed at any moment (SIGKILL gives no chance to clean up) leave the previous outputs
 * byte-identical and no partial file under an output name; the next run removes what they
 * left (temporary files, a stale lock, the abandoned server schema) and writes the same bytes as
 * a clean run. The killed run's embedded cluster is gone by then: its watchdog removes it within
 * seconds (test/engine/watchdog.test.ts), and the next run's sweep would otherwise; on DuckDB,
 * the same for its folder of spill files and checked rows.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/etl.js');
const OUTPUTS = [
  '01_deletions.csv', '02_entries.csv', '03_outbound.csv', '04_held.csv', 'exceptions.csv', 'manifest.json', 'report.html',
  'state/held.csv', 'state/listed.csv', 'state/registry.csv', 'state/window.csv',
];
/** The files under `dir`, as paths relative to it, sorted. */
const files = (dir: string): string[] =>
  (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-crash-'));
const data = path.join(scratch, 'data');
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

beforeAll(async () => {
  await generate({ persons: 40_000, seed: 'crash', outDir: data });
}, 120_000);

function etl(args: string[], killWhen?: (stderr: string) => boolean): Promise<{ code: number | null; signal: string | null; pid: number; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (killWhen?.(err)) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => resolve({ code, signal, pid: child.pid!, err }));
  });
}

const snapshot = (dir: string) => Object.fromEntries(files(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
const withoutRun = (manifest: string) => ({ ...JSON.parse(manifest), run: undefined });

/** The engines: each keeps the run's data in a folder of $TMPDIR named after the run's process. */
const ENGINES = [
  { name: 'the embedded PostgreSQL', args: [] as string[], folder: 'etl-pg' },
  { name: 'DuckDB', args: ['--database', 'duckdb'], folder: 'etl-duckdb' },
];

describe.each(ENGINES)('a run killed with SIGKILL, on $name', ({ args: engineArgs, folder }) => {
  const points: [string, (err: string) => boolean][] = [
    // The first source (event_codes) is in: the registry's history is loading.
    ['while loading', (err) => err.includes('etl: source event_codes')],
    ['between transforms', (err) => err.includes('etl: transform changes')],
    ['while writing sinks', (err) => /etl: sink \w+ ->/.test(err)],
  ];

  it.each(points)('%s leaves the previous outputs as they were, and the next run cleans up', async (_, when) => {
    const out = path.join(scratch, `out-${folder}-${points.findIndex((p) => p[1] === when)}`);
    const args = ['run', 'pipeline.yaml', '--param', `data_dir=${data}`, '--param', `out_dir=${out}`, ...engineArgs];
    expect((await etl(args)).code).toBe(0);
    const before = snapshot(out);

    const killed = await etl(args, when);
    expect(killed.signal).toBe('SIGKILL');
    expect(snapshot(out)).toEqual(Object.fromEntries(Object.entries({ ...before, ...leftovers(out) })));
    for (const name of Object.keys(leftovers(out))) expect(path.basename(name).startsWith('.')).toBe(true);

    const again = await etl(args);
    expect(again.code).toBe(0);
    expect(files(out)).toEqual([...OUTPUTS].sort());
    const after = snapshot(out);
    for (const f of OUTPUTS.filter((f) => f.endsWith('.csv'))) expect(after[f], f).toBe(before[f]);
    expect(withoutRun(after['manifest.json']!)).toEqual(withoutRun(before['manifest.json']!));
    // The killed run's database is gone: no data folder, no server process.
    expect(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(`${folder}-${killed.pid}-`))).toEqual([]);
    expect(execSync('ps -eo args').toString().split('\n').filter((l) => l.includes(`${folder}-${killed.pid}-`))).toEqual([]);
  });
});

/** Files in `out` that a clean run does not leave: what the killed run left behind. */
function leftovers(out: string): Record<string, string> {
  return Object.fromEntries(files(out).filter((f) => !OUTPUTS.includes(f)).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]));
}

const serverUrl = process.env['ETL_TEST_DATABASE_URL'];
describe.skipIf(!serverUrl)('on the PostgreSQL server', () => {
  const slowPipeline = (dir: string) => {
    fs.writeFileSync(path.join(dir, 'in.csv'), 'id\n1\n');
    fs.writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      `params: { out_dir: out }
sources:
  crash_src: { file: in.csv, columns: { id: integer } }
transforms:
  slow: { inputs: [crash_src], query: "SELECT id, pg_sleep(20) IS NULL AS slept FROM crash_src" }
sinks:
  s: { from: slow, file: out/s.csv, order_by: [id] }
`,
    );
    fs.mkdirSync(path.join(dir, 'out'));
    fs.writeFileSync(path.join(dir, 'out/s.csv'), 'old\n');
  };

  const schemasOf = async (client: pg.Client) => (await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'etl\\_run\\_%'")).rows.map((r) => r.nspname);
  /** The run schemas holding this file's source table: other test files' runs share the server, and their schemas come and go meanwhile. */
  const probeSchemasOf = async (client: pg.Client) => (await client.query<{ s: string }>("SELECT table_schema AS s FROM information_schema.tables WHERE table_name = 'crash_src' AND table_schema LIKE 'etl\\_run\\_%'")).rows.map((r) => r.s);

  it('a lost connection fails the run with a clear message and leaves outputs alone', async () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'lost-'));
    slowPipeline(dir);
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      const run = new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'run', '--database', serverUrl!], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        let terminated = false;
        child.stderr.on('data', async (c: Buffer) => {
          err += c.toString();
          if (!terminated && err.includes('etl: source crash_src')) {
            terminated = true;
            for (let i = 0; i < 50; i++) {
              const r = await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()");
              if (r.rowCount) break;
              await new Promise((res) => setTimeout(res, 100));
            }
          }
        });
        child.on('exit', (code) => resolve({ code, err }));
      });
      const { code, err } = await run;
      expect(code).toBe(1);
      expect(err).toMatch(/etl: lost the connection to the database \(57P01\); no output was changed\n$/);
      expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['s.csv']);
      expect(fs.readFileSync(path.join(dir, 'out/s.csv'), 'utf8')).toBe('old\n');
    } finally {
      await client.end();
    }
  });

  it('the schema of a killed run is dropped by the next run', async () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'kill-'));
    slowPipeline(dir);
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      const before = await schemasOf(client);
      const sleeping = async () => (await client.query("SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()")).rowCount!;
      let wasSleeping = 0;
      await new Promise<void>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'run', '--database', serverUrl!], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
        let seen = false;
        child.stderr.on('data', async (c: Buffer) => {
          if (seen || !c.toString().includes('etl: source crash_src')) return;
          seen = true;
          // Killed while its transform's query runs on the server.
          for (let i = 0; i < 50 && wasSleeping === 0; i++) {
            wasSleeping = await sleeping();
            if (wasSleeping === 0) await new Promise((res) => setTimeout(res, 100));
          }
          child.kill('SIGKILL');
        });
        child.on('exit', () => resolve());
      });
      expect(wasSleeping).toBe(1);
      const orphans = (await probeSchemasOf(client)).filter((s) => !before.includes(s));
      expect(orphans).toHaveLength(1);
      // The killed run's query stops on its own within seconds (its session checks that its client
      // is still there), long before its 20 s sleep would end.
      const killedAt = Date.now();
      while ((await sleeping()) > 0 && Date.now() - killedAt < 10_000) await new Promise((res) => setTimeout(res, 100));
      expect(await sleeping()).toBe(0);
      fs.writeFileSync(path.join(dir, 'pipeline.yaml'), fs.readFileSync(path.join(dir, 'pipeline.yaml'), 'utf8').replace('pg_sleep(20)', 'pg_sleep(0)'));
      for (let i = 0; i < 50 && (await client.query('SELECT 1 FROM pg_locks WHERE locktype = $1 AND classid = $2', ['advisory', 0x45544c])).rowCount! > 0; i++) {
        await new Promise((res) => setTimeout(res, 100));
      }
      const again = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'run', '-q', '--database', serverUrl!], { cwd: dir, stdio: 'ignore' });
        child.on('exit', (code) => resolve(code));
      });
      expect(again).toBe(0);
      expect(await schemasOf(client)).not.toContain(orphans[0]);
    } finally {
      await client.end();
    }
  });
});
