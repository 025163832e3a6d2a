import { execSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';

/**
 * A run killed with SIGKILL (node alone, not its process group: the OOM killer, `kill -9 PID`)
 * cannot clean up; its embedded server must not keep the loaded registry running and on disk
 * until some later run happens to sweep it. The run's watchdog stops the server and removes its
 * folder by itself, within seconds.
 */
const BIN = path.resolve(import.meta.dirname, '../../bin/etl.js');
/** A generous bound for a loaded machine: the watchdog usually needs well under a second. */
const BOUND_MS = 10_000;

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** Command lines of the processes that name `text` (initdb and the server name their folder). */
const processesNaming = (text: string) => execSync('ps -eo args=').toString().split('\n').filter((l) => l.includes(text));

const PIPELINE = `params: { out_dir: out }
sources:
  src: { file: in.csv, columns: { id: integer } }
transforms:
  slow: { inputs: [src], query: "SELECT id, pg_sleep(60) IS NULL AS slept FROM src" }
sinks:
  s: { from: slow, file: out/s.csv, order_by: [id] }
`;

describe('a run killed with SIGKILL', () => {
  it.each([
    ['while initdb creates the cluster', (_err: string, tmp: string) => processesNaming(tmp).some((l) => l.includes('initdb'))],
    ['while a transform runs its query', (err: string) => err.includes('etl: source src')],
  ])('%s: its server stops and its folder goes within seconds, by itself', async (_, when) => {
    // A temporary folder of its own, so that no other run's sweep of /tmp does the watchdog's work.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-killed-'));
    made.push(tmp);
    fs.chmodSync(tmp, 0o1777);
    const dir = fixture({ 'in.csv': 'id\n1\n', 'pipeline.yaml': PIPELINE });
    const child = spawn(process.execPath, [BIN, 'run'], { cwd: dir, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal)));
    while (!when(err, tmp)) {
      if (child.exitCode !== null) throw new Error(`the run ended early:\n${err}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(processesNaming(tmp)).not.toEqual([]);
    process.kill(child.pid!, 'SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const killedAt = Date.now();
    const left = () => [...processesNaming(tmp), ...fs.readdirSync(tmp).filter((n) => !n.startsWith('tsx-'))];
    while (left().length > 0 && Date.now() - killedAt < BOUND_MS) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(left()).toEqual([]);
    expect(fs.readdirSync('/tmp').filter((n) => n.startsWith(`etl-pg-${child.pid}-`))).toEqual([]);
  });
});
