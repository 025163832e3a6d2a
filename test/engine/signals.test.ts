import { spawn } from 'node:child_process';
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/etl.js');

/** Runs etl in a child process and sends `signal` once the first stage has finished. */
function runAndSignal(dir: string, signal: NodeJS.Signals, args: string[] = []): Promise<{ code: number | null; pid: number; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'run', ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('etl: source src')) child.kill(signal);
    });
    child.on('exit', (code) => resolve({ code, pid: child.pid!, err }));
  });
}

const EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

describe('signals', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('%s stops the embedded PostgreSQL, removes its data and leaves outputs alone', async (signal) => {
    const dir = fixture({
      'in.csv': 'id\n1\n',
      'pipeline.yaml': `params: { out_dir: out }
sources:
  src: { file: in.csv, columns: { id: integer } }
transforms:
  slow: { inputs: [src], query: "SELECT id, pg_sleep(30) IS NULL AS slept FROM src" }
sinks:
  a: { from: src, file: out/a.csv, order_by: [id] }
  b: { from: slow, file: out/b.csv, order_by: [id] }
`,
      'out/a.csv': 'old\n',
    });
    const { code, pid, err } = await runAndSignal(dir, signal);
    expect(code).toBe(EXIT[signal]);
    expect(err.split('\n').slice(-2)).toEqual([`etl: interrupted by ${signal}; no output was changed`, '']);
    expect(fs.readdirSync('/tmp').filter((d) => d.startsWith(`etl-pg-${pid}-`))).toEqual([]);
    const processes = execSync('ps -eo args').toString().split('\n').filter((l) => l.includes(`etl-pg-${pid}-`));
    expect(processes).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['a.csv']);
    expect(fs.readFileSync(path.join(dir, 'out/a.csv'), 'utf8')).toBe('old\n');
  });
});

const serverUrl = process.env['ETL_TEST_DATABASE_URL'];
describe.skipIf(!serverUrl)('signals, on a PostgreSQL server', () => {
  it('SIGINT cancels the running statement: the run ends at once, its schema dropped', async () => {
    const token = `t${process.pid}${Date.now()}`;
    const dir = fixture({
      'in.csv': 'id\n1\n',
      'pipeline.yaml': `params: { out_dir: out }
sources:
  src: { file: in.csv, columns: { id: integer } }
transforms:
  slow: { inputs: [src], query: "SELECT id, pg_sleep(30) IS NULL AS slept, '${token}' AS token FROM src" }
sinks:
  b: { from: slow, file: out/b.csv, order_by: [id] }
`,
      'out/b.csv': 'old\n',
    });
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      const child = spawn(process.execPath, [BIN, 'run', '--database', serverUrl!], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      // The run's schema: where the table its sleeping statement reads lies (others may run on the server).
      let schema: string | undefined;
      const until = Date.now() + 30_000;
      while (!schema) {
        if (child.exitCode !== null || Date.now() > until) throw new Error(`the run's statement was not found:\n${err}`);
        const r = await client.query<{ n: string }>(
          `SELECT c.relnamespace::regnamespace::text AS n
             FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid JOIN pg_class c ON c.oid = l.relation
            WHERE a.query LIKE $1 AND a.pid <> pg_backend_pid() AND c.relname = 'src'`,
          [`%${token}%`],
        );
        schema = r.rows[0]?.n;
        if (!schema) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      while (!err.includes('etl: source src')) await new Promise((resolve) => setTimeout(resolve, 20));
      const signalled = Date.now();
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(err.split('\n').slice(-2)).toEqual(['etl: interrupted by SIGINT; no output was changed', '']);
      // Not after the statement's 30 s: it was cancelled (a generous bound for a loaded machine).
      expect(Date.now() - signalled).toBeLessThan(20_000);
      expect((await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'out/b.csv'), 'utf8')).toBe('old\n');
    } finally {
      await client.end();
    }
  });
});
