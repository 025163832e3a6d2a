import { getSystemErrorMap } from 'node:util';
import { displayPath } from '../errors.ts';

/** A Node.js system error of a file operation: `syscall` and, where Node knows it, `path` and `dest`. */
type SystemError = Error & { code?: string; errno?: number; syscall?: string; path?: string; dest?: string };

/** What each call does, for "cannot … PATH"; a call missing here is named as itself. */
const VERBS: Readonly<Record<string, string>> = {
  open: 'open', close: 'close', read: 'read', write: 'write to', fsync: 'flush', fdatasync: 'flush',
  ftruncate: 'truncate', rename: 'rename', link: 'link', symlink: 'link', copyfile: 'copy', unlink: 'remove',
  rm: 'remove', rmdir: 'remove the folder', mkdir: 'create the folder', mkdtemp: 'create a folder in',
  scandir: 'list the folder', opendir: 'list the folder', stat: 'look up', lstat: 'look up', fstat: 'look up',
  statfs: 'look up the file system of', access: 'look up', realpath: 'look up', readlink: 'read the link',
  chmod: 'change the mode of', fchmod: 'change the mode of', chown: 'change the owner of', fchown: 'change the owner of',
  utime: 'set the time of', futime: 'set the time of',
};

/** For a lack of room: what the call was doing when it ran out. */
const GERUNDS: Readonly<Record<string, string>> = {
  open: 'creating', write: 'writing', fsync: 'flushing', fdatasync: 'flushing', close: 'closing', rename: 'renaming',
  link: 'linking', mkdir: 'creating', copyfile: 'copying', ftruncate: 'writing',
};

/** The reasons an operator meets, in plain words; others come from the system's own table. */
const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded', EFBIG: 'file too large',
  EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'the file system is read-only',
  EISDIR: 'a folder is in the way', ENOTDIR: 'a file is in the way of a folder', ENOENT: 'no such file or folder',
  EEXIST: 'it already exists', ENOTEMPTY: 'the folder is not empty', EIO: 'input/output error (the device may be failing)',
  EMFILE: 'too many open files', ENFILE: 'too many open files in the system', ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links', EXDEV: 'not on the same file system', EBUSY: 'the resource is busy',
};

/** Errors that mean "no room": named as `PATH: reason while …ing`, since the file is what the operator must act on. */
const NO_ROOM = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/**
 * The message for a file-system error, e.g. `etl: cannot rename out/.a.csv.etl-tmp-1 to out/a.csv:
 * operation not permitted (EPERM)` or `etl: out/a.csv: no space left on the device while writing
 * (ENOSPC)`; undefined when `e` is not an error of a file operation (a socket's, the database's).
 * Paths are shown relative to the working folder when inside it.
 */
export function describeFsError(e: unknown): string | undefined {
  const err = e as SystemError | undefined;
  if (!err || typeof err.code !== 'string' || typeof err.syscall !== 'string' || !(err.syscall in VERBS)) return undefined;
  // `read` and `write` are also a socket's calls: without a path, only a lack of room is surely a file's.
  if (err.path === undefined && (err.syscall === 'read' || err.syscall === 'write') && !NO_ROOM.has(err.code) && err.code !== 'EIO') return undefined;
  const reason = REASONS[err.code] ?? systemReason(err);
  const where = err.path === undefined ? undefined : displayPath(err.path);
  if (NO_ROOM.has(err.code)) return `etl: ${where ? `${where}: ` : ''}${reason} while ${GERUNDS[err.syscall] ?? err.syscall} (${err.code})`;
  const verb = VERBS[err.syscall]!;
  if (where === undefined) return `etl: cannot ${verb} a file: ${reason} (${err.code})`;
  if (err.dest !== undefined) return `etl: cannot ${verb} ${where} to ${displayPath(err.dest)}: ${reason} (${err.code})`;
  return `etl: cannot ${verb} ${where}: ${reason} (${err.code})`;
}

/** Just the reason of a file-system error, e.g. `permission denied (EACCES)`; undefined for other errors. */
export function fsReason(e: unknown): string | undefined {
  const err = e as SystemError | undefined;
  if (!describeFsError(e)) return undefined;
  return `${REASONS[err!.code!] ?? systemReason(err!)} (${err!.code})`;
}

/**
 * Gives an error of a call on a file descriptor (which Node reports without a path) the path of
 * the file it was about, so the message can name it; returns the same error.
 */
export function withPath<E>(e: E, file: string, syscall?: string): E {
  const err = e as SystemError;
  if (err && typeof err === 'object' && typeof err.code === 'string') {
    if (err.path === undefined) err.path = file;
    if (err.syscall === undefined && syscall) err.syscall = syscall;
  }
  return e;
}

function systemReason(err: SystemError): string {
  const known = typeof err.errno === 'number' ? getSystemErrorMap().get(err.errno) : undefined;
  return known?.[1] ?? err.code!;
}
