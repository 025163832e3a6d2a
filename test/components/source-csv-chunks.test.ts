import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';

/**
 * On DuckDB a large source is checked in worker threads, chunk by chunk (source-csv-chunks.ts).
 * Whatever the file holds, that must come out exactly as the main thread's check says it: the same
 * messages at the same lines and columns, the same rejects file, the same rows. Here every file is
 * cut into chunks of a few dozen bytes (ETL_CHECK_CHUNK_BYTES), so records, quoted line breaks and
 * problems fall on every side of a cut, and compared with the same run checked on the main thread.
 */
const BIN = path.resolve(import.meta.dirname, '../../bin/etl.js');

interface Outcome {
  readonly code: number | null;
  readonly err: string;
  readonly files: Record<string, string>;
}

function run(dir: string, env: Record<string, string>, args: string[] = ['--quiet']): Promise<Outcome> {
  const out = path.join(dir, 'out');
  fs.rmSync(out, { recursive: true, force: true });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'run', '--database', 'duckdb', ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => {
      const files: Record<string, string> = {};
      const walk = (d: string, prefix: string): void => {
        if (!fs.existsSync(d)) return;
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) walk(path.join(d, e.name), `${prefix}${e.name}/`);
          else if (!e.name.endsWith('.json')) files[`${prefix}${e.name}`] = fs.readFileSync(path.join(d, e.name), 'utf8');
        }
      };
      walk(out, '');
      resolve({ code, err: err.replace(/etl-failed-[\w-]+\.html/, 'etl-failed.html'), files });
    });
  });
}

const CHUNKED = { ETL_CHECK_MIN_BYTES: '1', ETL_CHECK_CHUNK_BYTES: '37' };
const MAIN_THREAD = { ETL_CHECK_MIN_BYTES: String(2 ** 40) };

/** Rows with every kind of problem, quoted line breaks, CRLF and LF, spread over the file. */
function rows(n: number): string {
  const lines = ['id,name,born,qty'];
  for (let i = 1; i <= n; i++) {
    if (i % 17 === 0) lines.push(`${i},"multi\nline, ""quoted""",2001-02-03,${i}`);
    else if (i % 13 === 0) lines.push(`${i},bad date,2001-02-30,${i}`);
    else if (i % 11 === 0) lines.push(`${i},,2001-02-03,x${i}`);
    else if (i % 7 === 0) lines.push(`${i},"stray "quote",2001-02-03,1`);
    else if (i % 5 === 0) lines.push(`${i},too,many,fields,here`);
    else lines.push(`${i},name ${i},2001-02-${String(1 + (i % 28)).padStart(2, '0')},${i}`);
  }
  return lines.map((l, i) => (i % 3 === 0 ? `${l}\r\n` : `${l}\n`)).join('');
}

const pipeline = (extra: string, source = '') => `params: { out_dir: out }
sources:
  src:
    file: in.csv
${source}    columns: { id: { type: integer, required: true }, name: { type: text, required: true }, born: date, qty: integer }
${extra}
sinks:
  s: { from: src, file: out/s.csv, order_by: [id] }
`;

