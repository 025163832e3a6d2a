/**
 * Privacy of what the engine says (issue 4, "Misuse and privacy"): a bad-input suite built from
 * the sample registry, each problem planted in a different row. Every message the runs produce
 * — stderr (progress lines included), the `reason` column of the rejects files, the manifest —
 * is scanned for the personal values (name, kana, address, birth date as wareki and as ISO) of
 * the rows involved, taken from the decoded rows themselves, before and after the damage.
 *
 * The rejects files hold the original fields on purpose (they are outputs, mode 0600); only
 * their `reason` column is a message.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { FAILED_REPORT_LINE } from '../../src/report/run-report.ts';
import { databaseBackends } from '../support/backends.ts';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';
import {
  csvLine, decodeHistoryLine, encodeHistoryLine, flagshipVariant, type HistoryFields, leaksIn, linkFlagshipFiles, maskManifestNoise, personalValuesOf, ROOT,
  sampleBytes, samplePersonalValues, splitLines,
} from './helpers.ts';

/** One planted problem: which row, and the bytes of the damaged line. */
interface BadRow {
  readonly name: string;
  /** Picks the row (by its decoded fields) the problem goes into. */
  readonly pick: (row: HistoryFields, all: readonly HistoryFields[]) => boolean;
  readonly damage: (row: HistoryFields, all: readonly HistoryFields[]) => Buffer;
}

const cp932 = (text: string) => iconv.encode(text, 'cp932');
const withField = (row: HistoryFields, field: keyof HistoryFields, value: string): Buffer => encodeHistoryLine({ ...row, [field]: value });
/** The row's line with `bytes` spliced into `field`'s bytes: in the middle, or at its end. */
const spliceInto = (row: HistoryFields, field: keyof HistoryFields, bytes: number[], where: 'middle' | 'end' = 'middle'): Buffer => {
  const marker = '\u0001'; // never in the sample; replaced by the bytes below
  const value = row[field];
  const cut = where === 'end' ? [...value].length : Math.max(1, Math.floor([...value].length / 2));
  const line = encodeHistoryLine({ ...row, [field]: [...value].slice(0, cut).join('') + marker + [...value].slice(cut).join('') });
  const placeholder = cp932(marker);
  const at = line.indexOf(placeholder);
  if (at < 0) throw new Error('placeholder not found');
  return Buffer.concat([line.subarray(0, at), Buffer.from(bytes), line.subarray(at + placeholder.length)]);
};
const anyRow = () => true;

