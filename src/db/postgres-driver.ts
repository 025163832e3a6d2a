import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { Driver, QueryResult } from './driver.ts';

/** Every value comes back as PostgreSQL's text, so no date is turned into a JS Date and shifted by a time zone. */
const TEXT_TYPES = { getTypeParser: () => (value: string) => value };

/** Session settings that make every output independent of the server's defaults. */
const SESSION_SETTINGS = [
  "SET client_encoding = 'UTF8'",
  "SET DateStyle = 'ISO, YMD'",
  "SET IntervalStyle = 'iso_8601'",
  "SET TimeZone = 'UTC'",
  'SET extra_float_digits = 1',
  // At least 128 MB per sort or hash, for this run's sessions only. With the 4 MB default a
  // condition like `person_id IN (SELECT person_id FROM list)` over a list of a million rows is
  // no longer hashed but rescanned for every row, and a registry-sized run takes hours.
  "SELECT set_config('work_mem', '128MB', false) WHERE pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('128MB')",
  // A server notices a client that died (killed, or its machine lost) only when it next writes to
  // it, which a long CREATE TABLE … AS does not do: checking every second stops such a query soon.
  // PostgreSQL 14 and later, on the platforms that support it; elsewhere the setting is left alone.
  "DO $$ BEGIN PERFORM set_config('client_connection_check_interval', '1s', false); EXCEPTION WHEN OTHERS THEN NULL; END $$",
];

export interface PostgresDriverOptions {
  readonly url: string;
  /** Shown in progress lines instead of the URL. */
  readonly description?: string;
  /** Extra statements run on each new connection. */
  readonly sessionSettings?: readonly string[];
  /** Runs after the connections are closed, e.g. to stop an embedded server. */
  readonly onClose?: () => Promise<void>;
}

/** A run's connection to a PostgreSQL server, working in a schema of its own that is dropped at the end. */
export class PostgresDriver implements Driver {
  readonly description: string;
  readonly schema: string;
  readonly #knex: Knex;
  /** Holds the run's advisory lock for as long as the run lives: it is how other runs tell a live schema from an abandoned one. */
  readonly #lockClient: pg.Client;
  readonly #onClose: () => Promise<void>;
  #closed = false;

  /** Schemas of killed runs that this run dropped when it opened. */
  abandonedSchemasDropped = 0;

  private constructor(knex: Knex, lockClient: pg.Client, schema: string, options: PostgresDriverOptions) {
    this.#knex = knex;
    this.#lockClient = lockClient;
    this.schema = schema;
    this.description = options.description ?? redactUrl(options.url);
    this.#onClose = options.onClose ?? (async () => undefined);
  }

