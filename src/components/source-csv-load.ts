import { once } from 'node:events';
import fs from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import type { SourceStage } from '../config/pipeline.ts';
import { decodeRegions, scanRecords, type TextRecord } from '../csv/text-records.ts';
import { isMalformed, splitFields } from '../csv/split-fields.ts';
import type { RowBatch } from '../db/driver.ts';
import { LIST_LIMIT, type InvalidRows } from '../engine/invalid-rows.ts';
import { ident, type RunContext } from '../engine/run-context.ts';
import { EtlError } from '../errors.ts';
import type { FileReport, StageReport } from './component.ts';
import { verifyAgainstManifest } from '../engine/manifest.ts';
import { loadVerified } from './source-csv-verified.ts';
import { RecordChecker } from './record-check.ts';
import { chunked, loadInChunks } from './source-csv-chunks.ts';
import { KeyWatch } from './key-watch.ts';

const UTF8_BOM = '\uFEFF';
/** The column holding each row's line when the pipeline did not ask for one. */
export const HIDDEN_LINE = 'etl_line';
/**
 * Rows handed to the database per batch, and bytes read per chunk. Both keep every string the load makes
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
 * checked column by column, and handed to the database in batches as they are checked. Invalid rows
 * are listed (fail) or written to the rejects file (reject); they never reach the table.
 */
export async function loadCsv(stage: SourceStage, rt: RunContext): Promise<StageReport> {
  if (stage.verify) {
    const verified = await loadVerified(stage, rt);
    if (verified) return verified;
  }
  const cols = stage.columns;
  // A primary key and rules are checked by line, so the lines are loaded even when no line_column is asked for.
  const lineColumn = stage.lineColumn ?? (stage.primaryKey || stage.rules.length > 0 ? HIDDEN_LINE : undefined);
  const tableColumns = cols.map((c) => ({ name: c.name, sqlType: c.type.sqlType(c.options) }));
  if (lineColumn) tableColumns.push({ name: lineColumn, sqlType: 'integer' });
  await rt.driver.createTable(stage.id, tableColumns);
  let sha256: string | undefined;

  const file = stage.file;
  const rejects = stage.onInvalid === 'reject' ? rt.outputs.open(stage.rejectsFile!) : undefined;
  // The primary key's columns, where each sits among the declared ones, and a watch that may spare its check.
  const keyColumns = (stage.primaryKey ?? []).map((name) => cols.find((c) => c.name === name)!);
  const keyWatch = stage.primaryKey ? KeyWatch.for(keyColumns) : undefined;
  const keyAt = keyColumns.map((c) => cols.indexOf(c));
  const keyValues: (string | null)[] = keyColumns.map(() => null);
  let header: string[] | undefined;
  let checker: RecordChecker | undefined;
  let read = 0;
  let rejected = 0;
  const rejectedBy = new Map<string, number>();
  const width = cols.length + (lineColumn ? 1 : 0);

  async function* rows(): AsyncGenerator<RowBatch> {
    let batch: (string | null)[] = [];
    let plain = true;
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
          checker = new RecordChecker(cols, header, stage.delimiter, stage.encoding);
          if (rejects) rejects.write(stringify([[...header, 'line', 'reason']]));
          continue;
        }
        read++;
        if (checker!.check(raw)) {
          const values = checker!.values;
          if (keyWatch) {
            for (let k = 0; k < keyAt.length; k++) keyValues[k] = values[keyAt[k]!]!;
            keyWatch.next(keyValues);
          }
          for (let k = 0; k < values.length; k++) batch.push(values[k]!);
          if (lineColumn) batch.push(String(raw.line));
          plain &&= checker!.plain;
          batchChars += raw.text.length;
          if (batch.length >= BATCH_ROWS * width || batchChars >= BATCH_CHARS) {
            yield { values: batch, plain };
            batch = [];
            plain = true;
            batchChars = 0;
          }
          continue;
        }
        const problems = checker!.problems;
        if (!rejects) {
          for (const [i, p] of problems.entries()) rt.invalid.add(stage.id, { file, line: p.line, col: p.col }, p.message, i === 0);
          continue;
        }
        rejected++;
        for (const rule of new Set(problems.map((p) => p.message))) rejectedBy.set(rule, (rejectedBy.get(rule) ?? 0) + 1);
        const original = checker!.fields ?? [];
        const padded = header.map((_, k) => original[k] ?? '');
        // Waits while the file is behind, so that a file of bad rows cannot fill memory.
        if (!rejects.write(stringify([[...padded, String(raw.line), problems.map((p) => p.message).join('; ')]]))) await once(rejects, 'drain');
      }
    }
    if (!header) throw emptyFile(stage);
    if (batch.length > 0) yield { values: batch, plain };
  }

  let loaded: number;
  if (chunked(stage, rt)) {
    const done = await loadInChunks(stage, rt, {
      table: stage.id, columns: tableColumns.map((c) => c.name), withLine: lineColumn !== undefined, rejects, keyWatch, keyAt,
      header: (raw) => parseHeader(raw, stage), tooLong: (raw) => tooLong(stage, raw, rejects ? undefined : rt.invalid), empty: () => emptyFile(stage),
    });
    ({ loaded, read, rejected, sha256 } = done);
    for (const [rule, n] of done.rejectedBy) rejectedBy.set(rule, n);
  } else loaded = await rt.driver.load(stage.id, tableColumns.map((c) => c.name), rows());
  if (rejects) await new Promise<void>((resolve, reject) => rejects.end((err?: Error | null) => (err ? reject(err) : resolve())));
  if (stage.primaryKey && !keyWatch?.unique) await checkPrimaryKey(stage, lineColumn!, rt);
  // With rules, the lines are needed until the rules have been checked (see engine/rules.ts).
  if (lineColumn === HIDDEN_LINE && stage.rules.length === 0) await rt.driver.dropColumn(stage.id, HIDDEN_LINE);
  // Statistics now, so that the transforms are planned for the table's real size and values.
  await rt.driver.analyze(stage.id);
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

function emptyFile(stage: SourceStage): EtlError {
  return new EtlError('failed', [{ pos: { file: stage.file, line: 1, col: 1 }, message: `source "${stage.id}": the file is empty (no header row)` }]);
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
