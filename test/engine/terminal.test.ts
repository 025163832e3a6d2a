import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';
import { Terminal, tmuxAvailable } from '../support/terminal.ts';

/**
 * Ctrl-C as an operator presses it: in a real terminal, where the terminal sends SIGINT to the
 * whole foreground process group (node, tsx's esbuild, and whatever else the run started), at
 * moments from loading the pipeline to writing the sinks. Every time: exit 130, one line saying
 * so, no stack trace, the previous outputs as they were, and nothing left in the temporary folder.
 */
const BIN = path.resolve(import.meta.dirname, '../../bin/etl.js');
const INTERRUPTED = 'etl: interrupted by SIGINT; no output was changed';
if (!tmuxAvailable) console.warn('tmux is not installed: the Ctrl-C-in-a-terminal tests are SKIPPED');

/** The runs' temporary folder: what they leave there is seen, whatever else runs on the machine. */
let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-term-'));
  // Like /tmp: as root the server runs as the postgres user, who must reach its folder.
  fs.chmodSync(tmp, 0o1777);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** What the runs left in their temporary folder (tsx's cache of compiled sources aside). */
const leftInTmp = () => fs.readdirSync(tmp).filter((name) => !name.startsWith('tsx-'));
/** Processes still running from the runs' temporary folder (initdb, the server). */
const processesInTmp = () => execSync('ps -eo args').toString().split('\n').filter((l) => l.includes(tmp));
const snapshot = (dir: string) => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));

const OLD = { 'out/a.csv': 'old a\n', 'out/b.csv': 'old b\n' };

/** The engines a run may use inside the terminal, each with a query that keeps it busy for a minute or more. */
const ENGINES = [
  { name: 'the embedded PostgreSQL', args: '', slowQuery: 'SELECT id, pg_sleep(60) IS NULL AS slept FROM src', sinkByQuery: false },
  // DuckDB runs inside node: the query keeps its threads busy (10¹¹ pairs) until it is interrupted.
  // A sink's lines are made and sorted by a query into DuckDB's folder before the output file gets them.
  { name: 'DuckDB', args: ' --database duckdb', slowQuery: 'SELECT src.id, (SELECT sum(a.range * b.range) FROM range(300000) a, range(300000) b) AS n FROM src', sinkByQuery: true },
];

/**
 * Runs `etl run -v` (and `args`) in `dir` in a terminal, presses C-c once `ready` resolves, and
 * returns the exit code and the lines the run printed.
 */
async function pressCtrlC(dir: string, ready: (term: Terminal) => Promise<unknown>, args = '', env = ''): Promise<{ code: number; lines: string[] }> {
  const term = new Terminal();
  try {
    term.type(`cd ${dir} && TMPDIR=${tmp} ${env}node ${BIN} run -v${args}; echo "EXIT=$?"`);
    await ready(term);
    term.press('C-c');
    // The terminal echoes ^C where the cursor is: after a run that printed nothing, before EXIT=.
    const [, code] = (await term.waitFor(/EXIT=(\d+)$/m, 60_000)) as string[];
    const screen = term.screen().split('\n');
    const start = screen.findIndex((l) => l.includes(`${BIN} run -v`));
    const end = screen.findIndex((l) => /EXIT=\d+$/.test(l));
    return { code: Number(code), lines: screen.slice(start + 1, end).map((l) => l.trimEnd()) };
  } finally {
    term.close();
  }
}

function expectInterrupted(run: { code: number; lines: string[] }, dir: string): void {
  const text = run.lines.join('\n');
  expect(run.code, text).toBe(130);
  expect(run.lines.filter((l) => /interrupt/i.test(l)), text).toEqual([INTERRUPTED]);
  expect(run.lines.at(-1), text).toBe(INTERRUPTED);
  expect(text).not.toMatch(/^\s+at |lost the connection|error|unexpected/im);
  expect(snapshot(path.join(dir, 'out'))).toEqual({ 'a.csv': 'old a\n', 'b.csv': 'old b\n' });
  expect(leftInTmp()).toEqual([]);
  expect(processesInTmp()).toEqual([]);
}