  static async open(options: PostgresDriverOptions): Promise<PostgresDriver> {
    const schema = `etl_run_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    const settings = [...SESSION_SETTINGS, ...(options.sessionSettings ?? []), `SET search_path TO "${schema}"`];
    const knex = knexFactory({
      client: 'pg',
      // knex prints a lost connection to the console ("Connection Error: …", with a stack) besides
      // failing the query; the failure alone is what the run reports, in its own words.
      log: { warn: ignore, error: ignore, deprecate: ignore, debug: ignore },
      connection: { connectionString: options.url, types: TEXT_TYPES } as Knex.PgConnectionConfig,
      pool: {
        min: 0,
        max: 4,
        afterCreate(conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) {
          conn.query(settings.join(';\n')).then(() => done(null, conn), (err: Error) => done(err, conn));
        },
      },
    });
    const lockClient = new pg.Client({ connectionString: options.url, types: TEXT_TYPES });
    // A lost connection must surface as a failed query, not as an unhandled 'error' event.
    lockClient.on('error', () => undefined);
    const driver = new PostgresDriver(knex, lockClient, schema, options);
    try {
      await lockClient.connect();
      await lockClient.query(`SELECT pg_advisory_lock(${LOCK_SPACE}, hashtext($1))`, [schema]);
      driver.abandonedSchemasDropped = await dropAbandonedSchemas(lockClient);
      await driver.query(`CREATE SCHEMA "${schema}"`);
    } catch (e) {
      await lockClient.end().catch(() => undefined);
      await knex.destroy();
      await driver.#onClose();
      throw e;
    }
    return driver;
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<QueryResult> {
    return this.#withConnection(async (conn) => {
      const result = await conn.query({ text: sql, values: params as unknown[] });
      return { rows: result.rows ?? [], rowCount: result.rowCount ?? 0 };
    });
  }

  async copyIn(sql: string, source: Readable): Promise<number> {
    return this.#withConnection(async (conn) => {
      const stream = conn.query(copyStreams.from(sql));
      await pipeline(source, stream);
      return stream.rowCount ?? 0;
    });
  }

  async copyOut(sql: string, sink: Writable): Promise<number> {
    return this.#withConnection(async (conn) => {
      const stream = conn.query(copyStreams.to(sql));
      await pipeline(stream, sink);
      return stream.rowCount ?? 0;
    });
  }

  /**
   * Drops the run's schema, a hundred tables at a time (one statement for thousands of tables runs
   * out of the server's lock table), and closes every connection, even when the drop fails.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await dropSchema((sql, params) => this.query(sql, params), this.schema);
    } finally {
      try {
        await this.#lockClient.end().catch(() => undefined);
        await this.#knex.destroy();
      } finally {
        await this.#onClose();
      }
    }
  }

  async #withConnection<T>(work: (conn: pg.Client) => Promise<T>): Promise<T> {
    const conn = (await this.#knex.client.acquireConnection()) as pg.Client;
    try {
      return await work(conn);
    } finally {
      await this.#knex.client.releaseConnection(conn);
    }
  }
}

function ignore(): void {}

/** First key of the advisory locks that mark live runs (the second is the hash of the schema name). */
const LOCK_SPACE = 0x45544c; // "ETL"

/**
 * Drops the schemas of runs that died without dropping their own: a run's schema is abandoned
 * when nobody holds its advisory lock. Runs that are alive hold theirs, so they are never touched.
 * One that cannot be dropped (its tables locked by another session, or not this user's) is a
 * warning: this run goes on in its own schema, and a later run tries again.
 */
async function dropAbandonedSchemas(client: pg.Client): Promise<number> {
  const found = await client.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'etl\\_run\\_%' ORDER BY 1`);
  let dropped = 0;
  for (const { nspname } of found.rows) {
    const got = await client.query<{ ok: string }>(`SELECT pg_try_advisory_lock(${LOCK_SPACE}, hashtext($1)) AS ok`, [nspname]);
    if (got.rows[0]?.ok !== 't') continue;
    try {
      // Another session's lock on one of its tables (someone reading a dead run's table) would otherwise hold this run at its start.
      await client.query(`SET lock_timeout = '${ABANDONED_LOCK_TIMEOUT}'`);
      await dropSchema((sql, params) => client.query<Record<string, string | null>>(sql, params), nspname);
      dropped++;
    } catch (e) {
      warn(`could not drop the abandoned schema "${nspname}" of a run that ended without dropping it (${(e as Error).message}); this run goes on, and a later run tries again`);
    } finally {
      await client.query('RESET lock_timeout');
      await client.query(`SELECT pg_advisory_unlock(${LOCK_SPACE}, hashtext($1))`, [nspname]);
    }
  }
  return dropped;
}

/** How long dropping an abandoned schema waits for another session's lock on one of its tables. */
const ABANDONED_LOCK_TIMEOUT = '5s';

/**
 * Tables dropped per statement (each its own transaction). A table takes several locks (itself,
 * its TOAST table and index, its row types), and a server's lock table holds
 * max_locks_per_transaction × max_connections of them for every session at once (6,400 by
 * default): one DROP SCHEMA … CASCADE of 3,000 tables ran out of shared memory.
 */
const TABLES_PER_DROP = 100;

/** Drops `schema`'s tables in chunks of {@link TABLES_PER_DROP}, then the schema and whatever else it held. */
async function dropSchema(query: (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, string | null>[] }>, schema: string): Promise<void> {
  const quoted = `"${schema.replaceAll('"', '""')}"`;
  const tables = await query(
    "SELECT quote_ident(relname) AS name FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relkind = 'r' ORDER BY relname",
    [schema],
  );
  const names = tables.rows.map((r) => `${quoted}.${r['name']}`);
  for (let i = 0; i < names.length; i += TABLES_PER_DROP) await query(`DROP TABLE IF EXISTS ${names.slice(i, i + TABLES_PER_DROP).join(', ')} CASCADE`);
  await query(`DROP SCHEMA IF EXISTS ${quoted} CASCADE`);
}

/** A problem that does not stop the run, said on stderr (the driver has no logger, and it names no data). */
function warn(message: string): void {
  process.stderr.write(`etl: warning: ${message}\n`);
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the database';
  }
}
