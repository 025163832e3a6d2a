import { randomBytes } from 'node:crypto';
import type { Driver } from './driver.ts';

export interface OpenOptions {
  /**
   * When aborted (a signal), the run's work in the database stops at once, so that the run fails
   * fast: an embedded PostgreSQL is stopped; on a server, the run's running statements are cancelled.
   */
  readonly signal?: AbortSignal;
}

/** DuckDB's memory limit unless ETL_DUCKDB_MEMORY_LIMIT says otherwise: with node's own share, a run stays under 2.5 GB. */
export const DEFAULT_DUCKDB_MEMORY_LIMIT = '1.5GB';

/** Which kind of database a `--database` value names (undefined: the embedded PostgreSQL). */
export function databaseKind(url: string | undefined): 'embedded' | 'server' | 'duckdb' {
  if (!url) return 'embedded';
  return url === 'duckdb' || url.startsWith('duckdb:') ? 'duckdb' : 'server';
}

/** How the database at `url` will take loaded rows (its driver's {@link Driver.loadStyle}), known before it is open. */
export function loadStyleOf(url: string | undefined): Driver['loadStyle'] {
  return databaseKind(url) === 'duckdb' ? 'files' : 'stream';
}

/**
 * Opens the database a run works in: `duckdb` (in memory) or `duckdb:PATH` (a file); the server at
 * a `postgres://` URL; else a fresh embedded PostgreSQL that is stopped and removed when the driver
 * closes. Only the engine that runs is loaded: DuckDB's native library, or knex and pg, each take
 * a tenth of a second or more of every start.
 */
export async function openDatabase(url?: string, options: OpenOptions = {}): Promise<Driver> {
  if (url && databaseKind(url) === 'duckdb') {
    const path = url.slice('duckdb:'.length) || undefined;
    const { DuckDbDriver } = await import('./duckdb-driver.ts');
    return DuckDbDriver.open({ path, memoryLimit: process.env['ETL_DUCKDB_MEMORY_LIMIT'] || DEFAULT_DUCKDB_MEMORY_LIMIT, signal: options.signal });
  }
  if (url) return openServer(url, options.signal);
  const [{ startEmbedded }, { PostgresDriver }] = await Promise.all([import('./embedded-postgres.ts'), import('./postgres-driver.ts')]);
  const server = await startEmbedded({ signal: options.signal });
  return PostgresDriver.open({ url: server.url, description: 'embedded PostgreSQL', onClose: () => server.stop(), diskFull: () => server.diskFull });
}

/** The run's sessions carry an application name of their own, by which a signal finds and cancels their statements. */
async function openServer(url: string, signal: AbortSignal | undefined): Promise<Driver> {
  const { PostgresDriver, redactUrl } = await import('./postgres-driver.ts');
  const name = `etl-${process.pid}-${randomBytes(4).toString('hex')}`;
  let named = url;
  try {
    const u = new URL(url);
    u.searchParams.set('application_name', name);
    named = u.toString();
  } catch {
    // A URL node cannot parse is left to pg as it is; its statements then run to their end.
  }
  const cancel = () => void cancelStatements(url, name);
  signal?.addEventListener('abort', cancel, { once: true });
  const onClose = async () => signal?.removeEventListener('abort', cancel);
  return PostgresDriver.open({ url: named, description: redactUrl(url), onClose });
}

async function cancelStatements(url: string, applicationName: string): Promise<void> {
  // Loaded already: the run's own driver uses it.
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [applicationName]);
  } catch {
    // The server is gone or refuses: the run then ends when its statement does.
  } finally {
    await client.end().catch(() => undefined);
  }
}
