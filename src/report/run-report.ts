import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pipeline } from '../config/pipeline.ts';
import { manifestDoc, type ManifestDoc, type ManifestInput } from '../engine/manifest.ts';
import { EtlError, formatDiagnostic } from '../errors.ts';
import { vega } from './libraries.ts';
import { renderRunPage } from './run-page.ts';
import { runModel } from './run-model.ts';

/**
 * Loads the page's chart libraries ahead of it (~0.1 s), once the event loop is free: called as
 * the sinks start, while the database writes them and this thread mostly waits. A failure here
 * is left for the page to meet.
 */
export function prepareRunReport(): void {
  setImmediate(() => {
    try {
      vega();
    } catch {
      // Met again when the page is drawn, and reported there.
    }
  });
}

/** The run's page, from its manifest document (with paths relative to the page). */
export async function renderRunReport(pipeline: Pipeline, doc: ManifestDoc): Promise<string> {
  return renderRunPage(runModel(pipeline, doc));
}

/** The line naming a failed run's report in its error output. */
export const FAILED_REPORT_LINE = 'etl: a report of the failed run (no output was changed):';

/**
 * A failed run changes no output, yet its operator most needs a picture of what failed: the page
 * is written outside the output folder, under the system's temporary folder (mode 0600, a fresh
 * name), from what was known when the run stopped — the stages done, their counts and timings, the
 * inputs read, and the error's lines (which never hold a personal value). Returns the error to
 * throw: `e` with one more line naming the page. Only a data or check failure gets a page; if the
 * page cannot be written, `e` is returned as it is, with a line saying so.
 */
export async function withFailedRunReport(e: unknown, pipeline: Pipeline, facts: ManifestInput): Promise<unknown> {
  if (!(e instanceof EtlError) || e.code !== 'failed') return e;
  const safeName = pipeline.name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  const file = path.join(os.tmpdir(), `etl-failed-${safeName}-${randomBytes(6).toString('hex')}.html`);
  try {
    // Nothing was written, so the outputs are not listed (and have no hashes to take).
    const known: ManifestInput = { ...facts, files: facts.files.filter((f) => f.role === 'input'), outputSha256: () => '' };
    const doc = { ...manifestDoc(file, known), passed: false };
    const html = await renderRunPage(runModel(pipeline, doc, e.diagnostics.map(formatDiagnostic)));
    const fd = fs.openSync(file, 'wx', 0o600);
    try {
      fs.fchmodSync(fd, 0o600);
      fs.writeSync(fd, html);
    } finally {
      fs.closeSync(fd);
    }
    return new EtlError('failed', [...e.diagnostics, { message: `${FAILED_REPORT_LINE} ${file}` }]);
  } catch (err) {
    fs.rmSync(file, { force: true });
    return new EtlError('failed', [...e.diagnostics, { message: `etl: could not write a report of the failed run (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }]);
  }
}
