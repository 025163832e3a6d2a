import type { Edge, Stage } from '../config/pipeline.ts';

/**
 * Runs stages with up to `limit` at a time, each as soon as the stages it depends on (among
 * `stages`) are done; ready stages start in the order given, so the schedule is the same on
 * every run. Independent chains then overlap on the database (two cores, two queries). On a
 * failure no new stage starts, the running ones are waited for (so the run's schema can be
 * dropped), and the first error is thrown.
 */
export async function runScheduled(stages: readonly Stage[], edges: readonly Edge[], limit: number, run: (stage: Stage) => Promise<void>): Promise<void> {
  const inPhase = new Set(stages.map((s) => s.id));
  const needs = new Map(stages.map((s) => [s.id, edges.filter((e) => e.to === s.id && inPhase.has(e.from)).map((e) => e.from)]));
  const waiting = [...stages];
  const done = new Set<string>();
  const running = new Map<string, Promise<string>>();
  let failure: { error: unknown } | undefined;

  while (waiting.length > 0 || running.size > 0) {
    while (!failure && running.size < limit) {
      const next = waiting.findIndex((s) => needs.get(s.id)!.every((d) => done.has(d)));
      if (next < 0) break;
      const [stage] = waiting.splice(next, 1);
      running.set(
        stage!.id,
        run(stage!).then(
          () => stage!.id,
          (error: unknown) => {
            failure ??= { error };
            return stage!.id;
          },
        ),
      );
    }
    if (running.size === 0) break;
    const finished = await Promise.race(running.values());
    running.delete(finished);
    done.add(finished);
  }
  if (failure) throw failure.error;
}
