import { spawn } from 'node:child_process';
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/etl.js');

/** Runs etl in a child process and sends `signal` once the first stage has finished. */
function runAndSignal(dir: string, signal: NodeJS.Signals): Promise<{ code: number | null; pid: number; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'run'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('etl: source src')) child.kill(signal);
    });
    child.on('exit', (code) => resolve({ code, pid: child.pid!, err }));
  });
}

describe('signals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s stops the embedded PostgreSQL, removes its data and leaves outputs alone', async (signal) => {
    const dir = fixture({
      'in.csv': 'id\n1\n',
      'pipeline.yaml': `params: { out_dir: out }
sources:
  src: { file: in.csv, columns: { id: integer } }
transforms:
  slow: { inputs: [src], query: "SELECT id, pg_sleep(30) IS NULL AS slept FROM src" }
sinks:
  a: { from: src, file: out/a.csv, order_by: [id] }
  b: { from: slow, file: out/b.csv, order_by: [id] }
`,
      'out/a.csv': 'old\n',
    });
    const { code, pid } = await runAndSignal(dir, signal);
    expect(code).toBe(signal === 'SIGTERM' ? 143 : 130);
    expect(fs.readdirSync('/tmp').filter((d) => d.startsWith(`etl-pg-${pid}-`))).toEqual([]);
    const processes = execSync('ps -eo args').toString().split('\n').filter((l) => l.includes(`etl-pg-${pid}-`));
    expect(processes).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['a.csv']);
    expect(fs.readFileSync(path.join(dir, 'out/a.csv'), 'utf8')).toBe('old\n');
  });
});
