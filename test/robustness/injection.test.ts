/**
 * Misuse (issue 4): injection strings through every parameter of the flagship, and through a
 * text parameter used in SQL. Parameters are typed (as_of, action_date: refused with exit 2,
 * naming the parameter), paths are taken literally (a folder whose name is an injection string
 * is just a folder), SQL parameters are bound (they match nothing and drop nothing), and
 * nothing outside the intended folders changes on disk. Never a crash.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';
import { diffSnapshots, FLAGSHIP, FLAGSHIP_OUTPUTS, FLAGSHIP_TREE, ROOT, SAMPLE, sha256, snapshotDir, STACK_FRAME } from './helpers.ts';

const INJECTIONS = [
  "x' or '1'='1",
  "'; DROP TABLE history; --",
  '"; DROP TABLE history; --',
  '$1',
  ':as_of',
  '${out_dir}',
  '`rm -rf .`',
  '$(touch pwned)',
  "2002-08-05 00:00:00' OR '1'='1",
  '2002-08-05 00:00:00; DROP TABLE history',
  '2002-08-05 00:00:00 --',
  '2003-04-10); DROP TABLE history; --',
];
/** Values PostgreSQL itself would take as a timestamp or a date, but that are not the declared format. */
const NOT_THE_FORMAT = { as_of: ['now', 'infinity', 'epoch', '2002-08-05', ' 2002-08-05 00:00:00', '2002-08-05T00:00:00', '2002-02-30 00:00:00'], action_date: ['today', 'infinity', '2003-4-10', '20030410', '2003-04-10 00:00:00', '2003-02-29'] };

const GOLDEN = path.join(ROOT, 'test', 'golden', 'flagship', 'expected');

/** Things outside the test's folders that a runaway path or statement could touch. */
function outsideState(): { repoData: Map<string, Buffer>; reference: Map<string, Buffer>; passwd: string; repoRoot: string[] } {
  return {
    repoData: snapshotDir(path.join(ROOT, 'data')),
    reference: snapshotDir(path.join(ROOT, 'reference')),
    passwd: sha256(fs.readFileSync('/etc/passwd')),
    repoRoot: fs.readdirSync(ROOT),
  };
}

function expectOutsideUnchanged(before: ReturnType<typeof outsideState>): void {
  const after = outsideState();
  expect(diffSnapshots(before.repoData, after.repoData), 'data/ of the repository').toBe('');
  expect(diffSnapshots(before.reference, after.reference), 'reference/ of the repository').toBe('');
  expect(after.passwd, '/etc/passwd').toBe(before.passwd);
  // Only names an injection could have made (other work may add files to the repository meanwhile).
  const added = after.repoRoot.filter((n) => !before.repoRoot.includes(n) && /['"$:;`{}()]|DROP|pwned|^out$/u.test(n));
  expect(added, 'new entries in the repository root').toEqual([]);
}

function expectNoCrash(r: { err: string }): void {
  expect(r.err).not.toMatch(/unexpected error/iu);
  expect(r.err).not.toMatch(STACK_FRAME);
}

const flagship = (cwd: string, params: Record<string, string>) =>
  runCli(['run', FLAGSHIP, '--quiet', ...Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`])], cwd);

describe('typed parameters of the flagship refuse injections', () => {
  for (const param of ['as_of', 'action_date'] as const) {
    it(`${param}: every injection and every other format is refused with exit 2, naming ${param}`, async () => {
      const work = fixture({ 'out/keep.txt': 'previous\n' });
      const before = snapshotDir(work);
      const outside = outsideState();
      for (const value of [...INJECTIONS, ...NOT_THE_FORMAT[param]]) {
        const r = await flagship(work, { data_dir: SAMPLE, out_dir: path.join(work, 'out'), [param]: value });
        expectNoCrash(r);
        expect(r.code, `${param}=${value}: ${r.err}`).toBe(2);
        expect(r.err, value).toMatch(new RegExp(`parameter "${param}"`, 'u'));
        expect(r.out).toBe('');
      }
      expect(diffSnapshots(before, snapshotDir(work))).toBe('');
      expectOutsideUnchanged(outside);
    });
  }

  it('an injection in a parameter name is an unknown parameter (exit 2)', async () => {
    const work = fixture({});
    for (const name of ["as_of' --", 'as_of;DROP TABLE history', '${out_dir}', ':as_of']) {
      const r = await runCli(['run', FLAGSHIP, '--quiet', '--param', `${name}=2002-08-05 00:00:00`, '--param', `out_dir=${path.join(work, 'out')}`], work);
      expectNoCrash(r);
      expect(r.code, `${name}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(/unknown parameter|not a parameter|no parameter/iu);
    }
    expect(fs.existsSync(path.join(work, 'out'))).toBe(false);
  });
});

