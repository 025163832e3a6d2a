import type { Writable } from 'node:stream';

/** Rows of a query, each value as PostgreSQL's text output (never a JS Date), or null. */
export interface QueryResult {
  readonly rows: Record<string, string | null>[];
  readonly rowCount: number;
}

/**
 * What a column holds, whatever the engine calls its type: how a ts: transform sees its values,
 * how a sink writes them and sorts by them, and whether count_by may show them.
 */
export type ColumnKind = 'text' | 'boolean' | 'integer' | 'bigint' | 'numeric' | 'float' | 'date' | 'timestamp' | 'datetime' | 'other';

/** A column of a table as the database has it. */
export interface TableColumn {
  readonly name: string;
  /** The engine's own name of the type, usable in that engine's `CREATE TABLE`. */
  readonly sqlType: string;
  readonly kind: ColumnKind;
}

/** A column to create: its name and a SQL type (a column type's `sqlType`, or a {@link TableColumn}'s). */
export interface ColumnDef {
  readonly name: string;
  readonly sqlType: string;
}

/** A value as a ts: transform sees it: text, integer as number, bigint and numeric as text, date and timestamp as ISO text. */
export type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

/**
 * Checked rows on their way into a table: `values` holds whole rows one after the other, each
 * value in the text form a column type's `parse` returns (ISO dates, `true`/`false`), null for NULL.
 */
export interface RowBatch {
  readonly values: readonly (string | null)[];
  /** True when no value holds a backslash, tab, CR or LF, so that a bulk format need not escape any. */
  readonly plain: boolean;
}

/**
 * Checked rows that worker threads wrote to a file of the run's scratch folder (see
 * {@link Driver.scratchDir}): RFC 4180 CSV without a header, `,`-separated, quoted where a value
 * holds `,` `"` CR or LF, an empty field NULL (a checked value is never an empty text). When the
 * table has a line column, the file's last field is the line counted from the chunk's start.
 */
export interface RowFile {
  readonly path: string;
  /** Added to the file's last field: the physical line before the chunk's first. */
  readonly lineBase?: number;
  /** The longest line the file may hold. */
  readonly maxLineBytes: number;
}

/** How a load gets its rows. */
export type LoadSource = AsyncIterable<RowBatch> | AsyncIterable<RowFile>;

/**
 * The one interface between the engine and a database: the engine's own verbs (create a table
 * from columns or from a query, load checked rows, describe, read rows out, write a table as SPEC
 * §3 CSV), plus `query` for a pipeline's own SQL, which must be in what the engines have in
 * common. Everything above it is the same whichever engine runs underneath; only files in `src/db/`
 * import `pg`, `knex`, DuckDB or the embedded PostgreSQL. Every table lives in the run's own
 * schema. A database's refusal surfaces as a {@link DatabaseError}.
 */
export interface Driver {
  /** What runs the SQL, for progress lines and the manifest: never holds a password. */
  readonly description: string;
  /**
   * How sources are best checked: `stream` on the main thread while the database reads what was
   * checked before (a server has a core of its own), or `files` in worker threads into checked files
   * of {@link scratchDir} that the database reads itself (the engine runs inside this process).
   */
  readonly loadStyle: 'stream' | 'files';
  /**
   * Stages whose statements run at once: two on PostgreSQL, where a statement mostly keeps one core
   * busy; one on DuckDB, whose every statement already spreads over all the cores.
   */
  readonly stagesAtOnce: number;
  /** A folder of the run's own (0700, removed with the run) for checked files; set when {@link loadStyle} is `files`. */
  readonly scratchDir?: string;
  /** Runs one statement; `params` are bound to `$1`, `$2`…, never pasted into the text. */
  query(sql: string, params?: readonly unknown[]): Promise<QueryResult>;
  /** Creates an empty table. */
  createTable(table: string, columns: readonly ColumnDef[]): Promise<void>;
  /** Creates a table from a query's rows; resolves with their count. A position in an error is one in `sql`. */
  createTableAs(table: string, sql: string, params?: readonly unknown[]): Promise<number>;
  dropTable(table: string): Promise<void>;
  dropColumn(table: string, column: string): Promise<void>;
  /** Gathers statistics, so that later queries are planned for the table's real size. */
  analyze(table: string): Promise<void>;
  /** The table's columns, in order; empty when there is no such table. */
  describe(table: string): Promise<TableColumn[]>;
  /** Appends checked rows to `columns` of `table`; resolves with the rows loaded. */
  load(table: string, columns: readonly string[], batches: AsyncIterable<RowBatch>): Promise<number>;
  /**
   * Appends the checked rows of files in the order given, each read as soon as it comes; there
   * when {@link loadStyle} is `files`. Resolves with the rows loaded.
   */
  loadFiles?(table: string, columns: readonly string[], files: AsyncIterable<RowFile>): Promise<number>;
  /**
   * Loads a CSV file as the database's own reader reads it (a header naming `columns`, then
   * RFC 4180 rows); a value it refuses is a {@link DatabaseError} of kind `data`.
   */
  loadCsv(table: string, columns: readonly string[], bytes: AsyncIterable<Buffer>): Promise<number>;
  /** The rows of a table, in batches, sorted by `orderBy` (text by code point, NULLs last) when given. */
  readRows(table: string, orderBy?: readonly TableColumn[]): AsyncGenerator<Row[]>;
  /**
   * Writes `columns` of `table` to `sink` as SPEC §3 CSV (a header; quoting only where a field
   * holds `,` `"` CR or LF; NULL and the empty text as an empty field; booleans true/false; ISO
   * dates and timestamps), rows sorted by `orderBy`; resolves with the rows once `sink` has finished.
   */
  writeCsv(table: string, columns: readonly TableColumn[], orderBy: readonly TableColumn[], sink: Writable): Promise<number>;
  /** Drops the run's schema (or database) and closes every connection; a second call waits for the first. */
  close(): Promise<void>;
}

/** What a database error is about, whatever its engine's codes. */
export type DatabaseErrorKind = 'sql' | 'data' | 'lost' | 'disk-full' | 'interrupted' | 'other';

/**
 * A statement the database refused or could not finish. `message` is the database's own, which
 * may quote a value: show it only through `redactDbMessage`.
 */
export class DatabaseError extends Error {
  /** The engine's code: PostgreSQL's SQLSTATE, or DuckDB's error type. */
  readonly code: string;
  readonly kind: DatabaseErrorKind;
  /** 1-based character position in the SQL the caller gave, where the database found the problem. */
  readonly position?: number;

  constructor(message: string, code: string, kind: DatabaseErrorKind, position?: number) {
    super(message);
    this.name = 'DatabaseError';
    this.code = code;
    this.kind = kind;
    if (position !== undefined) this.position = position;
  }
}
