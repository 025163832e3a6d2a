import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import path from 'node:path';

const SCRIPT = path.join(import.meta.dirname, 'cluster-watchdog.mjs');

/**
 * The run's end of a watchdog process that cleans up the embedded cluster if the run dies
 * without doing so itself (SIGKILL gives it no chance): it holds a pipe from the run, and the
 * pipe's end without {@link release} means the run is gone. See `cluster-watchdog.mjs`.
 */
export class Watchdog {
  readonly #pipe: Socket;
  #released = false;

  private constructor(pipe: Socket) {
    this.#pipe = pipe;
  }

  /** Starts the watchdog: detached (its own session, out of reach of the terminal's Ctrl-C). */
  static start(): Watchdog {
    const child = spawn(process.execPath, [SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], cwd: '/' });
    const pipe = child.stdin as Socket;
    // A watchdog that died (or was killed) must not take the run with it.
    pipe.on('error', () => undefined);
    child.on('error', () => undefined);
    // Neither the watchdog nor its pipe keeps the run's event loop alive.
    child.unref();
    pipe.unref();
    return new Watchdog(pipe);
  }

  /** A folder to remove if the run dies; say so before creating it. */
  folder(dir: string): void {
    this.#send(`dir ${dir}`);
  }

  /** A process group to stop if the run dies (a process spawned detached leads its own). */
  started(pid: number): void {
    this.#send(`pid ${pid}`);
  }

  /** That process has exited: its id may belong to someone else from now on. */
  exited(pid: number): void {
    this.#send(`exit ${pid}`);
  }

  /** The run cleaned up itself: the watchdog exits without doing anything. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#pipe.end('done\n');
  }

  #send(line: string): void {
    if (!this.#released) this.#pipe.write(`${line}\n`);
  }
}
