import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { displayPath, EtlError } from '../errors.ts';
import { processAlive } from '../process-alive.ts';

const LOCK_NAME = '.etl.lock';

/**
 * An exclusive claim on an output folder for one run. A second run that wants the folder is
 * refused while the first lives; a lock whose process is gone (a crashed or killed run) is
 * taken over, so it never stays stale.
 */
export class DirLock {
  readonly #files: string[] = [];

  /** Locks each folder (created where missing), in sorted order so two runs cannot deadlock. */
  static acquire(dirs: readonly string[], onStale: (dir: string) => void): DirLock {
    const lock = new DirLock();
    try {
      for (const dir of [...new Set(dirs)].sort()) lock.#take(dir, onStale);
    } catch (e) {
      lock.release();
      throw e;
    }
    return lock;
  }

  #take(dir: string, onStale: (dir: string) => void): void {
    const file = path.join(dir, LOCK_NAME);
    const content = `${JSON.stringify({ pid: process.pid, host: os.hostname(), started_at: new Date().toISOString() })}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx', 0o600);
        fs.writeSync(fd, content);
        fs.closeSync(fd);
        this.#files.push(file);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = readHolder(file);
      // A lock being written right now has no content yet: that is a live run, not a stale one.
      const fresh = !holder && Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 10_000;
      // A lock from another machine (a shared folder) cannot be shown stale from here: it stays.
      if (holder && holder.host !== os.hostname()) {
        throw new EtlError('failed', [{ pos: { file: dir }, message: `another etl run on ${holder.host} (process ${holder.pid}, started ${holder.started_at}) holds this folder; if that run is gone, remove ${LOCK_NAME} here` }]);
      }
      if (fresh || (holder && processAlive(holder.pid))) {
        throw new EtlError('failed', [{ pos: { file: dir }, message: `another etl run (${holder ? `process ${holder.pid}, started ${holder.started_at}` : 'just starting'}) is writing to this folder; run again when it has finished` }]);
      }
      // The run that held it is gone: its lock is stale.
      fs.rmSync(file, { force: true });
      onStale(dir);
    }
    throw new EtlError('failed', [{ pos: { file: dir }, message: `cannot lock ${displayPath(dir)}: other runs keep taking it` }]);
  }

  /** Removes the lock files; synchronous, so it also works from a signal handler. */
  release(): void {
    for (const file of this.#files.splice(0)) fs.rmSync(file, { force: true });
  }
}

function readHolder(file: string): { pid: number; host: string; started_at: string } | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8'));
    return typeof v?.pid === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}