/** The bad-input suite. Each problem goes into the first row `pick` accepts that no other problem took. */
const BAD_ROWS: BadRow[] = [
  { name: 'birth date: era digit out of range', pick: anyRow, damage: (r) => withField(r, 'birth_date', `6${r.birth_date.slice(1)}`) },
  { name: 'birth date: 昭和64年1月8日 (after the era ended)', pick: anyRow, damage: (r) => withField(r, 'birth_date', '3640108') },
  { name: 'birth date: 平成13年2月29日 (not on the calendar)', pick: anyRow, damage: (r) => withField(r, 'birth_date', '4130229') },
  { name: 'birth date: 明治5年12月31日 (before the Gregorian calendar)', pick: anyRow, damage: (r) => withField(r, 'birth_date', '1051231') },
  { name: 'birth date: not digits', pick: anyRow, damage: (r) => withField(r, 'birth_date', `${r.birth_date.slice(0, 3)}X${r.birth_date.slice(4)}`) },
  { name: 'event date: day 00 (partial not allowed)', pick: anyRow, damage: (r) => withField(r, 'event_date', `${r.event_date.slice(0, 5)}00`) },
  {
    name: '住民票コード: wrong check digit', pick: anyRow,
    damage: (r) => withField(r, 'juminhyo_code', r.juminhyo_code.slice(0, 10) + String((Number(r.juminhyo_code[10]) + 1) % 10)),
  },
  { name: '住民票コード: ten digits', pick: anyRow, damage: (r) => withField(r, 'juminhyo_code', r.juminhyo_code.slice(1)) },
  { name: '住民票コード: a letter', pick: anyRow, damage: (r) => withField(r, 'juminhyo_code', `A${r.juminhyo_code.slice(1)}`) },
  { name: 'unknown event code', pick: anyRow, damage: (r) => withField(r, 'event_code', '99') },
  { name: 'sex 3', pick: anyRow, damage: (r) => withField(r, 'sex', '3') },
  { name: 'person_id of 9 digits', pick: anyRow, damage: (r) => withField(r, 'person_id', r.person_id.slice(1)) },
  { name: 'processed_at not a timestamp', pick: anyRow, damage: (r) => withField(r, 'processed_at', r.processed_at.replace(' ', 'T')) },
  { name: 'seq not an integer', pick: anyRow, damage: (r) => withField(r, 'seq', `${r.seq}.5`) },
  { name: 'empty required name', pick: anyRow, damage: (r) => withField(r, 'name', '') },
  { name: 'empty required kana', pick: anyRow, damage: (r) => withField(r, 'name_kana', '') },
  { name: 'empty required address', pick: anyRow, damage: (r) => withField(r, 'address', '') },
  { name: 'empty required birth date', pick: anyRow, damage: (r) => withField(r, 'birth_date', '') },
  { name: 'NUL inside the name', pick: anyRow, damage: (r) => spliceInto(r, 'name', [0x00]) },
  { name: 'NUL inside the address', pick: anyRow, damage: (r) => spliceInto(r, 'address', [0x00]) },
  { name: 'invalid CP932 (85 40) inside the name', pick: anyRow, damage: (r) => spliceInto(r, 'name', [0x85, 0x40]) },
  { name: 'invalid CP932 (lone FF) inside the address', pick: anyRow, damage: (r) => spliceInto(r, 'address', [0xff]) },
  { name: 'invalid CP932 (a lead byte, then the comma) at the end of the kana', pick: anyRow, damage: (r) => spliceInto(r, 'name_kana', [0x82], 'end') },
  { name: 'a stray quote inside the name', pick: anyRow, damage: (r) => spliceInto(r, 'name', [0x22]) },
  { name: 'too many fields', pick: anyRow, damage: (r) => cp932(`${csvLine([...Object.values(r), r.name])}\r\n`) },
  {
    name: 'too few fields (no address)', pick: (r) => !/[",]/u.test(r.address),
    damage: (r) => cp932(`${csvLine(Object.values(r).slice(0, -1))}\r\n`),
  },
  { name: 'the address with a quote, its quoting broken', pick: (r) => r.address.includes('"'), damage: (r) => cp932(`${csvLine(Object.values(r).slice(0, -1))},${r.address}\r\n`) },
];
// The seq of the second-to-last row, which no other problem takes (they go to the first rows).
const DUPLICATE_SEQ: BadRow = { name: 'duplicate seq', pick: anyRow, damage: (r, all) => withField(r, 'seq', all.at(-2)!.seq) };
BAD_ROWS.push(DUPLICATE_SEQ);

/** Last, since an unclosed quote runs to the end of the file. */
const UNCLOSED: BadRow = { name: 'unclosed quote', pick: anyRow, damage: (r) => cp932(`${csvLine(Object.values(r).slice(0, 6))},"${r.name},${r.name_kana},${r.birth_date},${r.sex},${r.address}\r\n`) };

interface Planted {
  readonly bad: BadRow;
  /** The row's 1-based file line. */
  readonly line: number;
  /** Personal values of the row, before and after the damage. */
  readonly personal: string[];
}

/** The sample's history.csv with every problem of `bad` planted in rows of its own. */
function plant(bad: readonly BadRow[], unclosed: BadRow | undefined): { bytes: Buffer; planted: Planted[] } {
  const lines = splitLines(sampleBytes().history);
  const rows = lines.slice(1).map(decodeHistoryLine);
  const used = new Set<number>();
  const planted: Planted[] = [];
  const put = (b: BadRow, index: number) => {
    const row = rows[index]!;
    const damaged = b.damage(row, rows);
    used.add(index);
    lines[index + 1] = damaged;
    // What the damaged line would show if decoded leniently: its fragments count as personal too.
    const after = iconv.decode(damaged, 'cp932').replace(/\r?\n$/u, '');
    const fragments = after.split(/[\0,"\uFFFD]/u).filter((f) => [...f].length >= 2 && !/^[\d\-: .A-Za-z]*$/u.test(f));
    planted.push({ bad: b, line: index + 2, personal: [...new Set([...personalValuesOf(row), ...personalValuesOf(decodeHistoryLine(damaged)), ...fragments])] });
  };
  // Problems that need a particular row choose first; the others take the first rows left.
  for (const b of [...bad].sort((x, y) => Number(x.pick === anyRow) - Number(y.pick === anyRow))) {
    const index = rows.findIndex((r, i) => !used.has(i) && i !== rows.length - 1 && b.pick(r, rows));
    if (index < 0) throw new Error(`no row left for "${b.name}"`);
    put(b, index);
  }
  if (unclosed) put(unclosed, rows.length - 1);
  return { bytes: Buffer.concat(lines), planted };
}

/** non_notification.csv with a bad person_id, a bad date, a NUL and invalid UTF-8. */
function badList(): Buffer {
  const lines = splitLines(sampleBytes().nn);
  lines[2] = Buffer.from(`00002010X3,2002-06-03\n`);
  lines[3] = Buffer.from(`0000201013,2002-02-30\n`);
  lines[4] = Buffer.concat([Buffer.from('0000201001,2002-05'), Buffer.from([0x00]), Buffer.from('-27\n')]);
  lines[5] = Buffer.concat([Buffer.from('0000201010,2002-10-0'), Buffer.from([0xc3]), Buffer.from('\n')]);
  return Buffer.concat(lines);
}

/** A message naming a line of history.csv: at it, or as the other line of a duplicate key. */
const reportsLine = (line: number) => new RegExp(`history\\.csv:${line}:|the same as line ${line}\\b`, 'u');

/** Every text a run left for a person to read: stderr, rejects reasons, the manifest. */
function messagesOf(dir: string, err: string): { where: string; text: string }[] {
  const texts = [{ where: 'stderr', text: err.replaceAll(dir, '<dir>').replaceAll(ROOT, '<root>') }];
  const rejects = path.join(dir, 'out', 'rejects');
  if (fs.existsSync(rejects)) {
    for (const f of fs.readdirSync(rejects)) {
      const records = parseCsv(fs.readFileSync(path.join(rejects, f)), { bom: true, relax_column_count: true }) as string[][];
      const reason = records[0]!.indexOf('reason');
      expect(reason, `${f} has a reason column`).toBeGreaterThanOrEqual(0);
      texts.push({ where: `rejects/${f} reason`, text: records.slice(1).map((r) => r[reason]).join('\n') });
      texts.push({ where: `rejects/${f} header`, text: records[0]!.join(',') });
    }
  }
  const manifest = path.join(dir, 'out', 'manifest.json');
  if (fs.existsSync(manifest)) texts.push({ where: 'manifest.json', text: maskManifestNoise(fs.readFileSync(manifest, 'utf8')).replaceAll(dir, '<dir>') });
  // The run's page, and a failed run's page under the temporary folder (named on the error's last line).
  const pages = [path.join(dir, 'out', 'report.html'), ...[...err.matchAll(new RegExp(`^${FAILED_REPORT_LINE.replace(/[()]/g, '\\$&')} (\\S+)$`, 'gmu'))].map((m) => m[1]!)];
  for (const page of pages.filter((p) => fs.existsSync(p))) {
    texts.push({ where: path.basename(page), text: maskManifestNoise(fs.readFileSync(page, 'utf8')).replaceAll(dir, '<dir>') });
    if (page.startsWith(os.tmpdir())) fs.rmSync(page);
  }
  return texts;
}

function expectNoLeak(texts: { where: string; text: string }[], planted: readonly Planted[]): void {
  const found: string[] = [];
  for (const { where, text } of texts) {
    for (const p of planted) for (const v of leaksIn(text, p.personal)) found.push(`${where}: "${v}" of line ${p.line} (${p.bad.name})`);
  }
  expect(found, texts.map((t) => `--- ${t.where}\n${t.text}`).join('\n')).toEqual([]);
}

/** A folder with the damaged inputs and a variant of the flagship, linked to its own files. */
function flagshipDir(history: Buffer, list: Buffer, onInvalid: 'fail' | 'reject'): string {
  const pipeline =
    onInvalid === 'fail'
      ? fs.readFileSync(path.join(ROOT, 'pipeline.yaml'), 'utf8')
      : flagshipVariant((t) => t.replace('    primary_key: [seq]\n', '    primary_key: [seq]\n    on_invalid: reject\n').replace('    line_column: line\n', '    line_column: line\n    on_invalid: reject\n'));
  const dir = fixture({ 'data/history.csv': history, 'data/non_notification.csv': list, 'pipeline.yaml': pipeline });
  linkFlagshipFiles(dir);
  return dir;
}

const runIn = (dir: string, ...args: string[]) => runCli(['run', 'pipeline.yaml', '--param', 'data_dir=data', '--param', 'out_dir=out', ...args], dir);

/** The embedded PostgreSQL and DuckDB: each says things of its own about data (a server says what the embedded one does). */
const ENGINES = databaseBackends().filter((b) => b.available && (b.engine === 'duckdb' || b.args.length === 0));

describe.each(ENGINES)('no message names a person, on $name', ({ args }) => {
  it('on_invalid: fail — every bad row is listed by line, none by value', async () => {
    const { bytes, planted } = plant(BAD_ROWS, UNCLOSED);
    const dir = flagshipDir(bytes, badList(), 'fail');
    const r = await runIn(dir, ...args);
    expect(r.code, r.err).toBe(1);
    for (const p of planted) expect(r.err, `${p.bad.name} (line ${p.line}) is reported`).toMatch(reportsLine(p.line));
    for (const line of [3, 4, 5, 6]) expect(r.err, `list line ${line} is reported`).toContain(`non_notification.csv:${line}:`);
    expect(fs.existsSync(path.join(dir, 'out')), 'a failed run writes nothing').toBe(false);
    expectNoLeak(messagesOf(dir, r.err), planted);
  });

  it('on_invalid: reject — reasons, progress lines and the manifest hold no personal value', async () => {
    // Without the duplicate key: see the next test for that one.
    const { bytes, planted } = plant(BAD_ROWS.filter((b) => b !== DUPLICATE_SEQ), UNCLOSED);
    const dir = flagshipDir(bytes, badList(), 'reject');
    const r = await runIn(dir, ...args);
    expect(r.code, r.err).toBe(0);
    const rejects = parseCsv(fs.readFileSync(path.join(dir, 'out/rejects/history.csv')), { bom: true, relax_column_count: true }) as string[][];
    const lineCol = rejects[0]!.indexOf('line');
    const rejectedLines = new Set(rejects.slice(1).map((row) => Number(row[lineCol])));
    for (const p of planted) expect(rejectedLines.has(p.line), `${p.bad.name} (line ${p.line}) is rejected`).toBe(true);
    expect(fs.existsSync(path.join(dir, 'out/manifest.json'))).toBe(true);
    expectNoLeak(messagesOf(dir, r.err), planted);
  });

  it('on_invalid: reject — a duplicate key still fails the run (which row is right cannot be decided), without its value', async () => {
    // README, Guarantees: duplicate primary keys fail the run even with on_invalid: reject.
    const { bytes, planted } = plant([DUPLICATE_SEQ], undefined);
    const dir = flagshipDir(bytes, sampleBytes().nn, 'reject');
    const r = await runIn(dir, ...args);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/history\.csv:\d+:1: duplicate primary key \(seq\): the same as line \d+\n/);
    expect(r.err).toMatch(/source "history": 1 row repeating a primary key; nothing was written\netl: a report of the failed run \(no output was changed\): \S+\n$/);
    expect(r.err).not.toContain('on_invalid: fail');
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
    expectNoLeak(messagesOf(dir, r.err), planted);
  });

});

/** The sample's history as plain text columns, and one transform whose SQL fails on a value. */
function sqlPipeline(query: string, extra = ''): string {
  return `name: sql-error
params: { out_dir: out }
sources:
  history:
    file: history.csv
    encoding: cp932
    columns: { seq: integer, person_id: text, juminhyo_code: text, event_code: text, event_date: text, processed_at: text, name: text, name_kana: text, birth_date: text, sex: text, address: text }
transforms:
  broken:
    inputs: [history]
    query: ${JSON.stringify(query)}
sinks:
  broken_csv: { from: broken, file: "\${out_dir}/broken.csv", order_by: [seq] }
${extra}`;
}

/** Picks the sample row a query will fail on, by a predicate over its decoded fields. */
function sampleRow(pick: (r: HistoryFields) => boolean): HistoryFields {
  const row = splitLines(sampleBytes().history).slice(1).map(decodeHistoryLine).find(pick);
  if (!row) throw new Error('no such row in the sample');
  return row;
}

describe('PostgreSQL errors about a value do not repeat the value', () => {
  const quoted = sampleRow((r) => r.address.includes('"'));
  const plain = sampleRow((r) => /^\d{7}$/u.test(r.birth_date) && !r.birth_date.endsWith('00') && !/[",]/u.test(r.address));
  const cases: { name: string; row: HistoryFields; query: (seq: string) => string }[] = [
    { name: 'a name cast to integer (22P02)', row: plain, query: (s) => `SELECT seq, name::integer AS n FROM history WHERE seq = ${s}` },
    { name: 'an address holding quotes cast to integer (22P02)', row: quoted, query: (s) => `SELECT seq, address::integer AS n FROM history WHERE seq = ${s}` },
    { name: 'a kana cast to date (22007)', row: plain, query: (s) => `SELECT seq, name_kana::date AS d FROM history WHERE seq = ${s}` },
    { name: 'a birth date as a date with a suffix (22007/22008)', row: plain, query: (s) => `SELECT seq, (birth_date || '-01')::date AS d FROM history WHERE seq = ${s}` },
    { name: 'a name inside JSON (22P02, detail quotes the token)', row: plain, query: (s) => `SELECT seq, ('{"a":' || name || '}')::json AS j FROM history WHERE seq = ${s}` },
    { name: 'a name as a relation (42P01)', row: plain, query: (s) => `SELECT seq, name::regclass AS r FROM history WHERE seq = ${s}` },
    { name: 'an address as a JSON path (42601)', row: plain, query: (s) => `SELECT seq, address::jsonpath AS p FROM history WHERE seq = ${s}` },
    { name: 'a name as a setting (42704)', row: plain, query: (s) => `SELECT seq, current_setting(name) AS c FROM history WHERE seq = ${s}` },
  ];
  it.each(cases)('$name', async ({ row, query }) => {
    const dir = fixture({ 'history.csv': sampleBytes().history, 'pipeline.yaml': sqlPipeline(query(row.seq)) });
    const r = await runCli(['run', 'pipeline.yaml'], dir);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/^pipeline\.yaml:\d+:\d+: stage "broken": /mu);
    expect(r.err).not.toMatch(/unexpected error/u);
    const personal = [...personalValuesOf(row), ...row.address.split(/[\u3000",]/u).filter((p) => [...p].length >= 2)];
    expect(leaksIn(r.err, personal), r.err).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'out')), 'nothing written').toBe(false);
  });
});

/** DuckDB quotes a value in `'…'` (`'O''Brien'`) or `"…"`, in conversion errors and in what its functions refuse. */
describe('DuckDB errors about a value do not repeat the value', () => {
  const quoted = sampleRow((r) => r.address.includes('"'));
  const plain = sampleRow((r) => /^\d{7}$/u.test(r.birth_date) && !r.birth_date.endsWith('00') && !/[",]/u.test(r.address));
  const cases: { name: string; row: HistoryFields; query: (seq: string) => string }[] = [
    { name: 'a name cast to integer (Conversion)', row: plain, query: (s) => `SELECT seq, name::integer AS n FROM history WHERE seq = ${s}` },
    { name: 'an address holding quotes cast to integer (Conversion)', row: quoted, query: (s) => `SELECT seq, address::integer AS n FROM history WHERE seq = ${s}` },
    { name: 'a kana cast to date (Conversion)', row: plain, query: (s) => `SELECT seq, name_kana::date AS d FROM history WHERE seq = ${s}` },
    { name: 'a birth date as a date with a suffix (Conversion)', row: plain, query: (s) => `SELECT seq, (birth_date || '-01')::date AS d FROM history WHERE seq = ${s}` },
    { name: 'an address cast to a time (Conversion)', row: quoted, query: (s) => `SELECT seq, address::time AS t FROM history WHERE seq = ${s}` },
    { name: 'a name inside JSON (Conversion, quotes the input)', row: plain, query: (s) => `SELECT seq, ('{"a":' || name || '}')::json AS j FROM history WHERE seq = ${s}` },
    { name: 'a name cast to a list (Conversion)', row: plain, query: (s) => `SELECT seq, name::integer[] AS l FROM history WHERE seq = ${s}` },
    { name: 'a name parsed as a date by strptime (Invalid Input)', row: plain, query: (s) => `SELECT seq, strptime(name, '%Y') AS d FROM history WHERE seq = ${s}` },
    { name: 'an address as a date part (Conversion)', row: quoted, query: (s) => `SELECT seq, date_part(address, DATE '2000-01-01') AS p FROM history WHERE seq = ${s}` },
    { name: 'a name raised by error(), unquoted (Invalid Input)', row: plain, query: (s) => `SELECT seq, CASE WHEN seq > 0 THEN error(name) END AS e FROM history WHERE seq = ${s}` },
  ];
  it.each(cases)('$name', async ({ row, query }) => {
    const dir = fixture({ 'history.csv': sampleBytes().history, 'pipeline.yaml': sqlPipeline(query(row.seq)) });
    const r = await runCli(['run', 'pipeline.yaml', '--database', 'duckdb'], dir);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/^pipeline\.yaml:\d+:\d+: stage "broken": .* \((Conversion|Invalid Input) Error\)$/mu);
    expect(r.err).not.toMatch(/unexpected error/u);
    const personal = [...personalValuesOf(row), ...row.address.split(/[\u3000",]/u).filter((p) => [...p].length >= 2)];
    expect(leaksIn(r.err, personal), r.err).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'out')), 'nothing written').toBe(false);
  });

  it('error() with a message of the SQL\'s own: the message is shown', async () => {
    const dir = fixture({ 'history.csv': sampleBytes().history, 'pipeline.yaml': sqlPipeline("SELECT seq, error('history is not empty') AS e FROM history") });
    const r = await runCli(['run', 'pipeline.yaml', '-q', '--database', 'duckdb'], dir);
    expect(r).toEqual({ code: 1, out: '', err: 'pipeline.yaml:9:3: stage "broken": history is not empty (Invalid Input Error)\n' });
  });

  it('a source value DuckDB cannot hold (a numeric of more than 28 digits before the point): exit 1, the source named, the value cut out, no stack', async () => {
    const code = '1234567890'.repeat(3);
    const dir = fixture({
      'in.csv': `id,amount\n1,${code}\n`,
      'pipeline.yaml': 'params: { out_dir: out }\nsources:\n  src: { file: in.csv, columns: { id: integer, amount: numeric } }\nsinks:\n  a: { from: src, file: out/a.csv, order_by: [id] }\n',
    });
    const r = await runCli(['run', '-q', '--database', 'duckdb'], dir);
    expect(r).toEqual({ code: 1, out: '', err: 'etl: source src (in.csv): the database refused a value: Could not convert string "…" to DECIMAL(38,10) (Conversion Error); no output was changed\n' });
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });
});

describe.each(ENGINES)('other engine messages about data, on $name', ({ args }) => {
  it('a sink whose order_by ties on a name, a primary key on names: counts, not values', async () => {
    const personal = samplePersonalValues();
    const tie = fixture({
      'history.csv': sampleBytes().history,
      'pipeline.yaml': sqlPipeline('SELECT seq, name FROM history').replace('order_by: [seq]', 'order_by: [name]'),
    });
    const r1 = await runCli(['run', 'pipeline.yaml', ...args], tie);
    expect(r1.code, r1.err).toBe(1);
    expect(r1.err).toContain('does not identify each row');
    expect(leaksIn(r1.err, personal), r1.err).toEqual([]);

    const pk = fixture({
      'history.csv': sampleBytes().history,
      'pipeline.yaml': sqlPipeline('SELECT seq FROM history').replace('    encoding: cp932\n', '    encoding: cp932\n    primary_key: [name, address]\n'),
    });
    const r2 = await runCli(['run', 'pipeline.yaml', ...args], pk);
    expect(r2.code, r2.err).toBe(1);
    expect(r2.err).toMatch(/history\.csv:\d+:\d+: duplicate primary key \(name, address\)/u);
    expect(leaksIn(r2.err, personal), r2.err).toEqual([]);
  });

  it('a ts: transform that puts a name in an integer column: the database refuses it, the transform named, without the name, and without a stack', async () => {
    const personal = samplePersonalValues();
    const dir = fixture({
      'history.csv': sampleBytes().history,
      'name-as-count.ts': 'export default (row: { seq: number; name: string }) => ({ seq: row.seq, n: row.name });\n',
      'pipeline.yaml': sqlPipeline('SELECT seq, name FROM history').replace('    query: "SELECT seq, name FROM history"\n', '    ts: name-as-count.ts\n    columns: { seq: integer, n: integer }\n'),
    });
    const r = await runCli(['run', 'pipeline.yaml', ...args], dir);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/\netl: transform broken: the database refused a value: .+ \((SQLSTATE 22P02|Conversion Error)\); no output was changed\n$/u);
    expect(leaksIn(r.err, personal), r.err).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'out')), 'nothing written').toBe(false);
  });

  it('a check over a personal value that fails: its message does not repeat the value', async () => {
    // A check is meant to compare counts, but nothing stops a pipeline from comparing values;
    // the engine must then not print or record them (SPEC §2, issue 4: the manifest never holds a name).
    const personal = samplePersonalValues();
    const failing = fixture({
      'history.csv': sampleBytes().history,
      'pipeline.yaml': sqlPipeline('SELECT seq FROM history', `checks:\n  same_person:\n    equal:\n      first: SELECT min(name) FROM history\n      last: SELECT max(name) FROM history\nmanifest: \${out_dir}/manifest.json\n`),
    });
    const r1 = await runCli(['run', 'pipeline.yaml', ...args], failing);
    expect(r1.code, r1.err).toBe(1);
    expect(r1.err).toContain('check "same_person" failed');
    expect(leaksIn(r1.err, personal), r1.err).toEqual([]);
  });

  it('a check over a personal value that passes: neither the progress lines nor the manifest repeat the value', async () => {
    const personal = samplePersonalValues();
    const passing = fixture({
      'history.csv': sampleBytes().history,
      'pipeline.yaml': sqlPipeline('SELECT seq FROM history', `checks:\n  same_person:\n    equal:\n      a: SELECT min(address) FROM history\n      b: SELECT min(address) FROM history\nmanifest: \${out_dir}/manifest.json\n`),
    });
    const r2 = await runCli(['run', 'pipeline.yaml', ...args], passing);
    expect(r2.code, r2.err).toBe(0);
    expect.soft(leaksIn(r2.err, personal), r2.err).toEqual([]);
    const manifest = maskManifestNoise(fs.readFileSync(path.join(passing, 'out/manifest.json'), 'utf8'));
    expect.soft(leaksIn(manifest, personal), manifest).toEqual([]);
  });
});
