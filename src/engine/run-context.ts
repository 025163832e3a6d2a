import type { Pipeline } from '../config/pipeline.ts';
import type { Driver } from '../db/driver.ts';
import type { InvalidRows } from './invalid-rows.ts';
import type { Logger } from './logger.ts';
import type { OutputFiles } from './output-files.ts';

/** A column of a stage's table as the database has it. */
export interface TableColumn {
  readonly name: string;
  /** `format_type` of the column, e.g. `integer`, `timestamp without time zone`. */
  readonly sqlType: string;
  /** PostgreSQL's type category: S string, N numeric, B boolean, D date/time… */
  readonly category: string;
}

/** What a running stage may use. Nothing here parses pipeline text: that was done by `config/`. */
export interface RunContext {
  readonly pipeline: Pipeline;
  readonly driver: Driver;
  readonly outputs: OutputFiles;
  readonly invalid: InvalidRows;
  readonly log: Logger;
  /** Columns of a stage's table, in table order. */
  columnsOf(stageId: string): Promise<TableColumn[]>;
}

/** Quotes an identifier for SQL. Stage ids are checked at compile time; this is for column names from files. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
