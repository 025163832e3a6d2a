import type { Edge, Pipeline, Stage } from '../config/pipeline.ts';
import { executionOrder } from './graph.ts';

export type GraphFormat = 'dot' | 'mermaid';

function kindLabel(stage: Stage): string {
  return stage.kind === 'source' ? 'source' : stage.kind === 'sink' ? 'sink' : stage.kind === 'split' ? 'split' : `${stage.kind} transform`;
}

/** Rows a finished run moved, by stage id (and by route for splits), to label the edges with. */
export type RowCounts = ReadonlyMap<string, { rows: number; counts?: Readonly<Record<string, number>> }>;

function edgeRows(e: Edge, counts: RowCounts | undefined): string | undefined {
  const stage = counts?.get(e.from);
  if (!stage || e.kind === 'after') return undefined;
  const n = e.table ? stage.counts?.[e.table] : stage.rows;
  return n === undefined ? undefined : `${e.table ? `${e.table}: ` : ''}${n} rows`;
}

/**
 * The stage graph as Graphviz DOT or Mermaid, stages in execution order so the text is stable.
 * With the row counts of a run, each edge says how many rows went along it.
 */
export function renderGraph(pipeline: Pipeline, format: GraphFormat, counts?: RowCounts): string {
  const order = executionOrder(pipeline);
  const stages = order.map((id) => pipeline.stages.get(id)!);
  const at = new Map(order.map((id, i) => [id, i]));
  const edges = [...pipeline.edges].sort((a, b) => at.get(a.to)! - at.get(b.to)! || at.get(a.from)! - at.get(b.from)!);
  if (format === 'mermaid') {
    const shape = (s: Stage) =>
      s.kind === 'source' ? `[("${s.id}<br/>${kindLabel(s)}")]` : s.kind === 'sink' ? `[/"${s.id}<br/>${kindLabel(s)}"/]` : s.kind === 'split' ? `{"${s.id}<br/>${kindLabel(s)}"}` : `["${s.id}<br/>${kindLabel(s)}"]`;
    const lines = ['flowchart LR', ...stages.map((s) => `  ${s.id}${shape(s)}`)];
    for (const e of edges) {
      const label = edgeRows(e, counts) ?? (e.table ? e.table : undefined);
      lines.push(e.kind === 'after' ? `  ${e.from} -.->|after| ${e.to}` : label ? `  ${e.from} -->|"${label}"| ${e.to}` : `  ${e.from} --> ${e.to}`);
    }
    return `${lines.join('\n')}\n`;
  }
  const shape = (s: Stage) => (s.kind === 'source' ? 'cylinder' : s.kind === 'sink' ? 'note' : s.kind === 'split' ? 'diamond' : 'box');
  const lines = [`digraph "${pipeline.name.replaceAll('"', '\\"')}" {`, '  rankdir=LR;'];
  for (const s of stages) lines.push(`  "${s.id}" [shape=${shape(s)}, label="${s.id}\\n${kindLabel(s)}"];`);
  for (const e of edges) {
    const label = edgeRows(e, counts) ?? (e.table ? e.table : undefined);
    lines.push(e.kind === 'after' ? `  "${e.from}" -> "${e.to}" [style=dashed, label="after"];` : label ? `  "${e.from}" -> "${e.to}" [label="${label}"];` : `  "${e.from}" -> "${e.to}";`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
