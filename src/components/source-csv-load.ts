import { once } from 'node:events';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { SourceStage } from '../config/pipeline.ts';
import { decodeRegions, scanRecords, type TextRecord } from '../csv/text-records.ts';
import { isMalformed, positionIn, splitFields, type Malformed } from '../csv/split-fields.ts';
import { LIST_LIMIT, type InvalidRows } from '../engine/invalid-rows.ts';
import { ident, type RunContext } from '../engine/run-context.ts';
import { EtlError } from '../errors.ts';
import { isInvalid } from '../types/column-type.ts';
import type { FileReport, StageReport } from './component.ts';
import { verifyAgainstManifest } from '../engine/manifest.ts';
import { loadVerified } from './source-csv-verified.ts';
import { escapeCopyText, hasCopySpecial } from './copy-text.ts';
import { KeyWatch } from './key-watch.ts';

const UTF8_BOM = '\uFEFF';
/** The column holding each row's line when the pipeline did not ask for one. */
export const HIDDEN_LINE = 'etl_line';
/**
 * Rows handed to COPY per chunk, and bytes read per chunk. Both keep every string the load makes
 * below V8's large-object size (128 KiB), so they die young in the scavenged space: with 1 MiB
 * reads and 2000-row batches the load was slower and node's peak RSS 270 MB instead of 170 MB.
 */
const BATCH_ROWS = 500;
const READ_BYTES = 1 << 16;
/**
 * A chunk also ends at this many characters, so that 500 long records (up to the record limit
 * each) never make one huge string; rows of the usual few hundred characters never reach it.
 */
const BATCH_CHARS = 1 << 17;

/**
 * Streams a CSV file into a typed table: decoded strictly in large regions, split into records,
 * checked column by column, and sent to PostgreSQL with `COPY … FROM STDIN`. Invalid rows
 * are listed (fail) or written to the rejects file (reject); they never reach the table.
 */
