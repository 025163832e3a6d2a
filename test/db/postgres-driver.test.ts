import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/db/embedded-postgres.ts';
import { loadStyleOf, openDatabase } from '../../src/db/open-database.ts';
import { PostgresDriver, redactUrl } from '../../src/db/postgres-driver.ts';

describe('embedded PostgreSQL', () => {
  it('starts (as root, as the postgres user), answers, and leaves nothing behind when stopped', async () => {
    const server = await startEmbedded();
    const dataDir = fs.readdirSync('/tmp').filter((d) => d.startsWith(`etl-pg-${process.pid}-`));
    expect(dataDir).toHaveLength(1);
    const driver = await PostgresDriver.open({ url: server.url });
    const r = await driver.query("SELECT current_setting('server_version_num') AS v, current_setting('lc_collate') AS c, current_setting('server_encoding') AS e, current_setting('work_mem') AS w");
    // The throwaway cluster's own 256 MB is more than the sessions' floor of 128 MB, and is kept.
    expect(r.rows[0]).toMatchObject({ c: 'C', e: 'UTF8', w: '256MB' });
    expect(Number(r.rows[0]!['v'])).toBeGreaterThanOrEqual(150000);
    expect(Number(r.rows[0]!['v'])).toBeLessThan(160000);
    await driver.close();
    await server.stop();
    expect(fs.existsSync(`/tmp/${dataDir[0]}`)).toBe(false);
  });
});

describe('the driver', () => {
  it('binds parameters, loads and writes rows, and returns dates as text', async () => {
    const driver = await openDatabase();
    try {
      await driver.createTable('t', [{ name: 'd', sqlType: 'date' }, { name: 'ts', sqlType: 'timestamp' }, { name: 's', sqlType: 'text' }]);
      expect(await driver.load('t', ['d', 'ts', 's'], (async function* () {
        yield { values: ['2002-08-05', '2002-08-04 23:59:59', 'a\tb\\'], plain: false };
      })())).toBe(1);
      const r = await driver.query('SELECT d, ts, s FROM t WHERE s = $1', ['a\tb\\']);
      expect(r.rows).toEqual([{ d: '2002-08-05', ts: '2002-08-04 23:59:59', s: 'a\tb\\' }]);
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (c: Buffer) => chunks.push(c));
      const columns = await driver.describe('t');
      expect(columns.map((c) => c.kind)).toEqual(['date', 'timestamp', 'text']);
      expect(await driver.writeCsv('t', columns, columns.slice(0, 1), sink)).toBe(1);
      expect(Buffer.concat(chunks).toString()).toBe('d,ts,s\n2002-08-05,2002-08-04 23:59:59,a\tb\\\n');
    } finally {
      await driver.close();
    }
  });

  it('takes loaded rows as loadStyleOf() says before it is open (the run starts its workers by it)', async () => {
    for (const url of [undefined, 'duckdb']) {
      const driver = await openDatabase(url);
      try {
        expect(driver.loadStyle).toBe(loadStyleOf(url));
      } finally {
        await driver.close();
      }
    }
    expect([loadStyleOf(undefined), loadStyleOf('duckdb'), loadStyleOf('duckdb:x.db'), loadStyleOf('postgres://h/db')]).toEqual(['stream', 'files', 'files', 'stream']);
  });

  it('hides the password of a URL', () => {
    expect(redactUrl('postgres://u:secret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
  });
});

const serverUrl = process.env['ETL_TEST_DATABASE_URL'];
describe.skipIf(!serverUrl)('on the PostgreSQL server (ETL_TEST_DATABASE_URL)', () => {
  it('works in a schema of its own and drops it at the end', async () => {
    const a = await PostgresDriver.open({ url: serverUrl! });
    const b = await PostgresDriver.open({ url: serverUrl! });
    expect(a.schema).not.toBe(b.schema);
    await a.query('CREATE TABLE same_name (x int)');
    await b.query('CREATE TABLE same_name (x int)');
    await a.close();
    const left = await b.query('SELECT nspname FROM pg_namespace WHERE nspname = $1 OR nspname = $2 ORDER BY 1', [a.schema, b.schema]);
    expect(left.rows).toEqual([{ nspname: b.schema }]);
    await b.close();
  });

  it('raises work_mem to at least 128 MB for its own sessions only', async () => {
    const workMem = async (c: pg.Client) => (await c.query("SELECT current_setting('work_mem') AS w")).rows[0].w as string;
    const before = new pg.Client({ connectionString: serverUrl! });
    await before.connect();
    const serverDefault = await workMem(before);
    await before.end();
    const driver = await PostgresDriver.open({ url: serverUrl! });
    const other = new pg.Client({ connectionString: serverUrl! });
    await other.connect();
    try {
      const mine = await driver.query("SELECT pg_size_bytes(current_setting('work_mem')) AS b, pg_size_bytes($1) AS d", [serverDefault]);
      expect(mine.rows[0]!['b']).toBe(String(Math.max(128 * 1024 * 1024, Number(mine.rows[0]!['d']))));
      expect(await workMem(other)).toBe(serverDefault);
    } finally {
      await other.end();
      await driver.close();
    }
  });
});
