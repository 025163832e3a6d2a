import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputFiles } from '../../src/engine/output-files.ts';
import { EtlError } from '../../src/errors.ts';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';
import { chattrWorks, fillUp, immutable, mountTmpfs, tree, unmountTmpfs } from './fs-conditions.ts';

/**
 * The commit is all or nothing: whatever fails during it (a rename refused, a full disk, the
 * process killed between two renames), the output folders end up holding exactly the previous
 * set or exactly the new one, the run or the next one says which, and nothing hidden is left.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const CHILD = path.join(import.meta.dirname, 'commit-child.ts');
const NAMES = ['a.csv', 'b.csv', 'state/c.csv', 'manifest.json'];
/** Before the commit: a, b and the manifest have a previous version; state/c.csv is new. */
const OLD = { 'a.csv': 'old a.csv\n', 'b.csv': 'old b.csv\n', 'manifest.json': 'old manifest.json\n', 'state/': '' };
const NEW = { 'a.csv': 'new a.csv\n', 'b.csv': 'new b.csv\n', 'manifest.json': 'new manifest.json\n', 'state/': '', 'state/c.csv': 'new c.csv\n' };

/** The engines a whole run is tried on: the commit is the engine's own, whichever database ran the SQL. */
const ENGINES = [
  { name: 'the embedded PostgreSQL', args: [] as string[] },
  { name: 'DuckDB', args: ['--database', 'duckdb'] },
];

const oldSet = () => fixture({ 'a.csv': OLD['a.csv'], 'b.csv': OLD['b.csv'], 'manifest.json': OLD['manifest.json'], 'state/.keep': '' });
const finalsOf = (dir: string) => NAMES.map((n) => path.join(dir, n));
const writeNewSet = (files: OutputFiles, dir: string) => {
  for (const final of finalsOf(dir)) files.write(final, `new ${path.basename(final)}\n`);
};
/** What the next run does first: settle what it finds, then (here) stop. */
const nextRun = (dir: string) => {
  const said: string[] = [];
  new OutputFiles('next', finalsOf(dir), (l) => said.push(l)).discard();
  return said;
};
describe('a commit', () => {
  it('whose rename fails rolls back at once, across folders, and says the previous outputs are in place', async () => {
    const dir = oldSet();
    fs.rmSync(path.join(dir, 'state/.keep'));
    const files = new OutputFiles('t2', finalsOf(dir), () => undefined);
    writeNewSet(files, dir);
    // The temporary file of b.csv vanishes once the commit has begun: its rename fails.
    const message = await files
      .commit([], (step) => {
        if (!step.rollback && step.to === path.join(dir, 'a.csv')) fs.rmSync(path.join(dir, '.b.csv.etl-tmp-t2'));
      })
      .then(() => 'committed', (e: EtlError) => e.message);
    files.discard();
    expect(message).toBe(`etl: cannot rename ${dir}/.b.csv.etl-tmp-t2 to ${dir}/b.csv: no such file or folder (ENOENT); this run's outputs were rolled back: the previous outputs are in place`);
    expect(tree(dir)).toEqual(OLD);
    expect(nextRun(dir)).toEqual([]);
  });

  it('flushed ahead (while the report is drawn) fails the run as the commit would, and changes nothing', async () => {
    const dir = oldSet();
    const files = new OutputFiles('t4', finalsOf(dir), () => undefined);
    writeNewSet(files, dir);
    await files.flushAhead();
    // A file that cannot be flushed (here: gone) is named, with what it means for the outputs.
    fs.rmSync(path.join(dir, '.b.csv.etl-tmp-t4'));
    const message = await files.flushAhead().then(() => 'flushed', (e: EtlError) => e.message);
    files.discard();
    expect(message).toBe(`etl: cannot open ${dir}/.b.csv.etl-tmp-t4: no such file or folder (ENOENT); no output was changed: the previous outputs are in place`);
    expect(tree(dir)).toEqual({ ...OLD, 'state/.keep': '' });
  });

  it('flushes a streamed file when its stream finishes; a failure of that flush fails the run as the commit would', async () => {
    const dir = oldSet();
    const files = new OutputFiles('t5', finalsOf(dir), () => undefined);
    const out = files.open(path.join(dir, 'a.csv'));
    out.write('new a.csv\n');
    // Gone before its stream finishes: the flush begun at its end cannot open it, and says so only
    // when the run waits for its flushes (no unhandled failure in between).
    fs.rmSync(path.join(dir, '.a.csv.etl-tmp-t5'));
    out.end();
    await finished(out);
    await new Promise((resolve) => setImmediate(resolve));
    const message = await files.flushAhead().then(() => 'flushed', (e: EtlError) => e.message);
    files.discard();
    expect(message).toBe(`etl: cannot open ${dir}/.a.csv.etl-tmp-t5: no such file or folder (ENOENT); no output was changed: the previous outputs are in place`);
    expect(tree(dir)).toEqual({ ...OLD, 'state/.keep': '' });
  });
});

