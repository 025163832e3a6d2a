/** A database the end-to-end tests run on, with the command-line arguments that select it. */
export interface Backend {
  readonly name: string;
  /** What a golden case's `engines` file names it: `postgres` (embedded or server) or `duckdb`. */
  readonly engine: 'postgres' | 'duckdb';
  readonly available: boolean;
  readonly args: readonly string[];
}

const serverUrl = process.env['ETL_TEST_DATABASE_URL'];

if (!serverUrl) {
  // Visible on purpose: a skipped backend must never look like a passed one.
  console.warn('ETL_TEST_DATABASE_URL is not set: the tests on a PostgreSQL server are SKIPPED (only the embedded database and DuckDB run).');
}

/** The embedded PostgreSQL and DuckDB (in memory) always; the server given by ETL_TEST_DATABASE_URL when set. */
export function databaseBackends(): Backend[] {
  return [
    { name: 'embedded PostgreSQL', engine: 'postgres', available: true, args: [] },
    { name: 'PostgreSQL server (ETL_TEST_DATABASE_URL)', engine: 'postgres', available: Boolean(serverUrl), args: serverUrl ? ['--database', serverUrl] : [] },
    { name: 'DuckDB', engine: 'duckdb', available: true, args: ['--database', 'duckdb'] },
  ];
}
