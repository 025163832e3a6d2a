import { execFileSync, execSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';
import { BIN } from './helpers.ts';

/**
 * The database holds the registry while a run lives; another local user (here `nobody`) must not
 * get at it. The embedded PostgreSQL: no credential to read, no data folder to list or read, no
 * server to connect to — through TCP on 127.0.0.1 or through the Unix socket. DuckDB: no folder of
 * the run (spill files, checked rows) to list or read, no database file or write-ahead log to
 * read, nothing listening.
 */
const asNobody = (args: string[]) => spawnSync('runuser', ['-u', 'nobody', '--', ...args], { cwd: '/', encoding: 'utf8' });
const canRunAsNobody = process.getuid?.() === 0 && asNobody(['node', '-e', '0']).status === 0;
if (!canRunAsNobody) console.warn('not root, or runuser/node cannot run as nobody: the other-user tests are SKIPPED');

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder for the runs, open to all like /tmp; `depth` pads its path to make it long. */
function tmpFolder(depth: number): string {
  let dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-other-'));
  made.push(dir);
  fs.chmodSync(dir, 0o1777);
  for (let i = 0; i < depth; i++) {
    dir = path.join(dir, `a-rather-long-folder-name-${i}`);
    fs.mkdirSync(dir, { mode: 0o1777 });
    fs.chmodSync(dir, 0o1777);
  }
  return dir;
}

/** Every file and folder under `dirs` that root sees. */
function walk(dirs: string[]): { files: string[]; folders: string[]; sockets: string[] } {
  const found = { files: [] as string[], folders: [] as string[], sockets: [] as string[] };
  const visit = (dir: string) => {
    found.folders.push(dir);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // Removed meanwhile.
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isSocket()) found.sockets.push(p);
      else if (e.isFile()) found.files.push(p);
    }
  };
  for (const d of dirs) visit(d);
  return found;
}

/** Of `files`, those nobody can read. */
const readableByNobody = (files: string[]) =>
  files.length === 0 ? [] : asNobody(['sh', '-c', 'for f; do [ -r "$f" ] && cat "$f" >/dev/null 2>&1 && echo "$f"; done', 'sh', ...files]).stdout.split('\n').filter(Boolean);
/** Of `folders`, those nobody can list. */
const listableByNobody = (folders: string[]) =>
  folders.length === 0 ? [] : asNobody(['sh', '-c', 'for d; do [ -x "$d" ] && ls "$d" >/dev/null 2>&1 && echo "$d"; done', 'sh', ...folders]).stdout.split('\n').filter(Boolean);

/** Tries to open a connection as nobody: 'connected', or the error code that refused it. */
function connectAsNobody(target: { path: string } | { port: number }): string {
  const options = 'path' in target ? JSON.stringify({ path: target.path }) : JSON.stringify({ host: '127.0.0.1', port: target.port });
  const script = `require('net').connect(${options}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); });`;
  return asNobody(['node', '-e', script]).stdout.trim();
}

/** TCP ports the processes `pids` listen on. */
function tcpPorts(pids: number[]): number[] {
  const lines = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' }).split('\n');
  return lines.filter((l) => pids.some((pid) => l.includes(`pid=${pid},`))).map((l) => Number(/:(\d+)\s/.exec(l)?.[1]));
}

