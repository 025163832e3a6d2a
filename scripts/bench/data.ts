/**
 * The benchmark's registries: generated once per seed and scale into `.bench-cache/` (ignored by
 * git, outside the tracked files) and reused, since the 1.0 scale takes minutes to generate.
 */
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATOR_VERSION, generate, type GenerateSummary } from '../gen/generate.ts';

/** Persons ever registered at scale 1.0: Yokohama in 2002, about 8 M history rows before the cut-off. */
export const PERSONS_AT_SCALE_1 = 4_500_000;

export interface Registry {
  readonly dir: string;
  readonly summary: GenerateSummary;
}

/** The registry of `seed` at `scale`, generated on first use. */
export async function registry(cacheRoot: string, seed: string, scale: number, log: (m: string) => void): Promise<Registry> {
  // The generator's version is in the name: a registry made by an older generator is never reused.
  const dir = join(cacheRoot, `seed-${seed}-scale-${scale}-gen-${GENERATOR_VERSION}`);
  // summary.json is written last, so its presence means both CSV files are complete.
  const summaryFile = join(dir, 'summary.json');
  if (existsSync(summaryFile)) {
    log(`bench: scale ${scale}: cached registry ${dir}`);
    return { dir, summary: JSON.parse(readFileSync(summaryFile, 'utf8')) as GenerateSummary };
  }
  const persons = Math.max(1, Math.round(PERSONS_AT_SCALE_1 * scale));
  log(`bench: scale ${scale}: generating ${persons} persons (seed ${seed}) into ${dir}`);
  // One day after the setup, for the daily case: it leaves history.csv and the list as they are.
  const summary = await generate({ persons, seed, outDir: dir, days: 1, onProgress: (m) => log(`bench: gen: ${m}`) });
  writeFileSync(summaryFile, `${JSON.stringify(summary)}\n`);
  return { dir, summary };
}

/**
 * Reads the input files once so that both contenders find them in the page cache: otherwise
 * whichever runs first pays for the disk, which matters most with `--runs 1`.
 */
export async function warmPageCache(dir: string): Promise<void> {
  for (const name of ['history.csv', 'non_notification.csv']) {
    for await (const _chunk of createReadStream(join(dir, name), { highWaterMark: 1 << 20 })) {
      // Discarded: only the kernel's cache matters.
    }
  }
}
