import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { databaseBackends } from '../support/backends.ts';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

const PIPELINE = `name: counts
params: { out_dir: out }
sources:
  people:
    file: people.csv
    columns: { id: integer, name: text, code: text, born: date }
transforms:
  many: { inputs: [], query: "SELECT g.n AS id FROM generate_series(1, 51) AS g(n)" }
  few: { inputs: [], query: "SELECT g.n AS id FROM generate_series(1, 50) AS g(n)" }
measures:
  people: SELECT count(*) FROM people
  coded: { description: rows with a code, query: SELECT count(code) FROM people }
sinks:
  people_csv:
    from: people
    file: \${out_dir}/people.csv
    order_by: [id]
    report: { count_by: [code, name, born] }
  many_csv: { from: many, file: "\${out_dir}/many.csv", order_by: [id], report: { count_by: [id] } }
  few_csv: { from: few, file: "\${out_dir}/few.csv", order_by: [id], report: { count_by: [id] } }
manifest: \${out_dir}/manifest.json
report: \${out_dir}/report.html
`;
const PEOPLE = 'id,name,code,born\n1,山田 花子,A1,1970-01-02\n2,鈴木 一郎,B2,1980-03-04\n3,佐藤 次郎,A1,1990-05-06\n4,田中 三郎,,2000-07-08\n';

for (const backend of databaseBackends()) {
  describe.skipIf(!backend.available)(`counts and measures on ${backend.name}`, () => {
    it('counts codes only: a name, a date, or more than 50 values are withheld with the reason; measures are recorded', async () => {
      const dir = fixture({ 'pipeline.yaml': PIPELINE, 'people.csv': PEOPLE });
      expect(await runCli(['run', '--quiet', ...backend.args], dir)).toEqual({ code: 0, out: '', err: '' });
      const doc = JSON.parse(fs.readFileSync(path.join(dir, 'out/manifest.json'), 'utf8'));
      const countsBy = (id: string) => doc.stages.find((s: { id: string }) => s.id === id).counts_by;
      expect(countsBy('people_csv')).toEqual({
        code: { A1: 2, B2: 1, '(empty)': 1 },
        name: 'not shown: a value is not a code (up to 32 letters, digits or _)',
        born: 'not shown: a date or time column is not a code',
      });
      expect(countsBy('many_csv')).toEqual({ id: 'not shown: more than 50 distinct values, so not a code' });
      expect(Object.keys(countsBy('few_csv').id).length).toBe(50);
      expect(doc.measures).toEqual({ people: 4, coded: 3 });
      expect(doc.report).toBe('report.html');
      const html = fs.readFileSync(path.join(dir, 'out/report.html'), 'utf8');
      for (const value of ['山田', '花子', '1970-01-02', '2000-07-08']) expect(html).not.toContain(value);
      expect(html).toContain('not shown: a value is not a code');
      expect(fs.statSync(path.join(dir, 'out/report.html')).mode & 0o777).toBe(0o600);
    });

    it('counts rejected rows by the rule they broke, in the manifest and on the page', async () => {
      const dir = fixture({
        'pipeline.yaml': `name: rejects
params: { out_dir: out }
sources:
  stock: { file: stock.csv, columns: { id: integer, qty: integer, name: text }, on_invalid: reject }
sinks:
  stock_csv: { from: stock, file: "\${out_dir}/stock.csv", order_by: [id] }
manifest: \${out_dir}/manifest.json
report: \${out_dir}/report.html
`,
        'stock.csv': 'id,qty,name\n1,3,Taro\n2,ten,Hanako\n3,x,Jiro\nfour,y,Shiro\n5,5\n',
      });
      expect(await runCli(['run', '--quiet', ...backend.args], dir)).toEqual({ code: 0, out: '', err: '' });
      const doc = JSON.parse(fs.readFileSync(path.join(dir, 'out/manifest.json'), 'utf8'));
      expect(doc.conservation).toEqual([{
        stage: 'stock', read: 5, accepted: 1, rejected: 4,
        rejected_by_rule: { 'column "id" (integer): not an integer': 1, 'column "qty" (integer): not an integer': 3, 'expected 3 fields, found 2': 1 },
        holds: true,
      }]);
      const html = fs.readFileSync(path.join(dir, 'out/report.html'), 'utf8');
      expect(html).toContain('<td><code>stock</code></td><td>column &#34;qty&#34; (integer): not an integer</td><td class="num">3</td>');
      for (const name of ['Hanako', 'Jiro', 'Shiro']) expect(html).not.toContain(name);
    });

    it('refuses a measure that is not one number, without printing it (exit 2)', async () => {
      const dir = fixture({ 'pipeline.yaml': PIPELINE.replace('SELECT count(code) FROM people', 'SELECT name FROM people WHERE id = 1'), 'people.csv': PEOPLE });
      expect(await runCli(['run', '--quiet', ...backend.args], dir)).toEqual({ code: 2, out: '', err: 'pipeline.yaml:12:3: measure "coded": the query must return one number, got a value that is not a number\n' });
      expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
    });
  });
}

describe('report: and measures: in the pipeline file', () => {
  it('reports unknown keys of a measure and of a sink\'s report, and a report written over the manifest', async () => {
    const bad = PIPELINE.replace('report: { count_by: [code, name, born] }', 'report: { count: [code] }')
      .replace('  coded: { description', '  coded: { descr: x, description')
      .replace('report: ${out_dir}/report.html', 'report: ${out_dir}/manifest.json');
    const dir = fixture({ 'pipeline.yaml': bad, 'people.csv': PEOPLE });
    expect(await runCli(['validate'], dir)).toEqual({
      code: 2,
      out: '',
      err: [
        'pipeline.yaml:12:12: measure "coded": unknown key "descr"; known keys: description, query',
        'pipeline.yaml:18:15: sink "people_csv": report: unknown key "count"; known keys: count_by',
        'pipeline.yaml:22:9: the report and the manifest both write out/manifest.json',
        '',
      ].join('\n'),
    });
  });
});
