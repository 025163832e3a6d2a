import { Worker } from 'node:worker_threads';
import { DatabaseError } from '../db/driver.ts';
import type { CheckSetup, ChunkResult } from './check-chunk.ts';

const WORKER = new URL('./check-worker.mjs', import.meta.url);

/** Workers started ahead of their pool (see {@link startCheckWorkers}), not yet taken by one, with what drops each from the set. */
const spare = new Map<Worker, () => void>();

/**
 * Starts checking workers ahead of the pool that will take them: a worker takes ~0.1 s to start
 * (Node's own set-up of a thread, then the checking code), which can pass while the database opens.
 * Those no pool took are stopped by {@link stopSpareCheckWorkers}.
 */
export function startCheckWorkers(count: number): void {
  while (spare.size < count) {
    const worker = new Worker(WORKER);
    // One that fails before a pool takes it is simply not taken: the pool starts another.
    const drop = () => spare.delete(worker);
    spare.set(worker, drop);
    worker.once('error', drop);
    worker.once('exit', drop);
  }
}

/** Stops the workers started ahead that no pool took. */
export async function stopSpareCheckWorkers(): Promise<void> {
  const left = [...spare.keys()];
  spare.clear();
  await Promise.all(left.map((w) => w.terminate()));
}

function takeWorker(): Worker {
  for (const [worker, drop] of spare) {
    spare.delete(worker);
    // Only this module's listeners: Node's own (which ref the thread's port) stay.
    worker.off('error', drop);
    worker.off('exit', drop);
    return worker;
  }
  return new Worker(WORKER);
}

/**
 * Worker threads that check chunks (`check-worker.mjs`): at most two chunks in flight per worker,
 * so that memory stays flat; results are handed out in chunk order.
 */
export class CheckPool {
  readonly #workers: { worker: Worker; ready: Promise<void>; busy: number }[] = [];
  readonly #results = new Map<number, ChunkResult & { out: string }>();
  readonly #outs = new Map<number, string>();
  /** Chunks' memory the workers are done with, for {@link buffer}: at most as many as can be in flight (two per worker) and one more. */
  readonly #spent: ArrayBuffer[] = [];
  readonly #spentKept: number;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(size: number, setup: CheckSetup) {
    this.#spentKept = 2 * size + 1;
    for (let i = 0; i < size; i++) {
      const worker = takeWorker();
      const slot = { worker, busy: 0, ready: undefined! as Promise<void> };
      slot.ready = new Promise<void>((resolve, reject) => {
        worker.once('error', reject);
        worker.once('message', () => resolve());
      });
      worker.on('error', (e: Error) => this.#fail(e));
      worker.on('message', (m: (ChunkResult & { error?: string; code?: unknown; spent?: ArrayBuffer }) | { ready: true }) => {
        if ('ready' in m) return;
        slot.busy--;
        if (m.spent && this.#spent.length < this.#spentKept) this.#spent.push(m.spent);
        // The checked rows go to the database's folder of the run: its disk is the one that is full.
        if (m.code === 'ENOSPC') this.#fail(new DatabaseError('No space left on device (writing checked rows)', 'ENOSPC', 'disk-full'));
        else if (m.error) this.#fail(new Error(`a worker checking rows failed: ${m.error}`));
        else this.#results.set(m.index, { ...m, out: this.#outs.get(m.index)! });
        this.#poke();
      });
      worker.postMessage({ setup });
      this.#workers.push(slot);
    }
  }

  /**
   * Memory for a chunk of at least `bytes`: a chunk's that a worker is done with when one is big
   * enough, else new. Reading into memory already used costs no page faults, which on some virtual
   * machines cost ~11 µs per 4 KiB page: a new 9 MiB chunk ~25 ms, mostly in the kernel.
   */
  buffer(bytes: number): Buffer {
    const at = this.#spent.findIndex((b) => b.byteLength >= bytes);
    const reused = at < 0 ? undefined : this.#spent.splice(at, 1)[0]!;
    return reused ? Buffer.from(reused) : Buffer.allocUnsafeSlow(bytes);
  }

  /**
   * Hands a chunk to the least busy worker, waiting while every worker has two. The chunk's memory
   * (all of its ArrayBuffer, which must hold nothing else) moves to the worker.
   */
  async send(index: number, bytes: Uint8Array, outFile: string): Promise<void> {
    for (;;) {
      if (this.#failure) throw this.#failure;
      const slot = this.#workers.reduce((a, b) => (b.busy < a.busy ? b : a));
      if (slot.busy < 2) {
        await slot.ready;
        slot.busy++;
        this.#outs.set(index, outFile);
        slot.worker.postMessage({ index, bytes, out: outFile }, [bytes.buffer as ArrayBuffer]);
        return;
      }
      await this.#wait();
    }
  }

  /** Chunk `index`'s result once it is there; undefined when the producer is done and sent no such chunk. */
  async result(index: number, producing: Promise<void>, sent: () => number): Promise<(ChunkResult & { out: string }) | undefined> {
    let done = false;
    void producing.then(
      () => {
        done = true;
        this.#poke();
      },
      (e: Error) => this.#fail(e),
    );
    for (;;) {
      if (this.#failure) throw this.#failure;
      const r = this.#results.get(index);
      if (r) {
        this.#results.delete(index);
        return r;
      }
      if (done && index >= sent()) return undefined;
      await this.#wait();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
  }

  #fail(e: Error): void {
    this.#failure ??= e;
    this.#poke();
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => {
      const previous = this.#wake;
      this.#wake = () => {
        previous?.();
        resolve();
      };
    });
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
