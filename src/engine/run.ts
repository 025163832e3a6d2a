import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import type { FileReport } from '../components/component.ts';
import { componentFor } from '../components/registry.ts';
import { redactDbMessage } from '../components/run-sql.ts';
import type { Pipeline, Stage } from '../config/pipeline.ts';
import { diskFullMessage, isDiskFull } from '../db/disk-full.ts';
import { DatabaseError, type Driver } from '../db/driver.ts';
import { databaseKind, loadStyleOf, openDatabase } from '../db/open-database.ts';
import { displayPath, EtlError } from '../errors.ts';
import { checksFor, runOrder, select, type Selection } from '../graph/select.ts';
import { runChecks, type CheckResult } from './checks.ts';
import { checkRules } from './rules.ts';
import { InvalidRows } from './invalid-rows.ts';
import { Logger, seconds } from './logger.ts';
import { manifestDoc, renderManifest, type ManifestInput, type StageRecord } from './manifest.ts';
import { runMeasures, type MeasureResult } from './measures.ts';
import { StageClock } from './stage-clock.ts';
import { TableLifetimes } from './table-lifetimes.ts';
import { prepareRunReport, renderRunReport, withFailedRunReport } from '../report/run-report.ts';
import { OutputFiles } from './output-files.ts';
import { runScheduled } from './schedule.ts';
import type { RunContext } from './run-context.ts';

export interface RunOptions {
  /** A `postgres://` URL, `duckdb` or `duckdb:FILE`; the embedded PostgreSQL when absent. */
  readonly databaseUrl?: string;
  readonly log?: Logger;
  /** Which stages to run (`--select`); all of them by default. */
  readonly selection?: Selection;
  /**
   * Aborted when the run must stop (SIGINT, SIGTERM, SIGHUP), with the signal's name as its
   * reason: the temporary outputs go at once, the embedded PostgreSQL is stopped, and the run
   * fails with {@link interruptedError} whatever error the stop caused — unless its outputs
   * were already renamed into place, in which case its result stands.
   */
  readonly signal?: AbortSignal;
}

/** What a finished run did, stage by stage, in execution order. */
export interface RunResult {
  readonly stages: (StageRecord & { kind: Stage['kind'] })[];
  readonly files: FileReport[];
  readonly checks: CheckResult[];
  readonly measures: MeasureResult[];
  readonly outputs: string[];
}

/**
 * Runs a compiled pipeline: loads every source, fails before anything is written if a
 * source with `on_invalid: fail` had invalid rows, runs the transforms and the checks, writes
 * the sinks to temporary files, and renames every output into place only when all of that succeeded.
 */
