import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../scripts/gen/generate.ts';
import { databaseBackends } from './support/backends.ts';
import { writeReferenceDaily } from './support/reference-daily.ts';
import type { DailyOptions } from './support/reference-daily.ts';
import { replayDaily } from './support/replay-daily.ts';
import { formatReplay } from './support/replay.ts';
import { runCli } from './support/run-cli.ts';

/**
 * Daily operation (SPEC §7) on generated scenarios: the setup, then one run of `daily.yaml` per
 * day, then full participation on the last day's held file. After every day the network replay
 * of §7.5 must hold, and every file must equal, byte for byte, what the independent TypeScript
 * model writes (`test/support/daily-model.ts`, no code shared with the pipelines' SQL).
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const HAS_DAILY = fs.existsSync(path.join(ROOT, 'daily.yaml'));
if (!HAS_DAILY) {
  // Visible on purpose: the pipeline these tests judge is not there yet.
  console.warn('daily.yaml does not exist: the daily runs on generated scenarios (test/daily-generated.test.ts) are SKIPPED.');
}
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-daily-generated-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const CASES: { seed: string; persons: number; days: number; backend: number }[] = [
  { seed: 'daily-small', persons: 300, days: 3, backend: 0 },
  { seed: 'daily-a', persons: 3_000, days: 10, backend: 0 },
  { seed: 'daily-b', persons: 3_000, days: 10, backend: 1 },
  { seed: 'daily-d', persons: 3_000, days: 10, backend: 2 },
];
const backends = databaseBackends();

describe.skipIf(!HAS_DAILY)('daily runs on generated scenarios', () => {
  it.each(CASES)('seed $seed, $persons persons, $days days', async ({ seed, persons, days, backend: b }) => {
    const backend = backends[b]!;
    if (!backend.available) {
      console.warn(`skipped: seed ${seed} on ${backend.name} (not configured)`);
      return;
    }
    const data = path.join(scratch, seed);
    const summary = await generate({ persons, seed, outDir: data, days });
    const out = (name: string): string => path.join(data, 'out', name);
    const options: DailyOptions = {
      historyFile: path.join(data, 'history.csv'),
      listFile: path.join(data, 'non_notification.csv'),
      setupOutDir: out('O0'),
      days: summary.days.map((d, i) => ({ dataDir: path.join(data, d.folder), until: d.until, outDir: out(`O${i + 1}`) })),
      fullParticipationFile: out('full/07_full_participation.csv'),
    };

    const run = async (file: string, params: Record<string, string>): Promise<void> => {
      const args = ['run', file, '--quiet', ...Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`]), ...backend.args];
      expect(await runCli(args, ROOT), args.join(' ')).toEqual({ code: 0, out: '', err: '' });
    };
    await run('pipeline.yaml', { data_dir: data, out_dir: options.setupOutDir });
    let state = options.setupOutDir;
    for (const day of options.days) {
      await run('daily.yaml', { state_dir: state, data_dir: day.dataDir, out_dir: day.outDir, until: day.until });
      state = day.outDir;
    }
    await run('full-participation.yaml', { held_file: path.join(state, '04_held.csv'), out_dir: path.dirname(options.fullParticipationFile!) });

    const result = await replayDaily(options);
    expect(result.ok, formatReplay(result)).toBe(true);
    expect(result.warnings).toEqual([]);

    const ref = path.join(data, 'reference');
    const refOptions: DailyOptions = {
      ...options,
      setupOutDir: path.join(ref, 'O0'),
      days: options.days.map((d, i) => ({ ...d, outDir: path.join(ref, `O${i + 1}`) })),
      fullParticipationFile: path.join(ref, 'full/07_full_participation.csv'),
    };
    await writeReferenceDaily(refOptions);
    for (const file of _files(ref)) {
      const got = path.join(data, 'out', file);
      expect(fs.existsSync(got) && fs.readFileSync(got).equals(fs.readFileSync(path.join(ref, file))), file).toBe(true);
    }
    // SPEC §7.1: every state file is in its run's manifest with its SHA-256 and rows.
    for (const dir of [options.setupOutDir, ...options.days.map((d) => d.outDir)]) {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { outputs: { path: string; sha256: string; rows: number }[]; passed: boolean };
      expect(manifest.passed, dir).toBe(true);
      for (const name of ['state/window.csv', 'state/registry.csv', 'state/listed.csv', 'state/held.csv', '04_held.csv']) {
        const bytes = fs.readFileSync(path.join(dir, name));
        const entry = manifest.outputs.find((o) => o.path === name);
        expect(entry, `${dir}: ${name}`).toMatchObject({ sha256: createHash('sha256').update(bytes).digest('hex'), rows: bytes.toString('utf8').split('\n').length - 2 });
      }
    }
    fs.rmSync(data, { recursive: true, force: true });
  }, 600_000);
});

/** Every file under `dir`, as paths relative to it. */
function _files(dir: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? _files(dir, path.join(prefix, e.name)) : [path.join(prefix, e.name)],
  );
}
