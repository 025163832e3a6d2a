import fs from 'node:fs';
import path from 'node:path';
import type { FileReport, StageReport } from '../components/component.ts';
import type { Pipeline, SourceStage } from '../config/pipeline.ts';
import { displayPath, EtlError } from '../errors.ts';
import type { CheckResult } from './checks.ts';
import type { MeasureResult } from './measures.ts';

/** What a stage did, as a run records it. */
export interface StageRecord {
  readonly id: string;
  readonly kind: string;
  readonly rows: number;
  readonly counts?: Readonly<Record<string, number>>;
  readonly countsBy?: StageReport['countsBy'];
  readonly rejectedBy?: StageReport['rejectedBy'];
}

/** When a stage ran, in milliseconds from the start of the run. */
export interface StageTiming {
  readonly id: string;
  readonly started_ms: number;
  readonly finished_ms?: number;
  /** The stage threw: the run failed there. */
  readonly failed?: boolean;
}

/** What a run records about itself, beside its outputs. */
export interface ManifestInput {
  readonly pipeline: Pipeline;
  readonly files: readonly FileReport[];
  /** SHA-256 of each output, by path, taken from the files about to be committed. */
  readonly outputSha256: (file: string) => string;
  readonly stages: readonly StageRecord[];
  readonly checks: readonly CheckResult[];
  readonly measures?: readonly MeasureResult[];
  readonly startedAt: Date;
  readonly finishedAt?: Date;
  readonly database: string;
  readonly timings?: readonly StageTiming[];
}

/** The manifest as a document (what `manifest.json` holds); the run's report is built from it too. */
export interface ManifestDoc {
  readonly pipeline: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly inputs: readonly { source: string; path: string; sha256?: string; rows: number }[];
  readonly outputs: readonly { stage: string; path: string; sha256: string; rows: number; order_by?: readonly string[] }[];
  readonly stages: readonly { id: string; kind: string; rows: number; counts?: Readonly<Record<string, number>>; counts_by?: StageReport['countsBy'] }[];
  readonly conservation: readonly ConservationRecord[];
  readonly reconciliation: readonly { name: string; description?: string; passed: boolean; values: Readonly<Record<string, string | null>> }[];
  readonly measures?: Readonly<Record<string, number>>;
  readonly passed: boolean;
  /** The run's HTML report, relative to the manifest. */
  readonly report?: string;
  /** The only part that differs between reruns of the same inputs. */
  readonly run?: { started_at: string; finished_at: string; database: string; stages?: readonly StageTiming[] };
}

/** A source (read = accepted + rejected) or a split (input = the sum of its routes). */
export type ConservationRecord =
  | { stage: string; read?: number; accepted: number; rejected: number; rejected_by_rule?: Readonly<Record<string, number>>; holds: boolean }
  | { stage: string; input?: number; routes: Readonly<Record<string, number>>; holds: boolean };

/**
 * The manifest as a document. Everything but the `run` field depends only on the inputs and the
 * parameters, so a rerun records the same there; output paths are relative to `file`'s folder.
 */
export function manifestDoc(file: string, m: ManifestInput): ManifestDoc {
  const rel = (p: string) => path.relative(path.dirname(file), p).split(path.sep).join('/');
  // Inputs as the pipeline names them: relative to its folder when inside it.
  const asNamed = (p: string) => {
    const r = path.relative(m.pipeline.dir, p);
    return r.startsWith('..') || path.isAbsolute(r) ? p : r.split(path.sep).join('/');
  };
  return {
    pipeline: m.pipeline.name,
    parameters: m.pipeline.params,
    inputs: m.files.filter((f) => f.role === 'input').map((f) => ({ source: f.stage, path: asNamed(f.path), sha256: f.sha256, rows: f.rows })),
    outputs: [...m.files].filter((f) => f.role === 'output').sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => ({
      stage: f.stage, path: rel(f.path), sha256: m.outputSha256(f.path), rows: f.rows, ...(f.orderBy ? { order_by: f.orderBy } : {}),
    })),
    stages: m.stages.map((s) => ({ id: s.id, kind: s.kind, rows: s.rows, ...(s.counts ? { counts: s.counts } : {}), ...(s.countsBy ? { counts_by: s.countsBy } : {}) })),
    conservation: conservation(m.stages),
    reconciliation: m.checks.map((c) => ({ name: c.name, ...(c.description ? { description: c.description } : {}), passed: c.passed, values: c.values })),
    ...(m.measures?.length ? { measures: Object.fromEntries(m.measures.map((x) => [x.name, x.value])) } : {}),
    passed: m.checks.every((c) => c.passed),
    ...(m.pipeline.report ? { report: rel(m.pipeline.report) } : {}),
    run: {
      started_at: m.startedAt.toISOString(),
      finished_at: (m.finishedAt ?? new Date()).toISOString(),
      database: m.database,
      ...(m.timings ? { stages: m.timings } : {}),
    },
  };
}

