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
  readonly #onClose: () => Promise<void>;
  #closed = false;

  private constructor(knex: Knex, schema: string, options: PostgresDriverOptions) {
    this.#knex = knex;
    this.schema = schema;
    this.description = options.description ?? redactUrl(options.url);
    this.#onClose = options.onClose ?? (async () => undefined);
  }

  static async open(options: PostgresDriverOptions): Promise<PostgresDriver> {
    const schema = `etl_run_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    const settings = [...SESSION_SETTINGS, ...(options.sessionSettings ?? []), `SET search_path TO "${schema}"`];
    const knex = knexFactory({
      client: 'pg',
      connection: { connectionString: options.url, types: TEXT_TYPES } as Knex.PgConnectionConfig,
      pool: {
        min: 0,
        max: 4,
        afterCreate(conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) {
          conn.query(settings.join(';\n')).then(() => done(null, conn), (err: Error) => done(err, conn));
        },
      },
    });
    const driver = new PostgresDriver(knex, schema, options);
    try {
      await driver.query(`CREATE SCHEMA "${schema}"`);
    } catch (e) {
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

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    } finally {
      try {
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
