import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

describe('the rejects file', () => {
  it('holds every bad row of a file whose rejects outgrow the write buffer, in order, with its line', async () => {
    const rows = 40_000;
    const pad = 'x'.repeat(100);
    const lines = ['id,note'];
    for (let i = 1; i <= rows; i++) lines.push(i % 2 === 0 ? `bad${i},${pad}` : `${i},${pad}`);
    const dir = fixture({
      'in.csv': `${lines.join('\n')}\n`,
      'pipeline.yaml': `params: { out_dir: out }
sources:
  src: { file: in.csv, on_invalid: reject, columns: { id: integer, note: text } }
sinks:
  s: { from: src, file: "\${out_dir}/s.csv", order_by: [id] }
`,
    });
    const { code } = await runCli(['run', '-q'], dir);
    expect(code).toBe(0);
    const rejected = fs.readFileSync(path.join(dir, 'out/rejects/src.csv'), 'utf8').split('\n');
    expect(rejected.length).toBe(rows / 2 + 2);
    expect(rejected[0]).toBe('id,note,line,reason');
    for (let k = 1; k <= rows / 2; k++) {
      const i = 2 * k;
      const want = `bad${i},${pad},${i + 1},"column ""id"" (integer): not an integer"`;
      if (rejected[k] !== want) expect(rejected[k]).toBe(want);
    }
    expect(fs.readFileSync(path.join(dir, 'out/s.csv'), 'utf8').split('\n').length).toBe(rows / 2 + 2);
  });
});
