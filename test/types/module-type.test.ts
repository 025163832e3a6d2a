import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

const PIPELINE = `name: t
params: { out_dir: out }
types:
  num: { ts: num.ts }
sources:
  src: { file: in.csv, columns: { id: num } }
sinks:
  s: { from: src, file: "\${out_dir}/s.csv", order_by: [id] }
`;

describe('a ts: column type', () => {
  it('whose parse returns neither text nor { invalid } is named as the mistake, by the kind of value, never the value', async () => {
    const run = (parse: string) => runCli(['run', '--quiet'], fixture({
      'in.csv': 'id\n1\n2\n',
      'num.ts': `export default { sqlType: () => 'integer', parse: ${parse} };`,
      'pipeline.yaml': PIPELINE,
    }));
    const message = (kind: string) => `in.csv:2:1: column "id" (num): the type's parse returned ${kind}, not text or { invalid: … }\n`
      + `in.csv:3:1: column "id" (num): the type's parse returned ${kind}, not text or { invalid: … }\n`
      + 'source "src": 2 invalid rows (on_invalid: fail); nothing was written\n';
    expect(await run('(t: string) => Number(t)')).toEqual({ code: 1, out: '', err: message('a number') });
    expect(await run('() => undefined')).toEqual({ code: 1, out: '', err: message('undefined') });
    expect(await run('(t: string) => ({ value: t })')).toEqual({ code: 1, out: '', err: message('an object without a text "invalid"') });
    // Text and { invalid } are what a type returns.
    expect(await run("(t: string) => (t === '2' ? { invalid: 'not one' } : t)")).toEqual({
      code: 1, out: '', err: 'in.csv:3:1: column "id" (num): not one\nsource "src": 1 invalid row (on_invalid: fail); nothing was written\n',
    });
  });
});
