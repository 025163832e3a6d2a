import type { Readable, Writable } from 'node:stream';

/** Rows of a query, each value as PostgreSQL's text output (never a JS Date), or null. */
export interface QueryResult {
  readonly rows: Record<string, string | null>[];
  readonly rowCount: number;
}

/**
 * The one interface between the engine and a database. Everything above it is the same
 * whichever PostgreSQL runs underneath; only files in `src/db/` import `pg`, `knex` or the
 * embedded engine. Every statement runs in the run's own schema.
 */
export interface Driver {
  /** What runs the SQL, for progress lines: never holds a password. */
  readonly description: string;
  /** Runs one statement; `params` are bound to `$1`, `$2`…, never pasted into the text. */
  query(sql: string, params?: readonly unknown[]): Promise<QueryResult>;
  /** Runs `COPY … FROM STDIN`, feeding it `source`; resolves with the rows copied. */
  copyIn(sql: string, source: Readable): Promise<number>;
  /** Runs `COPY … TO STDOUT` into `sink`; resolves with the rows copied once `sink` has finished. */
  copyOut(sql: string, sink: Writable): Promise<number>;
  /** Drops the run's schema and closes every connection; safe to call twice. */
  close(): Promise<void>;
}
