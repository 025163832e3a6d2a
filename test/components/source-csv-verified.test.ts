import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { databaseBackends } from '../support/backends.ts';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

/**
 * A file an earlier run wrote and its manifest vouches for (`verify:`) is read by the database's
 * own CSV reader; whatever it cannot take goes the checked way, with the same messages.
 */
const WRITER = `name: writer
params: { out_dir: prev }
sources:
  people: { file: people.csv, columns: { id: integer, name: text, born: date } }
sinks:
  kept: { from: people, file: "\${out_dir}/kept.csv", order_by: [id] }
manifest: \${out_dir}/manifest.json
`;
const READER = (columns: string, extra = 'primary_key: [id]') => `name: reader
params: { out_dir: out }
sources:
  kept:
    file: prev/kept.csv
    verify: { manifest: prev/manifest.json }
    ${extra}
    columns: { ${columns} }
sinks:
  again: { from: kept, file: "\${out_dir}/again.csv", order_by: [id] }
`;
const PEOPLE = 'id,name,born\n2,"Suzuki, Hanako",1970-01-02\n1,Tanaka Ichiro,\n3,,1980-12-31\n';
const FAST = "etl: source kept: the file is the one prev/manifest.json lists; read by the database's CSV reader";

for (const backend of databaseBackends()) {
  describe.skipIf(!backend.available)(`a verified file on ${backend.name}`, () => {
    const run = (dir: string, file: string, ...args: string[]) => runCli(['run', file, ...args, ...backend.args], dir);
    const written = async (reader: string) => {
      const dir = fixture({ 'people.csv': PEOPLE, 'writer.yaml': WRITER, 'reader.yaml': reader });
      expect(await run(dir, 'writer.yaml', '--quiet')).toEqual({ code: 0, out: '', err: '' });
      return dir;
    };

    it('is read by the database when its key is the order the manifest records, with the same bytes out', async () => {
      const dir = await written(READER('id: integer, name: text, born: date'));
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'prev/manifest.json'), 'utf8'));
      expect(manifest.outputs[0]).toMatchObject({ path: 'kept.csv', order_by: ['id'] });
      const r = await run(dir, 'reader.yaml', '--verbose');
      expect(r.code).toBe(0);
      expect(r.err.split('\n')).toContain(FAST);
      expect(fs.readFileSync(path.join(dir, 'out/again.csv'), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'prev/kept.csv'), 'utf8'));
    });

    it('goes the checked way when the key is not proven, and reads the same rows', async () => {
      const dir = await written(READER('id: integer, name: text, born: date', 'primary_key: [name]'));
      const r = await run(dir, 'reader.yaml', '--verbose');
      expect(r.code).toBe(0);
      expect(r.err.split('\n')).not.toContain(FAST);
      expect(fs.readFileSync(path.join(dir, 'out/again.csv'), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'prev/kept.csv'), 'utf8'));
    });

    it('names the line and column of a value the declared type refuses, as the checked way does', async () => {
      const dir = await written(READER('id: integer, name: integer, born: date'));
      expect(await run(dir, 'reader.yaml', '--quiet')).toEqual({
        code: 1, out: '',
        err: 'prev/kept.csv:2:3: column "name" (integer): not an integer\nprev/kept.csv:3:3: column "name" (integer): not an integer\nsource "kept": 2 invalid rows (on_invalid: fail); nothing was written\n',
      });
    });

    it('names the line of an empty field a required column refuses', async () => {
      const dir = await written(READER('id: integer, name: { type: text, required: true }, born: date'));
      expect(await run(dir, 'reader.yaml', '--quiet')).toEqual({
        code: 1, out: '',
        err: 'prev/kept.csv:4:3: column "name": empty, but required\nsource "kept": 1 invalid row (on_invalid: fail); nothing was written\n',
      });
    });

    it('refuses a file whose bytes differ from the manifest, whichever way it is read', async () => {
      const dir = await written(READER('id: integer, name: text, born: date'));
      fs.appendFileSync(path.join(dir, 'prev/kept.csv'), '4,Sato Jiro,1990-05-05\n');
      expect(await run(dir, 'reader.yaml', '--quiet')).toEqual({
        code: 1, out: '',
        err: 'prev/kept.csv: source "kept": the file has changed since the run that wrote it (its SHA-256 differs from prev/manifest.json); refusing to go on\n',
      });
    });
  });
}
