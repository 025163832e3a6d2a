import fs from 'node:fs';
import path from 'node:path';
import { displayPath, EtlError } from '../errors.ts';
import { describeFsError, withPath } from './fs-errors.ts';

/** Marks temporary files of a run, so a later run can recognise and remove what a killed one left. */
export const TEMP_MARK = '.etl-tmp-';
/** Marks the previous version of an output, kept aside while a commit is under way. */
export const BACKUP_MARK = '.etl-old-';
/** The plan of a commit under way, in each folder it touches (the full plan in the first, a pointer in the others). */
export const JOURNAL_NAME = '.etl-commit.json';

/** One output to move into place: the finished temporary file and its final name. */
export interface Move {
  readonly final: string;
  readonly temp: string;
}

/** Called after each rename of a commit; lets a test stop the process between two renames. */
export type OnRename = (step: { readonly from: string; readonly to: string; readonly rollback: boolean }) => void;

interface Entry extends Move {
  /** Where the previous version waits until the commit is done. */
  readonly backup: string;
  /** Inode of the new file: a rename keeps it, so it tells where the new file is now. */
  readonly ino: string;
  /** Inode of the previous version, or null when the output is new. */
  readonly oldIno: string | null;
}

/** A commit's plan as read from its journal; paths are absolute here, relative to `primary` on disk. */
export interface Journal {
  readonly primary: string;
  readonly run: string;
  readonly pid: number;
  readonly folders: readonly string[];
  readonly entries: readonly Entry[];
}

/**
 * Renames every temporary file over its final name, all or nothing. The plan (with the inode of
 * every new and previous file) is journaled and fsynced in every folder first; each previous
 * version is moved aside to a hidden backup name, then the new file renamed into place, in the
 * order given (the manifest last). If a rename fails, the commit is rolled back at once (backups
 * restored, new files without a previous version removed) and an EtlError says so; a process
 * killed in between leaves the journal for {@link settleCommit}.
 */
export function commitMoves(moves: readonly Move[], run: string, onRename?: OnRename): void {
  if (moves.length === 0) return;
  let journal: Journal;
  try {
    const entries = moves.map((m) => planEntry(m, run));
    for (const e of entries) fsyncFile(e.temp, e.final);
    const folders = [...new Set(entries.map((e) => path.dirname(e.final)))].sort();
    journal = { primary: folders[0]!, run, pid: process.pid, folders, entries };
    writeJournal(journal);
  } catch (e) {
    for (const m of moves) fs.rmSync(m.temp, { force: true });
    throw asFailure(e, 'no output was changed: the previous outputs are in place');
  }
  try {
    forward(journal, onRename);
  } catch (e) {
    try {
      rollBack(journal, onRename);
    } catch (again) {
      throw asFailure(e, `rolling back failed too (${describe(again)}); the next run will complete or roll back this commit`);
    }
    finish(journal);
    throw asFailure(e, "this run's outputs were rolled back: the previous outputs are in place");
  }
  finish(journal);
}

/**
 * The commit a run left unfinished that touched `dir`, or undefined. A pointer whose journal is
 * gone is the leftover of a commit that finished, and is removed.
 */
export function findCommit(dir: string): Journal | undefined {
  const file = path.join(dir, JOURNAL_NAME);
  const raw = readJson(file);
  if (raw === undefined) return undefined;
  if (typeof raw['primary'] === 'string') {
    const primary = path.resolve(dir, raw['primary']);
    const full = readJson(path.join(primary, JOURNAL_NAME));
    if (full === undefined || full['run'] !== raw['run']) {
      fs.rmSync(file, { force: true });
      return undefined;
    }
    return parseJournal(primary, full, file);
  }
  return parseJournal(dir, raw, file);
}

/**
 * Finishes a commit a run left unfinished, whose folders the caller has locked: completes it when
 * every new file is still there, else rolls it back, and removes what it left. Returns a line
 * saying which happened and whose outputs are now in place.
 */
