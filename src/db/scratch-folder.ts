import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '../process-alive.ts';
import { Watchdog } from './watchdog.ts';

/** The name of every DuckDB run's folder: the run's process id tells a live one from an abandoned one. */
const SCRATCH_NAME = /^etl-duckdb-(\d+)-[0-9a-f]+$/;

/**
 * A DuckDB run's private folder in the system's temporary folder (mode 0700): DuckDB spills there
 * when a query outgrows its memory limit, and the checked rows of sources wait there for DuckDB
 * to read them. It holds personal data, so it goes with the run: removed by {@link remove}, and by
 * a watchdog process when the run is killed; the next run removes one whose watchdog was killed too.
 */
export class ScratchFolder {
  readonly path: string;
  readonly #watchdog: Watchdog;
  #removed = false;

  private constructor(dir: string, watchdog: Watchdog) {
    this.path = dir;
    this.#watchdog = watchdog;
  }

  /** Creates the folder, after telling a new watchdog to remove it if the run dies. */
  static create(): ScratchFolder {
    removeAbandonedScratch();
    const dir = path.join(os.tmpdir(), `etl-duckdb-${process.pid}-${randomBytes(6).toString('hex')}`);
    const watchdog = Watchdog.start();
    watchdog.folder(dir);
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
      fs.chmodSync(dir, 0o700);
    } catch (e) {
      watchdog.release();
      throw e;
    }
    return new ScratchFolder(dir, watchdog);
  }

  /** A fresh path inside the folder. */
  file(name: string): string {
    return path.join(this.path, `${name}-${randomBytes(4).toString('hex')}`);
  }

  /** Removes the folder and lets the watchdog go; safe to call twice. */
  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    fs.rmSync(this.path, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    this.#watchdog.release();
  }
}

/** Removes the folders of DuckDB runs that died with their watchdog (a machine reset, a killed process group). */
export function removeAbandonedScratch(): number {
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(os.tmpdir());
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = SCRATCH_NAME.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    try {
      fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
      removed++;
    } catch {
      // Another user's, or already going: left alone.
    }
  }
  return removed;
}
