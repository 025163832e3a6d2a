import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';
import { BIN } from './helpers.ts';

/**
 * The embedded PostgreSQL keeps its data in $TMPDIR, and DuckDB its spill files and the checked
 * rows of large sources; when that fills up, the run says so — at initdb, or in the middle of a
 * load or a query, naming the stage — and how to get out of it, with exit 1 and no stack trace,
 * outputs untouched and the run's folder removed. A small tmpfs as $TMPDIR is the full disk.
 */
const mounted: string[] = [];
afterAll(() => {
  for (const dir of mounted) {
    spawnSync('umount', ['-l', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A tmpfs of `size` as a fresh folder, open to all like /tmp; undefined where mounting is not allowed. */
function smallTmp(size: string): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-full-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=1777`, 'tmpfs', dir]).status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  mounted.push(dir);
  return dir;
}

const probe = process.getuid?.() === 0 ? smallTmp('1m') : undefined;
if (!probe) console.warn('not root, or mount is not allowed: the full-$TMPDIR tests are SKIPPED');

function run(dir: string, tmp: string, args: string[] = [], env: Record<string, string> = {}): { code: number | null; err: string } {
  const r = spawnSync(process.execPath, [BIN, 'run', ...args], { cwd: dir, env: { ...process.env, TMPDIR: tmp, ...env }, encoding: 'utf8' });
  return { code: r.status, err: r.stderr };
}

const advice = (tmp: string) =>
  `folder in $TMPDIR (${tmp}) is full (no space left on device); no output was changed. Set TMPDIR to a folder with more room, or use a PostgreSQL server with --database postgres://…`;

describe.skipIf(!probe)('a full $TMPDIR', () => {
  it('at initdb: says so, and what to do', () => {
    const tmp = smallTmp('2m')!;
    const dir = fixture({
      'in.csv': 'id\n1\n',
      'out/a.csv': 'old\n',
      'pipeline.yaml': 'params: { out_dir: out }\nsources:\n  src: { file: in.csv, columns: { id: integer } }\nsinks:\n  a: { from: src, file: out/a.csv, order_by: [id] }\n',
    });
    const r = run(dir, tmp);
    expect(r.err).toBe(`etl: cannot set up the embedded PostgreSQL: its ${advice(tmp)}\n`);
    expect(r.code).toBe(1);
    expect(fs.readdirSync(tmp).filter((n) => !n.startsWith('tsx-'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['a.csv']);
  });

  it('in the middle of a load: names the stage, says where the space ran out, and what to do', () => {
    // Room for the cluster (about 40 MB) and tsx's cache, not for the 28 MB source besides.
    const tmp = smallTmp('56m')!;
    const rows = Array.from({ length: 600_000 }, (_, i) => `${i + 1},${`p${i + 1}`.padEnd(40, 'x')}`);
    const dir = fixture({
      'big.csv': `id,pad\n${rows.join('\n')}\n`,
      'out/a.csv': 'old\n',
      'pipeline.yaml': 'params: { out_dir: out }\nsources:\n  big: { file: big.csv, columns: { id: integer, pad: text } }\nsinks:\n  a: { from: big, file: out/a.csv, order_by: [id] }\n',
    });
    const r = run(dir, tmp);
    expect(r.err).toBe(`etl: running "pipeline" on embedded PostgreSQL\netl: source big (big.csv): the embedded PostgreSQL's ${advice(tmp)}\n`);
    expect(r.code).toBe(1);
    expect(fs.readdirSync(tmp).filter((n) => !n.startsWith('tsx-'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['a.csv']);
    expect(execFileSync('ps', ['-eo', 'args=']).toString()).not.toContain(tmp);
  });
});

const duckdbAdvice = (tmp: string) =>
  `DuckDB's folder in $TMPDIR (${tmp}) is full (no space left on device); no output was changed. Set TMPDIR to a folder with more room, or give DuckDB more memory (ETL_DUCKDB_MEMORY_LIMIT)`;

describe.skipIf(!probe)('a full $TMPDIR on DuckDB', () => {
  it('while the checked rows of a large source are written: names the stage, says where the space ran out, and what to do', () => {
    // A source large enough to be checked in worker threads (16 MiB), in chunks larger than the room left beside tsx's cache.
    const tmp = smallTmp('8m')!;
    const rows = Array.from({ length: 400_000 }, (_, i) => `${i + 1},${`p${i + 1}`.padEnd(50, 'x')}`);
    const dir = fixture({
      'big.csv': `id,pad\n${rows.join('\n')}\n`,
      'out/a.csv': 'old\n',
      'pipeline.yaml': 'params: { out_dir: out }\nsources:\n  big: { file: big.csv, columns: { id: integer, pad: text } }\nsinks:\n  a: { from: big, file: out/a.csv, order_by: [id] }\n',
    });
    const r = run(dir, tmp, ['--database', 'duckdb'], { ETL_CHECK_CHUNK_BYTES: String(12 << 20) });
    expect(r.err).toBe(`etl: running "pipeline" on DuckDB (in memory)\netl: source big (big.csv): ${duckdbAdvice(tmp)}\n`);
    expect(r.code).toBe(1);
    expect(fs.readdirSync(tmp).filter((n) => !n.startsWith('tsx-'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['a.csv']);
    expect(fs.readFileSync(path.join(dir, 'out/a.csv'), 'utf8')).toBe('old\n');
  });

  it('while DuckDB spills a query past its memory limit: names the stage, says where the space ran out, and what to do', () => {
    const tmp = smallTmp('12m')!;
    const dir = fixture({
      'in.csv': 'id\n1\n',
      'out/a.csv': 'old\n',
      // About 200 MB of rows, sorted, with 40 MB of memory: DuckDB must spill.
      'pipeline.yaml': `params: { out_dir: out }
sources:
  src: { file: in.csv, columns: { id: integer } }
transforms:
  many: { inputs: [src], query: "SELECT g.range AS id, md5(g.range::varchar) || md5((g.range + 1)::varchar) AS h FROM range(3000000) g ORDER BY h" }
sinks:
  a: { from: many, file: out/a.csv, order_by: [id] }
`,
    });
    const r = run(dir, tmp, ['--database', 'duckdb'], { ETL_DUCKDB_MEMORY_LIMIT: '40MB' });
    expect(r.err).toMatch(/^etl: running "pipeline" on DuckDB \(in memory\)\netl: source src \(in\.csv\): 1 rows \(\d+\.\ds\)\n/);
    expect(r.err.split('\n').slice(2)).toEqual([`etl: transform many: ${duckdbAdvice(tmp)}`, '']);
    expect(r.code).toBe(1);
    expect(fs.readdirSync(tmp).filter((n) => !n.startsWith('tsx-'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['a.csv']);
    expect(fs.readFileSync(path.join(dir, 'out/a.csv'), 'utf8')).toBe('old\n');
  });
});
