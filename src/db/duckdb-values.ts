import { duckdb } from './duckdb-api.ts';
import { DatabaseError, type ColumnKind, type DatabaseErrorKind, type TableColumn, type Value } from './driver.ts';
import { ident } from './sql-terms.ts';

/** DuckDB's type name as a {@link ColumnKind}. */
export function duckKind(type: string): ColumnKind {
  const t = type.toUpperCase();
  if (t === 'VARCHAR') return 'text';
  if (t === 'BOOLEAN') return 'boolean';
  if (/^(INTEGER|SMALLINT|TINYINT|UTINYINT|USMALLINT)$/.test(t)) return 'integer';
  if (/^(BIGINT|HUGEINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(t)) return 'bigint';
  if (t === 'DOUBLE' || t === 'FLOAT') return 'float';
  if (t.startsWith('DECIMAL')) return 'numeric';
  if (t === 'DATE') return 'date';
  if (t === 'TIMESTAMP') return 'timestamp';
  if (/^(TIME|INTERVAL|TIMESTAMP)/.test(t)) return 'datetime';
  return 'other';
}

/**
 * The type a pipeline names, as DuckDB should create it. Everything the built-in column types use is
 * DuckDB's too, but for `numeric`, whose default there (DECIMAL(18,3)) would round: DuckDB has no
 * unbounded decimal, so it is the widest with ten decimal places.
 */
export function duckType(sqlType: string): string {
  return /^\s*(numeric|decimal)\s*$/i.test(sqlType) ? 'DECIMAL(38,10)' : sqlType;
}

/** A value of a query's result as PostgreSQL's text output would give it (`t`/`f` for booleans, see {@link decimalText}), or null. */
export function textOf(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (v instanceof duckdb.DuckDBDecimalValue) return decimalText(v.toString());
  return String(v);
}

/**
 * A DECIMAL's text without the zeros its scale pads it with, nor a `.` left bare (`1.5000000000` →
 * `1.5`, `-3.0000000000` → `-3`): PostgreSQL prints a numeric at the scale of its own value, which for
 * a value written in its shortest form (`2.5`, not `2.50`) is this, and DuckDB's `numeric` is
 * DECIMAL(38,10), which prints all ten places.
 */
export function decimalText(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** {@link decimalText} in DuckDB's SQL, of a VARCHAR expression. */
function decimalSql(text: string): string {
  return `CASE WHEN contains(${text}, '.') THEN rtrim(rtrim(${text}, '0'), '.') ELSE ${text} END`;
}

/** A value as a ts: transform sees it (see {@link Value}), by the column's kind. */
export function valueOf(v: unknown, kind: ColumnKind): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (kind === 'integer' || kind === 'float') return Number(v);
  if (kind === 'numeric') return decimalText(String(v));
  return String(v);
}

/**
 * A column's SPEC §3 CSV field, computed by DuckDB: never NULL; an empty text, like NULL, an
 * empty field; quoted only when it holds `,` `"` CR or LF; booleans true/false, numerics without
 * the zeros of their DECIMAL's scale (see {@link decimalText}), dates and timestamps as VARCHAR casts
 * give them (ISO). DuckDB's own CSV writer cannot be told to leave
 * `#` unquoted, nor to write an empty text as an empty field, so the line is made here.
 */
export function csvField(c: TableColumn, table: string): string {
  const col = `${ident(table)}.${ident(c.name)}`;
  if (c.kind === 'boolean') return `CASE WHEN ${col} THEN 'true' WHEN NOT ${col} THEN 'false' ELSE '' END`;
  const text = c.kind === 'text' ? col : c.kind === 'numeric' ? decimalSql(`CAST(${col} AS VARCHAR)`) : `CAST(${col} AS VARCHAR)`;
  if (c.kind !== 'text' && c.kind !== 'other') return `coalesce(${text}, '')`;
  const special = `contains(${text}, ',') OR contains(${text}, '"') OR contains(${text}, chr(13)) OR contains(${text}, chr(10))`;
  return `CASE WHEN ${text} IS NULL THEN '' WHEN ${special} THEN '"' || replace(${text}, '"', '""') || '"' ELSE ${text} END`;
}

/** A header or value quoted as SPEC §3 asks (only where it holds `,` `"` CR or LF). */
export function csvQuote(text: string): string {
  return /[,"\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A DuckDB error as a {@link DatabaseError}, from its JSON form (the instance runs with
 * `errors_as_json`), its 0-based position moved into the caller's SQL (`prefix` characters were put
 * before it). Conversion, constraint and CSV errors are the data's; parser, binder and catalog errors
 * the SQL's; an interruption and a full disk are said as such.
 */
export function duckError(e: unknown, prefix = 0): unknown {
  const message = (e as { message?: unknown })?.message;
  if (typeof message !== 'string') return e;
  const at = message.indexOf('{"exception_type"');
  let info: { exception_type?: string; exception_message?: string; position?: string } | undefined;
  if (at >= 0) {
    try {
      info = JSON.parse(message.slice(at)) as typeof info;
    } catch {
      info = undefined;
    }
  }
  // The Appender says a value it cannot convert without a type or JSON: it is the data's, as a cast's would be.
  const type = info?.exception_type ?? /^(\w+(?: \w+)?) Error:/.exec(message)?.[1] ?? (/^Could not convert /.test(message) ? 'Conversion' : '');
  if (!info && !type) return e;
  const text = (info?.exception_message ?? message).split('\n')[0]!.trim();
  // Past its memory limit DuckDB spills to the run's folder, up to nearly all the room its disk has
  // (max_temp_directory_size): when that is used up it cannot "offload" a block, the disk is full.
  const full = (/No space left on device|could not write/i.test(text) && /IO|Out of Memory/i.test(type)) || (/^Out of Memory$/i.test(type) && /failed to offload/i.test(text));
  const kind: DatabaseErrorKind = full ? 'disk-full'
    : /^(Conversion|Constraint|Invalid Input|Out of Range)$/i.test(type) ? 'data'
    : /^(Parser|Binder|Catalog|Syntax|Not implemented|Dependency)$/i.test(type) ? 'sql'
    : /^INTERRUPT$/i.test(type) || /Interrupted/.test(text) ? 'interrupted'
    : /^Connection$/i.test(type) ? 'lost' : 'other';
  const position = info?.position !== undefined ? Number(info.position) + 1 - prefix : undefined;
  return new DatabaseError(text, `${type} Error`, kind, position !== undefined && position >= 1 ? position : undefined);
}
