import fs from 'node:fs';
import { expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

/** A run stopped by a check shows, on the page of the failed run, every check with its values. */
it('a failed check is on the failed run\'s page, with its values and the checks that passed', async () => {
  const dir = fixture({
    'orders.csv': 'id,city,amount\n1,Yokohama,5\n2,Kawasaki,3\n',
    'pipeline.yaml': `name: check-fails
params: { out_dir: out }
sources:
  orders: { file: orders.csv, columns: { id: integer, city: text, amount: integer } }
transforms:
  yokohama: { inputs: [orders], query: "SELECT * FROM orders WHERE city = 'Yokohama'" }
checks:
  positive: { assert: SELECT bool_and(amount > 0) FROM orders }
  all_kept:
    equal:
      orders: SELECT count(*) FROM orders
      kept: SELECT count(*) FROM yokohama
sinks:
  yokohama_csv: { from: yokohama, file: "\${out_dir}/yokohama.csv", order_by: [id] }
report: \${out_dir}/report.html
`,
  });
  const r = await runCli(['run', '--quiet'], dir);
  expect(r.code).toBe(1);
  const page = /: (\S+\.html)\n$/.exec(r.err)?.[1];
  expect(page, r.err).toBeDefined();
  const html = fs.readFileSync(page!, 'utf8');
  fs.rmSync(page!);
  const checks = html.slice(html.indexOf('id="checks"'));
  expect(checks).toContain('all_kept');
  expect(checks).toContain('positive');
  expect(checks).toMatch(/orders = <b>2<\/b>[\s\S]*kept = <b>1<\/b>/);
  expect(fs.existsSync(`${dir}/out`)).toBe(false);
});
