import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { Writable } from 'node:stream';
import path from 'node:path';
import { EtlError } from '../errors.ts';
import { BACKUP_MARK, commitMoves, findCommit, flushAhead, settleCommit, TEMP_MARK, type OnRename } from './commit-journal.ts';
import { DirLock } from './dir-lock.ts';
import { fsReason, withPath } from './fs-errors.ts';
import { kernelFileSystem } from './kernel-paths.ts';

export { TEMP_MARK } from './commit-journal.ts';

interface Pending {
  readonly final: string;
  readonly temp: string;
  /** Fed every byte as it is written, so the manifest needs no second read of large files. */
  readonly hash: Hash;
  sha256?: string;
  /** The file's flush to the disk, begun as soon as its stream finished ({@link OutputFiles.open}). */
  flushed?: Promise<void>;
}

/**
 * The run's output files. Each is written to a temporary file beside its final name and renamed
 * into place only by {@link commit}, after every stage and check has succeeded, so a failed run
 * leaves the previous outputs byte-identical. The output folders are locked for the run. The
 * commit is all or nothing ({@link commitMoves}): a rename that fails rolls it back at once, and
 * a commit a killed run left unfinished is completed or rolled back by the next run, which says
 * which. Files are created with mode 0600 whatever the umask: they hold personal data.
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
   * (exit 2) or a folder where a final file should be; creates and locks the folders; settles a
   * commit a killed run left unfinished; and removes the hidden files killed runs left behind.
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
    try {
      this.#settleUnfinished(log);
      for (const dir of this.#dirs) {
        for (const name of fs.readdirSync(dir)) {
          if (name.startsWith('.') && (name.includes(TEMP_MARK) || name.includes(BACKUP_MARK))) fs.rmSync(path.join(dir, name), { force: true });
        }
      }
      for (const final of finals) {
        if (fs.lstatSync(final, { throwIfNoEntry: false })?.isDirectory()) {
          throw new EtlError('failed', [{ pos: { file: final }, message: 'a folder is in the way of this output file; move it away and run again' }]);
        }
      }
    } catch (e) {
      this.#lock.release();
      this.#removeCreatedDirs();
      throw e;
    }
  }

  /** Completes or rolls back each unfinished commit found here, with its other folders locked too. */
  #settleUnfinished(log: (line: string) => void): void {
    const seen = new Set<string>();
    for (const dir of this.#dirs) {
      const journal = findCommit(dir);
      if (!journal || seen.has(journal.primary)) continue;
      seen.add(journal.primary);
      const others = DirLock.acquire(journal.folders.filter((f) => !this.#dirs.includes(f)), log);
      try {
        log(settleCommit(journal));
      } finally {
        others.release();
      }
    }
  }

  /** A writable stream for `final`; it becomes `final` at commit. */
  open(final: string): Writable {
    const fd = this.#reserve(final);
    const pending = this.#pending[this.#pending.length - 1]!;
    const { hash } = pending;
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
        file.end((e?: Error | null) => {
          if (e) return done(withPath(e, final));
          // The file goes to the disk while the run goes on (the next sinks): the commit then waits for
          // less. A failure is reported by flushAhead(), as the commit would report it.
          pending.flushed = flushAhead([pending]);
          pending.flushed.catch(() => undefined);
          done();
        });
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
   * Flushes the files written so far to the disk while the run goes on ({@link flushAhead}): their
   * commit then waits for less. A streamed file's flush began when it finished; this waits for it.
   */
  async flushAhead(): Promise<void> {
    const begun = this.#pending.flatMap((p) => (p.flushed ? [p.flushed] : []));
    await Promise.all([...begun, flushAhead(this.#pending.filter((p) => !p.flushed))]);
  }

  /**
   * Renames every file into place, all or nothing ({@link commitMoves}): those named in `order`
   * first, in that order, then the rest in the order they were opened (the manifest, opened last,
   * goes last); then releases the folders. On failure the previous outputs are in place and an
   * EtlError says so. `onRename` is called after each rename (tests stop the process there).
   */
  async commit(order: readonly string[] = [], onRename?: OnRename): Promise<string[]> {
    const rank = (p: Pending) => (order.includes(p.final) ? order.indexOf(p.final) : order.length);
    const moves = [...this.#pending].sort((a, b) => rank(a) - rank(b));
    // From here the temporary files belong to the commit: a failed one removes them itself, and
    // one that could not roll back leaves them for the next run.
    this.#pending.length = 0;
    commitMoves(moves, this.#runId, onRename);
    this.#createdDirs.length = 0;
    this.#lock.release();
    return moves.map((p) => p.final);
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
