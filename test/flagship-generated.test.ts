import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../scripts/gen/generate.ts';
import { databaseBackends } from './support/backends.ts';
import { writeReferenceSetup } from './support/reference-setup.ts';
import { formatReplay, replaySetup } from './support/replay.ts';
import { runCli } from './support/run-cli.ts';

/**
 * The flagship on generated registries of several seeds and sizes: its outputs must replay
 * exactly (SPEC §6, checked in plain TypeScript, independently of the pipeline's SQL) and equal,
 * byte for byte, what an independent TypeScript reference writes.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-generated-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const OUTPUTS = ['01_deletions.csv', '02_entries.csv', '03_outbound.csv', '04_held.csv', 'exceptions.csv', '07_full_participation.csv'];
const CASES: { seed: string; persons: number; backend: number }[] = [
  { seed: 'a', persons: 300, backend: 0 },
  { seed: 'b', persons: 3_000, backend: 0 },
  { seed: 'c', persons: 3_000, backend: 1 },
  { seed: 'yokohama', persons: 100_000, backend: 0 },
  { seed: 'd', persons: 3_000, backend: 2 },
  // On DuckDB a history this size (23 MB) is checked in worker threads, chunk by chunk.
  { seed: 'yokohama-duckdb', persons: 100_000, backend: 2 },
];

const backends = databaseBackends();

describe('the flagship on generated registries', () => {
  it.each(CASES)('seed $seed, $persons persons', async ({ seed, persons, backend: b }) => {
    const backend = backends[b]!;
    if (!backend.available) {
      console.warn(`skipped: seed ${seed} on ${backend.name} (not configured)`);
      return;
    }
    const data = path.join(scratch, `${seed}-${persons}`);
    const out = path.join(data, 'out');
    const ref = path.join(data, 'reference');
    await generate({ persons, seed, outDir: data });

    const setup = await runCli(['run', 'pipeline.yaml', '--quiet', '--param', `data_dir=${data}`, '--param', `out_dir=${out}`, ...backend.args], ROOT);
    expect(setup).toEqual({ code: 0, out: '', err: '' });
    const full = await runCli(['run', 'full-participation.yaml', '--quiet', '--param', `held_file=${out}/04_held.csv`, '--param', `out_dir=${out}`, ...backend.args], ROOT);
    expect(full).toEqual({ code: 0, out: '', err: '' });

    const result = await replaySetup({
      historyFile: path.join(data, 'history.csv'),
      listFile: path.join(data, 'non_notification.csv'),
      outDir: out,
      fullParticipationFile: path.join(out, '07_full_participation.csv'),
    });
    expect(result.ok, formatReplay(result)).toBe(true);

    await writeReferenceSetup({
      historyFile: path.join(data, 'history.csv'),
      listFile: path.join(data, 'non_notification.csv'),
      outDir: ref,
      fullParticipationFile: path.join(ref, '07_full_participation.csv'),
    });
    for (const file of OUTPUTS) {
      expect(fs.readFileSync(path.join(out, file)).equals(fs.readFileSync(path.join(ref, file))), file).toBe(true);
    }
    fs.rmSync(data, { recursive: true, force: true });
  });
});
