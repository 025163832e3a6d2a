import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbDriver } from '../../src/db/duckdb-driver.ts';
import { fixture } from '../support/fixture.ts';

describe('DuckDB: describe()', () => {
  // In memory the run's tables are in DuckDB's own schema; in a file, in a schema of the run's.
  for (const where of ['in memory', 'in a file'] as const) {
    it(`gives a table's columns in order with their types and kinds, and none for a missing table (${where})`, async () => {
      const file = where === 'in a file' ? path.join(fixture({}), 'run.duckdb') : undefined;
      const driver = await DuckDbDriver.open({ memoryLimit: '256MB', ...(file ? { path: file } : {}) });
      try {
        await driver.query('CREATE TABLE "odd ""name""" (a INTEGER, "b c" VARCHAR, d DECIMAL(38,10), ts TIMESTAMP, dt DATE, bo BOOLEAN, bi BIGINT, f DOUBLE)');
        expect((await driver.describe('odd "name"')).map((c) => [c.name, c.sqlType, c.kind])).toEqual([
          ['a', 'INTEGER', 'integer'],
          ['b c', 'VARCHAR', 'text'],
          ['d', 'DECIMAL(38,10)', 'numeric'],
          ['ts', 'TIMESTAMP', 'timestamp'],
          ['dt', 'DATE', 'date'],
          ['bo', 'BOOLEAN', 'boolean'],
          ['bi', 'BIGINT', 'bigint'],
          ['f', 'DOUBLE', 'float'],
        ]);
        expect(await driver.describe('no_such_table')).toEqual([]);
      } finally {
        await driver.close();
      }
      if (file) expect(fs.existsSync(file)).toBe(true);
    });
  }
});

describe('DuckDB: close()', () => {
  it('called again while it runs, waits for the first: the run\'s folder is gone when it resolves', async () => {
    const file = path.join(fixture({}), 'run.duckdb');
    const driver = await DuckDbDriver.open({ memoryLimit: '256MB', path: file });
    const scratch = driver.scratchDir!;
    expect(fs.existsSync(scratch)).toBe(true);
    const first = driver.close();
    await driver.close();
    expect(fs.existsSync(scratch)).toBe(false);
    await first;
  });
});
