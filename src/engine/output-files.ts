import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { Writable } from 'node:stream';
import path from 'node:path';
import { EtlError } from '../errors.ts';
import { DirLock } from './dir-lock.ts';
import { fsReason, withPath } from './fs-errors.ts';
import { kernelFileSystem } from './kernel-paths.ts';


/** Marks temporary files of a run, so a later run can recognise and remove what a killed one left. */
export const TEMP_MARK = '.etl-tmp-';
/** Lists the renames of a commit under way; a run that finds one finishes the commit first. */
const JOURNAL = '.etl-commit.json';

interface Pending {
  readonly final: string;
  readonly temp: string;
  /** Fed every byte as it is written, so the manifest needs no second read of large files. */
  readonly hash: Hash;
  sha256?: string;
}

/**
 * The run's output files. Each is written to a temporary file beside its final name and renamed
 * into place only by {@link commit}, after every stage and check has succeeded, so a failed run
 * leaves the previous outputs byte-identical. The output folders are locked for the run; the
 * renames are journaled, so a run killed in the middle of them is completed by the next run
 * rather than leaving old and new files mixed. Files are created with mode 0600 whatever the
 * umask: they hold personal data.
 */
export class OutputFiles {
  readonly #runId: string;
  readonly #pending: Pending[] = [];
  readonly #claimed = new Set<string>();
  /** Folders this run created, removed again if the run fails and leaves them empty. */
  readonly #createdDirs: string[] = [];
  readonly #dirs: string[];
  readonly #lock: DirLock;

