import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CASE = {
  'pipeline.yaml': 'params: { out_dir: out }\nsources:\n  a: { file: a.csv, columns: { id: integer, name: text } }\nsinks:\n  s: { from: a, file: "${out_dir}/a.csv", order_by: [id] }\n',
  'a.csv': 'id,name\n2,b\n1,a\n',
};

describe('etl plan', () => {
  it('lists parameters, stages in run order with what they read and write, checks and the manifest', async () => {
    const r = await runCli(['plan', '--param', 'out_dir=/tmp/plan-out'], ROOT);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').slice(0, 12).join('\n')).toBe(`pipeline "yokohama-setup" (pipeline.yaml)
parameters:
  action_date = 2003-04-10
  as_of       = 2002-08-05 00:00:00
  data_dir    = data/sample
  out_dir     = /tmp/plan-out
  until       = 2003-04-10 00:00:00
stages, in the order they run:
    1  source     event_codes       reads reference/event_codes.csv (utf-8)
    2  source     history           reads data/sample/history.csv (cp932)
    3  source     non_notification  reads data/sample/non_notification.csv (utf-8)
    4  sql xform  changes           reads history with transforms/changes.sql`);
    expect(r.out).toContain('    5  sql xform  next_window       reads no stage (parameters only)\n');
    expect(r.out).toContain('    9  split      routing           reads changes, non_notification; makes held_changes, outbound_changes\n');
    expect(r.out).toContain('   24  sink       outbound_csv      reads outbound; writes /tmp/plan-out/03_outbound.csv (after entries_csv)\n');
    expect(r.out).toContain('row rules, once every source is loaded: history.before_until\n');
    expect(r.out).toContain('measures, recorded in the manifest: listed, held, sent, released, exceptions, held_total\n');
    expect(r.out).toContain('manifest: /tmp/plan-out/manifest.json\nreport: /tmp/plan-out/report.html\n');
    expect(fs.existsSync('/tmp/plan-out')).toBe(false);
  });

  it('shows what a selection runs: the selected sinks and what they need, no more', async () => {
    const r = await runCli(['plan', '--select', 'outbound_csv', '--select', 'exceptions+'], ROOT);
    const stages = r.out.split('\n').flatMap((l) => /^\s+\d+ {2}.{9} {2}(\S+)/.exec(l)?.[1] ?? []);
    expect(stages).toEqual(['event_codes', 'history', 'non_notification', 'changes', 'list_requests', 'routing', 'outbound', 'snapshot', 'exceptions', 'exceptions_csv', 'outbound_csv']);
    expect(new Set(stages)).toEqual(new Set(['history', 'non_notification', 'event_codes', 'changes', 'list_requests', 'routing', 'outbound', 'snapshot', 'exceptions', 'exceptions_csv', 'outbound_csv']));
    expect(r.out).toContain('(selected 11 of 25)');
    expect(r.out).toContain('manifest: out/manifest.json (not written for a selection)');
  });

  it('refuses an unknown selector, suggesting the closest stage', async () => {
    expect(await runCli(['plan', '--select', '+outbound_cvs'], ROOT)).toEqual({
      code: 2,
      out: '',
      err: expect.stringMatching(/^--select "\+outbound_cvs": no stage "outbound_cvs"; did you mean "outbound_csv"\? known stages: /),
    });
  });
});

describe('etl run --select', () => {
  it('writes only the selected sinks and leaves the others alone', async () => {
    const dir = fixture({ ...CASE, 'pipeline.yaml': `${CASE['pipeline.yaml']}  t: { from: a, file: "\${out_dir}/t.csv", order_by: [name] }\n`, 'out/t.csv': 'old\n' });
    const r = await runCli(['run', '--select', 's', '--quiet'], dir);
    expect(r).toEqual({ code: 0, out: '', err: '' });
    expect(fs.readFileSync(path.join(dir, 'out/a.csv'), 'utf8')).toBe('id,name\n1,a\n2,b\n');
    expect(fs.readFileSync(path.join(dir, 'out/t.csv'), 'utf8')).toBe('old\n');
  });

  it('says what it does: stage lines, then a summary of files and time; --verbose adds starts', async () => {
    const dir = fixture(CASE);
    const r = await runCli(['run', '--verbose'], dir);
    const lines = r.err.replace(/\d+\.\ds/g, 'T').split('\n');
    expect(lines).toEqual([
      'etl: running "pipeline" on embedded PostgreSQL',
      'etl: source a (a.csv): started',
      'etl: source a (a.csv): 2 rows (T)',
      'etl: sink s -> out/a.csv: started',
      'etl: sink s -> out/a.csv: 2 rows (T)',
      'etl: summary',
      '  wrote   out/a.csv  2 rows',
      '  done in T',
      '',
    ]);
  });
});

describe('etl test', () => {
  it('passes matching cases and prints a unified diff for a mismatch, exit 1', async () => {
    const dir = fixture({
      'good/pipeline.yaml': CASE['pipeline.yaml'],
      'good/a.csv': CASE['a.csv'],
      'good/expected/a.csv': 'id,name\n1,a\n2,b\n',
      'bad/pipeline.yaml': CASE['pipeline.yaml'],
      'bad/a.csv': CASE['a.csv'],
      'bad/expected/a.csv': 'id,name\n1,a\n2,B\n',
    });
    const r = await runCli(['test', '.'], dir);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`FAIL  bad
===================================================================
--- expected/a.csv
+++ out/a.csv
@@ -1,3 +1,3 @@
 id,name
 1,a
-2,B
+2,b
ok    good
1 passed, 1 failed
`);
  });

  it('--update rewrites the expectations from what the runs did', async () => {
    const dir = fixture({ 'c/pipeline.yaml': CASE['pipeline.yaml'], 'c/a.csv': CASE['a.csv'], 'c/expected/stale.csv': 'x\n' });
    expect((await runCli(['test', '.', '--update'], dir)).out).toBe('ok    c: updated (exit 0)\n1 passed, 0 failed\n');
    expect(fs.readdirSync(path.join(dir, 'c/expected'))).toEqual(['a.csv']);
    expect((await runCli(['test', '.'], dir)).code).toBe(0);
  });
});

describe('etl guess', () => {
  it('prints a ready sources block for the CP932 sample registry', async () => {
    const r = await runCli(['guess', 'data/sample/history.csv'], ROOT);
    expect(r).toEqual({
      code: 0,
      err: '',
      out: `# guessed by etl from data/sample/history.csv: cp932, CRLF, ","-separated, a header row, 57 rows sampled
types:
  juminhyo_code: { ts: types/juminhyo-code.ts }    # shipped with etl; copy it beside your pipeline
  wareki_date: { ts: types/wareki-date.ts }    # shipped with etl; copy it beside your pipeline
sources:
  history:
    file: data/sample/history.csv
    encoding: cp932
    columns:
      seq: { type: integer, required: true }
      person_id: { type: text, required: true }
      juminhyo_code: { type: juminhyo_code, required: true }
      event_code: { type: integer, required: true }
      event_date: { type: wareki_date, required: true }
      processed_at: { type: timestamp, required: true }
      name: { type: text, required: true }
      name_kana: { type: text, required: true }
      birth_date: { type: wareki_date, partial: true, required: true }
      sex: { type: integer, required: true }
      address: { type: text, required: true }
`,
    });
  });

  it('detects a tab delimiter and a missing header, and the guess runs', async () => {
    const dir = fixture({ 'x.tsv': '1\t2002-08-05\tyes\n2\t2002-08-06\tno\n' });
    const r = await runCli(['guess', 'x.tsv'], dir);
    expect(r.out).toBe(`# guessed by etl from x.tsv: utf-8, LF, tab-separated, NO header row, 2 rows sampled
# etl needs a header row: add one with these names (or better ones) before running
sources:
  x:
    file: x.tsv
    delimiter: "\\t"
    columns:
      column_1: { type: integer, required: true }
      column_2: { type: date, required: true }
      column_3: { type: text, required: true }
`);
  });
});

describe('etl graph --run', () => {
  it('labels each edge with the rows a finished run moved along it, routes by name', async () => {
    const dir = fixture({});
    expect((await runCli(['run', '--quiet', '--param', `out_dir=${dir}`], ROOT)).code).toBe(0);
    const r = await runCli(['graph', '--format', 'mermaid', '--run', dir], ROOT);
    expect(r.code).toBe(0);
    expect(r.out).toContain('  routing{"routing<br/>split"}\n');
    expect(r.out).toContain('  routing -->|"held_changes: 7 rows"| held\n');
    expect(r.out).toContain('  routing -->|"outbound_changes: 11 rows"| outbound\n');
    expect(r.out).toContain('  history -->|"57 rows"| snapshot\n');
    expect(r.out).toContain('  deletions_csv -.->|after| entries_csv\n');
    const dot = await runCli(['graph', '--run', dir], ROOT);
    expect(dot.out).toContain('  "routing" -> "held" [label="held_changes: 7 rows"];\n');
  });
});
