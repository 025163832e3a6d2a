/**
 * Generates a synthetic legacy registry for the Yokohama-method pipeline (SPEC §4.1, §4.2), and
 * the days of operation after the setup (SPEC §7.2).
 *
 *   npm run gen -- --persons N --seed S --out DIR [--until "YYYY-MM-DD HH:MM:SS"] [--days K]
 *
 * Writes `DIR/history.csv` (CP932, CRLF, rows shuffled, `seq` 1…n in processing order, every
 * row processed before `until`) and `DIR/non_notification.csv` (UTF-8 with a BOM, CRLF, rows
 * shuffled); with `--days K` also `DIR/D1` … `DIR/DK`, day i covering
 * `[until + (i−1) days, until + i days)`: `changes.csv` (as `history.csv`, `seq` going on from
 * it) and `list_events.csv` (UTF-8 without a BOM, LF, `person_id,event,at`, rows shuffled).
 * Equal arguments give byte-identical files. Progress goes to stderr; a summary line (JSON,
 * with each day's folder, `until` and row counts) to stdout.
 *
 * - `--persons N`  persons ever registered (default 1000). About 1.8 history rows each,
 *                  about 12 % of them processed at or after `as_of` (2002-08-05 00:00:00);
 *                  about 75 % of the persons are resident at `as_of` and about 24 % of those
 *                  are listed. 4.5 million persons ≈ Yokohama in 2002 (≈ 8 M rows, 1.0 GB),
 *                  and then about 3,700 changes and 300 list events a day.
 * - `--seed S`     any string (default "1").
 * - `--out DIR`    output directory (default "out/gen"); temporary bucket files live in a
 *                  hidden sub-directory `.gen-*` of it while generating (about the size of
 *                  the output; removed at the end, left behind only if the process is killed).
 * - `--until T`    the setup's cut-off (default "2003-04-10 00:00:00"), from 2002-12-01.
 * - `--days K`     days after the cut-off (default 0), ending by 2005-01-01 (the timeline's
 *                  end). Every case of SPEC §7.3 occurs when K ≥ 3 (see `gen/daily-lives.ts`).
 *
 * Memory stays flat at any size: rows are ordered and shuffled through temporary bucket
 * files, one bucket (or one day) in memory at a time. The live heap fits in 64 MB up to 5 M persons
 * (checked with `node --max-old-space-size=64`); with Node's default heap sizing the peak
 * RSS is 220–320 MB, mostly garbage not yet collected. 5 M persons take about 100 s. The first persons are scripted
 * (see `scripts/gen/lives.ts`) so that every case SPEC §4.3 names occurs in any registry.
 */
import { parseArgs } from 'node:util';
import { generate } from './gen/generate.ts';
import { checkWindows } from './gen/days.ts';

/** Parses the command line, generates, and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let values: { persons?: string; seed?: string; out?: string; until?: string; days?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        persons: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
        until: { type: 'string' }, days: { type: 'string' },
      },
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
  const days = /^\d{1,4}$/u.test(values.days ?? '0') ? Number(values.days ?? '0') : NaN;
  try {
    checkWindows(values.until, days);
  } catch (err) {
    process.stderr.write(`gen: ${(err as Error).message}\n`);
    return 2;
  }
  const started = Date.now();
  const summary = await generate({
    persons,
    seed: values.seed ?? '1',
    outDir: values.out ?? 'out/gen',
    until: values.until,
    days,
    onProgress: (m) => {
      const rss = Math.round(process.memoryUsage.rss() / 2 ** 20);
      process.stderr.write(`gen: ${m} (${((Date.now() - started) / 1000).toFixed(1)} s, rss ${rss} MB)\n`);
    },
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
