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
  readonly columns: readonly Column[];
  readonly onInvalid: OnInvalid;
  /** Where rejected rows go with `on_invalid: reject`. */
  readonly rejectsFile?: string;
  /** Columns whose values must be unique together. */
  readonly primaryKey?: readonly string[];
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
  readonly inputs: readonly [string];
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
}

export type TransformStage = SqlTransformStage | TsTransformStage;
export type Stage = SourceStage | TransformStage | SinkStage;

/** An edge of the stage graph, with where it is written so errors can point at it. */
export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'input' | 'from' | 'after';
  readonly pos: Position;
}

/** A validated pipeline: every id resolved, every path absolute, every parameter known. */
export interface Pipeline {
  readonly name: string;
  readonly file: string;
  readonly dir: string;
  /** Parameter values after `--param` overrides. */
  readonly params: Readonly<Record<string, string>>;
  readonly types: TypeRegistry;
  /** Stages by id, in the order they are declared. */
  readonly stages: ReadonlyMap<string, Stage>;
  readonly edges: readonly Edge[];
}
