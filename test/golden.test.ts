import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { caseEngines, findCases, runCase } from '../src/cli/golden.ts';
import { main } from '../src/cli/main.ts';
import { databaseBackends } from './support/backends.ts';

/**
 * Every folder under test/golden is a case (the layout is described in src/cli/golden.ts and in
 * `etl test --help`): run byte for byte on the embedded database, and again on the server when
 * ETL_TEST_DATABASE_URL is set. `etl test test/golden` runs the same cases from the command line.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const GOLDEN = path.join(ROOT, 'test', 'golden');
const cases = findCases(GOLDEN);

it('finds the golden cases', () => {
  expect(cases.length).toBeGreaterThan(20);
  expect(cases.map((c) => path.relative(GOLDEN, c))).toContain('flagship');
  expect(cases.map((c) => path.relative(GOLDEN, c))).toContain('daily/D1');
});

for (const backend of databaseBackends()) {
  describe.skipIf(!backend.available)(`golden cases on ${backend.name}`, () => {
    // A case whose SQL is one engine's (an `engines` file) is skipped elsewhere, and says so.
    const elsewhere = cases.filter((c) => !(caseEngines(c)?.includes(backend.engine) ?? true));
    if (elsewhere.length > 0) console.warn(`golden cases for other engines, SKIPPED on ${backend.name}: ${elsewhere.map((c) => path.relative(GOLDEN, c)).join(', ')}`);
    for (const caseDir of cases) it.skipIf(elsewhere.includes(caseDir))(path.relative(GOLDEN, caseDir), async () => {
      const result = await runCase(caseDir, (argv, io) => main(argv, io), { root: ROOT, extraArgs: backend.args });
      expect(result.report).toBe('');
      expect(result.ok).toBe(true);
      expect(fs.existsSync(path.join(caseDir, 'out')), 'cases run in a scratch copy').toBe(false);
    });
  });
}
