import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

/** ts: transforms — what the golden cases `ts-transform` and `ts-ordered-state` do not show. */
const PIPELINE = `name: t
params: { out_dir: out }
sources:
  src: { file: in.csv, columns: { id: integer, name: text } }
  names: { file: names.csv, columns: { id: integer, label: text } }
transforms:
  mapped:
    inputs: [src, names]
    ts: f.ts
    order_by: [id]
    columns: { id: integer, label: text }
sinks:
  s: { from: mapped, file: "\${out_dir}/s.csv", order_by: [id] }
`;
const FILES = { 'in.csv': 'id,name\n2,Suzuki Hanako\n1,Tanaka Ichiro\n', 'names.csv': 'id,label\n1,one\n2,two\n', 'pipeline.yaml': PIPELINE };

describe('ts: transforms', () => {
  it('gives side inputs whole and the first input in order', async () => {
    const dir = fixture({
      ...FILES,
      'f.ts': `export default (row: { id: number }, ctx: { inputs: { names: { id: number; label: string }[] }; state: { seen?: number[] } }) => {
  (ctx.state.seen ??= []).push(row.id);
  return { id: row.id, label: ctx.inputs.names.find((n) => n.id === row.id)!.label + ' after ' + ctx.state.seen.join('/') };
};`,
    });
    expect(await runCli(['run', '--quiet'], dir)).toEqual({ code: 0, out: '', err: '' });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${dir}/out/s.csv`, 'utf8')).toBe('id,label\n1,one after 1\n2,two after 1/2\n');
  });

  it('reports a function that throws at the row it threw on, without the row', async () => {
    const dir = fixture({ ...FILES, 'f.ts': 'export default (row: { id: number }) => { if (row.id === 2) throw new Error("no such label"); return { id: row.id, label: "x" }; };' });
    expect(await runCli(['run', '--quiet'], dir)).toEqual({
      code: 1, out: '', err: 'pipeline.yaml:7:3: transform "mapped": the function threw on input row 2: no such label\n',
    });
  });

  it('refuses an init export that is not a function, and reports an init that throws', async () => {
    const notFunction = fixture({ ...FILES, 'f.ts': 'export const init = 1;\nexport default (row: object) => row;' });
    expect(await runCli(['run', '--quiet'], notFunction)).toEqual({
      code: 2, out: '', err: `pipeline.yaml:7:3: transform "mapped": ${notFunction}/f.ts exports init, but not as a function (ctx) => state\n`,
    });
    const throws = fixture({ ...FILES, 'f.ts': 'export function init() { throw new Error("no opening balance"); }\nexport default (row: object) => row;' });
    expect(await runCli(['run', '--quiet'], throws)).toEqual({ code: 1, out: '', err: 'pipeline.yaml:7:3: transform "mapped": init threw: no opening balance\n' });
  });

  it('refuses an order_by column the input does not have', async () => {
    const dir = fixture({ ...FILES, 'pipeline.yaml': PIPELINE.replace('order_by: [id]', 'order_by: [ident]'), 'f.ts': 'export default (row: object) => row;' });
    expect(await runCli(['run', '--quiet'], dir)).toEqual({
      code: 2, out: '', err: 'pipeline.yaml:7:3: transform "mapped": order_by names "ident", not a column of "src" (columns: id, name)\n',
    });
  });
});
