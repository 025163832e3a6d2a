import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '../process-alive.ts';

/** The name of every folder of an embedded cluster: the run's process id tells a live one from an abandoned one. */
const CLUSTER_NAME = /^etl-pg-(\d+)-[0-9a-f]+$/;
/** Where the socket goes when the temporary folder's path is too long for one. */
const SHORT_BASE = '/tmp';
/** A Unix socket's path holds at most 107 bytes (`sun_path` is 108, with its NUL). */
const SOCKET_PATH_MAX = 107;
/** Only the socket's port number names it: without TCP no other server can be in the way. */
export const SOCKET_PORT = 5432;

/** Who the server runs as: the current user, or (as root) the `postgres` user. */
export interface ServerUser {
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * The folders of one embedded cluster, each mode 0700 and owned by the server's user, so that no
 * other local user can list them, read the data, or reach the socket: `root` in the temporary
 * folder holds `data` (the cluster), the socket and, while initdb runs, the password file. When
 * `root` is too deep for a socket path, the socket gets a short folder of its own under /tmp.
 */
export class ClusterFolder {
  readonly root: string;
  readonly data: string;
  readonly socketDir: string;
  /** Holds the superuser's password while initdb reads it; removed right after. */
  readonly passwordFile: string;

  constructor() {
    const name = `etl-pg-${process.pid}-${randomBytes(6).toString('hex')}`;
    this.root = path.join(os.tmpdir(), name);
    this.data = path.join(this.root, 'data');
    this.passwordFile = path.join(this.root, 'password');
    const socket = path.join(this.root, `.s.PGSQL.${SOCKET_PORT}`);
    this.socketDir = Buffer.byteLength(socket) <= SOCKET_PATH_MAX ? this.root : path.join(SHORT_BASE, name);
  }

  /** Every folder to remove when the cluster goes. */
  get all(): string[] {
    return this.socketDir === this.root ? [this.root] : [this.root, this.socketDir];
  }

  /** Creates the folders, private to `user`. */
  create(user: ServerUser): void {
    for (const dir of this.all) {
      fs.mkdirSync(dir, { mode: 0o700 });
      // mkdir's mode passes through the umask, which can only take bits away; chmod says it exactly.
      fs.chmodSync(dir, 0o700);
      if (user.uid !== undefined) fs.chownSync(dir, user.uid, user.gid ?? -1);
    }
  }

  /** Writes the password file for initdb: mode 0600, owned by the server's user. */
  writePassword(password: string, user: ServerUser): void {
    fs.writeFileSync(this.passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
    if (user.uid !== undefined) fs.chownSync(this.passwordFile, user.uid, user.gid ?? -1);
  }

  removePassword(): void {
    fs.rmSync(this.passwordFile, { force: true });
  }

  /** Removes every folder of the cluster; the server must have stopped. */
  remove(): void {
    for (const dir of this.all) removeTree(dir);
  }
}

/**
 * Stops and removes the clusters of runs that died without removing them (normally their
 * watchdog does; this is for a watchdog that was killed too, or a machine that was reset): a
 * cluster folder whose run's process is gone. Its server is told to quit at once. Folders this
 * user may not remove (another user's runs) are left alone.
 */
export function removeAbandonedClusters(): number {
  let removed = 0;
  for (const base of new Set([os.tmpdir(), SHORT_BASE])) {
    let names: string[];
    try {
      names = fs.readdirSync(base);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = CLUSTER_NAME.exec(name);
      if (!m || processAlive(Number(m[1]))) continue;
      const dir = path.join(base, name);
      // `data/` since the cluster got a private folder around it; the folder itself before.
      for (const pidFile of [path.join(dir, 'data', 'postmaster.pid'), path.join(dir, 'postmaster.pid')]) quitPostmaster(pidFile);
      try {
        removeTree(dir);
        removed++;
      } catch {
        // Not ours to remove.
      }
    }
  }
  return removed;
}

function quitPostmaster(pidFile: string): void {
  let pid = 0;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) || 0;
  } catch {
    return; // Never started, already stopped, or not readable by this user.
  }
  if (pid <= 0 || !processAlive(pid)) return;
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    return;
  }
  // A postmaster that still writes while its folder goes would leave files behind.
  const until = Date.now() + 5000;
  while (processAlive(pid) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
}

function removeTree(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}
