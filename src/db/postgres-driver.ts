import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { DatabaseError, type ColumnDef, type Driver, type QueryResult, type Row, type RowBatch, type TableColumn } from './driver.ts';
import { dropAbandonedSchemas, dropSchema, LOCK_SPACE } from './postgres-schema.ts';
import { copyLines, copyRow, csvOutput, pgError, pgKind } from './postgres-rows.ts';
import { columnList, ident, orderTerms } from './sql-terms.ts';

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
  /**
   * True when the server said its disk is full: an embedded PostgreSQL stops altogether when it
   * cannot write its WAL, and its sessions then see only a lost connection, which is said as the full disk it is.
   */
  readonly diskFull?: () => boolean;
}

/** A run's connection to a PostgreSQL server, working in a schema of its own that is dropped at the end. */
export class PostgresDriver implements Driver {
  readonly description: string;
  readonly schema: string;
  readonly #knex: Knex;
  /** Holds the run's advisory lock for as long as the run lives: it is how other runs tell a live schema from an abandoned one. */
  readonly #lockClient: pg.Client;
  readonly #onClose: () => Promise<void>;
  readonly #diskFull: () => boolean;
  #closing: Promise<void> | undefined;

  /** Schemas of killed runs that this run dropped when it opened. */
  abandonedSchemasDropped = 0;

  private constructor(knex: Knex, lockClient: pg.Client, schema: string, options: PostgresDriverOptions) {
    this.#knex = knex;
    this.#lockClient = lockClient;
    this.schema = schema;
    this.description = options.description ?? redactUrl(options.url);
    this.#onClose = options.onClose ?? (async () => undefined);
    this.#diskFull = options.diskFull ?? (() => false);
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

  readonly loadStyle = 'stream';
  readonly stagesAtOnce = 2;

  async query(sql: string, params: readonly unknown[] = []): Promise<QueryResult> {
    return this.#run(0, async (conn) => {
      const result = await conn.query({ text: sql, values: params as unknown[] });
      return { rows: result.rows ?? [], rowCount: result.rowCount ?? 0 };
    });
  }

  async createTable(table: string, columns: readonly ColumnDef[]): Promise<void> {
    await this.query(`CREATE UNLOGGED TABLE ${ident(table)} (${columnList(columns)})`);
  }

  async createTableAs(table: string, sql: string, params: readonly unknown[] = []): Promise<number> {
    const prefix = `CREATE UNLOGGED TABLE ${ident(table)} AS\n`;
    return this.#run(prefix.length, async (conn) => (await conn.query({ text: prefix + sql, values: params as unknown[] })).rowCount ?? 0);
  }

  async dropTable(table: string): Promise<void> {
    await this.query(`DROP TABLE ${ident(table)}`);
  }

  async dropColumn(table: string, column: string): Promise<void> {
    await this.query(`ALTER TABLE ${ident(table)} DROP COLUMN ${ident(column)}`);
  }

  async analyze(table: string): Promise<void> {
    await this.query(`ANALYZE ${ident(table)}`);
  }

  async describe(table: string): Promise<TableColumn[]> {
    const result = await this.query(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS sql_type, t.typcategory AS category
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1))
          AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [table],
    );
    return result.rows.map((r) => ({ name: r['name']!, sqlType: r['sql_type']!, kind: pgKind(r['category']!, r['sql_type']!) }));
  }

  /** COPY's text format, batch by batch as the rows are checked. */
  async load(table: string, columns: readonly string[], source: AsyncIterable<RowBatch>): Promise<number> {
    const width = columns.length;
    async function* text(): AsyncGenerator<string> {
      for await (const batch of source) if (batch.values.length > 0) yield copyLines(batch, width);
    }
    return this.#copyIn(`COPY ${ident(table)} (${columns.map(ident).join(', ')}) FROM STDIN`, Readable.from(text(), { objectMode: false }));
  }

  async loadCsv(table: string, columns: readonly string[], bytes: AsyncIterable<Buffer>): Promise<number> {
    return this.#copyIn(`COPY ${ident(table)} (${columns.map(ident).join(', ')}) FROM STDIN (FORMAT csv, HEADER)`, Readable.from(bytes, { objectMode: false }));
  }

  async *readRows(table: string, orderBy: readonly TableColumn[] = []): AsyncGenerator<Row[]> {
    const cols = await this.describe(table);
    const order = orderBy.length > 0 ? ` ORDER BY ${orderTerms(table, orderBy)}` : '';
    const raw = new PassThrough();
    const reading = this.#copyOut(`COPY (SELECT * FROM ${ident(table)}${order}) TO STDOUT`, raw);
    let finished = false;
    try {
      // A chunk may end inside a character of several bytes: the decoder keeps those bytes for the
      // next chunk (decoded on its own, the piece would be U+FFFD).
      const decoder = new StringDecoder('utf8');
      let rest = '';
      for await (const chunk of raw as AsyncIterable<Buffer>) {
        const lines = (rest + decoder.write(chunk)).split('\n');
        rest = lines.pop()!;
        yield lines.map((line) => copyRow(line, cols));
      }
      rest += decoder.end();
      if (rest) yield [copyRow(rest, cols)];
      finished = true;
    } finally {
      // A reader that stopped early (a ts: function threw) leaves the COPY to fail on its own: not an error of its own.
      if (!finished) {
        reading.catch(() => undefined);
        raw.destroy();
      }
    }
    await reading;
  }

  async writeCsv(table: string, columns: readonly TableColumn[], orderBy: readonly TableColumn[], sink: Writable): Promise<number> {
    const select = columns.map((c) => `${csvOutput(c)} AS ${ident(c.name)}`).join(', ');
    return this.#copyOut(`COPY (SELECT ${select} FROM ${ident(table)} ORDER BY ${orderTerms(table, orderBy)}) TO STDOUT (FORMAT csv, HEADER)`, sink);
  }

  async #copyIn(sql: string, source: Readable): Promise<number> {
    return this.#run(0, async (conn) => {
      const stream = conn.query(copyStreams.from(sql));
      await pipeline(source, stream);
      return stream.rowCount ?? 0;
    });
  }

  async #copyOut(sql: string, sink: Writable): Promise<number> {
    return this.#run(0, async (conn) => {
      const stream = conn.query(copyStreams.to(sql));
      await pipeline(stream, sink);
      return stream.rowCount ?? 0;
    });
  }

  /**
   * Drops the run's schema, a hundred tables at a time (one statement for thousands of tables runs
   * out of the server's lock table), and closes every connection, even when the drop fails. A
   * second call waits for the first.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
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

  /** Runs `work` on a pooled connection; the server's refusals become {@link DatabaseError}s (see {@link pgError}). */
  async #run<T>(prefix: number, work: (conn: pg.Client) => Promise<T>): Promise<T> {
    try {
      const conn = (await this.#knex.client.acquireConnection()) as pg.Client;
      try {
        return await work(conn);
      } finally {
        await this.#knex.client.releaseConnection(conn);
      }
    } catch (e) {
      const mapped = pgError(e, prefix);
      if (this.#diskFull() && !(mapped instanceof DatabaseError && mapped.kind === 'disk-full')) {
        throw new DatabaseError('the embedded PostgreSQL stopped: no space left on device', '53100', 'disk-full');
      }
      throw mapped;
    }
  }
}

function ignore(): void {}

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
