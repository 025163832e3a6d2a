import type { Position } from '../errors.ts';
import type { ColumnType, TypeOptions } from '../types/column-type.ts';
import type { TypeRegistry } from '../types/type-registry.ts';

/** One declared column of a source. */
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly options: TypeOptions;
  /** An empty field breaks the row instead of becoming NULL. */
  readonly required: boolean;
}

export type Encoding = 'utf-8' | 'cp932';
export type OnInvalid = 'fail' | 'reject';

interface StageBase {
  readonly id: string;
  /** Where the stage is declared in the pipeline file. */
  readonly pos: Position;
  readonly description?: string;
}

export interface SourceStage extends StageBase {
  readonly kind: 'source';
  readonly file: string;
  readonly filePos: Position;
  readonly encoding: Encoding;
  /** The field separator: `,` unless the file uses tab, `;` or `|`. */
  readonly delimiter: string;
  readonly columns: readonly Column[];
  readonly onInvalid: OnInvalid;
  /** Where rejected rows go with `on_invalid: reject`. */
  readonly rejectsFile?: string;
  /** Columns whose values must be unique together. */
  readonly primaryKey?: readonly string[];
  /** A column added to the table holding each row's line number in the file. */
  readonly lineColumn?: string;
  /** The file must match the SHA-256 recorded for it as an output of this manifest (a run's `manifest.json`). */
  readonly verify?: { readonly manifest: string };
  /** Conditions every row must meet, checked in SQL once every source is loaded. */
  readonly rules: readonly RowRule[];
  /** The most bytes a record may take in the file (its line ending not counted); a longer one fails the run at its line. */
  readonly maxRecordBytes: number;
}

/**
 * A condition over a source's row (SQL, may read parameters and other sources). A row for which it
 * is false is an invalid row at its line; NULL passes, as in a CHECK constraint.
 */
export interface RowRule {
  readonly name: string;
  readonly pos: Position;
  readonly sql: BoundSql;
  /** What the rule asks, in words, for messages; the SQL is shown when absent. */
  readonly description?: string;
}

/** SQL text with `:name` parameters already turned into `$n` placeholders. */
export interface BoundSql {
  readonly text: string;
  /** Parameter names, in `$1`, `$2`… order. */
  readonly params: readonly string[];
  /** Where the SQL came from, to map a database error position back to a line and column. */
  readonly origin: SqlOrigin;
}

export interface SqlOrigin {
  readonly file: string;
  /** Line and column of the SQL's first character in that file. */
  readonly line: number;
  readonly col: number;
  readonly original: string;
  /** Maps an offset in `BoundSql.text` back to an offset in `original`. */
  readonly offsetMap: readonly (readonly [number, number])[];
}

export interface SqlTransformStage extends StageBase {
  readonly kind: 'sql';
  readonly inputs: readonly string[];
  readonly sql: BoundSql;
}

export interface TsTransformStage extends StageBase {
  readonly kind: 'ts';
  /** The first is streamed row by row; the others are side inputs, read whole before the first row. */
  readonly inputs: readonly [string, ...string[]];
  /** The order the first input's rows come in; must identify each row. Unspecified when absent. */
  readonly orderBy?: readonly string[];
  readonly module: string;
  /** Declared output columns (name → SQL type); when absent they are inferred. */
  readonly columns?: readonly { name: string; sqlType: string }[];
}

export interface SinkStage extends StageBase {
  readonly kind: 'sink';
  readonly from: string;
  readonly file: string;
  readonly orderBy: readonly string[];
  readonly orderByPos: Position;
  readonly after: readonly string[];
  /** The columns written, in order; all of the stage's columns when absent. */
  readonly columns?: readonly string[];
  /** `report: { count_by: [...] }`: columns whose values (codes only) are counted for the manifest and the run's report. */
  readonly countBy?: readonly string[];
}

/** One route of a split: rows matching `condition` (SQL), or every row left when it is the else route. */
export interface Route {
  readonly name: string;
  readonly condition?: string;
}

/** Rows of one input split into several tables, each row into exactly one. */
export interface SplitStage extends StageBase {
  readonly kind: 'split';
  readonly inputs: readonly string[];
  readonly routes: readonly Route[];
  /** The routing statement, with `:name` parameters bound. */
  readonly sql: BoundSql;
}

/** A reconciliation evaluated after every transform and before any sink is written. */
export interface Check {
  readonly name: string;
  readonly pos: Position;
  readonly description?: string;
  /** `equal`: every query's single value must be equal; `assert`: the one query must return true. */
  readonly kind: 'equal' | 'assert';
  readonly queries: readonly { label: string; sql: BoundSql }[];
}

export type TransformStage = SqlTransformStage | TsTransformStage | SplitStage;
export type Stage = SourceStage | TransformStage | SinkStage;

/**
 * A number the run records in its manifest (e.g. records sent, persons listed), evaluated with the
 * checks; `etl report` charts each over a chain of runs.
 */
export interface Measure {
  readonly name: string;
  readonly pos: Position;
  readonly description?: string;
  readonly sql: BoundSql;
}

/** An edge of the stage graph, with where it is written so errors can point at it. */
export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'input' | 'from' | 'after';
  readonly pos: Position;
  /** The table the edge carries when it is not `from`'s own, e.g. a split's route. */
  readonly table?: string;
}

/** A validated pipeline: every id resolved, every path absolute, every parameter known. */
export interface Pipeline {
  readonly name: string;
  /** The file's `description:`, shown by its report. */
  readonly description?: string;
  readonly file: string;
  readonly dir: string;
  /** Parameter values after `--param` overrides. */
  readonly params: Readonly<Record<string, string>>;
  readonly types: TypeRegistry;
  /** Stages by id, in the order they are declared. */
  readonly stages: ReadonlyMap<string, Stage>;
  readonly edges: readonly Edge[];
  readonly checks: readonly Check[];
  /** Where the run's manifest goes, if anywhere. */
  readonly manifest?: string;
  /** Where the run's HTML report goes, if anywhere. */
  readonly report?: string;
  readonly measures: readonly Measure[];
}
