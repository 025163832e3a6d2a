import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { duckdb } from './duckdb-api.ts';
import { DatabaseError, type ColumnDef, type Driver, type QueryResult, type Row, type RowBatch, type RowFile, type TableColumn } from './driver.ts';
import { csvField, csvQuote, duckError, duckKind, duckType, textOf, valueOf } from './duckdb-values.ts';
import { ScratchFolder } from './scratch-folder.ts';
import { columnList, ident, orderTerms } from './sql-terms.ts';

export interface DuckDbOptions {
  /** A database file; in memory when absent. */
  readonly path?: string;
  /** DuckDB's `memory_limit` (e.g. `1.5GB`): past it, DuckDB spills to the run's folder. */
  readonly memoryLimit: string;
  /** When aborted (a signal), every running statement is interrupted. */
  readonly signal?: AbortSignal;
}

/**
 * The longest line DuckDB's CSV reader takes unless a file says otherwise (its buffer is as large
 * again): a verified file's line longer than this is a data error, which sends it the checked way.
 */
const MAX_LINE_BYTES = 1 << 24;

/**
 * Checked files read by one INSERT: DuckDB reads several files at once, a thread each, and appends
 * their rows in larger batches; four took half the CPU time of one at a time (8 MiB files).
 */
const FILES_PER_INSERT = 4;
/**
 * Written bytes after which DuckDB checkpoints, which also compresses an in-memory database's
 * tables. At its default (16MB) nearly every stage of a registry run ends in a checkpoint: at
 * scale 0.1 of the benchmark they took 3 s of a 13 s run (9.1 s with this value). At scale 1.0 the
 * large tables still pass it, and are compressed before they can spill: 77 s against 79 s at the
 * default (single runs; never checkpointing measured 80 s today, 107 s against 91 s in an earlier session).
 */
const CHECKPOINT_THRESHOLD = '512MB';

/**
 * A run's DuckDB, inside this process: in memory (the run's own database), or a file, where the run
 * works in a schema of its own that is dropped at the end. Either way DuckDB spills to, and checked
 * rows wait in, a private folder of the run (see {@link ScratchFolder}). Statements of stages that
 * run at once go to connections of their own; a signal interrupts them all.
 */
export class DuckDbDriver implements Driver {
  readonly description: string;
  readonly loadStyle = 'files';
  readonly stagesAtOnce = 1;
  readonly #instance: DuckDBInstance;
  readonly #scratch: ScratchFolder;
  readonly #schema: string | undefined;
  readonly #idle: DuckDBConnection[] = [];
  readonly #busy = new Set<DuckDBConnection>();
  readonly #signal?: AbortSignal;
  /** The process's umask before {@link open} narrowed it for a database file; put back by {@link close}. */
  readonly #umask: number | undefined;
  readonly #onAbort = () => {
    for (const conn of this.#busy) conn.interrupt();
  };
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(instance: DuckDBInstance, scratch: ScratchFolder, schema: string | undefined, umask: number | undefined, options: DuckDbOptions) {
    this.#instance = instance;
    this.#umask = umask;
    this.#scratch = scratch;
    this.#schema = schema;
    this.#signal = options.signal;
    this.description = options.path ? `DuckDB (${options.path})` : 'DuckDB (in memory)';
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  static async open(options: DuckDbOptions): Promise<DuckDbDriver> {
    const scratch = ScratchFolder.create();
    // A database file and its write-ahead log hold the run's rows, and DuckDB creates them with the
    // process's umask (0644 under the usual 022): while the file is open, files are made 0600. What
    // etl itself writes has its mode set whatever the umask, so only DuckDB's files feel it.
    const umask = options.path ? process.umask(0o077) : undefined;
    let instance: DuckDBInstance | undefined;
    try {
      instance = await duckdb.DuckDBInstance.create(options.path ?? ':memory:', {
        memory_limit: options.memoryLimit,
        temp_directory: scratch.path,
        // Rows keep an order only where a query asks for one, as in PostgreSQL; it spares memory.
        preserve_insertion_order: 'false',
        checkpoint_threshold: CHECKPOINT_THRESHOLD,
        // Errors with their position, for messages at the SQL's line and column.
        errors_as_json: 'true',
        // No extension is fetched from the network while a run holds personal data.
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'false',
      });
      const schema = options.path ? `etl_run_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}` : undefined;
      const driver = new DuckDbDriver(instance, scratch, schema, umask, options);
      if (schema) await driver.#openSchema(schema);
      return driver;
    } catch (e) {
      instance?.closeSync();
      scratch.remove();
      if (umask !== undefined) process.umask(umask);
      throw duckError(e);
    }
  }

  get scratchDir(): string {
    return this.#scratch.path;
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<QueryResult> {
    return this.#run(0, async (conn) => {
      const reader = await conn.runAndReadAll(sql, params as DuckDBValue[]);
      const names = reader.columnNames();
      const rows = reader.getRows().map((values) => Object.fromEntries(names.map((n, i) => [n, textOf(values[i])])));
      return { rows, rowCount: rows.length };
    });
  }