describe('a source checked in chunks by worker threads', () => {
  it.each([
    ['invalid rows listed (on_invalid: fail)', pipeline('', '    line_column: line\n'), rows(120)],
    ['invalid rows rejected, valid rows loaded with their lines', pipeline('', '    on_invalid: reject\n    line_column: line\n'), rows(120)],
    ['a record past max_record_bytes stops the read at its line', pipeline('', '    on_invalid: reject\n    max_record_bytes: 60\n'), rows(40).replace('\n29,', `\n29,${'x'.repeat(80)},`)],
    ['a quote never closed runs to the end of the file', pipeline('', '    on_invalid: reject\n'), `${rows(30)}31,"never closed,2001-01-01,1\n32,a,2001-01-01,1\n`],
    ['a repeated primary key, named with both lines', pipeline('', '    primary_key: [id]\n    on_invalid: reject\n'), rows(30).replace('\n24,', '\n3,')],
  ])('%s: as on the main thread', async (_, yaml, csv) => {
    const dir = fixture({ 'pipeline.yaml': yaml, 'in.csv': csv });
    const main = await run(dir, MAIN_THREAD);
    const chunked = await run(dir, CHUNKED);
    expect(chunked).toEqual(main);
    // The chunked run really was one: a verbose run says how many chunks.
    const verbose = await run(dir, CHUNKED, ['--verbose']);
    expect(verbose.err).toMatch(/etl: source src: checked by \d worker threads, in chunks of 37 bytes/);
    if (verbose.code === 0) expect(verbose.err).toMatch(/etl: source src: checked in \d{2,} chunks/);
  });

  it('CP932 with kanji, 髙 and 﨑, and bytes that are not CP932: as on the main thread', async () => {
    const text = rows(60).replace('name 8,', '髙橋﨑子,').replace('name 9,', 'ｱｲｳ,');
    const bytes = iconv.encode(text, 'cp932');
    const at = bytes.indexOf(Buffer.from('name 23'));
    expect(at).toBeGreaterThan(0);
    bytes[at] = 0x81;
    bytes[at + 1] = 0x20;
    const dir = fixture({ 'pipeline.yaml': pipeline('', '    encoding: cp932\n    on_invalid: reject\n'), 'in.csv': bytes });
    const main = await run(dir, MAIN_THREAD);
    expect(main.err).toBe('');
    expect(main.files['rejects/src.csv']).toContain('bytes that are not valid cp932');
    expect(main.files['s.csv']).toContain('髙橋﨑子');
    expect(await run(dir, CHUNKED)).toEqual(main);
    expect((await run(dir, CHUNKED, ['--verbose'])).err).toMatch(/etl: source src: checked in \d{2,} chunks/);
  });

  it.each([
    [',', '"Smith, J.",yes'],
    [';', 'Smith, J.;yes'],
  ])('chunks of many regions, columns declared out of the header\'s order, values a type rewrites, delimiter %s: as on the main thread', async (delimiter, tail) => {
    // Rows whose text is their values, rows joined again (a boolean written yes, an ISO date), rows quoted again (a comma in a field).
    const head = ['id', 'name', 'ok'].join(delimiter);
    const lines = [head];
    for (let i = 1; i <= 3000; i++) lines.push(i % 10 === 0 ? `${i}${delimiter}${tail}` : i % 3 === 0 ? [i, `name ${i}`, 'no'].join(delimiter) : [i, `name ${i}`, 'true'].join(delimiter));
    const yaml = `params: { out_dir: out }
sources:
  src:
    file: in.csv
    delimiter: "${delimiter}"
    on_invalid: reject
    line_column: line
    columns: { ok: boolean, name: { type: text, required: true }, id: { type: integer, required: true } }
sinks:
  s: { from: src, file: out/s.csv, order_by: [id] }
`;
    const dir = fixture({ 'pipeline.yaml': yaml, 'in.csv': `${lines.join('\n')}\n` });
    const main = await run(dir, MAIN_THREAD);
    expect(main.code).toBe(0);
    expect(main.files['s.csv']).toContain('"Smith, J."');
    const chunked = { ...CHUNKED, ETL_CHECK_CHUNK_BYTES: '8192', ETL_CHECK_REGION_CHARS: '300' };
    expect(await run(dir, chunked)).toEqual(main);
    expect((await run(dir, chunked, ['--verbose'])).err).toMatch(/etl: source src: checked in \d+ chunks/);
  });
});

describe('the checking workers, started while the database opens', () => {
  /** `etl run` as main() runs it, with no process.exit(): a worker left running keeps the process alive. */
  const runToItsEnd = (dir: string, database: string) => spawnSync(
    process.execPath,
    ['--import', pathToFileURL(path.resolve(import.meta.dirname, '../../node_modules/tsx/dist/loader.mjs')).href, path.resolve(import.meta.dirname, '../support/main-child.ts'), 'run', '--quiet', '--database', database],
    { cwd: dir, env: { ...process.env, ...CHUNKED }, encoding: 'utf8', timeout: 60_000 },
  );

  it.each([
    ['the run that uses them', 'duckdb', rows(40), 0, ''],
    ['a run that fails at the header, before they are used', 'duckdb', rows(40).replace('qty', 'quantity'), 1, 'in.csv:1:1: source "src": the header has no column "qty"\n'],
    ['a run whose database cannot be opened', 'duckdb:no-such-folder/db.duckdb', rows(40), 1, undefined],
  ])('are all stopped by the end of %s', (_, database, csv, code, err) => {
    const dir = fixture({ 'pipeline.yaml': pipeline('', '    on_invalid: reject\n'), 'in.csv': csv });
    const r = runToItsEnd(dir, database);
    // A worker left running would have kept the process until the timeout (status null).
    expect(r.status).toBe(code);
    if (err !== undefined) expect(r.stderr).toBe(err);
    else expect(r.stderr).toMatch(/^etl: /);
  }, 90_000);
});