export async function runPipeline(pipeline: Pipeline, options: RunOptions = {}): Promise<RunResult> {
  const log = options.log ?? new Logger();
  const stop = options.signal;
  const interrupted = () => (stop?.aborted ? interruptedError(stop.reason) : undefined);
  const checkStop = () => {
    const err = interrupted();
    if (err) throw err;
  };
  checkStop();
  const selection = options.selection ?? select(pipeline, []);
  const order = runOrder(pipeline, selection);
  const started = Date.now();
  const outputs = new OutputFiles(`${process.pid}-${randomBytes(4).toString('hex')}`, declaredOutputs(pipeline, selection), (l) => log.info(l));
  // The temporary outputs go at once: whatever happens next, none of them is left behind. (What
  // fails here is tried again, and reported, at the end of the run: not from a signal's listener.)
  const onStop = () => {
    try {
      outputs.discard();
    } catch {
      // See above.
    }
  };
  stop?.addEventListener('abort', onStop, { once: true });
  // What the stages can begin while the database opens (a large source's checking workers).
  const prepared = order.flatMap((s) => componentFor(s).prepare?.(s as never, loadStyleOf(options.databaseUrl)) ?? []);
  const unprepare = () => Promise.all(prepared.map((stopPrepared) => stopPrepared()));
  let driver: Driver;
  try {
    driver = await openDatabase(options.databaseUrl, { signal: stop });
  } catch (e) {
    outputs.discard();
    stop?.removeEventListener('abort', onStop);
    await unprepare();
    throw interrupted() ?? e;
  }
  log.info(`etl: running "${pipeline.name}" on ${driver.description}${selection.all ? '' : ` (selected: ${order.length} of ${pipeline.stages.size} stages)`}`);
  const invalid = new InvalidRows();
  const rt: RunContext = { pipeline, driver, outputs, invalid, log, columnsOf: (id) => driver.describe(id) };
  const result: RunResult = { stages: [], files: [], checks: [], measures: [], outputs: [] };
  const clock = new StageClock(started);
  // What the manifest and the report record, so far: a failed run's report shows what was done.
  const facts = (): ManifestInput => ({
    pipeline, files: result.files, checks: result.checks, measures: result.measures, startedAt: new Date(started), finishedAt: new Date(),
    database: driver.description, outputSha256: (file) => outputs.sha256(file), stages: result.stages, timings: clock.timings(order.map((s) => s.id)),
  });
  // A full disk is named with the work that filled it, and where the space ran out; so is a value
  // the database would not take on its way in (a numeric past DuckDB's 38 digits, a ts: transform's
  // text in an integer column), without the value.
  const diskFull = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      if (interrupted()) throw e;
      if (isDiskFull(e)) throw new EtlError('failed', diskFullMessage(what, databaseKind(options.databaseUrl)));
      if (e instanceof DatabaseError && e.kind === 'data') {
        const code = /^[0-9A-Z]{5}$/.test(e.code) ? `SQLSTATE ${e.code}` : e.code;
        throw new EtlError('failed', `etl: ${what}: the database refused a value: ${redactDbMessage(e.message)} (${code}); no output was changed`);
      }
      throw e;
    }
  };
  let failed = false;
  let committed = false;
  try {
    const runStage = async (stage: Stage) => {
      checkStop();
      const t0 = Date.now();
      log.verbose(`etl: ${describe(stage)}: started`);
      const report = await clock.time(stage.id, () => diskFull(describe(stage), () => componentFor(stage).run(stage as never, rt)));
      // A stage a signal came during is not said to be done, whether or not its own work noticed the signal.
      checkStop();
      result.stages.push({ id: stage.id, kind: stage.kind, rows: report.rows, counts: report.counts, countsBy: report.countsBy, rejectedBy: report.rejectedBy });
      result.files.push(...(report.files ?? []));
      log.info(`etl: ${describe(stage)}: ${report.rows} rows${extra(report.counts)} (${seconds(t0)})`);
    };
    const sources = order.filter((s) => s.kind === 'source');
    for (const stage of sources) await runStage(stage);
    await checkRules(sources, rt);
    if (invalid.any) throw new EtlError('failed', invalid.diagnostics());
    const checks = checksFor(pipeline, selection);
    const measures = selection.all ? pipeline.measures : [];
    // Each table goes as soon as no later stage reads it: the memory (DuckDB) or disk it held is the next stages'.
    const lifetimes = new TableLifetimes(pipeline, order, checks, measures);
    await runScheduled(order.filter((s) => s.kind !== 'source' && s.kind !== 'sink'), pipeline.edges, rt.driver.stagesAtOnce, async (stage) => {
      await runStage(stage);
      for (const table of lifetimes.finished(stage.id)) {
        await diskFull(describe(stage), () => driver.dropTable(table));
        log.verbose(`etl: table ${table} dropped: no later stage reads it`);
      }
    });
    await diskFull('checks', () => runChecks(checks, rt, result.checks));
    if (measures.length > 0) result.measures.push(...(await diskFull('measures', () => runMeasures(measures, rt))));
    if (selection.all && pipeline.report) prepareRunReport();
    await runScheduled(order.filter((s) => s.kind === 'sink'), pipeline.edges, rt.driver.stagesAtOnce, runStage);
    // Stages finish in a varying order when they overlap; what is recorded follows the plan.
    const planned = new Map(order.map((s, i) => [s.id, i]));
    result.stages.sort((a, b) => planned.get(a.id)! - planned.get(b.id)!);
    result.files.sort((a, b) => planned.get(a.stage)! - planned.get(b.stage)!);
    // Nothing reads the database from here on: it closes (DuckDB hands back its memory, the embedded
    // PostgreSQL stops) while the sinks' last files go to the disk and the report is drawn. A
    // failure of either is awaited below, before anything is renamed.
    const flushing = outputs.flushAhead();
    flushing.catch(() => undefined);
    const closing = driver.close();
    closing.catch(() => undefined);
    if (selection.all && (pipeline.manifest || pipeline.report)) {
      const done = facts();
      if (pipeline.report) outputs.write(pipeline.report, await renderRunReport(pipeline, manifestDoc(pipeline.report, done)));
      if (pipeline.manifest) outputs.write(pipeline.manifest, renderManifest(manifestDoc(pipeline.manifest, done)));
    } else if (pipeline.manifest) {
      log.info(`etl: no manifest for a selection: ${displayPath(pipeline.manifest)} still describes the last full run`);
    }
    await flushing;
    await closing;
    // The last moment a signal can still stop the run: the renames run to their end without a pause.
    checkStop();
    result.outputs.push(...(await outputs.commit(result.files.filter((f) => f.role === 'output').map((f) => f.path))));
    committed = true;
    summarize(result, log, started);
    return result;
  } catch (e) {
    failed = true;
    const stopped = interrupted();
    if (stopped) throw stopped;
    throw selection.all && pipeline.report ? await withFailedRunReport(e, pipeline, facts()) : e;
  } finally {
    outputs.discard();
    stop?.removeEventListener('abort', onStop);
    await unprepare();
    try {
      await driver.close();
    } catch (e) {
      // A failure to clean up must not hide the failure that ended the run; after a signal the
      // database was stopped on purpose, and outputs already in place stay the run's result.
      if (!failed && !(committed && stop?.aborted)) throw interrupted() ?? e;
    }
  }
}

/**
 * The one line a run stopped by `signal` ends with, and its exit code: 128 + the signal's
 * number, as shells expect (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
 */
export function interruptedError(signal: unknown): EtlError {
  const name = typeof signal === 'string' && signal in constants.signals ? (signal as NodeJS.Signals) : 'SIGTERM';
  const err = new EtlError('interrupted', `etl: interrupted by ${name}; no output was changed`);
  err.signal = constants.signals[name];
  return err;
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
  if (pipeline.report && selection.all) files.push(pipeline.report);
  if (pipeline.manifest && selection.all) files.push(pipeline.manifest);
  return files;
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