  async createTable(table: string, columns: readonly ColumnDef[]): Promise<void> {
    await this.query(`CREATE TABLE ${ident(table)} (${columnList(columns.map((c) => ({ name: c.name, sqlType: duckType(c.sqlType) })))})`);
  }

  async createTableAs(table: string, sql: string, params: readonly unknown[] = []): Promise<number> {
    const prefix = `CREATE TABLE ${ident(table)} AS\n`;
    return this.#run(prefix.length, async (conn) => Number((await conn.runAndReadAll(prefix + sql, params as DuckDBValue[])).getRows()[0]?.[0] ?? 0));
  }

  async dropTable(table: string): Promise<void> {
    await this.query(`DROP TABLE ${ident(table)}`);
  }

  async dropColumn(table: string, column: string): Promise<void> {
    await this.query(`ALTER TABLE ${ident(table)} DROP COLUMN ${ident(column)}`);
  }

  /** Nothing to do: DuckDB keeps a table's statistics up to date as rows are appended. */
  async analyze(): Promise<void> {}

  async describe(table: string): Promise<TableColumn[]> {
    const r = await this.query(
      'SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position',
      [table],
    );
    return r.rows.map((c) => ({ name: c['name']!, sqlType: c['type']!, kind: duckKind(c['type']!) }));
  }

