import type { Check, Measure, Pipeline, Stage } from '../config/pipeline.ts';
import { tableNames, tablesMade, tablesNamed } from '../graph/select.ts';

/**
 * When each table of a run can go: once every transform of the run that reads it has run, unless
 * a check, a measure or a sink reads it (they all come after the transforms). A transform reads its
 * inputs and every table its SQL names, so a table an undeclared query reads stays too. A table
 * nobody reads later only takes room: on DuckDB the memory its limit allows (at scale 1.0 of the
 * benchmark the history table alone fills it, and every stage after its last reader spilled to disk),
 * on PostgreSQL the disk. Nothing read from a table changes, so neither do the outputs.
 */
export class TableLifetimes {
  /** For each table, the transforms of the run that read it and have not finished. */
  readonly #readers = new Map<string, Set<string>>();
  /** Tables read after the transforms: by a check, a measure or a sink. */
  readonly #kept = new Set<string>();
  /** What each transform reads (its inputs, the tables its SQL names) and makes. */
  readonly #touches = new Map<string, { reads: string[]; makes: string[] }>();
  /** Tables that exist: the sources', and those of the transforms that finished. */
  readonly #made = new Set<string>();
  readonly #gone = new Set<string>();

  /** `stages` are the run's (in any order); `checks` and `measures` the ones it runs. */
  constructor(pipeline: Pipeline, stages: readonly Stage[], checks: readonly Check[], measures: readonly Measure[]) {
    const names = tableNames(pipeline);
    for (const c of checks) for (const q of c.queries) for (const t of tablesNamed(q.sql.text, names)) this.#kept.add(t);
    for (const m of measures) for (const t of tablesNamed(m.sql.text, names)) this.#kept.add(t);
    for (const s of stages) {
      if (s.kind === 'sink') this.#kept.add(s.from);
      if (s.kind === 'source') this.#made.add(s.id);
      if (s.kind === 'source' || s.kind === 'sink') continue;
      const reads = new Set([...s.inputs, ...(s.kind === 'ts' ? [] : tablesNamed(s.sql.text, names))]);
      for (const t of reads) {
        const readers = this.#readers.get(t) ?? new Set<string>();
        readers.add(s.id);
        this.#readers.set(t, readers);
      }
      this.#touches.set(s.id, { reads: [...reads], makes: tablesMade(s) });
    }
  }

  /**
   * The tables no later stage reads, now that transform `id` has finished: of those it read, the
   * ones whose last reader it was; of those it made, the ones nothing reads. A table its SQL names
   * but that a later stage makes goes after that stage. Each table is named once.
   */
  finished(id: string): string[] {
    const touches = this.#touches.get(id);
    if (!touches) return [];
    for (const t of touches.makes) this.#made.add(t);
    for (const t of touches.reads) this.#readers.get(t)!.delete(id);
    const gone: string[] = [];
    for (const t of [...touches.reads, ...touches.makes]) {
      if (this.#gone.has(t) || this.#kept.has(t) || !this.#made.has(t) || (this.#readers.get(t)?.size ?? 0) > 0) continue;
      this.#gone.add(t);
      gone.push(t);
    }
    return gone;
  }
}
