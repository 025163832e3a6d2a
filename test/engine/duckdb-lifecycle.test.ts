import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';

/**
 * DuckDB runs inside node: a signal must interrupt its running query (the run exits with the one
 * line at once, not when the query ends), and its folder in $TMPDIR — DuckDB's spill files and the
 * checked rows, personal data — must not outlive the run, not even a SIGKILL of node alone.
 */
const BIN = path.resolve(import.meta.dirname, '../../bin/etl.js');
/** Generous bounds for a loaded machine: both usually take well under a second. */
const BOUND_MS = 15_000;

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A query that keeps DuckDB's threads busy for minutes (10¹¹ pairs), unless interrupted. */
const PIPELINE = `params: { out_dir: out }
sources:
  src: { file: in.csv, columns: { id: integer } }
transforms:
  slow: { inputs: [src], query: "SELECT src.id, (SELECT sum(a.range * b.range) FROM range(300000) a, range(300000) b) AS n FROM src" }
sinks:
  a: { from: src, file: out/a.csv, order_by: [id] }
  b: { from: slow, file: out/b.csv, order_by: [id] }
`;

/** Starts `etl run --database FLAVOUR` in a temporary folder of its own; resolves once the source is loaded (the slow query runs). */
async function started(database: string): Promise<{ child: ReturnType<typeof spawn>; tmp: string; dir: string; exited: Promise<{ code: number | null; signal: string | null; err: string }> }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-duck-'));
  made.push(tmp);
  const dir = fixture({ 'in.csv': 'id\n1\n', 'pipeline.yaml': PIPELINE, 'out/a.csv': 'old\n' });
  const db = database === 'duckdb' ? database : `duckdb:${path.join(dir, 'run.duckdb')}`;
  const child = spawn(process.execPath, [BIN, 'run', '--database', db], { cwd: dir, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null; err: string }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, err })));
  while (!err.includes('etl: source src')) {
    if (child.exitCode !== null) throw new Error(`the run ended early:\n${err}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // The transform's query is under way once the source is loaded.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { child, tmp, dir, exited };
}

/** What the run left in its temporary folder (tsx's cache aside). */
const leftIn = (tmp: string) => fs.readdirSync(tmp).filter((n) => !n.startsWith('tsx-'));

describe('DuckDB and signals', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s interrupts the running query: the run exits at once with the one line, its folder removed, outputs untouched', async (signal) => {
    const { child, tmp, dir, exited } = await started('duckdb');
    expect(leftIn(tmp).filter((n) => n.startsWith(`etl-duckdb-${child.pid}-`))).toHaveLength(1);
    const at = Date.now();
    child.kill(signal);
    const { code, err } = await exited;
    expect(Date.now() - at).toBeLessThan(BOUND_MS);
    expect(code).toBe({ SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }[signal]);
    expect(err.split('\n').slice(-2)).toEqual([`etl: interrupted by ${signal}; no output was changed`, '']);
    expect(leftIn(tmp)).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['a.csv']);
    expect(fs.readFileSync(path.join(dir, 'out/a.csv'), 'utf8')).toBe('old\n');
  });

  it('a file database: SIGINT interrupts, and the run\'s schema is gone from the file', async () => {
    const { child, tmp, dir, exited } = await started('file');
    child.kill('SIGINT');
    const { code } = await exited;
    expect(code).toBe(130);
    expect(leftIn(tmp)).toEqual([]);
    // The next run on the file finds no schema of a run left in it, and works.
    const next = spawn(process.execPath, [BIN, 'run', '--database', `duckdb:${path.join(dir, 'run.duckdb')}`, '--select', 'a'], { cwd: dir, env: { ...process.env, TMPDIR: tmp } });
    expect(await new Promise((resolve) => next.on('exit', resolve))).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'out/a.csv'), 'utf8')).toBe('id\n1\n');
  });
});

describe('DuckDB and a run killed with SIGKILL', () => {
  it('its folder (spill files, checked rows) goes within seconds, removed by its watchdog', async () => {
    const { child, tmp, exited } = await started('duckdb');
    expect(leftIn(tmp)).not.toEqual([]);
    process.kill(child.pid!, 'SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    const killedAt = Date.now();
    while (leftIn(tmp).length > 0 && Date.now() - killedAt < BOUND_MS) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(leftIn(tmp)).toEqual([]);
  });
});