  /**
   * DuckDB's Appender: each checked value as text, which DuckDB casts to the column's type. It is
   * flushed once, at the end: it appends its rows to the table on its own every 200 k or so (its
   * memory stays flat), and a flush per batch took twice as long (87 k rows: 0.26 s, once 0.12 s).
   */
  async load(table: string, columns: readonly string[], batches: AsyncIterable<RowBatch>): Promise<number> {
    const width = columns.length;
    let rows = 0;
    return this.#run(0, async (conn) => {
      const appender = await conn.createAppender(table, this.#schema ?? null);
      try {
        for await (const batch of batches) {
          const v = batch.values;
          for (let i = 0; i < v.length; i++) {
            const x = v[i];
            if (x === null || x === undefined) appender.appendNull();
            else appender.appendVarchar(x);
            if ((i + 1) % width === 0) appender.endRow();
          }
          rows += v.length / width;
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      return rows;
    });
  }

  /**
   * The files by DuckDB's own CSV reader, up to {@link FILES_PER_INSERT} in a statement (their rows
   * appended in large batches, each file read by a thread of its own), then removed.
   */
  async loadFiles(table: string, columns: readonly string[], files: AsyncIterable<RowFile>): Promise<number> {
    const types = new Map((await this.describe(table)).map((c) => [c.name, c.sqlType]));
    const spec = columns.map((name, i) => `'c${i}': '${types.get(name)}'`).join(', ');
    const last = columns.length - 1;
    let rows = 0;
    const insert = async (batch: RowFile[]) => {
      // A file's line field counts from its chunk's start: the file's name says which chunk's base to add.
      const bases = batch.filter((f) => f.lineBase).map((f) => `WHEN ${literal(f.path)} THEN ${f.lineBase}`);
      const lineOf = bases.length > 0 ? `c${last} + CASE filename ${bases.join(' ')} ELSE 0 END` : `c${last}`;
      const select = columns.map((_, i) => (i === last ? lineOf : `c${i}`)).join(', ');
      const maxLine = Math.max(...batch.map((f) => f.maxLineBytes));
      const r = await this.query(
        `INSERT INTO ${ident(table)} (${columns.map(ident).join(', ')}) SELECT ${select} FROM read_csv([${batch.map((f) => literal(f.path)).join(', ')}], columns = {${spec}}, ${csvOptions(maxLine)}, header = false${bases.length > 0 ? ', filename = true' : ''})`,
      );
      rows += Number(r.rows[0]?.['Count'] ?? 0);
      for (const f of batch) fs.rmSync(f.path, { force: true });
    };
    let batch: RowFile[] = [];
    for await (const file of files) {
      batch.push(file);
      if (batch.length === FILES_PER_INSERT) {
        await insert(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await insert(batch);
    return rows;
  }

  /** The bytes go to a file of the run's folder, which DuckDB's CSV reader then reads with the table's types. */
  async loadCsv(table: string, columns: readonly string[], bytes: AsyncIterable<Buffer>): Promise<number> {
    const file = this.#scratch.file('verified.csv');
    try {
      await pipeline(bytes, fs.createWriteStream(file, { mode: 0o600 }));
      const types = new Map((await this.describe(table)).map((c) => [c.name, c.sqlType]));
      const spec = columns.map((name) => `${literal(name)}: '${types.get(name)}'`).join(', ');
      const r = await this.query(
        `INSERT INTO ${ident(table)} (${columns.map(ident).join(', ')}) SELECT * FROM read_csv(${literal(file)}, columns = {${spec}}, ${csvOptions()}, header = true)`,
      );
      return Number(r.rows[0]?.['Count'] ?? 0);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  async *readRows(table: string, orderBy: readonly TableColumn[] = []): AsyncGenerator<Row[]> {
    const cols = await this.describe(table);
    const order = orderBy.length > 0 ? ` ORDER BY ${orderTerms(table, orderBy)}` : '';
    const conn = await this.#acquire();
    try {
      const result = await conn.stream(`SELECT * FROM ${ident(table)}${order}`).catch((e: unknown) => {
        throw duckError(e);
      });
      for (;;) {
        const chunk = await result.fetchChunk().catch((e: unknown) => {
          throw duckError(e);
        });
        if (!chunk || chunk.rowCount === 0) break;
        yield chunk.getRows().map((values) => {
          const row: Row = {};
          for (let i = 0; i < cols.length; i++) row[cols[i]!.name] = valueOf(values[i], cols[i]!.kind);
          return row;
        });
      }
    } finally {
      this.#release(conn);
    }
  }

  /**
   * DuckDB makes each line (see {@link csvField}) and writes them, sorted, to a file of the run's
   * folder, in parallel; the header and that file then go to `sink`.
   */
  async writeCsv(table: string, columns: readonly TableColumn[], orderBy: readonly TableColumn[], sink: Writable): Promise<number> {
    const file = this.#scratch.file('sink.csv');
    try {
      // concat_ws rather than ||: a quarter less time (no field is NULL, which concat_ws would leave out).
      const line = columns.length > 0 ? `concat_ws(',', ${columns.map((c) => csvField(c, table)).join(', ')})` : `''`;
      const r = await this.query(`COPY (SELECT ${line} AS line FROM ${ident(table)} ORDER BY ${orderTerms(table, orderBy)}) TO ${literal(file)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '')`);
      if (!sink.write(`${columns.map((c) => csvQuote(c.name)).join(',')}\n`)) await once(sink, 'drain');
      await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), sink);
      return Number(r.rows[0]?.['Count'] ?? 0);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  /** Drops the run's schema (of a file), closes DuckDB and removes the run's folder; a second call waits for the first. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    try {
      if (this.#schema) await this.query(`DROP SCHEMA IF EXISTS ${ident(this.#schema)} CASCADE`);
    } finally {
      for (const conn of [...this.#idle, ...this.#busy]) conn.closeSync();
      this.#instance.closeSync();
      this.#scratch.remove();
      if (this.#umask !== undefined) process.umask(this.#umask);
    }
  }

  /** A file's schemas of runs that died (nobody else can have the file open while this run has it), then this run's own. */
  async #openSchema(schema: string): Promise<void> {
    // A connection of its own: the pool's connections start in the run's schema, which is made here.
    const conn = await this.#instance.connect();
    try {
      const left = await conn.runAndReadAll("SELECT schema_name FROM information_schema.schemata WHERE catalog_name = current_database() AND schema_name LIKE 'etl\\_run\\_%' ESCAPE '\\'");
      for (const [name] of left.getRows()) await conn.run(`DROP SCHEMA IF EXISTS ${ident(String(name))} CASCADE`);
      await conn.run(`CREATE SCHEMA ${ident(schema)}`);
    } finally {
      conn.closeSync();
    }
  }

  async #acquire(): Promise<DuckDBConnection> {
    if (this.#signal?.aborted) throw new DatabaseError('Interrupted by a signal', 'INTERRUPT Error', 'interrupted');
    let conn = this.#idle.pop();
    if (!conn) {
      conn = await this.#instance.connect();
      if (this.#schema) await conn.run(`SET schema = ${literal(this.#schema)}`);
    }
    this.#busy.add(conn);
    return conn;
  }

  #release(conn: DuckDBConnection): void {
    this.#busy.delete(conn);
    if (this.#closed) conn.closeSync();
    else this.#idle.push(conn);
  }

  /** Runs `work` on a connection of its own; DuckDB's refusals become {@link DatabaseError}s (see {@link duckError}). */
  async #run<T>(prefix: number, work: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.#acquire();
    try {
      return await work(conn);
    } catch (e) {
      throw duckError(e, prefix);
    } finally {
      this.#release(conn);
    }
  }
}

/** How the checked files and verified files are read: RFC 4180, nothing guessed, lines up to `maxLine` bytes. */
function csvOptions(maxLine = MAX_LINE_BYTES): string {
  const line = Math.max(maxLine, MAX_LINE_BYTES);
  return `delim = ',', quote = '"', escape = '"', nullstr = '', auto_detect = false, strict_mode = true, max_line_size = ${line}, buffer_size = ${2 * line}`;
}

/** A SQL string literal. */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
