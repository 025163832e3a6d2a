import type { Edge, Pipeline } from '../config/pipeline.ts';
import type { Diagnostic } from '../errors.ts';
import { ReadyQueue } from './queue.ts';

/** Adjacency of the stage graph: for each stage, the stages it depends on. */
export function dependencies(stageIds: readonly string[], edges: readonly Edge[]): Map<string, Edge[]> {
  const deps = new Map<string, Edge[]>(stageIds.map((id) => [id, []]));
  for (const e of edges) deps.get(e.to)?.push(e);
  return deps;
}

/**
 * Every cycle, each reported once as its path (`a -> b -> a`) at the position of the edge
 * that closes it. Stages are visited in id order so the report is the same on every run.
 * The depth-first walk keeps its own stack, so a chain of any length cannot overflow the call stack.
 */
export function findCycles(stageIds: readonly string[], edges: readonly Edge[]): Diagnostic[] {
  const out = new Map<string, Edge[]>(stageIds.map((id) => [id, []]));
  for (const e of edges) out.get(e.from)?.push(e);
  for (const list of out.values()) list.sort((a, b) => a.to.localeCompare(b.to));
  const state = new Map<string, 'open' | 'done'>();
  // The open stages from the walk's root, where each sits on that path, and the next edge each will follow.
  const path: string[] = [];
  const depth = new Map<string, number>();
  const nextEdge: number[] = [];
  const found: Diagnostic[] = [];

  const open = (id: string) => {
    state.set(id, 'open');
    depth.set(id, path.length);
    path.push(id);
    nextEdge.push(0);
  };
  for (const root of [...stageIds].sort()) {
    if (state.has(root)) continue;
    open(root);
    while (path.length > 0) {
      const id = path[path.length - 1]!;
      const e = (out.get(id) ?? [])[nextEdge[nextEdge.length - 1]!++];
      if (e === undefined) {
        path.pop();
        nextEdge.pop();
        state.set(id, 'done');
        continue;
      }
      const s = state.get(e.to);
      if (s === 'open') found.push({ pos: e.pos, message: `cycle: ${[...path.slice(depth.get(e.to)), e.to].join(' -> ')}` });
      else if (s === undefined) open(e.to);
    }
  }
  return found;
}

/**
 * The order stages run in: a topological order where, among stages ready at the same time,
 * the smallest id goes first, so the plan is the same on every run. Assumes no cycle.
 */
export function executionOrder(pipeline: Pick<Pipeline, 'stages' | 'edges'>): string[] {
  const ids = [...pipeline.stages.keys()];
  const waiting = new Map<string, number>(ids.map((id) => [id, 0]));
  const next = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of pipeline.edges) {
    waiting.set(e.to, waiting.get(e.to)! + 1);
    next.get(e.from)!.push(e.to);
  }
  const ready = new ReadyQueue<string>((a, b) => a < b, ids.filter((id) => waiting.get(id) === 0));
  const order: string[] = [];
  for (let id = ready.pop(); id !== undefined; id = ready.pop()) {
    order.push(id);
    for (const to of next.get(id)!) {
      const left = waiting.get(to)! - 1;
      waiting.set(to, left);
      if (left === 0) ready.push(to);
    }
  }
  return order;
}
