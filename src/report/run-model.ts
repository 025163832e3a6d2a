import type { Pipeline, Stage } from '../config/pipeline.ts';
import type { ManifestDoc } from '../engine/manifest.ts';
import { executionOrder } from '../graph/graph.ts';

/** A stage of the graph as the report draws it. */
export interface GraphNode {
  readonly id: string;
  readonly kind: Stage['kind'];
  /** Rows the stage's table holds (a sink: rows written); absent when it did not run. */
  readonly rows?: number;
  readonly state: 'done' | 'failed' | 'not run';
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'input' | 'from' | 'after';
  /** A split's route the edge carries. */
  readonly table?: string;
  /** Rows that went along the edge, when the run got that far. */
  readonly rows?: number;
}

export interface SourceBalance {
  readonly stage: string;
  readonly read: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly holds: boolean;
  /** Rejected rows by the rule they broke. */
  readonly byRule: readonly { rule: string; rows: number }[];
}

export interface SplitBalance {
  readonly stage: string;
  readonly input: number;
  readonly routes: readonly { name: string; rows: number }[];
  readonly holds: boolean;
}

/**
 * Everything a run's page shows, and nothing else: ids, paths, counts, hashes, check values
 * (numbers and booleans only, as the manifest keeps them), codes, timings. No personal value can
 * reach it: it is built from the manifest and the pipeline's definition, never from a data row.
 */
export interface RunModel {
  readonly pipeline: string;
  readonly description?: string;
  readonly status: 'passed' | 'failed';
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** Sinks linked by `after:`, by step: every sink of a step is written after those of the steps before. */
  readonly sinkOrder: readonly (readonly string[])[];
  readonly sources: readonly SourceBalance[];
  readonly splits: readonly SplitBalance[];
  readonly checks: readonly { name: string; description?: string; passed: boolean; values: readonly { label: string; value: string | null }[] }[];
  readonly inputs: readonly { stage: string; path: string; rows: number; sha256?: string }[];
  /** Empty for a failed run: nothing was written. */
  readonly outputs: readonly { stage: string; path: string; rows: number; sha256: string }[];
  readonly countsBy: readonly { sink: string; column: string; counts?: readonly { value: string; rows: number }[]; withheld?: string }[];
  readonly measures: readonly { name: string; description?: string; value: number }[];
  readonly parameters: readonly { name: string; value: string }[];
  /** The part that differs between reruns of the same inputs. */
  readonly run: {
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly database: string;
    readonly timings: readonly { stage: string; kind: Stage['kind']; startMs: number; endMs: number; failed: boolean }[];
  };
  /** Why the run failed: the error's lines, which name files, lines, rules and counts, never a value. */
  readonly failure?: readonly string[];
}

/** The page's data for a run of `pipeline` that its manifest document `doc` describes. */
export function runModel(pipeline: Pipeline, doc: ManifestDoc, failure?: readonly string[]): RunModel {
  const order = executionOrder(pipeline);
  const stageRecord = new Map(doc.stages.map((s) => [s.id, s]));
  const timings = doc.run?.stages ?? [];
  const failedStage = new Set(timings.filter((t) => t.failed).map((t) => t.id));
  const nodes: GraphNode[] = order.map((id) => {
    const stage = pipeline.stages.get(id)!;
    const done = stageRecord.get(id);
    return { id, kind: stage.kind, ...(done ? { rows: done.rows } : {}), state: done ? 'done' : failedStage.has(id) ? 'failed' : 'not run' };
  });
  const edges: GraphEdge[] = [...pipeline.edges]
    .sort((a, b) => order.indexOf(a.to) - order.indexOf(b.to) || order.indexOf(a.from) - order.indexOf(b.from) || (a.table ?? '').localeCompare(b.table ?? ''))
    .map((e) => {
      const from = stageRecord.get(e.from);
      const rows = e.kind === 'after' || !from ? undefined : e.table ? from.counts?.[e.table] : from.rows;
      return { from: e.from, to: e.to, kind: e.kind, ...(e.table ? { table: e.table } : {}), ...(rows !== undefined ? { rows } : {}) };
    });
  const sources: SourceBalance[] = [];
  const splits: SplitBalance[] = [];
  for (const c of doc.conservation) {
    if ('routes' in c) {
      const routes = Object.entries(c.routes).map(([name, rows]) => ({ name, rows }));
      splits.push({ stage: c.stage, input: c.input ?? 0, routes, holds: c.holds });
    } else {
      const byRule = Object.entries(c.rejected_by_rule ?? {}).map(([rule, rows]) => ({ rule, rows }));
      sources.push({ stage: c.stage, read: c.read ?? 0, accepted: c.accepted, rejected: c.rejected, holds: c.holds, byRule });
    }
  }
  const countsBy: RunModel['countsBy'][number][] = [];
  for (const s of doc.stages) {
    for (const [column, counts] of Object.entries(s.counts_by ?? {})) {
      if (typeof counts === 'string') countsBy.push({ sink: s.id, column, withheld: counts });
      else countsBy.push({ sink: s.id, column, counts: Object.entries(counts).map(([value, rows]) => ({ value, rows })).sort((a, b) => (a.value < b.value ? -1 : 1)) });
    }
  }
  const describedMeasure = new Map(pipeline.measures.map((m) => [m.name, m.description]));
  return {
    pipeline: doc.pipeline,
    ...(pipeline.description ? { description: pipeline.description } : {}),
    status: failure || !doc.passed ? 'failed' : 'passed',
    nodes,
    edges,
    sinkOrder: sinkSteps(pipeline),
    sources,
    splits,
    checks: doc.reconciliation.map((c) => ({ name: c.name, ...(c.description ? { description: c.description } : {}), passed: c.passed, values: Object.entries(c.values).map(([label, value]) => ({ label, value })) })),
    inputs: doc.inputs.map((f) => ({ stage: f.source, path: f.path, rows: f.rows, ...(f.sha256 ? { sha256: f.sha256 } : {}) })),
    outputs: failure ? [] : doc.outputs.map((f) => ({ stage: f.stage, path: f.path, rows: f.rows, sha256: f.sha256 })),
    countsBy,
    measures: Object.entries(doc.measures ?? {}).map(([name, value]) => ({ name, ...(describedMeasure.get(name) ? { description: describedMeasure.get(name) } : {}), value })),
    parameters: Object.entries(doc.parameters).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => ({ name, value })),
    run: {
      startedAt: doc.run?.started_at ?? '',
      finishedAt: doc.run?.finished_at ?? '',
      database: doc.run?.database ?? '',
      timings: timings.map((t) => ({ stage: t.id, kind: pipeline.stages.get(t.id)!.kind, startMs: t.started_ms, endMs: t.finished_ms ?? t.started_ms, failed: t.failed === true })),
    },
    ...(failure ? { failure } : {}),
  };
}

/** Sinks that take part in an `after:` order, grouped by how many sinks must come before them. */
function sinkSteps(pipeline: Pipeline): string[][] {
  const after = pipeline.edges.filter((e) => e.kind === 'after');
  const involved = new Set(after.flatMap((e) => [e.from, e.to]));
  const depth = new Map<string, number>();
  const depthOf = (id: string): number => {
    if (!depth.has(id)) depth.set(id, Math.max(-1, ...after.filter((e) => e.to === id).map((e) => depthOf(e.from))) + 1);
    return depth.get(id)!;
  };
  const steps: string[][] = [];
  for (const id of executionOrder(pipeline).filter((x) => involved.has(x))) (steps[depthOf(id)] ??= []).push(id);
  return steps;
}
