import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

/** Row rules (`rules:` on a source): the cases the golden case `row-rules` does not show. */
const PIPELINE = (extra = '') => `name: t
params: { out_dir: out, limit: "10" }
sources:
  src:
    file: in.csv
    ${extra}
    columns: { id: integer, qty: integer }
    rules:
      small: qty < :limit::integer
      even: { check: qty % 2 = 0, description: qty must be even }
sinks:
  s: { from: src, file: "\${out_dir}/s.csv", order_by: [id] }
`;

describe('row rules', () => {
  it('lists the first 100 broken rows in file order and counts every row once', async () => {
    // Rows 1…150: qty = id; ids 10…150 break "small", odd ids break "even".
    const rows = Array.from({ length: 150 }, (_, i) => `${i + 1},${i + 1}`);
    const dir = fixture({ 'in.csv': `id,qty\n${rows.join('\n')}\n`, 'pipeline.yaml': PIPELINE() });
    const { code, err } = await runCli(['run', '--quiet'], dir);
    expect(code).toBe(1);
    const lines = err.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'in.csv:2: breaks rule "even": qty must be even',
      'in.csv:4: breaks rule "even": qty must be even',
      'in.csv:6: breaks rule "even": qty must be even',
    ]);
    expect(lines.slice(5, 8)).toEqual([
      'in.csv:11: breaks rule "small": qty < :limit::integer is false',
      'in.csv:12: breaks rule "small": qty < :limit::integer is false',
      'in.csv:12: breaks rule "even": qty must be even',
    ]);
    // Broken: 1…150 odd (75) plus 10…150 even (71) = 146 rows; 75 + 141 = 216 problems, 100 listed.
    expect(lines.slice(100)).toEqual(['… and 116 more problems not listed', 'source "src": 146 rows breaking its rules; nothing was written']);
  });

  it('fails the run even with on_invalid: reject, and writes nothing', async () => {
    const dir = fixture({ 'in.csv': 'id,qty\n1,2\n2,3\n', 'pipeline.yaml': PIPELINE('on_invalid: reject'), 'out/s.csv': 'old\n' });
    expect(await runCli(['run', '--quiet'], dir)).toEqual({
      code: 1, out: '', err: 'in.csv:3: breaks rule "even": qty must be even\nsource "src": 1 row breaking its rules; nothing was written\n',
    });
  });

  it('points a rule whose SQL is wrong at its line and column in the pipeline file', async () => {
    const dir = fixture({ 'in.csv': 'id,qty\n1,2\n', 'pipeline.yaml': PIPELINE().replace('qty % 2 = 0', 'qty % 2 = nope') });
    const { code, err } = await runCli(['run', '--quiet'], dir);
    expect(code).toBe(1);
    expect(err).toBe('pipeline.yaml:10:32: stage "src: rule even": column "nope" does not exist (SQLSTATE 42703)\n');
  });
});