/** Runs the commit in a child process that SIGKILLs itself after `killAt` renames. */
function killedCommit(dir: string, killAt: number, mode = ''): Promise<{ signal: string | null; pid: number; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(killAt), mode], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (_code, signal) => resolve({ signal, pid: child.pid!, err }));
  });
}

/** What the next run says first: the killed run's locks are taken over. */
const staleLocks = (dir: string) => [dir, `${dir}/state`].map((d) => `etl: ${d}: removed the lock of a run that no longer exists`);

const canChattr = chattrWorks();
if (!canChattr) console.warn('chattr +i does not work here (not root, or the file system lacks it): the tests of a refused rename are SKIPPED');

describe.skipIf(!canChattr)('a rename refused by an immutable file (chattr +i)', () => {
  it('rolls the commit back: the new files of other folders are removed, the previous versions restored', async () => {
    const dir = oldSet();
    fs.rmSync(path.join(dir, 'state/.keep'));
    const files = new OutputFiles('t3', finalsOf(dir), () => undefined);
    writeNewSet(files, dir);
    immutable(path.join(dir, 'manifest.json'), true);
    try {
      const message = await files.commit().then(() => 'committed', (e: EtlError) => e.message);
      files.discard();
      expect(message).toBe(`etl: cannot rename ${dir}/manifest.json to ${dir}/.manifest.json.etl-old-t3: operation not permitted (EPERM); this run's outputs were rolled back: the previous outputs are in place`);
      expect(tree(dir)).toEqual(OLD);
    } finally {
      immutable(path.join(dir, 'manifest.json'), false);
    }
    expect(nextRun(dir)).toEqual([]);
    expect(tree(dir)).toEqual(OLD);
  });

  it('stops the next run from completing a killed commit: it rolls it back instead, and says why', async () => {
    const dir = oldSet();
    const killed = await killedCommit(dir, 3);
    expect(killed.signal, killed.err).toBe('SIGKILL');
    immutable(path.join(dir, 'manifest.json'), true);
    let said: string[];
    try {
      said = nextRun(dir);
    } finally {
      immutable(path.join(dir, 'manifest.json'), false);
    }
    expect(said).toEqual([
      ...staleLocks(dir),
      `etl: ${dir}, ${dir}/state: rolled back the commit of a run (process ${killed.pid}) that did not finish it (completing it failed: cannot rename ${dir}/manifest.json to ${dir}/.manifest.json.etl-old-child: operation not permitted (EPERM)): the outputs are all as they were before that run`,
    ]);
    expect(tree(dir)).toEqual({ ...OLD, 'state/.keep': '' });
  });

  it.each(ENGINES)('fails a real run with exit 1 and the previous outputs; the next run writes the new ones and claims nothing, on $name', async ({ args }) => {
    const dir = fixture({
      'in.csv': 'id\n1\n2\n',
      'pipeline.yaml': `params: { out_dir: out, n: "1" }
sources:
  src: { file: in.csv, columns: { id: integer } }
transforms:
  t: { inputs: [src], query: "SELECT id, id * CAST(:n AS integer) AS v FROM src" }
sinks:
  a: { from: t, file: out/a.csv, order_by: [id] }
  b: { from: t, file: out/state/b.csv, order_by: [id] }
manifest: out/manifest.json
`,
    });
    expect((await runCli(['run', '-q', ...args], dir)).code).toBe(0);
    const before = tree(path.join(dir, 'out'));
    immutable(path.join(dir, 'out/state/b.csv'), true);
    let r;
    try {
      r = await runCli(['run', '-q', '--param', 'n=7', ...args], dir);
    } finally {
      immutable(path.join(dir, 'out/state/b.csv'), false);
    }
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^etl: cannot rename out\/state\/b\.csv to out\/state\/\.b\.csv\.etl-old-\d+-[0-9a-f]{8}: operation not permitted \(EPERM\); this run's outputs were rolled back: the previous outputs are in place\n$/);
    expect(tree(path.join(dir, 'out'))).toEqual(before);
    const again = await runCli(['run', '--param', 'n=7', ...args], dir);
    expect(again.code).toBe(0);
    expect(again.err).not.toMatch(/commit|lock/);
    expect(fs.readFileSync(path.join(dir, 'out/state/b.csv'), 'utf8')).toBe('id,v\n1,7\n2,14\n');
    expect(Object.keys(tree(path.join(dir, 'out')))).toEqual(['a.csv', 'manifest.json', 'state/', 'state/b.csv']);
  });
});

