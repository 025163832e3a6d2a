import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { FAILED_REPORT_LINE } from '../report/run-report.ts';

/**
 * Golden cases: a folder holding a pipeline (`pipeline.yaml`, or a `pipeline` file naming one),
 * its inputs, and either `expected/` (every file the run must write under out/, byte for byte) or
 * `expected-error.txt` and `expected-exit` (the exact stderr of `etl run --quiet` and its exit
 * code). Optional: `params` (name=value lines) and `command` (default: run). In `params` and
 * `pipeline`, `${ROOT}` is the folder `etl test` started in and `${WORK}` the scratch folder the
 * case runs in. A manifest is compared without its `run` field (timestamps), with those two
 * folders written as `${ROOT}` and `${WORK}`. HTML reports are not compared: they are a view of the
 * manifest (which is), drawn by layout and chart libraries, with run times in them; their
 * determinism is tested on its own (test/report/). A failed run's report, written under the
 * system's temporary folder, must exist with mode 0600; it is removed, and its name in stderr
 * becomes `${TMP}/etl-failed-NAME-XXXXXXXXXXXX.html`.
 */
export interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  /** Unified diffs of what differs, or the problem in one line. */
  readonly report: string;
}

/**
 * The engines a case applies to, from its `engines` file (names on lines: `postgres`, `duckdb`), for
 * a case whose SQL is deliberately one engine's; undefined when it applies to every engine.
 */
export function caseEngines(caseDir: string): string[] | undefined {
  const file = path.join(caseDir, 'engines');
  if (!fs.existsSync(file)) return undefined;
  return fs.readFileSync(file, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
}

/** Runs `etl` in-process with the given arguments; returns its exit code. */
export type EtlRunner = (argv: string[], io: { out: (t: string) => void; err: (t: string) => void }) => Promise<number>;

/**
 * The cases in `dir`: itself when it is one, else every case below it, at any depth (a folder of
 * cases, such as a chain of daily runs, groups them), in path order.
 */
export function findCases(dir: string): string[] {
  const isCase = (d: string) => fs.existsSync(path.join(d, 'pipeline.yaml')) || fs.existsSync(path.join(d, 'pipeline'));
  if (isCase(dir)) return [dir];
  const found: string[] = [];
  for (const todo = [dir]; todo.length > 0; ) {
    const d = todo.pop()!;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name === 'expected' || e.name === 'in') continue;
      const sub = path.join(d, e.name);
      if (isCase(sub)) found.push(sub);
      else todo.push(sub);
    }
  }
  return found.sort();
}

export async function runCase(caseDir: string, run: EtlRunner, options: { root: string; extraArgs?: readonly string[]; update?: boolean; name?: string }): Promise<CaseResult> {
  const name = options.name ?? path.basename(caseDir);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `etl-case-${path.basename(caseDir)}-`));
  try {
    fs.cpSync(caseDir, work, { recursive: true, filter: (src) => !/^(expected|engines$)/.test(path.relative(caseDir, src)) });
    const sub = (s: string) => s.replaceAll('${ROOT}', options.root).replaceAll('${WORK}', work).trim();
    const read = (f: string) => (fs.existsSync(path.join(caseDir, f)) ? fs.readFileSync(path.join(caseDir, f), 'utf8') : undefined);
    const params = (read('params') ?? '').split('\n').map(sub).filter(Boolean);
    const argv = [sub(read('command') ?? 'run'), sub(read('pipeline') ?? 'pipeline.yaml'), '--quiet', ...params.flatMap((p) => ['--param', p]), ...(options.extraArgs ?? [])];
    let stderr = '';
    const cwd = process.cwd();
    process.chdir(work);
    let code: number;
    try {
      code = await run(argv, { out: () => undefined, err: (t) => (stderr += t) });
    } finally {
      process.chdir(cwd);
    }
    stderr = failedReports(stderr).replaceAll(options.root, '${ROOT}');
    const out = path.join(work, 'out');
    const actual = new Map(listFiles(out).filter((f) => !f.endsWith('.html')).map((f) => [f, normalize(f, fs.readFileSync(path.join(out, f), 'utf8'), work, options.root)]));
    if (options.update) return update(caseDir, name, code, stderr, actual);

    const diffs: string[] = [];
    const expectedError = read('expected-error.txt');
    if (expectedError !== undefined) {
      const expectedExit = Number(read('expected-exit') ?? '1');
      if (code !== expectedExit) diffs.push(`exit code ${code}, expected ${expectedExit}`);
      if (stderr !== expectedError) diffs.push(createTwoFilesPatch('expected-error.txt', 'stderr', expectedError, stderr));
      if (fs.existsSync(out)) diffs.push('a failed run left an out/ folder behind');
    } else {
      if (code !== 0) diffs.push(`exit code ${code}, expected 0\n${stderr}`);
      const expectedDir = path.join(caseDir, 'expected');
      const expected = listFiles(expectedDir);
      for (const f of new Set([...expected, ...actual.keys()])) {
        const want = expected.includes(f) ? fs.readFileSync(path.join(expectedDir, f), 'utf8') : undefined;
        const got = actual.get(f);
        if (want === got) continue;
        if (want === undefined) diffs.push(`unexpected output out/${f}`);
        else if (got === undefined) diffs.push(`missing output out/${f}`);
        else diffs.push(createTwoFilesPatch(`expected/${f}`, `out/${f}`, want, got));
      }
    }
    return { name, ok: diffs.length === 0, report: diffs.join('\n') };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** `--update`: the case's expectations become what the run did. */
function update(caseDir: string, name: string, code: number, stderr: string, actual: ReadonlyMap<string, string>): CaseResult {
  for (const f of ['expected', 'expected-error.txt', 'expected-exit']) fs.rmSync(path.join(caseDir, f), { recursive: true, force: true });
  if (code !== 0) {
    fs.writeFileSync(path.join(caseDir, 'expected-error.txt'), stderr);
    fs.writeFileSync(path.join(caseDir, 'expected-exit'), `${code}\n`);
  } else {
    for (const [f, text] of actual) {
      fs.mkdirSync(path.dirname(path.join(caseDir, 'expected', f)), { recursive: true });
      fs.writeFileSync(path.join(caseDir, 'expected', f), text);
    }
  }
  return { name, ok: true, report: `updated (exit ${code})` };
}

/** Checks and removes each failed run's report that stderr names, and names it without its random part. */
function failedReports(stderr: string): string {
  return stderr.replace(new RegExp(`(${escapeRegExp(FAILED_REPORT_LINE)}) (\\S+)`, 'g'), (_, line: string, file: string) => {
    const mode = fs.existsSync(file) ? (fs.statSync(file).mode & 0o777).toString(8) : 'missing';
    fs.rmSync(file, { force: true });
    const name = path.basename(file).replace(/-[0-9a-f]{12}\.html$/, '-XXXXXXXXXXXX.html');
    return `${line} ${path.dirname(file) === os.tmpdir() ? '${TMP}' : path.dirname(file)}/${name}${mode === '600' ? '' : ` (mode ${mode}, expected 600)`}`;
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function normalize(file: string, text: string, work: string, root: string): string {
  if (!file.endsWith('manifest.json')) return text;
  const doc = JSON.parse(text) as Record<string, unknown>;
  delete doc['run'];
  return `${JSON.stringify(doc, null, 2)}\n`.replaceAll(work, '${WORK}').replaceAll(root, '${ROOT}');
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}
