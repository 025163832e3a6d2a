import fs from 'node:fs';
import path from 'node:path';
import type { ManifestDoc } from '../engine/manifest.ts';
import { displayPath, EtlError } from '../errors.ts';

/** One run of a chain, as its manifest describes it. */
export interface ChainRun {
  /** The folder (or manifest) as given on the command line. */
  readonly label: string;
  readonly pipeline: string;
  readonly passed: boolean;
  readonly checksPassed: number;
  readonly checks: number;
  readonly measures: Readonly<Record<string, number>>;
  /** The run's own report, relative to the page; absent when it has none. */
  readonly reportHref?: string;
  /** The run before it in the chain, when this one read what that one wrote. */
  readonly follows?: string;
  readonly startedAt?: string;
}

/** A chain of runs (the setup, the days, full participation), for `etl report`. */
export interface ChainModel {
  readonly runs: readonly ChainRun[];
  /** Measure names, in the order the runs first record them. */
  readonly measures: readonly string[];
  /** Where a run's state did not come from the run before it. */
  readonly warnings: readonly string[];
}

interface Loaded {
  readonly label: string;
  readonly file: string;
  readonly doc: ManifestDoc;
}

/**
 * Reads the manifests of `targets` (run folders, or manifest files) and orders the runs by their
 * hash chain: a run follows the one whose outputs it read, byte for byte (an input whose path ends
 * with the output's path and whose SHA-256 is the same). Runs the chain does not order keep the
 * order given. Each run after the first is checked against the one before it: every input that
 * names an output of that run must have its SHA-256; a run that reads nothing of it is flagged too.
 */
export function chainModel(targets: readonly string[], pageFile: string): ChainModel {
  const loaded = targets.map(loadManifest);
  const reads = (later: Loaded, earlier: Loaded) =>
    later.doc.inputs.filter((i) => earlier.doc.outputs.some((o) => namesOutput(i.path, o.path) && i.sha256 === o.sha256)).length > 0;
  // A topological order of "reads what it wrote", ties (and runs outside the chain) in the order given.
  const order: Loaded[] = [];
  const left = [...loaded];
  while (left.length > 0) {
    const next = left.findIndex((run) => !left.some((other) => other !== run && reads(run, other)));
    order.push(...left.splice(next < 0 ? 0 : next, 1));
  }
  const warnings: string[] = [];
  const runs: ChainRun[] = order.map((run, k) => {
    const prev = k > 0 ? order[k - 1] : undefined;
    if (prev) warnings.push(...chainWarnings(run, prev));
    const reportFile = run.doc.report ? path.resolve(path.dirname(run.file), run.doc.report) : undefined;
    const href = reportFile && fs.existsSync(reportFile) ? path.relative(path.dirname(path.resolve(pageFile)), reportFile).split(path.sep).map(encodeURIComponent).join('/') : undefined;
    const checks = run.doc.reconciliation ?? [];
    return {
      label: run.label,
      pipeline: run.doc.pipeline,
      passed: run.doc.passed,
      checksPassed: checks.filter((c) => c.passed).length,
      checks: checks.length,
      measures: run.doc.measures ?? {},
      ...(href ? { reportHref: href } : {}),
      ...(prev && reads(run, prev) ? { follows: prev.label } : {}),
      ...(run.doc.run?.started_at ? { startedAt: run.doc.run.started_at } : {}),
    };
  });
  const measures = [...new Set(runs.flatMap((r) => Object.keys(r.measures)))];
  return { runs, measures, warnings };
}

/** The ways `run`'s inputs fail to be what `prev` wrote. */
function chainWarnings(run: Loaded, prev: Loaded): string[] {
  const out: string[] = [];
  let linked = 0;
  for (const input of run.doc.inputs) {
    const output = prev.doc.outputs.find((o) => namesOutput(input.path, o.path));
    if (!output) continue;
    linked++;
    if (input.sha256 !== output.sha256) {
      out.push(`${run.label}: ${input.path} is not the ${output.path} that ${prev.label} wrote (its SHA-256 differs): this run did not continue from the run before it`);
    }
  }
  if (linked === 0) out.push(`${run.label} reads nothing that ${prev.label} wrote: it does not continue from the run before it`);
  return out;
}

/** An input path names an output path when it is that path or ends with it (state/held.csv). */
function namesOutput(input: string, output: string): boolean {
  return input === output || input.endsWith(`/${output}`);
}

function loadManifest(target: string): Loaded {
  const abs = path.resolve(target);
  let file = abs;
  if (!fs.existsSync(abs)) throw new EtlError('invalid', [{ pos: { file: abs }, message: 'no such folder or manifest' }]);
  if (fs.statSync(abs).isDirectory()) {
    const named = fs.readdirSync(abs).filter((f) => f.endsWith('manifest.json')).sort();
    file = path.join(abs, named.includes('manifest.json') ? 'manifest.json' : named.length === 1 ? named[0]! : 'manifest.json');
  }
  let doc: ManifestDoc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8')) as ManifestDoc;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new EtlError('invalid', [{ pos: { file }, message: missing ? `no manifest here: ${displayPath(target)} is not the output folder of a run that wrote a manifest` : 'cannot be read as a manifest (not JSON)' }]);
  }
  if (typeof doc?.pipeline !== 'string' || !Array.isArray(doc.inputs) || !Array.isArray(doc.outputs)) {
    throw new EtlError('invalid', [{ pos: { file }, message: 'not a manifest of an etl run (no pipeline, inputs and outputs)' }]);
  }
  return { label: target, file, doc };
}
