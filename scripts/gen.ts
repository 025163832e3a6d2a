/**
 * Generates a synthetic legacy registry for the Yokohama-method pipeline (SPEC §4.1, §4.2).
 *
 *   npm run gen -- --persons N --seed S --out DIR
 *
 * Writes `DIR/history.csv` (CP932, CRLF, rows shuffled, `seq` 1…n in processing order) and
 * `DIR/non_notification.csv` (UTF-8 with a BOM, CRLF, rows shuffled). Equal arguments give
 * byte-identical files. Progress goes to stderr; a summary line to stdout.
 *
 * - `--persons N`  persons ever registered (default 1000). About 2.2 history rows each,
 *                  30 % of them processed at or after `as_of` (2002-08-05 00:00:00); about
 *                  75 % of the persons are resident at `as_of` and about 24 % of those are
 *                  listed. 4.5 million persons ≈ Yokohama in 2002 (≈ 10 M rows, 1.3 GB).
 * - `--seed S`     any string (default "1").
 * - `--out DIR`    output directory (default "out/gen"); temporary bucket files live in a
 *                  hidden sub-directory `.gen-*` of it while generating (about the size of
 *                  the output; removed at the end, left behind only if the process is killed).
 *
 * Memory stays flat at any size: rows are ordered and shuffled through temporary bucket
 * files, one bucket in memory at a time. The live heap fits in 64 MB up to 5 M persons
 * (checked with `node --max-old-space-size=64`); with Node's default heap sizing the peak
 * RSS is 220–320 MB, mostly garbage not yet collected. 5 M persons take about 100 s. The first persons are scripted
 * (see `scripts/gen/lives.ts`) so that every case SPEC §4.3 names occurs in any registry.
 */
import { parseArgs } from 'node:util';
import { generate } from './gen/generate.ts';

/** Parses the command line, generates, and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let values: { persons?: string; seed?: string; out?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { persons: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } },
    }));
  } catch (err) {
    process.stderr.write(`gen: ${(err as Error).message}\n`);
    return 2;
  }
  const persons = Number(values.persons ?? '1000');
  if (!Number.isInteger(persons) || persons < 1 || persons > 99_999_999) {
    process.stderr.write('gen: --persons must be an integer from 1 to 99999999\n');
    return 2;
  }
  const started = Date.now();
  const summary = await generate({
    persons,
    seed: values.seed ?? '1',
    outDir: values.out ?? 'out/gen',
    onProgress: (m) => {
      const rss = Math.round(process.memoryUsage.rss() / 2 ** 20);
      process.stderr.write(`gen: ${m} (${((Date.now() - started) / 1000).toFixed(1)} s, rss ${rss} MB)\n`);
    },
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
