import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../../src/config/compile.ts';
import { TableLifetimes } from '../../src/engine/table-lifetimes.ts';
import { checksFor, runOrder, select } from '../../src/graph/select.ts';
import { databaseBackends } from '../support/backends.ts';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

// b is read only through t2's SQL, t1 also through t4's (neither declared; T1 is t1, unquoted); `even` by a check, c by a measure, t3 and t4 by sinks.
const FILES = {
  'a.csv': 'id\n1\n2\n3\n',
  'b.csv': 'id\n2\n3\n',
  'c.csv': 'id\n3\n',
  'm.ts': 'export default (row: { id: number }) => ({ id: row.id * 10 });\n',
  'pipeline.yaml': `params: { out_dir: out }
sources:
  a: { file: a.csv, columns: { id: integer } }
  b: { file: b.csv, columns: { id: integer } }
  c: { file: c.csv, columns: { id: integer } }
transforms:
  t1: { inputs: [a], query: "SELECT id FROM a" }
  t2: { inputs: [t1], query: "SELECT id FROM t1 WHERE id IN (SELECT id FROM b)" }
  t3: { inputs: [t2], ts: m.ts }
  sp:
    inputs: [t2]
    routes: { odd: id % 2 = 1, even: else }
  t4: { inputs: [odd], query: "SELECT id FROM odd UNION ALL SELECT id + 100 FROM T1" }
checks:
  k:
    equal:
      evens: SELECT count(*) FROM even
      one: SELECT 1
measures:
  m: { query: SELECT count(*) FROM c }
manifest: \${out_dir}/manifest.json
sinks:
  s3: { from: t3, file: "\${out_dir}/t3.csv", order_by: [id] }
  s4: { from: t4, file: "\${out_dir}/t4.csv", order_by: [id] }
`,
};

/** The tables each transform's end lets go, in the run's order, one transform at a time. */
function drops(file: string, selectors: string[] = []): string[] {
  const pipeline = compilePipeline(file);
  const selection = select(pipeline, selectors);
  const order = runOrder(pipeline, selection);
  const lifetimes = new TableLifetimes(pipeline, order, checksFor(pipeline, selection), selection.all ? pipeline.measures : []);
  return order.filter((s) => s.kind !== 'source' && s.kind !== 'sink').map((s) => `${s.id}: ${lifetimes.finished(s.id).join(' ')}`);
}

describe('table lifetimes', () => {
  it('lets a table go after its last reader, declared or named in SQL, and keeps what checks, measures and sinks read', () => {
    const dir = fixture(FILES);
    expect(drops(path.join(dir, 'pipeline.yaml'))).toEqual([
      't1: a',
      // b is named in t2's SQL; t1 waits for t4, which names it.
      't2: b',
      // The split's own table is read by nobody; `even` by the check.
      'sp: sp',
      't3: t2',
      't4: odd t1',
    ]);
    // A selection runs only what s3 needs (upstream by declared inputs: not b, which is never made, so never dropped), no check naming a stage it leaves out, no measure.
    expect(drops(path.join(dir, 'pipeline.yaml'), ['s3'])).toEqual(['t1: a', 't2: t1', 't3: t2']);
  });

  it('holds a table that a later stage makes until that stage, when an earlier one names it', () => {
    const dir = fixture({
      'a.csv': 'id\n1\n',
      'pipeline.yaml': `params: { out_dir: out }
sources:
  a: { file: a.csv, columns: { id: integer } }
transforms:
  early: { inputs: [a], query: "SELECT id FROM a -- LATE is made after this" }
  late: { inputs: [a], query: "SELECT id FROM a" }
sinks:
  s: { from: early, file: "\${out_dir}/s.csv", order_by: [id] }
`,
    });
    expect(drops(path.join(dir, 'pipeline.yaml'))).toEqual(['early: ', 'late: a late']);
  });

  it('lets the flagship\'s history go once its last reader (exceptions) has run', () => {
    const lines = drops(path.resolve('pipeline.yaml'));
    expect(lines.find((l) => / history\b/.test(l))).toBe('exceptions: list_requests history');
    // What the checks, measures and sinks read stays to the end.
    const gone = lines.flatMap((l) => l.split(': ')[1]!.split(' ').filter(Boolean));
    for (const kept of ['registry', 'listed', 'held', 'outbound', 'deletions', 'entries', 'exceptions', 'next_window', 'targets', 'changes', 'held_changes', 'non_notification']) expect(gone).not.toContain(kept);
  });
});

for (const backend of databaseBackends()) {
  describe.skipIf(!backend.available)(`tables dropped during a run on ${backend.name}`, () => {
    it('drops each table after its last reader, and the outputs are those of a run that keeps them', async () => {
      const dir = fixture(FILES);
      const r = await runCli(['run', '--verbose', ...backend.args], dir);
      expect(r.code).toBe(0);
      const dropped = r.err.split('\n').filter((l) => l.includes(' dropped: '));
      // Two stages at once on PostgreSQL: the order of t3 and sp may vary, the set may not.
      expect(dropped.sort()).toEqual(['a', 'b', 'odd', 'sp', 't1', 't2'].map((t) => `etl: table ${t} dropped: no later stage reads it`));
      expect(fs.readFileSync(path.join(dir, 'out/t3.csv'), 'utf8')).toBe('id\n20\n30\n');
      expect(fs.readFileSync(path.join(dir, 'out/t4.csv'), 'utf8')).toBe('id\n3\n101\n102\n103\n');
      expect(r.err).toContain('etl: check k: passed (evens = 1, one = 1)');
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'out/manifest.json'), 'utf8')).measures).toEqual({ m: 1 });
    });
  });
}
