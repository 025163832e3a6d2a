import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import pg from 'pg';
import type { Driver, QueryResult } from './driver.ts';
import { startEmbedded, type EmbeddedServer } from './embedded-postgres.ts';
import { PostgresDriver, redactUrl } from './postgres-driver.ts';

export interface OpenOptions {
  /**
   * When aborted (a signal), the run's work in the database stops at once, so that the run fails
   * fast: an embedded PostgreSQL is stopped; on a server, the run's running statements are cancelled.
   */
  readonly signal?: AbortSignal;
}

/**
 * Opens the database a run works in: the server at `url` when given, else a fresh
 * embedded PostgreSQL that is stopped and removed when the driver closes.
 */
export async function openDatabase(url?: string, options: OpenOptions = {}): Promise<Driver> {
  if (url) return openServer(url, options.signal);
  const server = await startEmbedded({ signal: options.signal });
  return new EmbeddedDriver(await PostgresDriver.open({ url: server.url, description: 'embedded PostgreSQL', onClose: () => server.stop() }), server);
}

/** The run's sessions carry an application name of their own, by which a signal finds and cancels their statements. */
async function openServer(url: string, signal: AbortSignal | undefined): Promise<Driver> {
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

/**
 * The embedded server's driver, whose failures are `disk_full` (SQLSTATE 53100) when the server
 * said its folder is full: PostgreSQL stops altogether when it cannot write its WAL, and the
 * sessions then see only a lost connection.
 */
class EmbeddedDriver implements Driver {
  readonly #inner: Driver;
  readonly #server: EmbeddedServer;

  constructor(inner: Driver, server: EmbeddedServer) {
    this.#inner = inner;
    this.#server = server;
  }

  get description(): string {
    return this.#inner.description;
  }

  query(sql: string, params?: readonly unknown[]): Promise<QueryResult> {
    return this.#explain(this.#inner.query(sql, params));
  }

  copyIn(sql: string, source: Readable): Promise<number> {
    return this.#explain(this.#inner.copyIn(sql, source));
  }

  copyOut(sql: string, sink: Writable): Promise<number> {
    return this.#explain(this.#inner.copyOut(sql, sink));
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async #explain<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (e) {
      if (!this.#server.diskFull || (e as { code?: string }).code === '53100') throw e;
      throw Object.assign(new Error('the embedded PostgreSQL stopped: no space left on device'), { code: '53100' });
    }
  }
}
