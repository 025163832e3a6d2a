#!/usr/bin/env node
// Runs the TypeScript sources with no build step to remember: compiled on the first run after a
// change and kept (bin/compiled.js), or, where that cannot be, loaded through tsx.
import { constants } from 'node:os';
import { compiledProgram } from './compiled.js';

// A terminal's Ctrl-C (SIGINT, sent to the whole foreground process group), kill (SIGTERM) and
// a closed terminal (SIGHUP) ask the command to stop: heard from the very start, so that a signal
// while the sources load ends as one, and passed to main(), which stops the run and says so.
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop.abort(signal));
// Output that cannot be written any more (a closed terminal or pipe) must not cut the cleanup short.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

let main;
try {
  const compiled = await compiledProgram();
  if (compiled) {
    // A bug's stack then names the sources' files and lines, as it does through tsx.
    process.setSourceMapsEnabled(true);
    ({ main } = await import(compiled));
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    ({ main } = await import('../src/cli/main.ts'));
  }
} catch (e) {
  // The signal also reached esbuild's process (compiling, or tsx's), so loading failed because of it.
  if (!stop.signal.aborted) throw e;
}
if (!main) {
  // The text of interruptedError() in src/engine/run.ts, which could not be loaded.
  process.stderr.write(`etl: interrupted by ${stop.signal.reason}; no output was changed\n`);
  process.exit(128 + constants.signals[stop.signal.reason]);
}
const code = await main(process.argv.slice(2), undefined, undefined, stop.signal);
process.exit(code);