export function settleCommit(journal: Journal, onRename?: OnRename): string {
  const where = `etl: ${journal.folders.map(displayPath).join(', ')}: `;
  const who = `a run (process ${journal.pid})`;
  const before = 'the outputs are all as they were before that run';
  const states = journal.entries.map(locate);
  if (states.every((s) => s.neu === 'final')) {
    finish(journal);
    return `${where}removed what ${who} left after its commit: the outputs are all from that run`;
  }
  if (states.every((s) => s.neu !== 'temp' && s.old !== 'backup')) {
    // Nothing left to move, and not every new file in place: the commit had been rolled back, or
    // (when some files match neither version) finished long ago and the outputs replaced since.
    finish(journal);
    if (states.every((s) => s.old === 'final' || (s.old === 'none' && s.neu === undefined))) return `${where}removed what ${who} left after rolling back its commit: ${before}`;
    return `${where}removed the journal of a commit that had finished; the outputs have been replaced since`;
  }
  let why = 'some of its new files are gone';
  if (states.every((s) => s.neu !== undefined)) {
    try {
      forward(journal, onRename);
      finish(journal);
      return `${where}completed the commit of ${who} that did not finish it: the outputs are all from that run`;
    } catch (e) {
      why = `completing it failed: ${describe(e).replace(/^etl: /, '')}`;
    }
  }
  let lost: string[];
  try {
    lost = rollBack(journal, onRename);
  } catch (e) {
    throw asFailure(e, `cannot finish the commit of ${who} that did not finish it; run again once this is fixed`);
  }
  finish(journal);
  const gone = lost.length ? `; no previous version is left of ${lost.map(displayPath).join(', ')}` : '';
  return `${where}rolled back the commit of ${who} that did not finish it (${why}): ${before}${gone}`;
}

function planEntry(m: Move, run: string): Entry {
  const old = lstat(m.final);
  if (old && !old.isFile() && !old.isSymbolicLink()) {
    // Moved aside, a folder would be deleted with the backups: refuse it before anything moves.
    throw Object.assign(new Error(`${m.final} is not a file`), { code: old.isDirectory() ? 'EISDIR' : 'EEXIST', syscall: 'rename', path: m.temp, dest: m.final });
  }
  const backup = path.join(path.dirname(m.final), `.${path.basename(m.final)}${BACKUP_MARK}${run}`);
  return { ...m, backup, ino: String(fs.statSync(m.temp, { bigint: true }).ino), oldIno: old ? String(old.ino) : null };
}

/** Where the new file and the previous version of an entry are now, told by their inodes. */
function locate(e: Entry): { neu: 'temp' | 'final' | undefined; old: 'final' | 'backup' | 'none' | undefined } {
  const [fin, tmp, bak] = [e.final, e.temp, e.backup].map((p) => lstat(p)?.ino.toString());
  const neu = tmp === e.ino ? 'temp' : fin === e.ino ? 'final' : undefined;
  const old = e.oldIno === null ? 'none' : fin === e.oldIno ? 'final' : bak === e.oldIno ? 'backup' : undefined;
  return { neu, old };
}

/** Moves each entry on from where it is: previous version aside, new file into place. */
function forward(journal: Journal, onRename: OnRename | undefined): void {
  for (const e of journal.entries) {
    const s = locate(e);
    if (s.neu === 'final') continue;
    if (s.old === 'final') rename(e.final, e.backup, false, onRename);
    rename(e.temp, e.final, false, onRename);
  }
}

/**
 * Puts every previous version back. The new files still waiting are removed first, so that once a
 * rollback has begun, a run that finds it interrupted rolls back too. Returns the finals whose
 * previous version is gone (only if something outside etl removed it).
 */
function rollBack(journal: Journal, onRename: OnRename | undefined): string[] {
  for (const e of journal.entries) if (locate(e).neu === 'temp') fs.rmSync(e.temp, { force: true });
  const lost: string[] = [];
  for (const e of [...journal.entries].reverse()) {
    const s = locate(e);
    if (s.old === 'backup') rename(e.backup, e.final, true, onRename);
    else if (s.old === 'none' && s.neu === 'final') fs.rmSync(e.final, { force: true });
    else if (s.old === undefined) lost.push(e.final);
  }
  for (const dir of journal.folders) fsyncDir(dir);
  return lost;
}

