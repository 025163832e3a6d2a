import { escapeCopyText, parseCopyLine } from './copy-text.ts';
import { DatabaseError, type ColumnKind, type DatabaseErrorKind, type Row, type RowBatch, type TableColumn } from './driver.ts';

/**
 * PostgreSQL's type category and type as a {@link ColumnKind}: S string, B boolean, N numeric
 * (by type), D date/time (by type).
 */
export function pgKind(category: string, sqlType: string): ColumnKind {
  if (category === 'S') return 'text';
  if (category === 'B') return 'boolean';
  if (category === 'N') {
    if (sqlType === 'integer' || sqlType === 'smallint') return 'integer';
    if (sqlType === 'bigint') return 'bigint';
    if (sqlType === 'real' || sqlType === 'double precision') return 'float';
    return 'numeric';
  }
  if (category === 'D') return sqlType === 'date' ? 'date' : sqlType === 'timestamp without time zone' ? 'timestamp' : 'datetime';
  return 'other';
}

/** COPY's text format of checked rows: a tab between values, `\N` for NULL, an LF after each row. */
export function copyLines(batch: RowBatch, width: number): string {
  const v = batch.values;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    const text = x === null || x === undefined ? '\\N' : batch.plain ? x : escapeCopyText(x);
    out += (i + 1) % width === 0 ? `${text}\n` : `${text}\t`;
  }
  return out;
}

/** One line of COPY's text output as a row of plain values (see {@link Row}). */
export function copyRow(line: string, cols: readonly TableColumn[]): Row {
  const values = parseCopyLine(line);
  const row: Row = {};
  for (let i = 0; i < cols.length; i++) {
    const v = values[i] ?? null;
    const c = cols[i]!;
    if (v === null) row[c.name] = null;
    else if (c.kind === 'boolean') row[c.name] = v === 't';
    else if (c.kind === 'integer' || c.kind === 'float') row[c.name] = Number(v);
    else row[c.name] = v;
  }
  return row;
}

/** The SPEC's output form of a column: booleans as true/false, an empty text as an empty field (COPY would write `""`). */
export function csvOutput(c: TableColumn): string {
  const col = `"${c.name.replaceAll('"', '""')}"`;
  if (c.kind === 'boolean') return `CASE WHEN ${col} THEN 'true' WHEN NOT ${col} THEN 'false' END`;
  if (c.kind === 'text') return `NULLIF(${col}, '')`;
  return col;
}

/**
 * A pg error as a {@link DatabaseError}, its position moved into the caller's SQL (`prefix`
 * characters were put before it); anything that is not the server's answer (a socket's error, a
 * stream's) goes up as it is. SQLSTATE classes: 22/23 data, 42 and 0A the SQL, 53100 a full disk,
 * 57014 a cancel, 57P0x and 08 a lost server.
 */
export function pgError(e: unknown, prefix = 0): unknown {
  const err = e as { code?: unknown; severity?: unknown; message?: string; position?: string };
  if (typeof err?.code !== 'string' || typeof err.severity !== 'string' || !/^[0-9A-Z]{5}$/.test(err.code)) return e;
  const code = err.code;
  const kind: DatabaseErrorKind = /^2[23]/.test(code) ? 'data' : /^(42|0A)/.test(code) ? 'sql' : code === '53100' ? 'disk-full'
    : code === '57014' ? 'interrupted' : /^(57P0|08)/.test(code) ? 'lost' : 'other';
  const at = err.position ? Number(err.position) - prefix : undefined;
  return new DatabaseError(err.message ?? 'database error', code, kind, at !== undefined && at >= 1 ? at : undefined);
}