/** Every socket (TCP, UDP, Unix) the process `pid` listens on, as `ss` shows it. */
const listening = (pid: number) => execFileSync('ss', ['-lpH'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(`pid=${pid},`));

/** Process ids whose command line names `text`. */
const pidsNaming = (text: string) =>
  execSync('ps -eo pid=,args=').toString().split('\n').filter((l) => l.includes(text)).map((l) => Number(l.trim().split(/\s+/)[0]));

const PIPELINE = `params: { out_dir: out }
sources:
  people: { file: people.csv, columns: { id: integer, name: text, address: text } }
transforms:
  slow: { inputs: [people], query: "SELECT id, pg_sleep(60) IS NULL AS slept FROM people" }
sinks:
  s: { from: slow, file: out/s.csv, order_by: [id] }
`;

describe.skipIf(!canRunAsNobody)('another local user, while a run lives', () => {
  it.each([
    ['a short $TMPDIR', 0],
    ['a $TMPDIR too long for a socket path', 3],
  ])('with %s, can read no credential, list or read no data folder, and connect to nothing', async (_, depth) => {
    const tmp = tmpFolder(depth);
    const dir = fixture({ 'people.csv': 'id,name,address\n1,Taro Test,1-2-3 Example\n', 'pipeline.yaml': PIPELINE });
    const child: ChildProcess = spawn(process.execPath, [BIN, 'run'], { cwd: dir, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // What the run keeps outside $TMPDIR: a socket folder under /tmp named after it.
    const ours = () => [tmp, ...fs.readdirSync('/tmp').filter((n) => n.startsWith(`etl-pg-${child.pid}-`)).map((n) => path.join('/tmp', n))];
    try {
      // While initdb runs (the superuser's password is being written), then while the transform sleeps.
      let initdbSeen = 0;
      const readable = new Set<string>();
      while (!err.includes('etl: source people')) {
        if (child.exitCode !== null) throw new Error(`the run ended early:\n${err}`);
        if (pidsNaming(tmp).length > 0 && execSync('ps -eo args=').toString().split('\n').some((l) => l.includes(tmp) && l.includes('initdb'))) {
          initdbSeen++;
          const { files } = walk(ours());
          for (const f of readableByNobody(files.filter((f) => !f.includes('/tsx-')))) readable.add(f);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(initdbSeen).toBeGreaterThan(0);
      expect([...readable]).toEqual([]);

      await new Promise((resolve) => setTimeout(resolve, 300));
      const { files, folders, sockets } = walk(ours());
      const clusterFolders = folders.filter((d) => d !== tmp && !d.includes('/tsx-'));
      expect(clusterFolders.length).toBeGreaterThan(0);
      expect(listableByNobody(clusterFolders)).toEqual([]);
      expect(readableByNobody(files.filter((f) => !f.includes('/tsx-')))).toEqual([]);
      const ports = tcpPorts(pidsNaming(tmp));
      // Whatever the server listens on, nobody gets through.
      expect(sockets.length + ports.length).toBeGreaterThan(0);
      for (const socket of sockets) expect(connectAsNobody({ path: socket }), socket).not.toBe('connected');
      for (const port of ports) expect(connectAsNobody({ port }), `127.0.0.1:${port}`).not.toBe('connected');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    // And nothing of it is left.
    expect(fs.readdirSync(tmp).filter((n) => !n.startsWith('tsx-'))).toEqual([]);
    expect(fs.readdirSync('/tmp').filter((n) => n.startsWith(`etl-pg-${child.pid}-`))).toEqual([]);
  });
});

/** A query that keeps DuckDB busy for minutes (10¹¹ pairs), unless interrupted, after the people are loaded. */
const DUCKDB_PIPELINE = `params: { out_dir: out }
sources:
  people: { file: people.csv, columns: { id: integer, name: text, address: text } }
transforms:
  slow: { inputs: [people], query: "SELECT people.id, (SELECT sum(a.range * b.range) FROM range(300000) a, range(300000) b) AS n FROM people" }
sinks:
  s: { from: slow, file: out/s.csv, order_by: [id] }
`;

describe.skipIf(!canRunAsNobody)('another local user, while a DuckDB run lives', () => {
  it.each([
    ['in memory', false],
    ['in a database file the run creates', true],
  ])('%s: can list or read nothing of the run, and nothing listens', async (_, inFile) => {
    const tmp = tmpFolder(0);
    const dir = fixture({ 'people.csv': 'id,name,address\n1,Taro Test,1-2-3 Example\n', 'pipeline.yaml': DUCKDB_PIPELINE });
    // The pipeline's folder is open to all, as a shared project folder would be: only the files' own modes protect them.
    fs.chmodSync(dir, 0o755);
    const file = path.join(dir, 'people.duckdb');
    // The usual umask, whatever the test runner's: under it DuckDB would make its files 0644.
    const child: ChildProcess = spawn('sh', ['-c', 'umask 022 && exec "$0" "$@"', process.execPath, BIN, 'run', '--database', inFile ? `duckdb:${file}` : 'duckdb'], {
      cwd: dir, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      while (!err.includes('etl: source people')) {
        if (child.exitCode !== null) throw new Error(`the run ended early:\n${err}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // The transform's query is under way.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const scratch = fs.readdirSync(tmp).filter((n) => n.startsWith(`etl-duckdb-${child.pid}-`)).map((n) => path.join(tmp, n));
      expect(scratch).toHaveLength(1);
      const { files, folders } = walk(scratch);
      expect(listableByNobody(folders)).toEqual([]);
      expect(readableByNobody(files)).toEqual([]);
      if (inFile) {
        // The database file and its write-ahead log, which hold the people until the run drops its schema.
        const dbFiles = [file, `${file}.wal`].filter((f) => fs.existsSync(f));
        expect(dbFiles).toContain(file);
        for (const f of dbFiles) expect((fs.statSync(f).mode & 0o777).toString(8), f).toBe('600');
        expect(readableByNobody(dbFiles)).toEqual([]);
      }
      expect(listening(child.pid!)).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(fs.readdirSync(tmp).filter((n) => !n.startsWith('tsx-'))).toEqual([]);
    expect(fs.readdirSync(dir).sort()).toEqual(inFile ? ['people.csv', 'people.duckdb', 'pipeline.yaml'] : ['people.csv', 'pipeline.yaml']);
  });
});
