import type { Pipeline } from '../config/pipeline.ts';
import type { Driver, TableColumn } from '../db/driver.ts';
import type { InvalidRows } from './invalid-rows.ts';
import type { Logger } from './logger.ts';
import type { OutputFiles } from './output-files.ts';

export type { TableColumn } from '../db/driver.ts';
export { ident } from '../db/sql-terms.ts';

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