describe('path parameters of the flagship are taken literally', () => {
  it('data_dir naming no folder: a clean failure naming the missing file, nothing written', async () => {
    const work = fixture({ 'out/keep.txt': 'previous\n' });
    const before = snapshotDir(work);
    const outside = outsideState();
    for (const value of [...INJECTIONS, '../../etc/passwd', '../../../../../../etc', '/etc/passwd', '/dev/null', path.join(work, 'out', 'keep.txt')]) {
      const r = await flagship(work, { data_dir: value, out_dir: path.join(work, 'out') });
      expectNoCrash(r);
      expect([1, 2], `data_dir=${value}: ${r.err}`).toContain(r.code);
      expect(r.err, value).toMatch(/history\.csv.*(not found|cannot read)|(not found|cannot read).*history\.csv/u);
      expect(r.err).not.toMatch(/database error/u);
    }
    expect(diffSnapshots(before, snapshotDir(work))).toBe('');
    expectOutsideUnchanged(outside);
  });

  it('out_dir over a file (an /etc/passwd of our own): a clean failure, the file untouched', async () => {
    const work = fixture({ 'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\n' });
    const before = snapshotDir(work);
    for (const value of [path.join(work, 'etc/passwd'), path.join(work, 'etc/passwd/sub')]) {
      const r = await flagship(work, { data_dir: SAMPLE, out_dir: value });
      expectNoCrash(r);
      expect([1, 2], `out_dir=${value}: ${r.err}`).toContain(r.code);
      expect(r.err, 'names the folder').toMatch(/(^|\/)etc\/passwd(\/sub)?: cannot create the output folder \(a file is in the way\)\n$/);
      // It is a file-system problem with out_dir, not a database's.
      expect(r.err, r.err).not.toMatch(/database error/u);
    }
    expect(diffSnapshots(before, snapshotDir(work))).toBe('');
  });

  it('folders whose names are injection strings are read and written like any folder, and only they', async () => {
    const names = ["x' or '1'='1", "'; DROP TABLE history; --", '$1', ':as_of', '${data_dir}', 'a "b" c'];
    const work = fixture({});
    const outside = outsideState();
    for (const name of names) {
      // data_dir and out_dir both injection-named; the outputs must go exactly there.
      const data = path.join(work, `in-${name}`);
      const out = path.join(work, `out-${name}`);
      fs.mkdirSync(data);
      for (const f of ['history.csv', 'non_notification.csv']) fs.copyFileSync(path.join(SAMPLE, f), path.join(data, f));
      const before = snapshotDir(work);
      const r = await flagship(work, { data_dir: data, out_dir: out });
      expectNoCrash(r);
      expect(r, name).toEqual({ code: 0, out: '', err: '' });
      const after = snapshotDir(work);
      const added = [...after.keys()].filter((k) => !before.has(k)).sort();
      const expectedAdded = [`out-${name}/`, ...FLAGSHIP_TREE.map((f) => `out-${name}/${f}`)].sort();
      expect(added, name).toEqual(expectedAdded);
      for (const [k, v] of before) expect(after.get(k)?.equals(v), `${k} unchanged`).toBe(true);
      for (const f of FLAGSHIP_OUTPUTS.filter((f) => f.endsWith('.csv'))) {
        expect(after.get(`out-${name}/${f}`)!.equals(fs.readFileSync(path.join(GOLDEN, f))), `${name}: ${f} as the golden one`).toBe(true);
      }
      const manifest = JSON.parse(after.get(`out-${name}/manifest.json`)!.toString('utf8'));
      expect(manifest.parameters).toMatchObject({ data_dir: data, out_dir: out });
      expect(manifest.passed).toBe(true);
    }
    expectOutsideUnchanged(outside);
  }, 120_000);

  it('an out_dir with .. goes where it resolves to, and nowhere else', async () => {
    const work = fixture({ 'a/keep.txt': 'keep\n' });
    const before = snapshotDir(work);
    const r = await flagship(work, { data_dir: SAMPLE, out_dir: path.join(work, 'a', '..', 'b') });
    expect(r).toEqual({ code: 0, out: '', err: '' });
    const after = snapshotDir(work);
    expect([...after.keys()].filter((k) => !before.has(k)).sort()).toEqual(['b/', ...FLAGSHIP_TREE.map((f) => `b/${f}`)].sort());
    expect(after.get('a/keep.txt')!.toString()).toBe('keep\n');
  });
});

