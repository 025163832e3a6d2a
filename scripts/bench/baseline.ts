/**
 * The baseline: the flagship's work done the fastest way plain PostgreSQL allows, with no engine
 * around it. `iconv` transcodes history.csv in a pipe into `COPY … FROM STDIN` (format csv) into
 * text staging tables; SQL converts the types and runs the stages; `COPY (…) TO STDOUT` writes
 * the five files. Two connections: the two sources load, and the independent stages and the
 * sinks run, side by side (the machine has 2 cores; PostgreSQL runs one query per connection).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdirSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { ident, ROUTING, SINKS, stage, stagingTable, TYPED_EVENT_CODES, TYPED_HISTORY, TYPED_LIST, WAREKI_FUNCTIONS, WINDOW } from './baseline-sql.ts';

export interface BaselineOptions {
  readonly url: string;
  /** The repository: transforms/ and reference/ are read from it. */
  readonly root: string;
  readonly dataDir: string;
  readonly outDir: string;
  /** pipeline.yaml's parameters the SQL uses. */
  readonly params: Readonly<Record<string, string>>;
  readonly log: (message: string) => void;
  /** 2 (default) runs the independent work side by side; 1 runs it all on one connection. */
  readonly connections?: 1 | 2;
}

/** Seconds spent in each phase. */
export interface BaselinePhases {
  load: number;
  types: number;
  stages: number;
  sinks: number;
}

/** The header of a CSV file, read from its first bytes (ASCII in both encodings; a BOM dropped). */
function header(file: string): string[] {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(64 * 1024);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  const line = buf.subarray(0, n).toString('latin1').split('\n')[0]!.replace(/\r$/, '').replace(/^\xef\xbb\xbf/, '');
  return line.split(',').map((c) => c.replace(/^"|"$/g, ''));
}

/** Streams `source` into `COPY table (header columns) FROM STDIN (FORMAT csv, HEADER)`. */
async function copyIn(client: pg.Client, table: string, file: string, source: Readable): Promise<void> {
  const columns = header(file).map(ident).join(', ');
  await pipeline(source, client.query(copyStreams.from(`COPY ${table} (${columns}) FROM STDIN (FORMAT csv, HEADER)`)));
}

/** history.csv through the system's iconv (glibc's CP932 decodes 髙, 﨑 and the other IBM extensions). */
async function loadHistory(client: pg.Client, file: string): Promise<void> {
  await client.query(stagingTable('stg_history', header(file)));
  const iconv = spawn('iconv', ['-f', 'CP932', '-t', 'UTF-8', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(iconv, 'exit');
  await copyIn(client, 'stg_history', file, iconv.stdout);
  const [code] = (await exited) as [number | null];
  if (code !== 0) throw new Error(`iconv exited with ${code} on ${file}`);
}

/** The non-notification list (UTF-8; COPY skips the BOM with the header line) and the event codes. */
async function loadSmall(client: pg.Client, listFile: string, codesFile: string): Promise<void> {
  await client.query(stagingTable('stg_list', header(listFile), true));
  await copyIn(client, 'stg_list', listFile, createReadStream(listFile));
  await client.query(stagingTable('stg_event_codes', header(codesFile)));
  await copyIn(client, 'stg_event_codes', codesFile, createReadStream(codesFile));
}

/** Runs statements one after the other on one connection, logging each table's time. */
async function run(client: pg.Client, statements: readonly string[], log?: (m: string) => void): Promise<void> {
  for (const sql of statements) {
    const started = performance.now();
    await client.query(sql);
    const table = /^(?:CREATE UNLOGGED TABLE|ANALYZE) (\w+)/.exec(sql)?.[1];
    if (log && table) log(`bench: baseline   ${sql.startsWith('ANALYZE') ? 'analyze ' : ''}${table}: ${((performance.now() - started) / 1000).toFixed(1)}s`);
  }
}

/** Runs the baseline; its schema is dropped at the end, whatever happens. */
export async function runBaseline(o: BaselineOptions): Promise<BaselinePhases> {
  const schema = `bench_baseline_${randomBytes(4).toString('hex')}`;
  // With one connection, pg.Client queues the "parallel" statements: the same work, in series.
  const a = new pg.Client(o.url);
  const b = o.connections === 1 ? a : new pg.Client(o.url);
  await Promise.all([...new Set([a, b])].map((c) => c.connect()));
  const phases: BaselinePhases = { load: 0, types: 0, stages: 0, sinks: 0 };
  let t = performance.now();
  const lap = (phase: keyof BaselinePhases) => {
    const now = performance.now();
    phases[phase] = (now - t) / 1000;
    t = now;
    o.log(`bench: baseline ${phase}: ${phases[phase].toFixed(1)}s`);
  };
  try {
    // The engine's session settings: ISO dates whatever the server's defaults.
    const session = [`SET client_encoding = 'UTF8'`, `SET DateStyle = 'ISO, YMD'`, `SET TimeZone = 'UTC'`, `SET search_path TO ${schema}`];
    await run(a, [`CREATE SCHEMA ${schema}`, ...session, ...WAREKI_FUNCTIONS]);
    if (b !== a) await run(b, session);

    await Promise.all([
      loadHistory(a, join(o.dataDir, 'history.csv')),
      loadSmall(b, join(o.dataDir, 'non_notification.csv'), join(o.root, 'reference', 'event_codes.csv')),
    ]);
    lap('load');

    // ANALYZE: the stages' plans (hash joins, sorts) depend on row counts the planner would not know.
    await Promise.all([
      run(a, [TYPED_HISTORY, 'ANALYZE history'], o.log),
      run(b, [TYPED_LIST, TYPED_EVENT_CODES, 'ANALYZE non_notification', 'ANALYZE event_codes'], o.log),
    ]);
    lap('types');

    // pipeline.yaml's stages: two independent chains, then the held store that joins them.
    const s = (id: string) => stage(o.root, id, o.params);
    await Promise.all([
      run(a, [s('changes'), ...ROUTING, s('outbound'), s('registry')], o.log),
      run(b, [s('snapshot'), s('list_requests'), s('targets'), s('exceptions'), s('deletions'), s('entries'), s('listed'), WINDOW(o.params['until']!)], o.log),
    ]);
    await run(a, [s('held')], o.log);
    lap('stages');

    mkdirSync(join(o.outDir, 'state'), { recursive: true });
    const queue = [...SINKS];
    const worker = async (client: pg.Client) => {
      for (let sink = queue.shift(); sink; sink = queue.shift()) {
        await pipeline(client.query(copyStreams.to(sink.sql)), createWriteStream(join(o.outDir, sink.file)));
      }
    };
    await Promise.all([worker(a), worker(b)]);
    lap('sinks');
  } finally {
    await a.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await Promise.all([...new Set([a, b])].map((c) => c.end()));
  }
  return phases;
}
