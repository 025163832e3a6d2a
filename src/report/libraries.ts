import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { cacheDir, keep } from '../cache.ts';
import type { ElkNode } from 'elkjs/lib/elk-api.js';

const require = createRequire(import.meta.url);

/** ELK's layout, as graph-svg.ts uses it. */
export interface Elk {
  layout(graph: ElkNode): Promise<ElkNode>;
}

/**
 * The report's libraries, each from its one-file build, loaded once per process when a page is
 * first drawn. Imported as ES modules they cost about 0.6 s of every run on one core: Vega's
 * module build is some hundred files, each passing through the TypeScript loader's hooks, and
 * importing ELK's CommonJS file makes Node scan its 1.6 MB for export names. The one-file
 * builds are the same version's code (the page is the same bytes) and load in about 0.3 s; with
 * V8's compiled code of an earlier run (see {@link keepCompiledCode}), in about half that.
 */
export function elk(): Elk {
  const file = require.resolve('elkjs/lib/elk.bundled.js');
  const ELK = load(file, createRequire(file)) as new () => Elk;
  return new ELK();
}

let vegaLibraries: [typeof import('vega'), typeof import('vega-lite')] | undefined;

/** Vega and Vega-Lite, from their UMD builds beside the module builds the packages export. */
export function vega(): [typeof import('vega'), typeof import('vega-lite')] {
  if (!vegaLibraries) {
    const vega = load(path.join(path.dirname(require.resolve('vega')), 'vega.js'), nothing) as typeof import('vega');
    const vegaLite = load(path.join(path.dirname(require.resolve('vega-lite')), 'vega-lite.min.js'), (id) => (id === 'vega' ? vega : nothing(id))) as typeof import('vega-lite');
    vegaLibraries = [vega, vegaLite];
  }
  return vegaLibraries;
}

/** Libraries loaded without compiled code of an earlier run: theirs is written by {@link keepCompiledCode}. */
const uncached: { script: vm.Script; file: string }[] = [];

/**
 * Writes the compiled code of the libraries loaded without it, once a page is drawn: by then V8
 * has compiled the functions a page needs, which the next run then finds compiled. Written to a
 * fresh name and renamed, so that a run reading it sees all of it or none; any failure is ignored.
 */
export function keepCompiledCode(): void {
  for (const { script, file } of uncached.splice(0)) keep(file, () => script.createCachedData());
}

/**
 * ELK's layout of a graph, as an earlier run laid it out: a file in the cache folder named by the
 * SHA-256 of what the layout depends on (`key`: the graph's ids, sizes and options); undefined
 * when there is none or it cannot be read. ELK is deterministic, so a kept layout is the one it
 * would compute again; a day's page differs from the last one in its counts, and a label's text
 * is not part of its layout (only its size), so most runs of a pipeline find theirs.
 */
export function keptLayout(key: string): ElkNode | undefined {
  try {
    return JSON.parse(fs.readFileSync(layoutFile(key), 'utf8')) as ElkNode;
  } catch {
    return undefined;
  }
}

/** Keeps a layout for {@link keptLayout} (see {@link keep}). */
export function keepLayout(key: string, laid: ElkNode): void {
  keep(layoutFile(key), () => JSON.stringify(laid));
}

function layoutFile(key: string): string {
  const elkVersion = (require('elkjs/package.json') as { version: string }).version;
  return path.join(cacheDir(), `layout-${createHash('sha256').update(`elkjs ${elkVersion}\0${key}`).digest('hex').slice(0, 32)}.json`);
}

/**
 * Runs a one-file build as CommonJS would (Vega's packages are `"type": "module"`, so Node's
 * `require` refuses their `.js` files): `module.exports` is what it defines, `need` gives what it requires.
 * V8's compiled code of an earlier run is kept in the cache folder, named by the library's SHA-256
 * and V8's version; V8 refuses a file that does not fit, and the library is then compiled as usual.
 */
function load(file: string, need: (id: string) => unknown): unknown {
  const source = fs.readFileSync(file, 'utf8');
  const cached = path.join(cacheDir(), `${path.basename(file, '.js')}-${createHash('sha256').update(source).digest('hex').slice(0, 16)}-v8-${process.versions.v8}.bin`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cached);
  } catch {
    // None yet, or not readable: compiled as usual.
  }
  const script = new vm.Script(`(function (exports, module, require) {${source}\n})`, { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (!cachedData || script.cachedDataRejected) uncached.push({ script, file: cached });
  const module = { exports: {} };
  (script.runInThisContext() as (exports: unknown, module: unknown, require: (id: string) => unknown) => void)(module.exports, module, need);
  return module.exports;
}

function nothing(id: string): never {
  throw new Error(`a library of the report requires ${id}, which it is not given`);
}