describe('a text parameter in SQL is bound, never pasted', () => {
  it('injection strings match nothing, change no query and drop no table', async () => {
    const values = [
      ...INJECTIONS,
      "alice' --",
      "' OR name IS NOT NULL OR '",
      "\\'; DROP TABLE users; --",
      "*/ DROP TABLE users; /*",
      '%',
      '_lice',
      "E'\\x61lice'",
      'alice\u0000',
    ].filter((v) => !v.includes('\u0000')); // argv cannot carry a NUL
    const params = Object.fromEntries(values.map((v, i) => [`p${i}`, v]));
    const transforms = values.map((_, i) => `  m${i}: { inputs: [users], query: "SELECT name, :p${i}::text AS asked FROM users WHERE name = :p${i}" }`).join('\n');
    const sinks = values.map((_, i) => `  m${i}_csv: { from: m${i}, file: "\${out_dir}/m${i}.csv", order_by: [name] }`).join('\n');
    const dir = fixture({
      'users.csv': 'name\nalice\nbob\nx\n',
      'pipeline.yaml': `name: bound
params:
  out_dir: out
  wanted: alice
${values.map((_, i) => `  p${i}: ""`).join('\n')}
sources:
  users: { file: users.csv, columns: { name: text } }
transforms:
${transforms}
  control: { inputs: [users], query: "SELECT name, :wanted::text AS asked FROM users WHERE name = :wanted" }
  survivors: { inputs: [${values.map((_, i) => `m${i}`).join(', ')}, users], query: "SELECT count(*) AS n FROM users" }
checks:
  users_intact: { assert: "SELECT count(*) = 3 FROM users" }
sinks:
${sinks}
  control_csv: { from: control, file: "\${out_dir}/control.csv", order_by: [name] }
  survivors_csv: { from: survivors, file: "\${out_dir}/survivors.csv", order_by: [n] }
`,
    });
    const r = await runCli(['run', 'pipeline.yaml', '--quiet', ...Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`])], dir);
    expectNoCrash(r);
    expect(r).toEqual({ code: 0, out: '', err: '' });
    values.forEach((_, i) => expect(fs.readFileSync(path.join(dir, `out/m${i}.csv`), 'utf8'), `p${i} = ${values[i]}`).toBe('name,asked\n'));
    // The same query with a value that is there does match: the parameter is really compared.
    expect(fs.readFileSync(path.join(dir, 'out/control.csv'), 'utf8')).toBe('name,asked\nalice,alice\n');
    expect(fs.readFileSync(path.join(dir, 'out/survivors.csv'), 'utf8')).toBe('n\n3\n');
    expect(fs.readFileSync(path.join(dir, 'users.csv'), 'utf8')).toBe('name\nalice\nbob\nx\n');
    expect(fs.readdirSync(dir).sort()).toEqual(['out', 'pipeline.yaml', 'users.csv']);
  });

  it('the bound value comes back exactly (it is a value, not SQL)', async () => {
    const values = INJECTIONS;
    const dir = fixture({
      'one.csv': 'id\n1\n',
      'pipeline.yaml': `name: echo
params:
  out_dir: out
${values.map((_, i) => `  p${i}: ""`).join('\n')}
sources:
  one: { file: one.csv, columns: { id: integer } }
transforms:
  echoed: { inputs: [one], query: "${values.map((_, i) => `SELECT ${i} AS i, :p${i}::text AS v FROM one`).join(' UNION ALL ')}" }
sinks:
  echoed_csv: { from: echoed, file: "\${out_dir}/echoed.csv", order_by: [i] }
`,
    });
    const r = await runCli(['run', 'pipeline.yaml', '--quiet', ...values.flatMap((v, i) => ['--param', `p${i}=${v}`])], dir);
    expect(r).toEqual({ code: 0, out: '', err: '' });
    const field = (s: string) => (/[",\r\n]/u.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    expect(fs.readFileSync(path.join(dir, 'out/echoed.csv'), 'utf8')).toBe(`i,v\n${values.map((v, i) => `${i},${field(v)}\n`).join('')}`);
  });
});