describe('a run killed with SIGKILL between two renames of its commit', () => {
  // a, b and the manifest take two renames each (the previous version aside, the new one in), c one: 7 in all.
  it.each([1, 2, 3, 4, 5, 6])('after %i renames: the next run completes the commit and says so', async (k) => {
    const dir = oldSet();
    const killed = await killedCommit(dir, k);
    expect(killed.signal, killed.err).toBe('SIGKILL');
    expect(nextRun(dir)).toEqual([...staleLocks(dir), `etl: ${dir}, ${dir}/state: completed the commit of a run (process ${killed.pid}) that did not finish it: the outputs are all from that run`]);
    expect(tree(dir)).toEqual({ ...NEW, 'state/.keep': '' });
  });

  it('after the last rename: the next run removes the backups and says the outputs are that run\'s', async () => {
    const dir = oldSet();
    const killed = await killedCommit(dir, 7);
    expect(killed.signal, killed.err).toBe('SIGKILL');
    expect(Object.keys(tree(dir)).filter((f) => f.includes('.etl-old-'))).toHaveLength(3);
    expect(nextRun(dir)).toEqual([...staleLocks(dir), `etl: ${dir}, ${dir}/state: removed what a run (process ${killed.pid}) left after its commit: the outputs are all from that run`]);
    expect(tree(dir)).toEqual({ ...NEW, 'state/.keep': '' });
  });

  it('while rolling back a failed rename: the next run finishes the rollback and says so', async () => {
    const dir = oldSet();
    const killed = await killedCommit(dir, 1, 'sabotage');
    expect(killed.signal, killed.err).toBe('SIGKILL');
    expect(nextRun(dir)).toEqual([
      ...staleLocks(dir),
      `etl: ${dir}, ${dir}/state: rolled back the commit of a run (process ${killed.pid}) that did not finish it (some of its new files are gone): the outputs are all as they were before that run`,
    ]);
    expect(tree(dir)).toEqual({ ...OLD, 'state/.keep': '' });
  });

  it('is settled by a run that writes only one of its folders, which locks the other while it does', async () => {
    const dir = oldSet();
    const killed = await killedCommit(dir, 3);
    expect(killed.signal).toBe('SIGKILL');
    const said: string[] = [];
    new OutputFiles('next', [path.join(dir, 'state/c.csv')], (l) => said.push(l)).discard();
    expect(said).toEqual([...staleLocks(dir).reverse(), `etl: ${dir}, ${dir}/state: completed the commit of a run (process ${killed.pid}) that did not finish it: the outputs are all from that run`]);
    expect(tree(dir)).toEqual({ ...NEW, 'state/.keep': '' });
  });
});

let disk: string | undefined;
beforeAll(() => {
  disk = mountTmpfs('256k');
  if (!disk) console.warn('cannot mount a tmpfs (not root): the tests of a full disk during the commit are SKIPPED');
});
afterAll(() => unmountTmpfs(disk));

describe('a full disk', () => {
  it('that leaves no room for the journal fails the commit before any rename', async (ctx) => {
    if (!disk) return ctx.skip();
    const dir = path.join(disk, 'journal');
    fs.mkdirSync(path.join(dir, 'state'), { recursive: true });
    for (const [name, text] of Object.entries(OLD)) if (!name.endsWith('/')) fs.writeFileSync(path.join(dir, name), text);
    const files = new OutputFiles('t4', finalsOf(dir), () => undefined);
    writeNewSet(files, dir);
    const filler = fillUp(disk);
    try {
      const message = await files.commit().then(() => 'committed', (e: EtlError) => e.message);
      files.discard();
      expect(message).toBe(`etl: ${dir}/.etl-commit.json: no space left on the device while writing (ENOSPC); no output was changed: the previous outputs are in place`);
      expect(tree(dir)).toEqual(OLD);
    } finally {
      fs.rmSync(filler);
    }
    expect(nextRun(dir)).toEqual([]);
    expect(tree(dir)).toEqual(OLD);
  });

  it.for(ENGINES)('filled by the temporary files fails the run naming the file; the previous outputs stay, on $name', async ({ args }, ctx) => {
    if (!disk) return ctx.skip();
    const dir = fixture({
      'pipeline.yaml': `params: { out_dir: out, n: "10" }
sources:
  src: { file: in.csv, columns: { id: integer } }
transforms:
  t: { inputs: [src], query: "SELECT g.n AS id, repeat('x', 100) AS pad FROM generate_series(1, CAST(:n AS integer)) AS g(n)" }
sinks:
  a: { from: t, file: out/a.csv, order_by: [id] }
manifest: out/manifest.json
`,
      'in.csv': 'id\n1\n',
    });
    fs.symlinkSync(disk, path.join(dir, 'out'));
    expect((await runCli(['run', '-q', ...args], dir)).code).toBe(0);
    const before = tree(disk);
    const r = await runCli(['run', '-q', '--param', 'n=5000', ...args], dir);
    expect(r).toEqual({ code: 1, out: '', err: 'etl: out/a.csv: no space left on the device while writing (ENOSPC)\n' });
    expect(tree(disk)).toEqual(before);
    expect((await runCli(['run', '--param', 'n=20', ...args], dir)).err).not.toMatch(/commit|lock/);
    expect(fs.readFileSync(path.join(disk, 'a.csv'), 'utf8').split('\n')).toHaveLength(22);
  });
});
