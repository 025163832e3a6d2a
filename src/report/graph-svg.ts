import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import { esc } from './html.ts';
import { elk as newElk, keepLayout, keptLayout, type Elk } from './libraries.ts';
import type { GraphEdge, GraphNode } from './run-model.ts';

const FONT = 'DejaVu Sans Mono, monospace';
/** Advance of one character of the 12px and 11px monospace fonts: widths are computed, not measured. */
const CHAR_12 = 7.3;
const CHAR_11 = 6.7;
const FILL: Record<GraphNode['kind'], string> = { source: '#e8f0fe', sql: '#f1f3f4', ts: '#f3e8fd', split: '#fef7e0', sink: '#e6f4ea' };
const KIND: Record<GraphNode['kind'], string> = { source: 'source', sql: 'sql', ts: 'ts', split: 'split', sink: 'sink' };

let elk: Elk | undefined;

/**
 * The stage graph as SVG: laid out by ELK's layered algorithm (left to right, in dependency
 * order), drawn here from its coordinates. Each edge carries the rows that went along it (a split's
 * edges their route and its rows); `after:` edges are dashed. Each stage is a `<g data-stage>`.
 */
export async function graphSvg(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): Promise<string> {
  const rows = (k: number) => `${k} row${k === 1 ? '' : 's'}`;
  const sub = (n: GraphNode) => `${KIND[n.kind]}${n.rows !== undefined ? ` · ${rows(n.rows)}` : n.state === 'failed' ? ' · failed' : ' · not run'}`;
  const label = (e: GraphEdge) => (e.kind === 'after' ? 'after' : `${e.table ? `${e.table}: ` : ''}${e.rows !== undefined ? rows(e.rows) : ''}`);
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '40',
      'elk.spacing.nodeNode': '20',
      'elk.spacing.edgeLabel': '2',
      // Labels at the edge's start, beside the stage the rows leave: centred labels would take layers of their own.
      'elk.edgeLabels.placement': 'TAIL',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.padding': '[top=10,left=10,bottom=10,right=10]',
    },
    children: nodes.map((n) => ({ id: n.id, width: Math.ceil(Math.max(n.id.length * CHAR_12, sub(n).length * CHAR_11) + 24), height: 42 })),
    edges: edges.map((e, i): ElkExtendedEdge => {
      const text = label(e);
      return { id: `e${i}`, sources: [e.from], targets: [e.to], labels: text ? [{ id: `l${i}`, text, width: Math.ceil(text.length * CHAR_11) + 4, height: 14 }] : [] };
    }),
  };
  const laid = await layout(graph);
  const width = Math.ceil(laid.width ?? 0);
  const height = Math.ceil(laid.height ?? 0);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" role="img" aria-label="stage graph">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#5f6b7a"/></marker>',
    '<marker id="arrow-after" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#a0a8b4"/></marker></defs>',
  ];
  for (const [i, e] of (laid.edges ?? []).entries()) {
    const edge = edges[i]!;
    const points = (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
    const d = points.map((p, k) => `${k === 0 ? 'M' : 'L'}${num(p.x)},${num(p.y)}`).join('');
    const after = edge.kind === 'after';
    out.push(`<g class="edge" data-from="${esc(edge.from)}" data-to="${esc(edge.to)}"${edge.rows !== undefined ? ` data-rows="${edge.rows}"` : ''}>`);
    out.push(`<path d="${d}" fill="none" stroke="${after ? '#a0a8b4' : '#5f6b7a'}" stroke-width="1.3"${after ? ' stroke-dasharray="5 4"' : ''} marker-end="url(#${after ? 'arrow-after' : 'arrow'})"/>`);
    for (const l of e.labels ?? []) {
      out.push(`<text x="${num(l.x ?? 0)}" y="${num((l.y ?? 0) + 11)}" font-size="11" fill="${after ? '#8a94a3' : '#1d2330'}">${esc(l.text ?? '')}</text>`);
    }
    out.push('</g>');
  }
  for (const n of laid.children ?? []) {
    const node = nodes.find((x) => x.id === n.id)!;
    const [x, y, w, h] = [n.x ?? 0, n.y ?? 0, n.width ?? 0, n.height ?? 0];
    const stroke = node.state === 'failed' ? '#b3261e' : node.state === 'not run' ? '#a0a8b4' : '#5f6b7a';
    const dash = node.state === 'not run' ? ' stroke-dasharray="4 3"' : '';
    const width = node.state === 'failed' ? 2.5 : 1.2;
    out.push(`<g class="stage ${node.kind}" data-stage="${esc(node.id)}"${node.rows !== undefined ? ` data-rows="${node.rows}"` : ''}><title>${esc(`${node.id}: ${sub(node)}`)}</title>`);
    if (node.kind === 'split') {
      const s = 10;
      out.push(`<path d="M${num(x + s)},${num(y)}H${num(x + w - s)}L${num(x + w)},${num(y + h / 2)}L${num(x + w - s)},${num(y + h)}H${num(x + s)}L${num(x)},${num(y + h / 2)}z" fill="${FILL.split}" stroke="${stroke}" stroke-width="${width}"${dash}/>`);
    } else {
      const r = node.kind === 'source' ? 12 : node.kind === 'sink' ? 2 : 5;
      out.push(`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" rx="${r}" fill="${FILL[node.kind]}" stroke="${stroke}" stroke-width="${width}"${dash}/>`);
    }
    out.push(`<text x="${num(x + w / 2)}" y="${num(y + 18)}" font-size="12" font-weight="bold" text-anchor="middle" fill="#1d2330">${esc(node.id)}</text>`);
    out.push(`<text x="${num(x + w / 2)}" y="${num(y + 33)}" font-size="11" text-anchor="middle" fill="${node.state === 'failed' ? '#b3261e' : '#5f6b7a'}">${esc(sub(node))}</text></g>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

/**
 * ELK's layout of the graph, or the same layout kept by an earlier run (see {@link keptLayout}):
 * laying out a pipeline's graph takes ELK a quarter of a second in a fresh process, more than the rest of the page.
 */
async function layout(graph: ElkNode): Promise<ElkNode> {
  // What the layout depends on: the graph without its labels' text.
  const key = JSON.stringify({ ...graph, edges: graph.edges?.map((e) => ({ ...e, labels: e.labels?.map((l) => ({ ...l, text: undefined })) })) });
  const kept = keptLayout(key);
  if (kept && fits(kept, graph)) {
    kept.edges?.forEach((e, i) => e.labels?.forEach((l, j) => (l.text = graph.edges![i]!.labels![j]!.text)));
    return kept;
  }
  elk ??= newElk();
  const laid = await elk.layout(graph);
  keepLayout(key, laid);
  return laid;
}

/** Whether a kept layout is one of this graph: its stages and edges, labels and all (a damaged file is laid out again). */
function fits(laid: ElkNode, graph: ElkNode): boolean {
  const ids = (n: ElkNode) => (n.children ?? []).map((c) => c.id).join('\0');
  const labels = (n: ElkNode) => (n.edges ?? []).map((e) => `${e.id}:${e.labels?.length ?? 0}`).join('\0');
  return ids(laid) === ids(graph) && labels(laid) === labels(graph) && typeof laid.width === 'number' && typeof laid.height === 'number';
}

/** Coordinates with at most one decimal: smaller files, and the same text on every platform. */
function num(v: number): string {
  return String(Math.round(v * 10) / 10);
}
