import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/**
 * Where what a run can make again is kept between runs (compiled code, layouts): `ETL_CACHE_DIR`,
 * or `node_modules/.cache/etl`, where tools keep such caches. Nothing in it is data: a run that
 * can neither read nor write it (another user's read-only install) makes what it needs as usual.
 */
export function cacheDir(): string {
  return process.env['ETL_CACHE_DIR'] || path.join(path.dirname(path.dirname(require.resolve('elkjs/package.json'))), '.cache', 'etl');
}

/**
 * Writes a file of the cache folder under a fresh name and renames it into place, so that a run
 * reading it sees all of it or none; any failure is ignored.
 */
export function keep(file: string, data: () => string | Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, data(), { mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // The folder is not there to hold it.
    }
  }
}
