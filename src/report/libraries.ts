import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
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
 * builds are the same version's code (the page is the same bytes) and load in about 0.3 s.
 */
export function elk(): Elk {
  const ELK = require('elkjs/lib/elk.bundled.js') as new () => Elk;
  return new ELK();
}

let vegaLibraries: [typeof import('vega'), typeof import('vega-lite')] | undefined;

/** Vega and Vega-Lite, from their UMD builds beside the module builds the packages export. */
export function vega(): [typeof import('vega'), typeof import('vega-lite')] {
  if (!vegaLibraries) {
    const vega = umd(path.join(path.dirname(require.resolve('vega')), 'vega.js'), {}) as typeof import('vega');
    const vegaLite = umd(path.join(path.dirname(require.resolve('vega-lite')), 'vega-lite.min.js'), { vega }) as typeof import('vega-lite');
    vegaLibraries = [vega, vegaLite];
  }
  return vegaLibraries;
}

/**
 * Runs a UMD file as CommonJS would (its packages are `"type": "module"`, so Node's `require`
 * refuses their `.js` files): `module.exports` is what it defines; `require` gives `deps`.
 */
function umd(file: string, deps: Record<string, unknown>): unknown {
  const factory = vm.compileFunction(fs.readFileSync(file, 'utf8'), ['exports', 'module', 'require'], { filename: file });
  const module = { exports: {} };
  factory(module.exports, module, (id: string) => {
    if (!(id in deps)) throw new Error(`${file} requires ${id}, which is not given`);
    return deps[id];
  });
  return module.exports;
}
