import type { Check, Pipeline, Stage } from '../config/pipeline.ts';
import { hint } from '../config/suggest.ts';
import { EtlError } from '../errors.ts';
import { executionOrder } from './graph.ts';

/** What a selection runs: the stages, and which of them are written (sinks) or checked. */
export interface Selection {
  /** Stage ids to run: the selected ones and everything upstream that makes their tables. */
  readonly run: ReadonlySet<string>;
  /** True when every stage is selected (then checks and the manifest are complete). */
  readonly all: boolean;
}

const SELECTOR = /^(\+?)([a-z_][a-z0-9_]*)(\+?)$/;

/**
 * dbt's graph operators: `name` selects one stage, `+name` with everything upstream, `name+`
 * with everything downstream; several selectors add up. A route of a split selects the split.
 * Upstream stages always run, since each run rebuilds its tables; only selected sinks are written.
 */
export function select(pipeline: Pipeline, selectors: readonly string[]): Selection {
  const ids = [...pipeline.stages.keys()];
  if (selectors.length === 0) return { run: new Set(ids), all: true };
  const owner = new Map<string, string>(ids.map((id) => [id, id]));
  for (const s of pipeline.stages.values()) if (s.kind === 'split') for (const r of s.routes) owner.set(r.name, s.id);
  // Upstream follows the data only (an `after` moves no rows); downstream follows every edge.
  const upstream = new Map<string, string[]>();
  const downstream = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, key: string, value: string) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  for (const e of pipeline.edges) {
    if (e.kind !== 'after') add(upstream, e.to, e.from);
    add(downstream, e.from, e.to);
  }
  const up = (id: string) => upstream.get(id) ?? [];
  const down = (id: string) => downstream.get(id) ?? [];
  const walk = (start: string, next: (id: string) => string[]) => {
    const seen = new Set<string>([start]);
    for (const todo = [start]; todo.length; ) for (const n of next(todo.pop()!)) if (!seen.has(n)) seen.add(n), todo.push(n);
    return seen;
  };

  const chosen = new Set<string>();
  const problems = [];
  for (const selector of selectors) {
    const m = SELECTOR.exec(selector);
    const id = m ? owner.get(m[2]!) : undefined;
    if (!m || !id) {
      problems.push({ message: `--select "${selector}": ${m ? `no stage "${m[2]}"${hint(m[2]!, [...owner.keys()].sort(), 'stages')}` : 'a selector is name, +name, name+ or +name+'}` });
      continue;
    }
    chosen.add(id);
    if (m[1]) for (const n of walk(id, up)) chosen.add(n);
    if (m[3]) for (const n of walk(id, down)) chosen.add(n);
  }
  if (problems.length) throw new EtlError('invalid', problems);
  // One walk up from all the chosen stages at once: each stage is visited once, however many are chosen.
  const run = new Set<string>(chosen);
  for (const todo = [...chosen]; todo.length; ) for (const n of up(todo.pop()!)) if (!run.has(n)) run.add(n), todo.push(n);
  // A sink runs only when chosen; stages reached only as upstream of nothing chosen do not.
  for (const id of [...run]) if (pipeline.stages.get(id)!.kind === 'sink' && !chosen.has(id)) run.delete(id);
  return { run, all: run.size === ids.length };
}

/**
 * The order a run takes: sources first (they depend on nothing, and invalid rows should stop
 * the run before any transform), then transforms, then sinks, each in dependency order.
 */
export function runOrder(pipeline: Pipeline, selection: Selection): Stage[] {
  const order = executionOrder(pipeline).filter((id) => selection.run.has(id)).map((id) => pipeline.stages.get(id)!);
  const rank = (s: Stage) => (s.kind === 'source' ? 0 : s.kind === 'sink' ? 2 : 1);
  return [0, 1, 2].flatMap((r) => order.filter((s) => rank(s) === r));
}

/**
 * With a selection, a check runs only when every stage its SQL names was run; the others
 * would read tables that do not exist.
 */
export function checksFor(pipeline: Pipeline, selection: Selection): Check[] {
  if (selection.all) return [...pipeline.checks];
  const made = new Set<string>();
  for (const id of selection.run) for (const t of tablesMade(pipeline.stages.get(id)!)) made.add(t);
  const names = tableNames(pipeline);
  return pipeline.checks.filter((c) => c.queries.every((q) => tablesNamed(q.sql.text, names).every((n) => made.has(n))));
}

/** The tables a stage makes: its own, and a split's routes too. */
export function tablesMade(stage: Stage): string[] {
  return stage.kind === 'split' ? [stage.id, ...stage.routes.map((r) => r.name)] : [stage.id];
}

/** Every table a pipeline's stages make. */
export function tableNames(pipeline: Pipeline): Set<string> {
  return new Set([...pipeline.stages.values()].flatMap(tablesMade));
}

/**
 * The tables among `names` (stage ids, lower case) that a SQL text names: where a whole word of it
 * (`\w+`, as `\bname\b` would match), in any case, is a table's name, comments and strings
 * included, so never fewer than it reads (`FROM History` reads `history`: both engines fold an
 * unquoted name to lower case). One pass over the SQL, not a pattern per table.
 */
export function tablesNamed(sql: string, names: ReadonlySet<string>): string[] {
  return (sql.match(/\w+/g) ?? []).map((word) => word.toLowerCase()).filter((word) => names.has(word));
}
