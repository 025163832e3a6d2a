// The command's TypeScript sources compiled into a few JavaScript files, kept between runs.
//
// Loading src/ through tsx costs every run about half a second (each of ~100 modules crosses to
// tsx's hooks thread) and every checking worker as much again; the same program bundled by esbuild
// (which tsx itself uses) loads in a tenth of that. The bundle is made on the first run after a
// change and kept in node_modules/.cache/etl/program/, a folder per state of the sources, named by
// the SHA-256 of every file that went into it, so that a run never loads code older than its
// sources, and a run still going keeps its folder while a newer one is made beside it.
//
// Each file has its source map, so that a bug's stack names the sources' files and lines.
//
// Plain JavaScript, loaded before any TypeScript can be. When the bundle cannot be made or kept
// (a folder the user may not write, esbuild missing), compiledProgram() says so by returning
// undefined, and bin/etl.js loads the sources through tsx as it always could.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.dirname(import.meta.dirname);
const HOME = path.join(ROOT, 'node_modules', '.cache', 'etl', 'program');
/** What the current bundle is made of: its folder's key and the files (relative to ROOT) that went into it. */
const CURRENT = path.join(HOME, 'current.json');

/** The entry points: the command, and the module a checking worker runs (see check-pool.ts). */
const ENTRIES = { main: 'src/cli/main.ts', 'check-port': 'src/components/check-port.ts' };
/**
 * Plain-JavaScript workers and helpers that the sources find beside themselves (`import.meta.url`):
 * copied next to the bundle's files, where the bundled code looks for them.
 */
const BESIDE = ['src/csv/cp932-worker.mjs', 'src/db/cluster-watchdog.mjs'];
/** The bundle's own worker: what src/components/check-worker.mjs does, with no TypeScript to load. */
const CHECK_WORKER = "// Made by bin/compiled.js: a checking worker of the compiled program.\nprocess.setSourceMapsEnabled(true);\nawait import('./check-port.js');\n";
/** Bundles made by runs of another state of the sources are removed once they are this old. */
const KEEP_OLD_MS = 24 * 60 * 60 * 1000;

/**
 * The path of the compiled program's main.js, made first when the sources changed since the last
 * one was made; undefined when it cannot be had (the caller then loads the sources through tsx).
 */
export async function compiledProgram() {
  try {
    const current = readCurrent();
    if (current && keyOf(current.inputs) === current.key) {
      const folder = path.join(HOME, current.key);
      if (fs.existsSync(path.join(folder, 'main.js'))) {
        markUsed(folder);
        return path.join(folder, 'main.js');
      }
    }
    return await build();
  } catch {
    return undefined;
  }
}

function readCurrent() {
  try {
    const current = JSON.parse(fs.readFileSync(CURRENT, 'utf8'));
    return typeof current.key === 'string' && Array.isArray(current.inputs) ? current : undefined;
  } catch {
    return undefined;
  }
}

/** The SHA-256 of this file and of each input (its name and bytes): what the bundle was made of. */
function keyOf(inputs) {
  const hash = createHash('sha256').update(fs.readFileSync(new URL(import.meta.url)));
  for (const input of inputs) hash.update(`\0${input}\0`).update(fs.readFileSync(path.join(ROOT, input)));
  return hash.digest('hex').slice(0, 32);
}

async function build() {
  const esbuild = await import('esbuild');
  fs.mkdirSync(HOME, { recursive: true });
  const staging = path.join(HOME, `.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: ENTRIES,
      outdir: staging,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // The packages stay where npm put them: found from node_modules/.cache/etl/program/KEY/ as from src/.
      packages: 'external',
      logLevel: 'silent',
      metafile: true,
      sourcemap: 'linked',
    });
    const inputs = [...Object.keys(result.metafile.inputs), ...BESIDE].sort();
    const key = keyOf(inputs);
    for (const file of BESIDE) fs.copyFileSync(path.join(ROOT, file), path.join(staging, path.basename(file)));
    fs.writeFileSync(path.join(staging, 'check-worker.mjs'), CHECK_WORKER);
    // A file changed while esbuild read it: this bundle may hold either version, so it is not kept.
    if (keyOf(inputs) !== key) return undefined;
    try {
      fs.renameSync(staging, path.join(HOME, key));
    } catch (e) {
      // Another run made the same bundle first: the same files, so that one is used.
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
    }
    const pending = `${CURRENT}.${process.pid}-${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(pending, `${JSON.stringify({ key, inputs })}\n`);
    fs.renameSync(pending, CURRENT);
    removeOld(key);
    return path.join(HOME, key, 'main.js');
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** A bundle's folder takes the time of the last run that started on it: see {@link removeOld}. */
function markUsed(folder) {
  try {
    const now = new Date();
    fs.utimesSync(folder, now, now);
  } catch {
    // A folder this user may not change: it is then removed a day after it was made, not last used.
  }
}

/**
 * Bundles of other states of the sources that no run started on for a day (a run loads some of its
 * files as it goes), and what a killed build left, as old.
 */
function removeOld(key) {
  for (const name of fs.readdirSync(HOME)) {
    const folder = path.join(HOME, name);
    if (name === key || name === 'current.json') continue;
    try {
      if (Date.now() - fs.statSync(folder).mtimeMs > KEEP_OLD_MS) fs.rmSync(folder, { recursive: true, force: true });
    } catch {
      // Removed by another run meanwhile.
    }
  }
}
