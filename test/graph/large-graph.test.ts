import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Edge, Pipeline, Stage } from '../../src/config/pipeline.ts';
import { executionOrder, findCycles } from '../../src/graph/graph.ts';
import { runOrder, select } from '../../src/graph/select.ts';
import { chainPipeline } from '../support/chain-pipeline.ts';
import { runCli } from '../support/run-cli.ts';

describe('a graph of thousands of stages', () => {
  it('validates, plans and draws a chain of 5,000 query transforms', async () => {
    const dir = chainPipeline(5000);
    expect(await runCli(['validate'], dir)).toEqual({ code: 0, out: 'pipeline.yaml: valid (5002 stages)\n', err: '' });
    const plan = await runCli(['plan'], dir);
    expect(plan.err).toBe('');
    expect(plan.code).toBe(0);
    const lines = plan.out.split('\n');
    expect(lines.filter((l) => /^\s+\d+ {2}/.test(l))).toHaveLength(5002);
    expect(lines).toContain('    1  source     s0       reads in.csv (utf-8)');
    expect(lines).toContain('  5001  sql xform  t5000    reads t4999');
    expect(lines).toContain('  5002  sink       out_csv  reads t5000; writes out/out.csv');
    const graph = await runCli(['graph', '--format', 'mermaid'], dir);
    expect(graph.code).toBe(0);
    expect(graph.out.split('\n').filter((l) => l.includes('-->'))).toHaveLength(5001);
    expect(await runCli(['plan', '--select', '+t2'], dir)).toMatchObject({ code: 0, out: expect.stringContaining('stages, in the order they run (selected 3 of 5002):') });
  });

  it('reports a cycle through 5,000 stages once, as its path, at the edge that closes it', async () => {
    const dir = chainPipeline(5000, { cycle: true });
    const path = ['t1', ...Array.from({ length: 4999 }, (_, i) => `t${i + 2}`), 't1'];
    // t1's `inputs: [t5000]` is on line 7 (after name, params, sources:, s0, transforms:, t1:).
    expect(await runCli(['validate'], dir)).toEqual({ code: 2, out: '', err: `pipeline.yaml:7:14: cycle: ${path.join(' -> ')}\n` });
  });
});

/** The definitions the graph code must keep, written the plain way: a recursive walk, a sorted list of ready stages. */
function recursiveCycles(ids: string[], edges: Edge[]): string[] {
  const out = new Map<string, Edge[]>(ids.map((id) => [id, []]));
  for (const e of edges) out.get(e.from)?.push(e);
  for (const list of out.values()) list.sort((a, b) => a.to.localeCompare(b.to));
  const state = new Map<string, string>();
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (id: string) => {
    state.set(id, 'open');
    stack.push(id);
    for (const e of out.get(id)!) {
      if (state.get(e.to) === 'open') found.push(`${e.pos.line}: ${[...stack.slice(stack.indexOf(e.to)), e.to].join(' -> ')}`);
      else if (!state.has(e.to)) visit(e.to);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of [...ids].sort()) if (!state.has(id)) visit(id);
  return found;
}

function sortedListOrder(ids: string[], edges: Edge[]): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < ids.length) {
    const ready = ids.filter((id) => !done.has(id) && edges.every((e) => e.to !== id || done.has(e.from))).sort();
    if (ready.length === 0) break;
    order.push(ready[0]!);
    done.add(ready[0]!);
  }
  return order;
}

const graphs = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 3 * n }), fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n })),
);
const node = (i: number) => `s${String.fromCharCode(97 + (i % 26))}${i}`;
const edgesOf = (pairs: [number, number][], acyclic: boolean): Edge[] =>
  pairs.filter(([a, b]) => !acyclic || a < b).map(([a, b], k) => ({ from: node(a), to: node(b), kind: 'input', pos: { file: 'p.yaml', line: k + 1, col: 1 } }));

describe('the graph code keeps its definitions (property)', () => {
  it('finds the same cycles as a recursive walk', () => {
    fc.assert(
      fc.property(graphs, ([n, pairs, shuffle]) => {
        const ids = shuffle.map(node);
        const edges = edgesOf(pairs, false);
        expect(findCycles(ids, edges).map((d) => `${d.pos!.line}: ${d.message.replace('cycle: ', '')}`)).toEqual(recursiveCycles(ids, edges));
        expect(n).toBe(ids.length);
      }),
      { numRuns: 500 },
    );
  });

  it('orders stages as a list of ready stages re-sorted each time, and runs sources, transforms, sinks in that order', () => {
    fc.assert(
      fc.property(graphs, ([, pairs, shuffle]) => {
        const ids = shuffle.map(node);
        const edges = edgesOf(pairs, true);
        const stages = new Map(ids.map((id, i) => [id, { id, kind: (['source', 'sql', 'sink'] as const)[i % 3] } as Stage]));
        const pipeline = { stages, edges, checks: [] } as unknown as Pipeline;
        const order = sortedListOrder(ids, edges);
        expect(executionOrder(pipeline)).toEqual(order);
        const kinds = ['source', 'sql', 'sink'];
        expect(runOrder(pipeline, select(pipeline, [])).map((s) => s.id)).toEqual(kinds.flatMap((k) => order.filter((id) => stages.get(id)!.kind === k)));
      }),
      { numRuns: 500 },
    );
  });
});
