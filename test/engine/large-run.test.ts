import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chainPipeline } from '../support/chain-pipeline.ts';
import { runCli } from '../support/run-cli.ts';
import { withClient, withScratchDatabase } from '../support/scratch-database.ts';

const serverUrl = process.env['ETL_TEST_DATABASE_URL'];
const SCHEMAS = "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'etl\\_run\\_%' ORDER BY 1";

/** What the driver says on the process's stderr (its warnings), while `work` runs. */
async function stderrOf<T>(work: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    return { result: await work(), stderr };
  } finally {
    spy.mockRestore();
  }
}
afterEach(() => vi.restoreAllMocks());

/** A schema named like a run's, of `tables` tables with a text column (each with its TOAST table), whose run is gone: no advisory lock. */
async function abandonedSchema(url: string, name: string, tables: number): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(`CREATE SCHEMA ${name}`);
    // A hundred tables per transaction: one transaction creating thousands would itself run out of locks.
    for (let i = 0; i < tables; i += 100) {
      const creates = Array.from({ length: Math.min(100, tables - i) }, (_, k) => `CREATE TABLE ${name}.t${i + k} (id integer, name text);`);
      await c.query(`BEGIN; ${creates.join(' ')} COMMIT;`);
    }
  });
}

describe('a run of 3,000 chained transforms', () => {
  const expected = 'id,name\n3001,a\n3002,b\n';

  it('runs on the embedded database, writes its sink and drops its schema without a warning', async () => {
    const dir = chainPipeline(3000);
    const { result, stderr } = await stderrOf(() => runCli(['run', '--quiet'], dir));
    expect(result).toEqual({ code: 0, out: '', err: '' });
    expect(stderr).toBe('');
    expect(fs.readFileSync(path.join(dir, 'out/out.csv'), 'utf8')).toBe(expected);
  }, 600_000);

  it.skipIf(!serverUrl)('runs on a server (ETL_TEST_DATABASE_URL), writes its sink and leaves no schema', async () => {
    await withScratchDatabase(serverUrl!, async (url) => {
      const dir = chainPipeline(3000);
      const { result, stderr } = await stderrOf(() => runCli(['run', '--quiet', '--database', url], dir));
      expect(result).toEqual({ code: 0, out: '', err: '' });
      expect(stderr).toBe('');
      expect(fs.readFileSync(path.join(dir, 'out/out.csv'), 'utf8')).toBe(expected);
      expect(await withClient(url, async (c) => (await c.query(SCHEMAS)).rows)).toEqual([]);
    });
  }, 600_000);
});

describe.skipIf(!serverUrl)('abandoned schemas on a server (ETL_TEST_DATABASE_URL)', () => {
  it('drops one of 3,001 tables at the next run, which succeeds', async () => {
    await withScratchDatabase(serverUrl!, async (url) => {
      await abandonedSchema(url, 'etl_run_killed_3001', 3001);
      const dir = chainPipeline(2);
      const { result, stderr } = await stderrOf(() => runCli(['run', '--quiet', '--database', url], dir));
      expect(result).toEqual({ code: 0, out: '', err: '' });
      expect(stderr).toBe('');
      expect(fs.readFileSync(path.join(dir, 'out/out.csv'), 'utf8')).toBe('id,name\n3,a\n4,b\n');
      expect(await withClient(url, async (c) => (await c.query(SCHEMAS)).rows)).toEqual([]);
    });
  }, 600_000);

  it('warns and goes on when one cannot be dropped (another session holds a lock in it); a later run drops it', async () => {
    await withScratchDatabase(serverUrl!, async (url) => {
      await abandonedSchema(url, 'etl_run_killed_locked', 3);
      const dir = chainPipeline(2);
      await withClient(url, async (reader) => {
        await reader.query('BEGIN; LOCK TABLE etl_run_killed_locked.t1 IN ACCESS SHARE MODE');
        const { result, stderr } = await stderrOf(() => runCli(['run', '--quiet', '--database', url], dir));
        expect(result).toEqual({ code: 0, out: '', err: '' });
        expect(stderr).toBe(
          'etl: warning: could not drop the abandoned schema "etl_run_killed_locked" of a run that ended without dropping it (canceling statement due to lock timeout); this run goes on, and a later run tries again\n',
        );
        expect(await withClient(url, async (c) => (await c.query(SCHEMAS)).rows)).toEqual([{ nspname: 'etl_run_killed_locked' }]);
        await reader.query('COMMIT');
      });
      const { result, stderr } = await stderrOf(() => runCli(['run', '--quiet', '--database', url], dir));
      expect([result.code, stderr]).toEqual([0, '']);
      expect(await withClient(url, async (c) => (await c.query(SCHEMAS)).rows)).toEqual([]);
    });
  }, 180_000);
});