/** The manifest's text. */
export function renderManifest(doc: ManifestDoc): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * Nothing lost, nothing duplicated, stage by stage: every row a source read was accepted or
 * rejected; every row a split read went to exactly one route.
 */
function conservation(stages: ManifestInput['stages']): ConservationRecord[] {
  const out: ConservationRecord[] = [];
  for (const s of stages) {
    const c = s.counts ?? {};
    if (s.kind === 'source') {
      const rejected = c['rejected'] ?? 0;
      const byRule = s.rejectedBy ? { rejected_by_rule: s.rejectedBy } : {};
      out.push({ stage: s.id, read: c['read'], accepted: s.rows, rejected, ...byRule, holds: c['read'] === s.rows + rejected });
    } else if (s.kind === 'split') {
      const { input, ...routes } = c;
      const routed = Object.values(routes).reduce((a, b) => a + b, 0);
      out.push({ stage: s.id, input, routes, holds: input === routed });
    }
  }
  return out;
}

/** What a run's manifest says of one of its outputs. */
export interface ManifestEntry {
  readonly sha256: string;
  /** The sink's order_by: the rows are sorted by these columns, and no two share their values. */
  readonly orderBy?: readonly string[];
}

/**
 * The entry of the manifest a source names (by default the manifest.json beside it) for the
 * source's file; a missing or unreadable manifest, or one that does not list the file, refuses it.
 */
export function manifestEntry(stage: SourceStage): ManifestEntry {
  const manifestFile = stage.verify!.manifest;
  let doc: { outputs?: { path?: string; sha256?: string; order_by?: unknown }[] };
  try {
    doc = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    const where = path.dirname(manifestFile) === path.dirname(stage.file) ? ' beside the file' : '';
    throw refusal(stage, missing ? `there is no ${displayPath(manifestFile)}${where} to show it is unchanged since the run that wrote it` : `${displayPath(manifestFile)} cannot be read as a manifest`);
  }
  const entry = doc.outputs?.find((o) => typeof o.path === 'string' && path.resolve(path.dirname(manifestFile), o.path) === stage.file);
  if (!entry || typeof entry.sha256 !== 'string') throw refusal(stage, `${displayPath(manifestFile)} does not list the file among its outputs`);
  const orderBy = Array.isArray(entry.order_by) && entry.order_by.every((c) => typeof c === 'string') ? (entry.order_by as string[]) : undefined;
  return { sha256: entry.sha256, ...(orderBy ? { orderBy } : {}) };
}

/**
 * Refuses a source file unless its manifest lists it as an output with the same SHA-256: the
 * file is then exactly what the run that made it wrote.
 */
export function verifyAgainstManifest(stage: SourceStage, sha256: string, entry: ManifestEntry = manifestEntry(stage)): void {
  if (entry.sha256 !== sha256) throw refusal(stage, `the file has changed since the run that wrote it (its SHA-256 differs from ${displayPath(stage.verify!.manifest)})`);
}

function refusal(stage: SourceStage, message: string): EtlError {
  return new EtlError('failed', [{ pos: { file: stage.file }, message: `source "${stage.id}": ${message}; refusing to go on` }]);
}
