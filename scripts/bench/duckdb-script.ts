/**
 * The DuckDB script: the flagship's work as a user who knows DuckDB would write it, with no engine
 * around it and no checks (valid input assumed). history.csv is decoded from CP932 in two worker
 * threads (the file cut in two at an LF, which is never part of a CP932 character), DuckDB's
 * `read_csv` reads the UTF-8 halves with the columns' types, SQL macros convert the wareki dates,
 * the same transforms/*.sql make the stages, and each file is written by DuckDB as lines made in
 * SQL (its own CSV writer quotes `#` and writes an empty text as `""`, which SPEC §3 does not).
 */
import { closeSync, createReadStream, createWriteStream, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
import { DuckDBInstance } from '@duckdb/node-api';
import { ROUTING, stage, WINDOW } from './baseline-sql.ts';

export interface DuckScriptOptions {
  readonly root: string;
  readonly dataDir: string;
  readonly outDir: string;
  readonly params: Readonly<Record<string, string>>;
  readonly memoryLimit: string;
  readonly log: (message: string) => void;
}

/** Seconds spent in each phase. */
export interface DuckScriptPhases {
  decode: number;
  load: number;
  stages: number;
  sinks: number;
}

const require = createRequire(import.meta.url);
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const q = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** Decodes bytes [start, end) of a CP932 file into a UTF-8 file, in a worker thread. */
function decodePart(file: string, start: number, end: number, out: string, header: string): Promise<void> {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const fs = require('node:fs');
    const iconv = require(workerData.iconv);
    const { file, start, end, out, header } = workerData;
    const fd = fs.openSync(file, 'r');
    const outFd = fs.openSync(out, 'w');
    fs.writeSync(outFd, header);
    const decoder = iconv.getDecoder('cp932');
    const buf = Buffer.allocUnsafe(1 << 22);
    for (let at = start; at < end; ) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - at), at);
      if (n === 0) break;
      fs.writeSync(outFd, decoder.write(buf.subarray(0, n)));
      at += n;
    }
    fs.writeSync(outFd, decoder.end() || '');
    fs.closeSync(fd); fs.closeSync(outFd);
    parentPort.postMessage('done');`;
  const worker = new Worker(code, { eval: true, workerData: { file, start, end, out, header, iconv: require.resolve('iconv-lite') } });
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
}

/** The first LF at or after `at`, +1. */
function lineEndAfter(file: string, at: number): number {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(1 << 16);
  try {
    for (let pos = at; ; pos += buf.length) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return pos;
      const lf = buf.subarray(0, n).indexOf(0x0a);
      if (lf >= 0) return pos + lf + 1;
    }
  } finally {
    closeSync(fd);
  }
}

/** Types of history.csv's columns as read (the wareki dates as text, converted by macros). */
const HISTORY_TYPES: Record<string, string> = {
  seq: 'INTEGER', person_id: 'VARCHAR', juminhyo_code: 'VARCHAR', event_code: 'VARCHAR', event_date: 'VARCHAR',
  processed_at: 'TIMESTAMP', name: 'VARCHAR', name_kana: 'VARCHAR', birth_date: 'VARCHAR', sex: 'VARCHAR', address: 'VARCHAR',
};

const MACROS = [
  `CREATE MACRO wareki_year(d) AS (CASE substr(d, 1, 1) WHEN '1' THEN 1867 WHEN '2' THEN 1911 WHEN '3' THEN 1925 WHEN '4' THEN 1988 ELSE 2018 END + CAST(substr(d, 2, 2) AS INTEGER))`,
  `CREATE MACRO wareki_date(d) AS make_date(wareki_year(d), CAST(substr(d, 4, 2) AS INTEGER), CAST(substr(d, 6, 2) AS INTEGER))`,
  `CREATE MACRO wareki_partial(d) AS (CAST(wareki_year(d) AS VARCHAR) || CASE WHEN substr(d, 4, 2) = '00' THEN '' WHEN substr(d, 6, 2) = '00' THEN '-' || substr(d, 4, 2) ELSE '-' || substr(d, 4, 2) || '-' || substr(d, 6, 2) END)`,
];

/** Output columns: text (quoted where needed, empty for NULL and ''), boolean, or other (cast). */
const EVENT = ['seq', 'juminhyo_code', 'previous_juminhyo_code', 'event_code', 'event_date', 'name', 'name_kana', 'birth_date', 'sex', 'address'];
const NOT_TEXT = new Set(['seq', 'event_date', 'requested_on', 'line', 'since', 'until']);
const BOOLEAN = new Set(['present']);

function field(table: string, c: string): string {
  const col = `${table}.${q(c)}`;
  if (BOOLEAN.has(c)) return `CASE WHEN ${col} THEN 'true' WHEN NOT ${col} THEN 'false' ELSE '' END`;
  if (NOT_TEXT.has(c)) return `coalesce(CAST(${col} AS VARCHAR), '')`;
  return `CASE WHEN ${col} IS NULL THEN '' WHEN contains(${col}, ',') OR contains(${col}, '"') OR contains(${col}, chr(13)) OR contains(${col}, chr(10)) THEN '"' || replace(${col}, '"', '""') || '"' ELSE ${col} END`;
}

function sink(table: string, columns: readonly string[], orderBy: readonly string[], file: string): string {
  const line = columns.map((c) => field(table, c)).join(` || ',' || `);
  const key = (c: string) => `${table}.${q(c)}${NOT_TEXT.has(c) ? '' : ' COLLATE "C"'} NULLS LAST`;
  return `COPY (SELECT ${line} AS line FROM ${table} ORDER BY ${orderBy.map(key).join(', ')}) TO ${lit(file)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '')`;
}

const SINKS: readonly [string, readonly string[], readonly string[], string][] = [
  ['registry', ['person_id', 'present', 'juminhyo_code', 'name', 'name_kana', 'birth_date', 'sex', 'address'], ['person_id'], 'state/registry.csv'],
  ['outbound', EVENT, ['seq'], '03_outbound.csv'],
  ['held', [EVENT[0]!, 'person_id', ...EVENT.slice(1)], ['seq'], 'state/held.csv'],
  ['held', EVENT, ['seq'], '04_held.csv'],
  ['listed', ['person_id', 'since'], ['person_id'], 'state/listed.csv'],
  ['next_window', ['until'], ['until'], 'state/window.csv'],
  ['deletions', EVENT, ['seq'], '01_deletions.csv'],
  ['entries', EVENT, ['seq'], '02_entries.csv'],
  ['exceptions', ['person_id', 'requested_on', 'reason'], ['person_id', 'line'], 'exceptions.csv'],
];

/** Runs the script on an in-memory DuckDB of its own; returns its phases. */
export async function runDuckScript(o: DuckScriptOptions): Promise<DuckScriptPhases> {
  const tmp = mkdtempSync(join(tmpdir(), 'bench-duckdb-'));
  const phases: DuckScriptPhases = { decode: 0, load: 0, stages: 0, sinks: 0 };
  let t = performance.now();
  const lap = (phase: keyof DuckScriptPhases) => {
    const now = performance.now();
    phases[phase] = (now - t) / 1000;
    t = now;
    o.log(`bench: duckdb script ${phase}: ${phases[phase].toFixed(1)}s`);
  };
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: o.memoryLimit, temp_directory: join(tmp, 'spill') });
  const db = await instance.connect();
  try {
    const history = join(o.dataDir, 'history.csv');
    const size = statSync(history).size;
    const headerEnd = lineEndAfter(history, 0);
    const mid = lineEndAfter(history, Math.max(headerEnd, Math.floor(size / 2)));
    const headerBuf = Buffer.alloc(headerEnd);
    const fd = openSync(history, 'r');
    readSync(fd, headerBuf, 0, headerEnd, 0);
    closeSync(fd);
    const header = headerBuf.toString('latin1');
    const parts = [join(tmp, 'h1.csv'), join(tmp, 'h2.csv')];
    await Promise.all([decodePart(history, headerEnd, mid, parts[0]!, header), decodePart(history, mid, size, parts[1]!, header)]);
    lap('decode');

    const names = header.replace(/\r?\n$/, '').split(',');
    const columns = names.map((n) => `${lit(n)}: ${lit(HISTORY_TYPES[n] ?? 'VARCHAR')}`).join(', ');
    const run = async (sql: string) => void (await db.run(sql));
    for (const m of MACROS) await run(m);
    await run(`CREATE TABLE history AS SELECT seq, person_id, juminhyo_code, event_code, wareki_date(event_date) AS event_date, processed_at, name, name_kana, wareki_partial(birth_date) AS birth_date, sex, address
      FROM read_csv([${parts.map(lit).join(', ')}], header = true, columns = {${columns}}, delim = ',', quote = '"', escape = '"', auto_detect = false)`);
    await run(`CREATE TABLE non_notification AS SELECT person_id, requested_on, CAST(row_number() OVER () AS INTEGER) + 1 AS line
      FROM read_csv(${lit(join(o.dataDir, 'non_notification.csv'))}, header = true, columns = {'person_id': 'VARCHAR', 'requested_on': 'DATE'}, auto_detect = false)`);
    await run(`CREATE TABLE event_codes AS SELECT code, class FROM read_csv(${lit(join(o.root, 'reference', 'event_codes.csv'))}, header = true, all_varchar = true)`);
    lap('load');

    const s = (id: string) => stage(o.root, id, o.params).replace('CREATE UNLOGGED TABLE', 'CREATE TABLE');
    const plain = (sql: string) => sql.replace('CREATE UNLOGGED TABLE', 'CREATE TABLE');
    for (const sql of [s('changes'), ...ROUTING.map(plain), s('outbound'), s('registry'), s('snapshot'), s('list_requests'), s('targets'), s('exceptions'), s('deletions'), s('entries'), s('listed'), plain(WINDOW(o.params['until']!)), s('held')]) await run(sql);
    lap('stages');

    mkdirSync(join(o.outDir, 'state'), { recursive: true });
    for (const [table, cols, order, file] of SINKS) {
      const rows = join(tmp, 'rows.csv');
      await run(sink(table, cols, order, rows));
      const out = createWriteStream(join(o.outDir, file));
      out.write(`${cols.join(',')}\n`);
      await pipeline(createReadStream(rows), out);
    }
    lap('sinks');
  } finally {
    db.closeSync();
    instance.closeSync();
    rmSync(tmp, { recursive: true, force: true });
  }
  return phases;
}
