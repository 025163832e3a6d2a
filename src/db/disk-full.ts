import os from 'node:os';
import { DatabaseError } from './driver.ts';

/**
 * True for an error of the database that says its disk filled up: PostgreSQL's `disk_full`
 * (SQLSTATE 53100, e.g. "could not extend file …"), as raised or as a stage's message quotes it,
 * or a server message quoting the system's "No space left on device". Not node's own ENOSPC
 * ("ENOSPC: no space left on device, write"): that is an output file's disk, not the database's.
 */
export function isDiskFull(e: unknown): boolean {
  if (e instanceof DatabaseError && e.kind === 'disk-full') return true;
  const err = e as { code?: unknown; message?: unknown } | null;
  if (err?.code === '53100') return true;
  return typeof err?.message === 'string' && /No space left on device|SQLSTATE 53100/.test(err.message);
}

/**
 * What to tell a person whose run filled a disk, `what` naming the stage or step (none: the
 * embedded PostgreSQL could not even be set up): for the embedded PostgreSQL or DuckDB, that the
 * run's folder in the temporary folder is full, and the ways out; for a server, that the server's disk is.
 */
export function diskFullMessage(what: string | undefined, database: 'embedded' | 'server' | 'duckdb'): string {
  const done = 'no output was changed';
  if (database === 'server') return `etl: ${what}: the database server is out of disk space (SQLSTATE 53100); ${done}`;
  if (database === 'duckdb') {
    return `etl: ${what}: DuckDB's folder in $TMPDIR (${os.tmpdir()}) is full (no space left on device); ${done}. Set TMPDIR to a folder with more room, or give DuckDB more memory (ETL_DUCKDB_MEMORY_LIMIT)`;
  }
  const full = `folder in $TMPDIR (${os.tmpdir()}) is full (no space left on device)`;
  const advice = 'Set TMPDIR to a folder with more room, or use a PostgreSQL server with --database postgres://…';
  return what ? `etl: ${what}: the embedded PostgreSQL's ${full}; ${done}. ${advice}` : `etl: cannot set up the embedded PostgreSQL: its ${full}; ${done}. ${advice}`;
}
