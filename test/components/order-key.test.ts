import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

const serverUrl = process.env['ETL_TEST_DATABASE_URL'];
if (!serverUrl) console.warn('ETL_TEST_DATABASE_URL is not set: the order_by tie check under a server\'s collation is SKIPPED.');

/**
 * A sink's rows are sorted by their bytes (COLLATE "C"), so a tie is two rows whose keys have the
 * same bytes, whatever collation the column carries. A nondeterministic collation (PostgreSQL's
 * ICU ones, made with deterministic = false) calls "Tanaka" and "TANAKA" equal, yet they sort one
 * way only: no tie. Only a server can hold such a collation (the embedded cluster has no ICU).
 */
describe.skipIf(!serverUrl)('order_by ties on the PostgreSQL server (ETL_TEST_DATABASE_URL)', () => {
  const PIPELINE = `name: ci-key
params:
  out_dir: out
sources:
  names:
    file: names.csv
    columns:
      family: text
transforms:
  keyed:
    inputs: [names]
    query: SELECT family COLLATE public.etl_test_case_insensitive AS family FROM names
sinks:
  names_csv:
    from: keyed
    file: \${out_dir}/names.csv
    order_by: [family]
`;

  const withCollation = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  it('are bytes that are the same, not values a case-insensitive collation calls equal', async () => {
    await withCollation("CREATE COLLATION IF NOT EXISTS public.etl_test_case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
    try {
      const dir = fixture({ 'pipeline.yaml': PIPELINE, 'names.csv': 'family\nTanaka\nTANAKA\nSato\n' });
      expect(await runCli(['run', '--quiet', '--database', serverUrl!], dir)).toEqual({ code: 0, out: '', err: '' });
      expect(fs.readFileSync(path.join(dir, 'out', 'names.csv'), 'utf8')).toBe('family\nSato\nTANAKA\nTanaka\n');

      fs.writeFileSync(path.join(dir, 'names.csv'), 'family\nTanaka\nTanaka\nSato\n');
      fs.rmSync(path.join(dir, 'out'), { recursive: true });
      expect(await runCli(['run', '--quiet', '--database', serverUrl!], dir)).toEqual({
        code: 1,
        out: '',
        err: 'pipeline.yaml:17:15: sink "names_csv": order_by (family) does not identify each row of "keyed": 1 key value is shared by several rows, so their order would depend on the database\n',
      });
    } finally {
      await withCollation('DROP COLLATION IF EXISTS public.etl_test_case_insensitive');
    }
  });
});
