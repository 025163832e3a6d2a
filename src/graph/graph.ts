import type { Edge, Pipeline } from '../config/pipeline.ts';
import type { Diagnostic } from '../errors.ts';

/** Adjacency of the stage graph: for each stage, the stages it depends on. */
export function dependencies(stageIds: readonly string[], edges: readonly Edge[]): Map<string, Edge[]> {
  const deps = new Map<string, Edge[]>(stageIds.map((id) => [id, []]));
  for (const e of edges) deps.get(e.to)?.push(e);
  return deps;
}

/**
 * Every cycle, each reported once as its path (`a -> b -> a`) at the position of the edge
 * that closes it. Stages are visited in id order so the report is the same on every run.
 */
export function findCycles(stageIds: readonly string[], edges: readonly Edge[]): Diagnostic[] {
  const out = new Map<string, Edge[]>(stageIds.map((id) => [id, []]));
  for (const e of edges) out.get(e.from)?.push(e);
  for (const list of out.values()) list.sort((a, b) => a.to.localeCompare(b.to));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: Diagnostic[] = [];

  const visit = (id: string) => {
    state.set(id, 'open');
    stack.push(id);
    for (const e of out.get(id) ?? []) {
      const s = state.get(e.to);
      if (s === 'open') {
        const path = [...stack.slice(stack.indexOf(e.to)), e.to];
        found.push({ pos: e.pos, message: `cycle: ${path.join(' -> ')}` });
      } else if (s === undefined) visit(e.to);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of [...stageIds].sort()) if (!state.has(id)) visit(id);
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
  const ready = ids.filter((id) => waiting.get(id) === 0).sort();
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const to of next.get(id)!) {
      const left = waiting.get(to)! - 1;
      waiting.set(to, left);
      if (left === 0) {
        ready.push(to);
        ready.sort();
      }
    }
  }
  return order;
}
