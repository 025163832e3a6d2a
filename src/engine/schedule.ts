import type { Edge, Stage } from '../config/pipeline.ts';
import { ReadyQueue } from '../graph/queue.ts';

/**
 * Runs stages with up to `limit` at a time, each as soon as the stages it depends on (among
 * `stages`) are done; ready stages start in the order given, so the schedule is the same on
 * every run. Independent chains then overlap on the database (two cores, two queries). On a
 * failure no new stage starts, the running ones are waited for (so the run's schema can be
 * dropped), and the first error is thrown. Each edge is looked at once, whatever the graph's size.
 */
export async function runScheduled(stages: readonly Stage[], edges: readonly Edge[], limit: number, run: (stage: Stage) => Promise<void>): Promise<void> {
  const position = new Map(stages.map((s, i) => [s.id, i]));
  // For each stage (by position), how many of its edges from this phase wait for a stage not yet done, and the stages that wait for it.
  const unmet = stages.map(() => 0);
  const dependents = stages.map((): number[] => []);
  for (const e of edges) {
    const [from, to] = [position.get(e.from), position.get(e.to)];
    if (from === undefined || to === undefined) continue;
    unmet[to]!++;
    dependents[from]!.push(to);
  }
  const ready = new ReadyQueue<number>((a, b) => a < b, [...stages.keys()].filter((i) => unmet[i] === 0));
  const running = new Map<number, Promise<number>>();
  let failure: { error: unknown } | undefined;

  for (;;) {
    while (!failure && running.size < limit && ready.size > 0) {
      const i = ready.pop()!;
      running.set(
        i,
        run(stages[i]!).then(
          () => i,
          (error: unknown) => {
            failure ??= { error };
            return i;
          },
        ),
      );
    }
    if (running.size === 0) break;
    const finished = await Promise.race(running.values());
    running.delete(finished);
    for (const to of dependents[finished]!) if (--unmet[to]! === 0) ready.push(to);
  }
  if (failure) throw failure.error;
}
