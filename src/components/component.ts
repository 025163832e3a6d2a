import type { CompileContext } from '../config/compile-context.ts';
import type { Stage } from '../config/pipeline.ts';
import type { YamlNode } from '../config/yaml-node.ts';
import type { RunContext } from '../engine/run-context.ts';

export type Section = 'sources' | 'transforms' | 'sinks';

/** One key a stage of this kind may have. The spec is also the documentation and the linter. */
export interface KeySpec {
  readonly required?: boolean;
  readonly description: string;
}

/** A file a stage read or wrote, for the manifest. */
export interface FileReport {
  readonly role: 'input' | 'output';
  readonly stage: string;
  readonly path: string;
  /** Data rows, the header not counted. */
  readonly rows: number;
  /** Known for inputs (hashed while read); outputs are hashed when the manifest is made. */
  readonly sha256?: string;
  /** A sink's output: the columns its rows are sorted by, which identify each row. */
  readonly orderBy?: readonly string[];
}

/** What a stage did, for progress lines and the manifest. */
export interface StageReport {
  readonly rows: number;
  /** Extra counts by name (rejected rows, routes…). */
  readonly counts?: Readonly<Record<string, number>>;
  readonly files?: readonly FileReport[];
  /** A sink's `report: { count_by }`: rows by value of each column, or why they are not shown. */
  readonly countsBy?: Readonly<Record<string, Readonly<Record<string, number>> | string>>;
  /** A source's rejected rows by the rule they broke (a row breaking two rules counts under both). */
  readonly rejectedBy?: Readonly<Record<string, number>>;
}

/**
 * A kind of stage: its keys, how its YAML becomes a typed stage, and how that stage runs.
 * Every kind is registered explicitly in `registry.ts`.
 */
export interface Component<S extends Stage = Stage> {
  /** The name a stage's `type:` gives. */
  readonly kind: string;
  /** The `kind` of the compiled stages it builds and runs. */
  readonly stageKind: S['kind'];
  readonly section: Section;
  readonly description: string;
  /** Keys whose presence picks this kind when the stage has no `type:`. */
  readonly markers: readonly string[];
  readonly keys: Readonly<Record<string, KeySpec>>;
  /** Builds the typed stage from its (already key-checked) YAML; reports problems to `ctx`. */
  compile(id: string, node: YamlNode, values: ReadonlyMap<string, YamlNode>, ctx: CompileContext): S | undefined;
  /** Runs the stage. Sources and transforms leave a table named after the stage. */
  run(stage: S, rt: RunContext): Promise<StageReport>;
  /**
   * Begins what the stage's run will need from this process (worker threads, say) while the
   * database opens; `loadStyle` is how the database will take loaded rows. Returns what stops, at
   * the run's end, whatever the run did not use.
   */
  prepare?(stage: S, loadStyle: 'stream' | 'files'): (() => Promise<void>) | undefined;
}

/** Common keys every stage may carry. */
export const COMMON_KEYS: Readonly<Record<string, KeySpec>> = {
  type: { description: 'the kind of stage; usually implied by its other keys' },
  description: { description: 'free text, shown by `etl graph`' },
};
