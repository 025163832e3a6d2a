import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { databaseBackends } from '../support/backends.ts';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

const PIPELINE = (columns: string, extra = '') => `name: t
params: { out_dir: out }
sources:
  src:
    file: in.csv
    ${extra}
    columns: { ${columns} }
sinks:
  s: { from: src, file: "\${out_dir}/s.csv", order_by: [id] }
`;

for (const backend of databaseBackends()) {
  describe.skipIf(!backend.available)(`running on ${backend.name}`, () => {
    const run = (dir: string, ...args: string[]) => runCli(['run', '--quiet', ...args, ...backend.args], dir);

    it('reports a header without a declared column, an empty file, and keeps old outputs', async () => {
      const dir = fixture({ 'in.csv': 'id,nom\n1,a\n', 'pipeline.yaml': PIPELINE('id: integer, name: text'), 'out/s.csv': 'previous\n' });
      expect(await run(dir)).toEqual({ code: 1, out: '', err: 'in.csv:1:1: source "src": the header has no column "name"\n' });
      expect(fs.readFileSync(path.join(dir, 'out/s.csv'), 'utf8')).toBe('previous\n');
      expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['s.csv']);
      fs.writeFileSync(path.join(dir, 'in.csv'), '');
      expect((await run(dir)).err).toBe('in.csv:1:1: source "src": the file is empty (no header row)\n');
    });

    it('accepts a header-only file as zero rows', async () => {
      const dir = fixture({ 'in.csv': 'id\r\n', 'pipeline.yaml': PIPELINE('id: integer') });
      expect(await run(dir)).toEqual({ code: 0, out: '', err: '' });
      expect(fs.readFileSync(path.join(dir, 'out/s.csv'), 'utf8')).toBe('id\n');
    });

    it('lists bad bytes, NUL, malformed quoting and required fields without printing values', async () => {
      const rows = [Buffer.from('id,name\r\n1,ok\r\n2,'), Buffer.from([0x82, 0xa0, 0x85, 0x40]), Buffer.from('\r\n3,a\0b\r\n4,x"y\r\n5,\r\n6,"unclosed\r\n')];
      const dir = fixture({ 'in.csv': Buffer.concat(rows), 'pipeline.yaml': PIPELINE('id: integer, name: { type: text, required: true }', 'encoding: cp932') });
      const r = await run(dir);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^in\.csv:3:4: bytes that are not valid cp932\n(.*\n){3}in\.csv:7:1: malformed CSV: a quoted field is never closed \(it runs to the end of the file\)\n/);
      fs.writeFileSync(path.join(dir, 'in.csv'), Buffer.concat([...rows.slice(0, 2), Buffer.from('\r\n3,a\0b\r\n4,x"y\r\n5,\r\n')]));
      expect((await run(dir)).err).toBe(
        [
          'in.csv:3:4: bytes that are not valid cp932',
          'in.csv:4:4: a NUL byte',
          'in.csv:5:4: malformed CSV: a quote inside an unquoted field',
          'in.csv:6:3: column "name": empty, but required',
          'source "src": 4 invalid rows (on_invalid: fail); nothing was written',
          '',
        ].join('\n'),
      );
      expect(iconv.decode(fs.readFileSync(path.join(dir, 'in.csv')), 'cp932')).toContain('あ');
    });

    it('maps a SQL error to the line and column of the .sql file, without data values', async () => {
      const dir = fixture({
        'in.csv': 'id,name\n1,Yamada Taro\n',
        'bad.sql': '-- a comment line\nSELECT id,\n       no_such_column\nFROM src\n',
        'cast.sql': 'SELECT name::integer AS id FROM src;\n',
        'pipeline.yaml': `params: { out_dir: out }
sources:
  src: { file: in.csv, columns: { id: integer, name: text } }
transforms:
  t: { inputs: [src], sql: bad.sql }
sinks:
  s: { from: t, file: out/s.csv, order_by: [id] }
`,
      });
      const r = await run(dir);
      // Each engine's own words, at the same place.
      const duck = backend.engine === 'duckdb';
      const missing = duck ? 'Referenced column "no_such_column" not found in FROM clause! (Binder Error)' : 'column "no_such_column" does not exist (SQLSTATE 42703)';
      expect(r).toEqual({ code: 1, out: '', err: `bad.sql:3:8: stage "t": ${missing}\n` });
      fs.writeFileSync(path.join(dir, 'pipeline.yaml'), fs.readFileSync(path.join(dir, 'pipeline.yaml'), 'utf8').replace('bad.sql', 'cast.sql'));
      const cast = await run(dir);
      const refused = duck ? 'cast.sql:1:12: stage "t": Could not convert string "…" to INT32 when casting from source column name (Conversion Error)' : 'pipeline.yaml:5:3: stage "t": invalid input syntax for type integer: "…" (SQLSTATE 22P02)';
      expect(cast.err).toBe(`${refused}\n`);
      expect(cast.err).not.toContain('Yamada');
    });

    it('refuses a Date returned by a ts: transform', async () => {
      const dir = fixture({
        'in.csv': 'id\n1\n',
        'm.ts': 'export default (row: { id: number }) => ({ id: row.id, at: new Date(0) });\n',
        'pipeline.yaml': `params: { out_dir: out }
sources:
  src: { file: in.csv, columns: { id: integer } }
transforms:
  t: { inputs: [src], ts: m.ts }
sinks:
  s: { from: t, file: out/s.csv, order_by: [id] }
`,
      });
      expect((await run(dir)).err).toBe('pipeline.yaml:5:3: transform "t": column "at": return dates as "YYYY-MM-DD" text, not a Date (a Date would shift with the time zone)\n');
    });
  });
}