/** Waits until a process of the runs' temporary folder runs `program`. */
async function processRuns(program: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (!processesInTmp().some((l) => l.includes(program))) {
    if (Date.now() > until) throw new Error(`${program} never ran`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A column type that takes its time: `ms` per value, so that a load lasts. */
const slowType = (ms: number, marker = '') => `${marker ? `process.stderr.write(${JSON.stringify(`${marker}\n`)});\nAtomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 4000);\n` : ''}
export default {
  description: 'an integer, slowly',
  sqlType: () => 'integer',
  parse: (text: string) => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms});
    return text;
  },
};
`;

/** A pipeline of one source of 3000 rows of 1 KB, whose id column's type takes 2 ms a row. */
function bigSource(): string {
  const rows = Array.from({ length: 3000 }, (_, i) => `${i + 1},${'x'.repeat(1000)}`);
  return fixture({
    ...OLD,
    'big.csv': `id,pad\n${rows.join('\n')}\n`,
    'slow-type.ts': slowType(2),
    'pipeline.yaml': `params: { out_dir: out }
types:
  slow_int: { ts: slow-type.ts }
sources:
  big: { file: big.csv, columns: { id: slow_int, pad: text } }
sinks:
  a: { from: big, file: out/a.csv, order_by: [id] }
`,
  });
}

describe.skipIf(!tmuxAvailable)('Ctrl-C in a terminal', () => {
  it('while the pipeline loads its type modules (tsx\'s esbuild gets the SIGINT too)', async () => {
    const dir = fixture({
      ...OLD,
      'in.csv': 'id\n1\n',
      'slow-type.ts': slowType(0, 'loading the slow type'),
      // Never compiled before (a new text each time), so loading it needs esbuild, which the SIGINT stopped.
      'other-type.ts': `// ${randomBytes(8).toString('hex')}\n${slowType(0)}`,
      'pipeline.yaml': `params: { out_dir: out }
types:
  slow_int: { ts: slow-type.ts }
  other_int: { ts: other-type.ts }
sources:
  src: { file: in.csv, columns: { id: slow_int } }
sinks:
  a: { from: src, file: out/a.csv, order_by: [id] }
`,
    });
    const run = await pressCtrlC(dir, (term) => term.waitFor(/^loading the slow type$/m));
    expectInterrupted(run, dir);
  });

  it('while initdb creates the embedded cluster', async () => {
    const dir = fixture({
      ...OLD,
      'in.csv': 'id\n1\n',
      'pipeline.yaml': `params: { out_dir: out }
sources:
  src: { file: in.csv, columns: { id: integer } }
sinks:
  a: { from: src, file: out/a.csv, order_by: [id] }
`,
    });
    const run = await pressCtrlC(dir, () => processRuns('initdb'));
    expectInterrupted(run, dir);
  });

  it.each(ENGINES)('while a source loads, on $name', async ({ args }) => {
    // Rows of 1 KB read 64 KiB at a time: each read is a few dozen rows, 2 ms each.
    const dir = bigSource();
    const run = await pressCtrlC(dir, async (term) => {
      await term.waitFor(/source big \(big\.csv\): started/);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }, args);
    expect(run.lines.join('\n')).not.toMatch(/source big \(big\.csv\): \d+ rows/);
    expectInterrupted(run, dir);
  });

  it('while a source is checked in chunks by worker threads (started while DuckDB opened), on DuckDB', async () => {
    // 64 KiB chunks of 1 KB rows, 2 ms a row: each worker is busy with a chunk when the C-c comes.
    const dir = bigSource();
    const run = await pressCtrlC(dir, async (term) => {
      await term.waitFor(/source big: checked by \d worker threads/);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }, ' --database duckdb', 'ETL_CHECK_MIN_BYTES=1 ETL_CHECK_CHUNK_BYTES=65536 ');
    expect(run.lines.join('\n')).not.toMatch(/source big \(big\.csv\): \d+ rows/);
    expectInterrupted(run, dir);
  });

  it.each(ENGINES)('while a transform runs its query, on $name', async ({ args, slowQuery }) => {
    const dir = fixture({
      ...OLD,
      'in.csv': 'id\n1\n',
      'pipeline.yaml': `params: { out_dir: out }
sources:
  src: { file: in.csv, columns: { id: integer } }
transforms:
  slow: { inputs: [src], query: "${slowQuery}" }
sinks:
  a: { from: src, file: out/a.csv, order_by: [id] }
  b: { from: slow, file: out/b.csv, order_by: [id] }
`,
    });
    const run = await pressCtrlC(dir, async (term) => {
      await term.waitFor(/transform slow: started/);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }, args);
    expectInterrupted(run, dir);
  });

  it.each(ENGINES)('while a sink is written, on $name', async ({ args, sinkByQuery }) => {
    const dir = fixture({
      ...OLD,
      'in.csv': 'id\n1\n',
      'pipeline.yaml': `params: { out_dir: out }
sources:
  src: { file: in.csv, columns: { id: integer } }
transforms:
  many: { inputs: [src], query: "SELECT g.n AS id, md5(g.n::text) AS h FROM generate_series(1, 2000000) AS g(n)" }
sinks:
  a: { from: src, file: out/a.csv, order_by: [id] }
  b: { from: many, file: out/b.csv, order_by: [id], after: [a] }
`,
    });
    const out = path.join(dir, 'out');
    const run = await pressCtrlC(dir, async (term) => {
      // On DuckDB, pressed while the query that makes the big sink's lines runs (the file then takes a moment).
      if (sinkByQuery) return term.waitFor(/sink b -> out\/b\.csv: started/);
      // Pressed once the big sink's temporary file has its first bytes.
      const until = Date.now() + 60_000;
      while (!fs.readdirSync(out).some((f) => f.startsWith('.b.csv.') && fs.statSync(path.join(out, f)).size > 0)) {
        if (Date.now() > until) throw new Error('the sink never started writing');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }, args);
    expect(run.lines.join('\n')).not.toMatch(/sink b -> out\/b\.csv: \d+ rows/);
    expectInterrupted(run, dir);
  });
});