/** Removes the backups and the journal, once the folders hold one whole set. */
function finish(journal: Journal): void {
  for (const dir of journal.folders) fsyncDir(dir);
  for (const e of journal.entries) {
    fs.rmSync(e.backup, { force: true });
    fs.rmSync(e.temp, { force: true });
  }
  for (const dir of journal.folders) fsyncDir(dir);
  // The full journal goes last: a pointer whose journal is gone is known to be a leftover.
  for (const dir of journal.folders.filter((d) => d !== journal.primary)) fs.rmSync(path.join(dir, JOURNAL_NAME), { force: true });
  fs.rmSync(path.join(journal.primary, JOURNAL_NAME), { force: true });
  fsyncDir(journal.primary);
}

function writeJournal(journal: Journal): void {
  const rel = (p: string) => path.relative(journal.primary, p) || '.';
  const full = {
    etl_commit: 1, run: journal.run, pid: journal.pid, folders: journal.folders.map(rel),
    entries: journal.entries.map((e) => ({ final: rel(e.final), temp: rel(e.temp), backup: rel(e.backup), ino: e.ino, old_ino: e.oldIno })),
  };
  const written: string[] = [];
  try {
    for (const dir of journal.folders) {
      const content = dir === journal.primary ? full : { etl_commit: 1, run: journal.run, primary: path.relative(dir, journal.primary) || '.' };
      const file = path.join(dir, JOURNAL_NAME);
      const temp = `${file}${TEMP_MARK}${journal.run}`;
      try {
        fs.writeFileSync(temp, `${JSON.stringify(content)}\n`, { mode: 0o600, flag: 'wx' });
        fsyncFile(temp, file);
      } catch (e) {
        fs.rmSync(temp, { force: true });
        throw withPath(e, file);
      }
      fs.renameSync(temp, file);
      written.push(file);
      fsyncDir(dir);
    }
  } catch (e) {
    for (const file of written) fs.rmSync(file, { force: true });
    throw e;
  }
}

function parseJournal(primary: string, raw: Record<string, unknown>, file: string): Journal {
  const abs = (p: unknown) => path.resolve(primary, String(p));
  const entries = raw['entries'];
  if (raw['etl_commit'] !== 1 || !Array.isArray(entries) || !Array.isArray(raw['folders'])) {
    throw new EtlError('failed', [{ pos: { file }, message: 'not a commit journal this version of etl can read; check the outputs beside it, then remove it' }]);
  }
  return {
    primary, run: String(raw['run']), pid: Number(raw['pid']), folders: raw['folders'].map(abs),
    entries: entries.map((e: Record<string, unknown>) => ({
      final: abs(e['final']), temp: abs(e['temp']), backup: abs(e['backup']), ino: String(e['ino']), oldIno: e['old_ino'] === null ? null : String(e['old_ino']),
    })),
  };
}

function readJson(file: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new EtlError('failed', [{ pos: { file }, message: 'a commit journal that cannot be read; check the outputs beside it, then remove it' }]);
  }
}

function rename(from: string, to: string, rollback: boolean, onRename: OnRename | undefined): void {
  fs.renameSync(from, to);
  onRename?.({ from, to, rollback });
}

function lstat(p: string): fs.BigIntStats | undefined {
  return fs.lstatSync(p, { bigint: true, throwIfNoEntry: false });
}

/**
 * Flushes finished temporary files to the disk ahead of their commit, all at once on the thread
 * pool, so that a run can do other work meanwhile (its report); the commit's own flush of them then
 * finds nothing left to write. A failure fails the run as it would fail the commit: a flush that
 * failed once may not fail again, so it cannot be left for the commit to find.
 */
export async function flushAhead(files: readonly Move[]): Promise<void> {
  await Promise.all(files.map(async ({ temp, final }) => {
    try {
      const handle = await fs.promises.open(temp, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (e) {
      throw asFailure(withPath(e, final, 'fsync'), 'no output was changed: the previous outputs are in place');
    }
  }));
}

/** Flushes a file to the disk; a failure (a full disk, an I/O error) fails the commit, naming `shown`. */
function fsyncFile(file: string, shown: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    throw withPath(e, shown, 'fsync');
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a folder; the files themselves were synced.
  }
}

function describe(e: unknown): string {
  return describeFsError(e) ?? `etl: ${(e as Error)?.message ?? String(e)}`;
}

/** A file-system failure of the commit as an error a person can act on; anything else (a bug) goes on as it is. */
function asFailure(e: unknown, outcome: string): unknown {
  if (e instanceof EtlError) return e;
  const message = describeFsError(e);
  return message ? new EtlError('failed', `${message}; ${outcome}`) : e;
}