export async function loadCsv(stage: SourceStage, rt: RunContext): Promise<StageReport> {
  if (stage.verify) {
    const verified = await loadVerified(stage, rt);
    if (verified) return verified;
  }
  const cols = stage.columns;
  const tableColumns = cols.map((c) => `${ident(c.name)} ${c.type.sqlType(c.options)}`);
  // A primary key and rules are checked by line, so the lines are loaded even when no line_column is asked for.
  const lineColumn = stage.lineColumn ?? (stage.primaryKey || stage.rules.length > 0 ? HIDDEN_LINE : undefined);
  if (lineColumn) tableColumns.push(`${ident(lineColumn)} integer`);
  await rt.driver.query(`CREATE UNLOGGED TABLE ${ident(stage.id)} (${tableColumns.join(', ')})`);
  let sha256: string | undefined;

  const file = stage.file;
  const rejects = stage.onInvalid === 'reject' ? rt.outputs.open(stage.rejectsFile!) : undefined;
  // The primary key's columns, where each sits among the declared ones, and a watch that may spare its check.
  const keyColumns = (stage.primaryKey ?? []).map((name) => cols.find((c) => c.name === name)!);
  const keyWatch = stage.primaryKey ? KeyWatch.for(keyColumns) : undefined;
  const keySlot = cols.map((c) => keyColumns.indexOf(c));
  const keyValues: (string | null)[] = keyColumns.map(() => null);
  let header: string[] | undefined;
  let indexes: number[] = [];
  let read = 0;
  let rejected = 0;
  const rejectedBy = new Map<string, number>();

  const problem = (line: number, col: number | undefined, message: string, rowProblems: string[], first: boolean) => {
    rowProblems.push(message);
    if (!rejects) rt.invalid.add(stage.id, { file, line, col }, message, first);
  };

  async function* rows(): AsyncGenerator<string> {
    let batch: string[] = [];
    let batchChars = 0;
    const size = fs.statSync(file).size;
    const started = Date.now();
    let lastDrawn = 0;
    const onChunk = (bytes: number) => {
      const now = Date.now();
      if (now - lastDrawn < 200) return;
      lastDrawn = now;
      const rate = Math.round(read / Math.max(0.001, (now - started) / 1000));
      rt.log.progress(`etl: source ${stage.id}: ${mib(bytes)} of ${mib(size)} MiB, ${read} rows, ${rate} rows/s`);
    };
    const bytes = counted(fs.createReadStream(file, { highWaterMark: READ_BYTES }), onChunk);
    const regions = decodeRegions(bytes, stage.encoding, (hex) => (sha256 = hex));
    for await (const records of scanRecords(regions, { delimiter: stage.delimiter, maxRecordBytes: stage.maxRecordBytes, encoding: stage.encoding })) {
      for (const raw of records) {
        // The rest of the file cannot be split reliably after such a record, so the run stops here, even with on_invalid: reject.
        if (raw.tooLong) throw tooLong(stage, raw, rejects ? undefined : rt.invalid);
        if (!header) {
          header = parseHeader(raw, stage);
          indexes = cols.map((c) => header!.indexOf(c.name));
          if (rejects) rejects.write(stringify([[...header, 'line', 'reason']]));
          continue;
        }
        read++;
        const rowProblems: string[] = [];
        let fields: string[] | undefined;
        if (raw.unclosed) {
          problem(raw.line, 1, 'malformed CSV: a quoted field is never closed (it runs to the end of the file)', rowProblems, true);
        } else if (raw.badAt !== undefined) {
          problem(raw.line, raw.badAt + 1, `bytes that are not valid ${stage.encoding}`, rowProblems, true);
        } else if (!raw.plain && raw.text.includes('\0')) {
          const at = positionIn(raw.text, raw.line, raw.text.indexOf('\0'));
          problem(at.line, at.col, 'a NUL byte', rowProblems, true);
        } else {
          // Without a quote the fields are the text between delimiters; only a quote needs the full reader.
          const split: Malformed | { values: string[]; starts?: number[] } = !raw.plain && raw.text.includes('"')
            ? splitFields(raw.text, stage.delimiter)
            : { values: raw.text.split(stage.delimiter) };
          if (isMalformed(split)) {
            const at = positionIn(raw.text, raw.line, split.at);
            problem(at.line, at.col, `malformed CSV: ${split.malformed}`, rowProblems, true);
          } else if (split.values.length !== header.length) {
            problem(raw.line, 1, `expected ${header.length} fields, found ${split.values.length}`, rowProblems, true);
            fields = split.values;
          } else {
            fields = split.values;
            // A field's own text needs escaping for COPY only when the record holds a special character.
            const special = !raw.plain && hasCopySpecial(raw.text);
            let out = '';
            for (let k = 0; k < cols.length; k++) {
              const col = cols[k]!;
              const text = fields[indexes[k]!]!;
              let value: string;
              if (text === '') {
                if (col.required) {
                  const at = fieldPosition(raw, split.starts, indexes[k]!, stage.delimiter);
                  problem(at.line, at.col, `column "${col.name}": empty, but required`, rowProblems, rowProblems.length === 0);
                }
                value = '\\N';
                if (keySlot[k]! >= 0) keyValues[keySlot[k]!] = null;
              } else {
                const parsed = col.type.parse(text, col.options);
                if (isInvalid(parsed)) {
                  const at = fieldPosition(raw, split.starts, indexes[k]!, stage.delimiter);
                  problem(at.line, at.col, `column "${col.name}" (${col.type.name}): ${parsed.invalid}`, rowProblems, rowProblems.length === 0);
                  value = '';
                } else {
                  value = parsed === text && !special ? text : escapeCopyText(parsed);
                  if (keySlot[k]! >= 0) keyValues[keySlot[k]!] = parsed;
                }
              }
              out += k === 0 ? value : `\t${value}`;
            }
            if (rowProblems.length === 0) {
              keyWatch?.next(keyValues);
              const row = lineColumn ? `${out}\t${raw.line}` : out;
              batch.push(row);
              batchChars += row.length;
              if (batch.length >= BATCH_ROWS || batchChars >= BATCH_CHARS) {
                yield `${batch.join('\n')}\n`;
                batch = [];
                batchChars = 0;
              }
            }
          }
        }
        if (rowProblems.length > 0 && rejects) {
          rejected++;
          for (const rule of new Set(rowProblems)) rejectedBy.set(rule, (rejectedBy.get(rule) ?? 0) + 1);
          const original = fields ?? [];
          const padded = header.map((_, k) => original[k] ?? '');
          // Waits while the file is behind, so that a file of bad rows cannot fill memory.
          if (!rejects.write(stringify([[...padded, String(raw.line), rowProblems.join('; ')]]))) await once(rejects, 'drain');
        }
      }
    }
    if (!header) throw new EtlError('failed', [{ pos: { file, line: 1, col: 1 }, message: `source "${stage.id}": the file is empty (no header row)` }]);
    if (batch.length > 0) yield `${batch.join('\n')}\n`;
  }

  const loaded = await rt.driver.copyIn(`COPY ${ident(stage.id)} FROM STDIN`, Readable.from(rows(), { objectMode: false }));
  if (rejects) await new Promise<void>((resolve, reject) => rejects.end((err?: Error | null) => (err ? reject(err) : resolve())));
  if (stage.primaryKey && !keyWatch?.unique) await checkPrimaryKey(stage, lineColumn!, rt);
  // With rules, the lines are needed until the rules have been checked (see engine/rules.ts).
  if (lineColumn === HIDDEN_LINE && stage.rules.length === 0) await rt.driver.query(`ALTER TABLE ${ident(stage.id)} DROP COLUMN ${ident(HIDDEN_LINE)}`);
  // Statistics now, so that the transforms are planned for the table's real size and values.
  await rt.driver.query(`ANALYZE ${ident(stage.id)}`);
  if (sha256 === undefined) throw new Error(`source "${stage.id}": the file was not read to its end`);
  if (stage.verify) verifyAgainstManifest(stage, sha256);
  const files: FileReport[] = [{ role: 'input', stage: stage.id, path: file, rows: read, sha256 }];
  if (rejects) files.push({ role: 'output', stage: stage.id, path: stage.rejectsFile!, rows: rejected });
  const byRule = rejects ? { rejectedBy: Object.fromEntries([...rejectedBy].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) } : {};
  return { rows: loaded, counts: rejects ? { read, rejected } : { read }, files, ...byRule };
}

