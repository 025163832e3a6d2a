import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { displayPath, EtlError } from '../errors.ts';
import { processAlive } from '../process-alive.ts';
import { withPath } from './fs-errors.ts';

const LOCK_NAME = '.etl.lock';
/** The lock's content is written here first; the mark makes a leftover one a temporary file like any other. */
const LOCK_TEMP = `${LOCK_NAME}.etl-tmp-`;
/** Errors of `link` on a file system without hard links (FAT, some network shares). */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly started_at: string;
}

/** For tests: called when a lock file has been read and judged, before it is taken over. */
export interface DirLockHooks {
  readonly judged?: (file: string) => void;
}

/**
 * An exclusive claim on an output folder for one run. A second run that wants the folder is
 * refused while the first lives. A lock file is never empty: its content is written to a
 * temporary file that is then linked into place in one step. So a lock file that names no run
 * (empty, or not etl's) was left by a run that stopped while taking it, and a lock whose process
 * is gone (a crashed or killed run) is stale: both are taken over, with a message. Two runs that
 * find the same stale lock at once cannot both take the folder: a lock is removed only while it
 * still holds what was judged (see {@link removeIfSame}), so the second finds the first's lock.
 */
export class DirLock {
  /** Each lock file this run placed, with its content. */
  readonly #files: { file: string; content: string }[] = [];

  /**
   * Locks each folder (which must exist), in sorted order so two runs cannot deadlock.
   * `onTakeover` receives a line saying which lock was taken over and why.
   */
  static acquire(dirs: readonly string[], onTakeover: (message: string) => void, hooks: DirLockHooks = {}): DirLock {
    const lock = new DirLock();
    try {
      for (const dir of [...new Set(dirs)].sort()) lock.#take(dir, onTakeover, hooks);
    } catch (e) {
      lock.release();
      throw e;
    }
    return lock;
  }

  #take(dir: string, onTakeover: (message: string) => void, hooks: DirLockHooks): void {
    const file = path.join(dir, LOCK_NAME);
    const content = `${JSON.stringify({ pid: process.pid, host: os.hostname(), started_at: new Date().toISOString() })}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (placeLock(file, content)) {
        this.#files.push({ file, content });
        return;
      }
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile: try again
        throw e;
      }
      const holder = parseHolder(text);
      if (!holder) {
        hooks.judged?.(file);
        if (!removeIfSame(file, text)) continue;
        onTakeover(`etl: ${dir}: removed a lock file that names no run (${text.trim() === '' ? 'empty' : 'not etl\'s format'}), left by a run that stopped while taking it`);
        continue;
      }
      // A lock from another machine (a shared folder) cannot be shown stale from here: it stays.
      if (holder.host !== os.hostname()) {
        throw new EtlError('failed', [{ pos: { file: dir }, message: `another etl run on ${holder.host} (process ${holder.pid}, started ${holder.started_at}) holds this folder; if that run is gone, remove ${LOCK_NAME} here` }]);
      }
      if (processAlive(holder.pid)) {
        throw new EtlError('failed', [{ pos: { file: dir }, message: `another etl run (process ${holder.pid}, started ${holder.started_at}) is writing to this folder; run again when it has finished` }]);
      }
      hooks.judged?.(file);
      if (!removeIfSame(file, text)) continue;
      onTakeover(`etl: ${dir}: removed the lock of a run that no longer exists`);
    }
    throw new EtlError('failed', [{ pos: { file: dir }, message: `cannot lock ${displayPath(dir)}: other runs keep taking it` }]);
  }

  /** Removes the lock files, each only while it is still this run's; synchronous, so it also works from a signal handler. */
  release(): void {
    for (const { file, content } of this.#files.splice(0)) removeIfSame(file, content);
  }
}

/**
 * Removes `file` if it holds `text`, and says whether it did. The file is first moved aside in one
 * step, then read: a lock another run placed after `text` was read (it took the folder over first)
 * is never removed, but put back. Putting it back never replaces a lock placed meanwhile; if one
 * was, the aside copy goes, and its run keeps the folder by the lock in place.
 */
function removeIfSame(file: string, text: string): boolean {
  const aside = `${path.join(path.dirname(file), LOCK_TEMP)}aside-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false; // removed meanwhile
    throw withPath(e, file);
  }
  try {
    const found = fs.readFileSync(aside, 'utf8');
    if (found === text) return true;
    try {
      fs.linkSync(aside, file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (code !== 'EEXIST' && !NO_LINKS.has(code)) throw withPath(e, file);
      if (NO_LINKS.has(code)) placeLock(file, found);
    }
    return false;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/**
 * Creates `file` holding `content` if no such file exists, in one step; false when it exists.
 * Where the file system has no hard links, falls back to an exclusive create and write (and
 * removes the file again if the write fails, e.g. on a full disk).
 */
function placeLock(file: string, content: string): boolean {
  const temp = `${path.join(path.dirname(file), LOCK_TEMP)}${process.pid}-${randomBytes(4).toString('hex')}`;
  writeWhole(temp, content, 'wx', file);
  try {
    fs.linkSync(temp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_LINKS.has(code)) throw withPath(e, file);
  } finally {
    fs.rmSync(temp, { force: true });
  }
  try {
    writeWhole(file, content, 'wx', file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Writes `content` to a new file; on failure the partial file is removed and the error names `shown`. */
function writeWhole(file: string, content: string, flag: string, shown: string): void {
  const fd = fs.openSync(file, flag, 0o600);
  let open = true;
  try {
    fs.writeSync(fd, content);
    open = false;
    fs.closeSync(fd);
  } catch (e) {
    if (open) fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw withPath(e, shown, 'write');
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const v = JSON.parse(text);
    return typeof v?.pid === 'number' && typeof v.host === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
