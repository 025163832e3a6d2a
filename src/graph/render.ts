import type { Pipeline, Stage } from '../config/pipeline.ts';
import { executionOrder } from './graph.ts';

export type GraphFormat = 'dot' | 'mermaid';

function kindLabel(stage: Stage): string {
  return stage.kind === 'source' ? 'source' : stage.kind === 'sink' ? 'sink' : `${stage.kind} transform`;
}

/** The stage graph as Graphviz DOT or Mermaid, stages in execution order so the text is stable. */
export function renderGraph(pipeline: Pipeline, format: GraphFormat): string {
  const order = executionOrder(pipeline);
  const stages = order.map((id) => pipeline.stages.get(id)!);
  const edges = [...pipeline.edges].sort((a, b) => order.indexOf(a.to) - order.indexOf(b.to) || order.indexOf(a.from) - order.indexOf(b.from));
  if (format === 'mermaid') {
    const shape = (s: Stage) => (s.kind === 'source' ? `[("${s.id}<br/>${kindLabel(s)}")]` : s.kind === 'sink' ? `[/"${s.id}<br/>${kindLabel(s)}"/]` : `["${s.id}<br/>${kindLabel(s)}"]`);
    const lines = ['flowchart LR', ...stages.map((s) => `  ${s.id}${shape(s)}`)];
    for (const e of edges) lines.push(e.kind === 'after' ? `  ${e.from} -.->|after| ${e.to}` : `  ${e.from} --> ${e.to}`);
    return `${lines.join('\n')}\n`;
  }
  const shape = (s: Stage) => (s.kind === 'source' ? 'cylinder' : s.kind === 'sink' ? 'note' : 'box');
  const lines = [`digraph "${pipeline.name.replaceAll('"', '\\"')}" {`, '  rankdir=LR;'];
  for (const s of stages) lines.push(`  "${s.id}" [shape=${shape(s)}, label="${s.id}\\n${kindLabel(s)}"];`);
  for (const e of edges) lines.push(e.kind === 'after' ? `  "${e.from}" -> "${e.to}" [style=dashed, label="after"];` : `  "${e.from}" -> "${e.to}";`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