  /**
   * Prepares the folders of `finals` for a run: refuses a place on a file system of the kernel
   * (exit 2); creates and locks them, finishes a commit a
   * killed run left half done, and removes temporary files killed runs left behind.
   */
  constructor(runId: string, finals: readonly string[], log: (line: string) => void) {
    this.#runId = runId;
    this.#dirs = [...new Set(finals.map((f) => path.dirname(f)))].sort();
    refuseKernelPlaces(this.#dirs);
    for (const dir of this.#dirs) {
      let created: string | undefined;
      try {
        // Only the owner may enter: the folder will hold personal data.
        created = fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      } catch (e) {
        this.#removeCreatedDirs();
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === 'EEXIST' || code === 'ENOTDIR' ? ' (a file is in the way)' : `: ${fsReason(e) ?? code}`;
        throw new EtlError('failed', [{ pos: { file: dir }, message: `cannot create the output folder${why}` }]);
      }
      if (created) this.#createdDirs.push(created);
    }
    try {
      this.#lock = DirLock.acquire(this.#dirs, log);
    } catch (e) {
      this.#removeCreatedDirs();
      throw e;
    }
    for (const dir of this.#dirs) {
      const journal = path.join(dir, JOURNAL);
      if (fs.existsSync(journal)) {
        finishCommit(journal);
        log(`etl: ${dir}: finished the commit of a run that was killed while renaming its outputs`);
      }
      for (const name of fs.readdirSync(dir)) {
        if (name.startsWith('.') && name.includes(TEMP_MARK)) fs.rmSync(path.join(dir, name), { force: true });
      }
    }
  }

  /** A writable stream for `final`; it becomes `final` at commit. */
  open(final: string): Writable {
    const fd = this.#reserve(final);
    const { hash } = this.#pending[this.#pending.length - 1]!;
    const file = fs.createWriteStream('', { fd, highWaterMark: 1 << 20 });
    // Each error of the file also reaches the callbacks below, which pass it on, named: a stream
    // on a descriptor reports its errors without a path.
    file.on('error', () => undefined);
    let failed: Error | undefined;
    return new Writable({
      highWaterMark: 1 << 20,
      write(chunk: Buffer, _encoding, done) {
        // After a failed write (a full disk) the rest is read and dropped, and the failure reported
        // at the end: a database COPY cut off in the middle leaves its connection unusable, and the
        // run then hung while cleaning up.
        if (failed) return done();
        hash.update(chunk);
        file.write(chunk, (e) => {
          if (e) failed = withPath(e, final);
          done();
        });
      },
      final(done) {
        if (failed) {
          file.destroy();
          return done(failed);
        }
        file.end((e?: Error | null) => done(e ? withPath(e, final) : e));
      },
      destroy(error, done) {
        file.destroy();
        done(error);
      },
    });
  }

  /** Writes a small file whole (e.g. a manifest); it becomes `final` at commit. */
  write(final: string, content: string): void {
    const fd = this.#reserve(final);
    try {
      this.#pending[this.#pending.length - 1]!.hash.update(content);
      fs.writeSync(fd, content);
    } catch (e) {
      throw withPath(e, final);
    } finally {
      fs.closeSync(fd);
    }
  }

  #reserve(final: string): number {
    if (this.#claimed.has(final)) throw new Error(`${final} is written twice in one run`);
    if (!this.#dirs.includes(path.dirname(final))) throw new Error(`${final} was not declared as an output`);
    this.#claimed.add(final);
    const temp = path.join(path.dirname(final), `.${path.basename(final)}${TEMP_MARK}${this.#runId}`);
    const fd = fs.openSync(temp, 'wx', 0o600);
    fs.fchmodSync(fd, 0o600);
    this.#pending.push({ final, temp, hash: createHash('sha256') });
    return fd;
  }

  /** SHA-256 of everything written for `final` (its stream must be finished). */
  sha256(final: string): string {
    const pending = this.#pending.find((p) => p.final === final);
    if (!pending) throw new Error(`${final} is not an output of this run`);
    pending.sha256 ??= pending.hash.digest('hex');
    return pending.sha256;
  }

  /**
   * Flushes every file to disk, journals the renames, then renames the files into place: those
   * named in `order` first, in that order, then the rest in the order they were opened (the
   * manifest, opened last, goes last); then releases the folders.
   */
  async commit(order: readonly string[] = []): Promise<string[]> {
    const rank = (p: Pending) => (order.includes(p.final) ? order.indexOf(p.final) : order.length);
    this.#pending.sort((a, b) => rank(a) - rank(b));
    for (const { temp } of this.#pending) fsyncPath(temp);
    const journal = path.join(this.#dirs[0]!, JOURNAL);
    const tempJournal = `${journal}${TEMP_MARK}${this.#runId}`;
    fs.writeFileSync(tempJournal, JSON.stringify(this.#pending), { mode: 0o600 });
    fsyncPath(tempJournal);
    fs.renameSync(tempJournal, journal);
    fsyncPath(this.#dirs[0]!);
    finishCommit(journal);
    const done = this.#pending.map((p) => p.final);
    this.#pending.length = 0;
    this.#createdDirs.length = 0;
    this.#lock.release();
    return done;
  }

  /** Removes every temporary file and the folders this run created; the final names are untouched. Synchronous, for signal handlers. */
  discard(): void {
    for (const { temp } of this.#pending) fs.rmSync(temp, { force: true });
    this.#pending.length = 0;
    this.#lock.release();
    this.#removeCreatedDirs();
  }

  #removeCreatedDirs(): void {
    // Deepest first; a folder that is not empty (someone else wrote there) stays.
    for (const top of this.#createdDirs.splice(0).reverse()) removeEmptyTree(top);
  }
}

/** Performs (or completes) the renames a journal lists, then removes it. Idempotent. */
function finishCommit(journal: string): void {
  const pending = JSON.parse(fs.readFileSync(journal, 'utf8')) as Pending[];
  const dirs = new Set<string>();
  for (const { temp, final } of pending) {
    if (fs.existsSync(temp)) fs.renameSync(temp, final);
    dirs.add(path.dirname(final));
  }
  for (const dir of dirs) fsyncPath(dir);
  fs.rmSync(journal, { force: true });
}

function fsyncPath(p: string): void {
  try {
    const fd = fs.openSync(p, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the data itself was synced.
  }
}

/** Refuses, before anything is created, output folders on a file system of the kernel (/proc, /sys…). */
function refuseKernelPlaces(dirs: readonly string[]): void {
  const problems = dirs.flatMap((dir) => {
    const place = kernelFileSystem(dir);
    return place ? [{ pos: { file: dir }, message: `cannot write outputs here: ${place.existing} is on ${place.fileSystem}, a file system of the kernel, not a disk; choose another folder` }] : [];
  });
  if (problems.length) throw new EtlError('invalid', problems);
}

function removeEmptyTree(dir: string): void {
  try {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeEmptyTree(path.join(dir, entry.name));
    fs.rmdirSync(dir);
  } catch {
    // Not empty, or already gone: leave it.
  }
}