/**
 * A record past the limit ends the run at its line: with on_invalid: fail, after the rows
 * found invalid so far (`invalid`), which are real problems too.
 */
function tooLong(stage: SourceStage, raw: TextRecord, invalid: InvalidRows | undefined): EtlError {
  const rest = `(the source's limit; max_record_bytes raises it); the rest of the file is not read`;
  const message = raw.tooLong === 'quoted'
    ? `source "${stage.id}": a record runs past ${stage.maxRecordBytes} bytes inside a quoted field: is its closing quote missing? ${rest}`
    : `source "${stage.id}": a record longer than ${stage.maxRecordBytes} bytes ${rest}`;
  const diagnostic = { pos: { file: stage.file, line: raw.line, col: 1 }, message };
  return new EtlError('failed', invalid?.any ? [...invalid.diagnostics(), diagnostic] : [diagnostic]);
}

function parseHeader(record: TextRecord, stage: SourceStage): string[] {
  const file = stage.file;
  const line = record.line;
  if (record.badAt !== undefined) throw new EtlError('failed', [{ pos: { file, line, col: record.badAt + 1 }, message: `header: bytes that are not valid ${stage.encoding}` }]);
  const text = record.text.startsWith(UTF8_BOM) ? record.text.slice(1) : record.text;
  const split = splitFields(text, stage.delimiter);
  if (isMalformed(split)) throw new EtlError('failed', [{ pos: { file, line, col: split.at + 1 }, message: `header: malformed CSV: ${split.malformed}` }]);
  const names = split.values;
  const problems = stage.columns
    .filter((c) => !names.includes(c.name))
    .map((c) => ({ pos: { file, line, col: 1 }, message: `source "${stage.id}": the header has no column "${c.name}"` }));
  for (const c of stage.columns) {
    if (names.indexOf(c.name) !== names.lastIndexOf(c.name)) {
      problems.push({ pos: { file, line, col: split.starts[names.lastIndexOf(c.name)]! + 1 }, message: `source "${stage.id}": the header has column "${c.name}" twice` });
    }
  }
  if (problems.length > 0) throw new EtlError('failed', problems);
  return names;
}

/** Passes chunks through, reporting the bytes read so far. */
async function* counted(chunks: AsyncIterable<Buffer>, onChunk: (bytesSoFar: number) => void): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += chunk.length;
    onChunk(bytes);
    yield chunk;
  }
}

const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

/** Line and column where field `index` of a record starts; `starts` is found again when the fast split skipped it. */
function fieldPosition(raw: TextRecord, starts: number[] | undefined, index: number, delimiter: string): { line: number; col: number } {
  const found = starts ?? (splitFields(raw.text, delimiter) as { starts: number[] }).starts;
  return positionIn(raw.text, raw.line, found[index]!);
}

/** Every row whose key repeats an earlier row's is a problem at its line, naming the first line. No key value is printed. */
async function checkPrimaryKey(stage: SourceStage, lineColumn: string, rt: RunContext): Promise<void> {
  const keys = stage.primaryKey!.map(ident).join(', ');
  const line = ident(lineColumn);
  const dupes = await rt.driver.query(
    `SELECT line, first, count(*) OVER () AS total
       FROM (SELECT ${line} AS line, first_value(${line}) OVER (PARTITION BY ${keys} ORDER BY ${line}) AS first FROM ${ident(stage.id)}) d
      WHERE line <> first ORDER BY line LIMIT ${LIST_LIMIT}`,
  );
  const what = `duplicate primary key (${stage.primaryKey!.join(', ')})`;
  // Which of two rows with one key is the right one cannot be decided, so duplicates fail the run
  // even with on_invalid: reject.
  for (const r of dupes.rows) rt.invalid.add(stage.id, { file: stage.file, line: Number(r['line']), col: 1 }, `${what}: the same as line ${r['first']}`, true, 'duplicate');
  const total = Number(dupes.rows[0]?.['total'] ?? 0);
  if (total > dupes.rows.length) rt.invalid.addUnlisted(stage.id, total - dupes.rows.length, 'duplicate');
}
