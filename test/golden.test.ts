import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { databaseBackends } from './support/backends.ts';

/**
 * Golden cases: each folder under test/golden holds a pipeline, its inputs, and either
 * `expected/` (every file the run must write under out/, byte for byte) or
 * `expected-error.txt` and `expected-exit` (the exact stderr of `etl run --quiet` and its code).
 * Optional: `params` (name=value lines; `${ROOT}` is the repository, `${WORK}` the scratch folder
 * the case runs in), `pipeline` (the pipeline file to run instead of ./pipeline.yaml), `command`
 * (default: run). A manifest is compared without its `run` field (timestamps), with the
 * repository and scratch folders written as `${ROOT}` and `${WORK}`.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const GOLDEN = path.join(ROOT, 'test', 'golden');
const cases = fs.readdirSync(GOLDEN).filter((c) => fs.existsSync(path.join(GOLDEN, c, 'pipeline.yaml')) || fs.existsSync(path.join(GOLDEN, c, 'pipeline'))).sort();
const cwd = process.cwd();
const scratch: string[] = [];

afterAll(() => {
  process.chdir(cwd);
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

function readOptional(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  ).sort();
}

for (const backend of databaseBackends()) {
  describe.skipIf(!backend.available)(`golden cases on ${backend.name}`, () => {
    it.each(cases)('%s', async (name) => {
      const caseDir = path.join(GOLDEN, name);
      const work = fs.mkdtempSync(path.join(os.tmpdir(), `etl-golden-${name}-`));
      scratch.push(work);
      fs.cpSync(caseDir, work, { recursive: true, filter: (src) => !src.startsWith(path.join(caseDir, 'expected')) });
      const sub = (s: string) => s.replaceAll('${ROOT}', ROOT).replaceAll('${WORK}', work).trim();
      const params = (readOptional(path.join(caseDir, 'params')) ?? '').split('\n').map(sub).filter(Boolean);
      const command = sub(readOptional(path.join(caseDir, 'command')) ?? 'run');
      const pipeline = sub(readOptional(path.join(caseDir, 'pipeline')) ?? 'pipeline.yaml');
      const argv = [command, pipeline, '--quiet', ...params.flatMap((p) => ['--param', p]), ...backend.args];
      let stderr = '';
      process.chdir(work);
      let code: number;
      try {
        code = await main(argv, { out: () => undefined, err: (t) => (stderr += t) });
      } finally {
        process.chdir(cwd);
      }
      const expectedError = readOptional(path.join(caseDir, 'expected-error.txt'));
      if (expectedError !== undefined) {
        expect(stderr.replaceAll(ROOT, '${ROOT}')).toBe(expectedError);
        expect(code).toBe(Number(readOptional(path.join(caseDir, 'expected-exit')) ?? '1'));
        expect(fs.existsSync(path.join(work, 'out')), 'a failed run leaves no out/ folder behind').toBe(false);
        return;
      }
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const expectedDir = path.join(caseDir, 'expected');
      const expectedFiles = listFiles(expectedDir);
      expect(listFiles(path.join(work, 'out'))).toEqual(expectedFiles);
      for (const f of expectedFiles) {
        let actual = fs.readFileSync(path.join(work, 'out', f), 'utf8');
        if (f.endsWith('manifest.json')) actual = normalizeManifest(actual, work);
        expect(actual, f).toBe(fs.readFileSync(path.join(expectedDir, f), 'utf8'));
      }
    });
  });
}

function normalizeManifest(text: string, work: string): string {
  const doc = JSON.parse(text) as Record<string, unknown>;
  expect(doc['run']).toMatchObject({ started_at: expect.any(String), finished_at: expect.any(String) });
  delete doc['run'];
  return `${JSON.stringify(doc, null, 2)}\n`.replaceAll(work, '${WORK}').replaceAll(ROOT, '${ROOT}');
}
