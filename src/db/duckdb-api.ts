import { createRequire } from 'node:module';

/**
 * DuckDB's Node API, required rather than imported: it is a CommonJS package of some fifty files,
 * and an `import` has Node's ES module loader scan each of them for its export names first, which
 * doubled what loading it costs every run on DuckDB (~0.2 s -> ~0.1 s).
 */
export const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof import('@duckdb/node-api');
