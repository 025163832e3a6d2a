import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Edge, Stage } from '../../src/config/pipeline.ts';
import { runScheduled } from '../../src/engine/schedule.ts';

/** The scheduler as first written (a scan of the waiting stages for the first whose inputs are done): the behaviour to keep. */
async function scanningSchedule(stages: readonly Stage[], edges: readonly Edge[], limit: number, run: (stage: Stage) => Promise<void>): Promise<void> {
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
      running.set(stage!.id, run(stage!).then(() => stage!.id, (error: unknown) => ((failure ??= { error }), stage!.id)));
    }
    if (running.size === 0) break;
    const finished = await Promise.race(running.values());
    running.delete(finished);
    done.add(finished);
  }
  if (failure) throw failure.error;
}

/** Runs a schedule whose stages take `ticks` turns of the event loop each (and may fail), and records what started and ended. */
async function trace(schedule: typeof runScheduled, stages: Stage[], edges: Edge[], limit: number, ticks: number[], failing: number): Promise<string[]> {
  const events: string[] = [];
  const run = async (stage: Stage) => {
    const i = stages.indexOf(stage);
    events.push(`start ${stage.id}`);
    for (let t = 0; t < ticks[i]!; t++) await new Promise((resolve) => setImmediate(resolve));
    events.push(`end ${stage.id}`);
    if (i === failing) throw new Error(`stage ${stage.id} failed`);
  };
  try {
    await schedule(stages, edges, limit, run);
  } catch (e) {
    events.push((e as Error).message);
  }
  return events;
}

describe('the scheduler', () => {
  it('starts, overlaps and stops stages as the scanning scheduler did, for any graph, limit and timing (property)', async () => {
    const cases = fc.integer({ min: 1, max: 15 }).chain((n) =>
      fc.tuple(
        fc.constant(n),
        fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 3 * n }),
        fc.array(fc.nat(3), { minLength: n, maxLength: n }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: -1, max: n - 1 }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ([n, pairs, ticks, limit, failing]) => {
        const stages = Array.from({ length: n }, (_, i) => ({ id: `s${i}` }) as Stage);
        // Edges run forward only (no cycles); some come from stages of another phase, which the scheduler ignores.
        const edges = pairs.filter(([a, b]) => a < b).map(([a, b]) => ({ from: a % 4 === 3 ? `other${a}` : `s${a}`, to: `s${b}`, kind: 'input', pos: { file: 'p' } }) as Edge);
        expect(await trace(runScheduled, stages, edges, limit, ticks, failing)).toEqual(await trace(scanningSchedule, stages, edges, limit, ticks, failing));
      }),
      { numRuns: 300 },
    );
  });
});
