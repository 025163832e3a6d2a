import type { StageTiming } from './manifest.ts';

/**
 * When each stage of a run started and finished, in milliseconds from the run's start, for the
 * manifest's `run` field and the report's timeline. Stages that overlap (two run at once) show it.
 */
export class StageClock {
  readonly #started: number;
  readonly #timings = new Map<string, { started_ms: number; finished_ms?: number; failed?: boolean }>();

  constructor(startedMs: number) {
    this.#started = startedMs;
  }

  /** Runs `work` as stage `id`, recording its start, its end, and whether it threw. */
  async time<T>(id: string, work: () => Promise<T>): Promise<T> {
    const entry: { started_ms: number; finished_ms?: number; failed?: boolean } = { started_ms: Date.now() - this.#started };
    this.#timings.set(id, entry);
    try {
      return await work();
    } catch (e) {
      entry.failed = true;
      throw e;
    } finally {
      entry.finished_ms = Date.now() - this.#started;
    }
  }

  /** Every stage started so far, in the order given (the plan's), then any other in start order. */
  timings(order: readonly string[] = []): StageTiming[] {
    const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
    return [...this.#timings].sort(([a], [b]) => rank(a) - rank(b)).map(([id, t]) => ({ id, ...t }));
  }
}
