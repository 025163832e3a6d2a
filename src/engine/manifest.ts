import fs from 'node:fs';
import path from 'node:path';
import type { FileReport } from '../components/component.ts';
import type { Pipeline, SourceStage } from '../config/pipeline.ts';
import { displayPath, EtlError } from '../errors.ts';
import type { CheckResult } from './checks.ts';

/** What a run records about itself, beside its outputs. */
export interface ManifestInput {
  readonly pipeline: Pipeline;
  readonly files: readonly FileReport[];
  /** SHA-256 of each output, by path, taken from the files about to be committed. */
  readonly outputSha256: (file: string) => string;
  readonly stages: readonly { id: string; kind: string; rows: number; counts?: Readonly<Record<string, number>> }[];
  readonly checks: readonly CheckResult[];
  readonly startedAt: Date;
  readonly database: string;
}

/**
 * The manifest's text. Everything but the `run` field depends only on the inputs and the
 * parameters, so a rerun writes the same bytes there; paths are relative to the manifest.
 */
export function renderManifest(file: string, m: ManifestInput): string {
  const rel = (p: string) => path.relative(path.dirname(file), p).split(path.sep).join('/');
  // Inputs as the pipeline names them: relative to its folder when inside it.
  const asNamed = (p: string) => {
    const r = path.relative(m.pipeline.dir, p);
    return r.startsWith('..') || path.isAbsolute(r) ? p : r.split(path.sep).join('/');
  };
  const doc = {
    pipeline: m.pipeline.name,
    parameters: m.pipeline.params,
    inputs: m.files.filter((f) => f.role === 'input').map((f) => ({ source: f.stage, path: asNamed(f.path), sha256: f.sha256, rows: f.rows })),
    outputs: [...m.files].filter((f) => f.role === 'output').sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => ({ stage: f.stage, path: rel(f.path), sha256: m.outputSha256(f.path), rows: f.rows })),
    stages: m.stages.map((s) => ({ id: s.id, kind: s.kind, rows: s.rows, ...(s.counts ? { counts: s.counts } : {}) })),
    conservation: conservation(m.stages),
    reconciliation: m.checks.map((c) => ({ name: c.name, ...(c.description ? { description: c.description } : {}), passed: c.passed, values: c.values })),
    passed: m.checks.every((c) => c.passed),
    run: { started_at: m.startedAt.toISOString(), finished_at: new Date().toISOString(), database: m.database },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * Nothing lost, nothing duplicated, stage by stage: every row a source read was accepted or
 * rejected; every row a split read went to exactly one route.
 */
function conservation(stages: ManifestInput['stages']): object[] {
  const out: object[] = [];
  for (const s of stages) {
    const c = s.counts ?? {};
    if (s.kind === 'source') {
      const rejected = c['rejected'] ?? 0;
      out.push({ stage: s.id, read: c['read'], accepted: s.rows, rejected, holds: c['read'] === s.rows + rejected });
    } else if (s.kind === 'split') {
      const { input, ...routes } = c;
      const routed = Object.values(routes).reduce((a, b) => a + b, 0);
      out.push({ stage: s.id, input, routes, holds: input === routed });
    }
  }
  return out;
}

/**
 * Refuses a source file unless the manifest it names (by default the manifest.json beside it)
 * lists it as an output with the same SHA-256: the file is then exactly what the run that made it wrote.
 */
export function verifyAgainstManifest(stage: SourceStage, sha256: string): void {
  const manifestFile = stage.verify!.manifest;
  const fail = (message: string) => new EtlError('failed', [{ pos: { file: stage.file }, message: `source "${stage.id}": ${message}; refusing to go on` }]);
  let doc: { outputs?: { path?: string; sha256?: string }[] };
  try {
    doc = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    const where = path.dirname(manifestFile) === path.dirname(stage.file) ? ' beside the file' : '';
    throw fail(missing ? `there is no ${displayPath(manifestFile)}${where} to show it is unchanged since the run that wrote it` : `${displayPath(manifestFile)} cannot be read as a manifest`);
  }
  const entry = doc.outputs?.find((o) => typeof o.path === 'string' && path.resolve(path.dirname(manifestFile), o.path) === stage.file);
  if (!entry) throw fail(`${displayPath(manifestFile)} does not list the file among its outputs`);
  if (entry.sha256 !== sha256) throw fail(`the file has changed since the run that wrote it (its SHA-256 differs from ${displayPath(manifestFile)})`);
}
