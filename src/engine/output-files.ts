import fs from 'node:fs';
import path from 'node:path';
import { sha256File } from './manifest.ts';

/** Marks temporary files of a run, so a later run can recognise and remove what a killed one left. */
export const TEMP_MARK = '.etl-tmp-';

interface Pending {
  readonly final: string;
  readonly temp: string;
}

/**
 * The run's output files. Each is written to a temporary file beside its final name and
 * renamed into place only by {@link commit}, after every stage and check has succeeded, so a
 * failed run leaves the previous outputs byte-identical. Files are created with mode 0600
 * whatever the umask: they hold personal data.
 */
export class OutputFiles {
  readonly #runId: string;
  readonly #pending: Pending[] = [];
  readonly #claimed = new Set<string>();
  /** Folders this run created, removed again if the run fails and leaves them empty. */
  readonly #createdDirs: string[] = [];

  constructor(runId: string) {
    this.#runId = runId;
  }

  /** A writable stream for `final`; it becomes `final` at commit. */
  open(final: string): fs.WriteStream {
    return fs.createWriteStream('', { fd: this.#reserve(final), highWaterMark: 1 << 20 });
  }

  /** Writes a small file whole (e.g. a manifest); it becomes `final` at commit. */
  write(final: string, content: string): void {
    const fd = this.#reserve(final);
    try {
      fs.writeSync(fd, content);
    } finally {
      fs.closeSync(fd);
    }
  }

  #reserve(final: string): number {
    if (this.#claimed.has(final)) throw new Error(`${final} is written twice in one run`);
    this.#claimed.add(final);
    const created = fs.mkdirSync(path.dirname(final), { recursive: true });
    if (created) this.#createdDirs.push(created);
    const temp = path.join(path.dirname(final), `.${path.basename(final)}${TEMP_MARK}${this.#runId}`);
    const fd = fs.openSync(temp, 'wx', 0o600);
    fs.fchmodSync(fd, 0o600);
    this.#pending.push({ final, temp });
    return fd;
  }

  /** SHA-256 of what has been written for `final` so far (its stream must be finished). */
  sha256(final: string): string {
    const pending = this.#pending.find((p) => p.final === final);
    if (!pending) throw new Error(`${final} is not an output of this run`);
    return sha256File(pending.temp);
  }

  /** Flushes every file to disk, then renames them into place in the order they were opened. */
  async commit(): Promise<string[]> {
    for (const { temp } of this.#pending) {
      const fd = fs.openSync(temp, 'r');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    }
    const dirs = new Set<string>();
    for (const { temp, final } of this.#pending) {
      fs.renameSync(temp, final);
      dirs.add(path.dirname(final));
    }
    for (const dir of dirs) syncDir(dir);
    const done = this.#pending.map((p) => p.final);
    this.#pending.length = 0;
    this.#createdDirs.length = 0;
    return done;
  }

  /** Removes every temporary file; the final names are untouched. */
  discard(): void {
    for (const { temp } of this.#pending) fs.rmSync(temp, { force: true });
    this.#pending.length = 0;
    // Deepest first; a folder that is not empty (someone else wrote there) stays.
    for (const top of this.#createdDirs.splice(0).reverse()) removeEmptyTree(top);
  }
}

function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself has happened.
  }
}

function removeEmptyTree(dir: string): void {
  try {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeEmptyTree(path.join(dir, entry.name));
    fs.rmdirSync(dir);
  } catch {
    // Not empty, or already gone: leave it.
  }
}
