import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheDir, keep } from '../cache.ts';

const require = createRequire(import.meta.url);

/** A type module compiled to CommonJS (one file, its local imports bundled in), and what it was made of. */
interface Compiled {
  /** The compiler that made it: code of another version is made again. */
  readonly by: string;
  /** The SHA-256 of each file that went into it, by absolute path. */
  readonly inputs: Readonly<Record<string, string>>;
  readonly code: string;
}

/**
 * Loads a type module (a `ts:` file) as CommonJS. The main thread and every checking worker load
 * each of a pipeline's type modules; through tsx's loader that cost each of them ~0.1 s (tsx
 * itself, then esbuild for the file), a fixed part of every run. So the module is compiled by
 * esbuild (what tsx uses) into one file, kept in the cache folder with the SHA-256 of every file
 * that went into it, and loaded from there by the next run and by the workers while none of
 * those files changed. Where it cannot be compiled, the module is loaded through tsx as before,
 * which gives the error a user sees for a module that does not compile.
 */
export function requireTypeModule(file: string): unknown {
  const compiled = kept(file) ?? compile(file);
  if (!compiled) return throughTsx(file);
  // Loaded once per thread while its code stays the same, as require() would.
  const key = `${file}\0${compiled.code}`;
  if (!loaded.has(key)) loaded.set(key, evaluate(file, compiled.code));
  return loaded.get(key);
}

const loaded = new Map<string, unknown>();

/**
 * tsx's CommonJS loader for type modules, in a namespace of its own (so that nothing else is
 * loaded through it), registered once per thread and only when needed. Its name is fixed: tsx's
 * cache of compiled files is keyed by it, and `require()` of `tsx/cjs/api` names a fresh one per
 * call, which the cache never matches — esbuild then started in every thread.
 */
let typeModules: { require(id: string, fromFile: string): unknown } | undefined;

function throughTsx(file: string): unknown {
  typeModules ??= (require('tsx/cjs/api') as typeof import('tsx/cjs/api')).register({ namespace: 'etl-type-modules' });
  return typeModules.require(file, import.meta.url);
}

function keptFile(file: string): string {
  return path.join(cacheDir(), `type-${createHash('sha256').update(file).digest('hex').slice(0, 32)}.json`);
}

function sha256Of(file: string): string | undefined {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** The kept compilation of `file`, if every file that went into it is still as it was. */
function kept(file: string): Compiled | undefined {
  let c: Compiled;
  try {
    c = JSON.parse(fs.readFileSync(keptFile(file), 'utf8')) as Compiled;
  } catch {
    return undefined;
  }
  if (c.by !== compiler() || typeof c.code !== 'string' || typeof c.inputs !== 'object' || c.inputs === null) return undefined;
  const inputs = Object.entries(c.inputs);
  return inputs.length > 0 && inputs.every(([input, sha]) => sha256Of(input) === sha) ? c : undefined;
}

function compiler(): string {
  return `esbuild ${(require('esbuild/package.json') as { version: string }).version}`;
}

/** Compiles `file` with esbuild and keeps the result; undefined when it does not compile. */
function compile(file: string): Compiled | undefined {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = require('esbuild') as typeof import('esbuild');
  } catch {
    return undefined;
  }
  const before = sha256Of(file);
  const dir = path.dirname(file);
  let result: import('esbuild').BuildResult<{ write: false; metafile: true }>;
  try {
    result = esbuild.buildSync({
      absWorkingDir: dir,
      entryPoints: [file],
      bundle: true,
      // Packages are required from where the module sits, as Node would.
      packages: 'external',
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      write: false,
      metafile: true,
      // Source paths are then relative to the module's folder, as Node resolves them: a bug's stack names its lines.
      sourcemap: 'inline',
      logLevel: 'silent',
      define: {
        'import.meta.url': JSON.stringify(pathToFileURL(file).href),
        'import.meta.filename': JSON.stringify(file),
        'import.meta.dirname': JSON.stringify(dir),
      },
    });
  } catch {
    return undefined;
  }
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const abs = path.resolve(dir, input);
    const sha = sha256Of(abs);
    if (sha === undefined) return undefined;
    inputs[abs] = sha;
  }
  const compiled: Compiled = { by: compiler(), inputs, code: result.outputFiles[0]!.text };
  // A module changed while esbuild read it: the code may be of either version, so it is not kept.
  if (inputs[file] === before) {
    removeGone();
    keep(keptFile(file), () => JSON.stringify(compiled));
  }
  return compiled;
}

/** Removes the kept compilations of modules that are no longer there (a temporary folder's, say); any failure is ignored. */
function removeGone(): void {
  try {
    for (const name of fs.readdirSync(cacheDir())) {
      if (!name.startsWith('type-') || !name.endsWith('.json')) continue;
      const file = path.join(cacheDir(), name);
      try {
        const { inputs } = JSON.parse(fs.readFileSync(file, 'utf8')) as Compiled;
        if (!Object.keys(inputs).every((input) => fs.existsSync(input))) fs.rmSync(file, { force: true });
      } catch {
        // Being written by another run, or not ours to remove.
      }
    }
  } catch {
    // No cache folder yet.
  }
}

/** Runs compiled code as Node runs a CommonJS file at `file`; its `module.exports`. */
function evaluate(file: string, code: string): unknown {
  const m = new Module(file) as Module & { _compile(code: string, filename: string): void };
  m.filename = file;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  m._compile(code, file);
  return m.exports;
}
