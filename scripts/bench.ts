/**
 * The performance benchmark of issue 5: the engine against a hand-written PostgreSQL baseline,
 * on generated registries at fractions of Yokohama's size, on one embedded PostgreSQL.
 *
 *   npm run bench [-- --scale 0.1,0.3,1 --runs 3 --seed 1]
 *
 * - `--scale LIST`  comma-separated scales (default 0.1,0.3,1; 1.0 ≈ 4.5 M persons, 8 M rows);
 *                   the daily case (issue 11) runs on the largest
 * - `--runs N`      runs per scale; timings are medians (default 3)
 * - `--seed S`      the generator's seed (default 1); data is cached per seed and scale
 *
 * Progress goes to stderr, the table to stdout and BENCHMARKS.md. Exit 1 when a contender fails
 * or their outputs differ by a byte; 2 on a bad command line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { startEmbedded } from '../src/db/embedded-postgres.ts';
import { runBaseline, type BaselinePhases } from './bench/baseline.ts';
import { runDuckScript, type DuckScriptPhases } from './bench/duckdb-script.ts';
import { DEFAULT_DUCKDB_MEMORY_LIMIT } from '../src/db/open-database.ts';
import { differences } from './bench/compare.ts';
import { registry, warmPageCache } from './bench/data.ts';
import { median, runChild, sampleCluster, timed } from './bench/measure.ts';
import { benchmarksMd, dailyTable, engineStages, machine, table, type DailyResult, type ScaleResult } from './bench/report.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, '.bench-cache');
const OUTPUTS = ['01_deletions.csv', '02_entries.csv', '03_outbound.csv', '04_held.csv', 'exceptions.csv', 'state/window.csv', 'state/registry.csv', 'state/listed.csv', 'state/held.csv'];
const DAILY_OUTPUTS = ['outbound.csv', 'exceptions.csv', '04_held.csv', 'state/window.csv', 'state/registry.csv', 'state/listed.csv', 'state/held.csv'];
const log = (m: string) => process.stderr.write(`${m}\n`);

/** pipeline.yaml's parameter defaults, which the engine runs with: one source for both contenders. */
function pipelineParams(): Record<string, string> {
  const params = (parseYaml(readFileSync(join(ROOT, 'pipeline.yaml'), 'utf8')) as { params: Record<string, unknown> }).params;
  const value = (p: unknown) => String(typeof p === 'object' && p !== null ? (p as { default: unknown }).default : p);
  return { as_of: value(params['as_of']), action_date: value(params['action_date']), until: value(params['until']) };
}

/** The baseline needs a system iconv whose CP932 has the IBM extensions (髙 FBFC, 﨑 FAB1). */
function checkIconv(): void {
  const r = spawnSync('iconv', ['-f', 'CP932', '-t', 'UTF-8'], { input: Buffer.from([0xfb, 0xfc, 0xfa, 0xb1]) });
  if (r.error || r.status !== 0 || r.stdout.toString('utf8') !== '髙﨑') {
    throw new Error('the baseline needs a system `iconv` (glibc) whose CP932 decodes 髙 (FB FC) and 﨑 (FA B1)');
  }
}

/** The postmaster's pid, from its data directory: the root of the processes whose RSS is summed. */
async function postmasterPid(client: pg.Client): Promise<number> {
  const dir = (await client.query('SHOW data_directory')).rows[0].data_directory as string;
  return Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/**
 * Before each contender: the cluster's dirty buffers written out (CHECKPOINT) and the kernel's dirty
 * pages flushed (sync), so that no contender pays for the writes of the one before it (a round
 * writes over a gigabyte of outputs, which the kernel would otherwise flush during the next).
 */
async function settle(url: string): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
  spawnSync('sync');
}

/** Runs `runs` rounds of engine then baseline on one registry; throws when they disagree. */
async function benchScale(scale: number, runs: number, seed: string, url: string, pm: number): Promise<ScaleResult> {
  const reg = await registry(CACHE, seed, scale, log);
  await warmPageCache(reg.dir);
  const result: ScaleResult = {
    scale, historyRows: reg.summary.historyRows, engineSeconds: [], baselineSeconds: [],
    nodePeakMb: 0, serverPeakEngineMb: 0, serverPeakBaselineMb: 0, engineStages: {}, baselinePhases: { load: 0, types: 0, stages: 0, sinks: 0 },
    duckEngineSeconds: [], duckScriptSeconds: [], duckNodePeakMb: 0, duckEngineStages: {}, duckScriptPhases: { decode: 0, load: 0, stages: 0, sinks: 0 },
  };
  const perRun: { stages: Record<string, number>; phases: BaselinePhases; duckStages: Record<string, number>; duckPhases: DuckScriptPhases }[] = [];
  const [engineOut, baselineOut, engineLog, duckOut, scriptOut, duckLog] = ['out-engine', 'out-baseline', 'engine.log', 'out-engine-duckdb', 'out-duckdb-script', 'engine-duckdb.log'].map((n) => join(reg.dir, n)) as [string, string, string, string, string, string];
  for (let run = 1; run <= runs; run++) {
    log(`bench: scale ${scale} run ${run}/${runs}: engine…`);
    await settle(url);
    let sampler = sampleCluster(pm);
    const engine = await runChild(process.execPath, [
      join(ROOT, 'bin', 'etl.js'), 'run', join(ROOT, 'pipeline.yaml'),
      '--param', `data_dir=${reg.dir}`, '--param', `out_dir=${engineOut}`, '--database', url,
    ], engineLog);
    result.serverPeakEngineMb = Math.max(result.serverPeakEngineMb, sampler.stop());
    const engineText = readFileSync(engineLog, 'utf8');
    if (engine.exitCode !== 0) throw new Error(`the engine exited with ${engine.exitCode}; its output (${engineLog}) ends:\n${engineText.split('\n').slice(-15).join('\n')}`);
    log(`bench: engine ${engine.seconds.toFixed(2)}s, node peak RSS ${Math.round(engine.peakRssMb)} MB`);

    log(`bench: scale ${scale} run ${run}/${runs}: baseline…`);
    await settle(url);
    rmSync(baselineOut, { recursive: true, force: true });
    sampler = sampleCluster(pm);
    const baseline = await timed(() => runBaseline({ url, root: ROOT, dataDir: reg.dir, outDir: baselineOut, params: pipelineParams(), log }));
    result.serverPeakBaselineMb = Math.max(result.serverPeakBaselineMb, sampler.stop());
    log(`bench: baseline ${baseline.seconds.toFixed(2)}s`);

    log(`bench: scale ${scale} run ${run}/${runs}: engine on DuckDB…`);
    await settle(url);
    const duck = await runChild(process.execPath, [
      join(ROOT, 'bin', 'etl.js'), 'run', join(ROOT, 'pipeline.yaml'),
      '--param', `data_dir=${reg.dir}`, '--param', `out_dir=${duckOut}`, '--database', 'duckdb',
    ], duckLog);
    const duckText = readFileSync(duckLog, 'utf8');
    if (duck.exitCode !== 0) throw new Error(`the engine on DuckDB exited with ${duck.exitCode}; its output (${duckLog}) ends:\n${duckText.split('\n').slice(-15).join('\n')}`);
    log(`bench: engine on DuckDB ${duck.seconds.toFixed(2)}s, node peak RSS ${Math.round(duck.peakRssMb)} MB`);

    log(`bench: scale ${scale} run ${run}/${runs}: DuckDB script…`);
    rmSync(scriptOut, { recursive: true, force: true });
    await settle(url);
    const script = await timed(() => runDuckScript({ root: ROOT, dataDir: reg.dir, outDir: scriptOut, params: pipelineParams(), memoryLimit: DEFAULT_DUCKDB_MEMORY_LIMIT, log }));
    log(`bench: DuckDB script ${script.seconds.toFixed(2)}s`);

    for (const [name, dir] of [['baseline', baselineOut], ['engine on DuckDB', duckOut], ['DuckDB script', scriptOut]] as const) {
      const diffs = await differences(engineOut, dir, OUTPUTS);
      if (diffs.length > 0) throw new Error(`the ${name}'s outputs differ from the engine's (kept in ${engineOut} and ${dir}):\n  ${diffs.join('\n  ')}`);
    }
    result.engineSeconds.push(engine.seconds);
    result.baselineSeconds.push(baseline.seconds);
    result.duckEngineSeconds.push(duck.seconds);
    result.duckScriptSeconds.push(script.seconds);
    result.nodePeakMb = Math.max(result.nodePeakMb, engine.peakRssMb);
    result.duckNodePeakMb = Math.max(result.duckNodePeakMb, duck.peakRssMb);
    perRun.push({ stages: engineStages(engineText, engine.seconds), phases: baseline.value, duckStages: engineStages(duckText, duck.seconds), duckPhases: script.value });
  }
  // The breakdowns of the median runs, so they add up to the medians shown.
  const middle = (xs: number[]) => xs.indexOf([...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!);
  result.engineStages = perRun[middle(result.engineSeconds)]!.stages;
  result.baselinePhases = perRun[middle(result.baselineSeconds)]!.phases;
  result.duckEngineStages = perRun[middle(result.duckEngineSeconds)]!.duckStages;
  result.duckScriptPhases = perRun[middle(result.duckScriptSeconds)]!.duckPhases;
  log(`bench: scale ${scale}: engine ${median(result.engineSeconds).toFixed(2)}s, baseline ${median(result.baselineSeconds).toFixed(2)}s, engine on DuckDB ${median(result.duckEngineSeconds).toFixed(2)}s, DuckDB script ${median(result.duckScriptSeconds).toFixed(2)}s (medians of ${runs}); outputs identical`);
  return result;
}

/**
 * The daily case of issue 11: one day of `daily.yaml` on the state the engine's setup left at this
 * scale, and, alongside it, the same run selecting only the four state sources (reading and
 * verifying the state, nothing written): the share of a day that is the state itself.
 */
async function benchDaily(scale: number, runs: number, seed: string, url: string): Promise<DailyResult> {
  const reg = await registry(CACHE, seed, scale, log);
  const day = reg.summary.days[0];
  if (!day) throw new Error(`the registry in ${reg.dir} has no day folder; remove it to generate it again`);
  const stateDir = join(reg.dir, 'out-engine');
  if (!existsSync(join(stateDir, 'state', 'registry.csv'))) throw new Error(`no state in ${stateDir}: the setup of scale ${scale} must run first`);
  const out = join(reg.dir, 'out-daily');
  const duckOut = join(reg.dir, 'out-daily-duckdb');
  const daily = (select: readonly string[], database = url, outDir = out) => [
    join(ROOT, 'bin', 'etl.js'), 'run', join(ROOT, 'daily.yaml'),
    '--param', `state_dir=${stateDir}`, '--param', `data_dir=${join(reg.dir, day.folder)}`, '--param', `out_dir=${outDir}`,
    '--param', `until=${day.until}`, '--database', database, ...select.flatMap((s) => ['--select', s]),
  ];
  const result: DailyResult = { scale, changes: day.changes, listEvents: day.listEvents, daySeconds: [], stateSeconds: [], duckDaySeconds: [], nodePeakMb: 0, stateRows: {} };
  for (let run = 1; run <= runs; run++) {
    log(`bench: daily, scale ${scale} run ${run}/${runs}: one day…`);
    await settle(url);
    const logFile = join(reg.dir, 'daily.log');
    const one = await runChild(process.execPath, daily([]), logFile);
    if (one.exitCode !== 0) throw new Error(`the daily run exited with ${one.exitCode}; its output (${logFile}) ends:\n${readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')}`);
    result.daySeconds.push(one.seconds);
    result.nodePeakMb = Math.max(result.nodePeakMb, one.peakRssMb);
    for (const m of readFileSync(logFile, 'utf8').matchAll(/^etl: source (registry|listed|held) \(.*\): (\d+) rows/gm)) result.stateRows[m[1]!] = Number(m[2]);
    log(`bench: daily ${one.seconds.toFixed(2)}s, node peak RSS ${Math.round(one.peakRssMb)} MB; the state alone…`);
    await settle(url);
    const state = await runChild(process.execPath, daily(['prev_window', 'registry', 'listed', 'held']), join(reg.dir, 'daily-state.log'));
    if (state.exitCode !== 0) throw new Error(`reading the state alone exited with ${state.exitCode} (see ${join(reg.dir, 'daily-state.log')})`);
    result.stateSeconds.push(state.seconds);
    log(`bench: the state alone ${state.seconds.toFixed(2)}s; the day on DuckDB…`);
    // The same day on DuckDB, whose files must equal the PostgreSQL day's byte for byte: a day's
    // ts: transform and its large state sinks are paths the setup's comparison does not take.
    const duckLog = join(reg.dir, 'daily-duckdb.log');
    await settle(url);
    const duck = await runChild(process.execPath, daily([], 'duckdb', duckOut), duckLog);
    if (duck.exitCode !== 0) throw new Error(`the daily run on DuckDB exited with ${duck.exitCode} (see ${duckLog})`);
    result.duckDaySeconds.push(duck.seconds);
    const differ = await differences(out, duckOut, DAILY_OUTPUTS);
    if (differ.length > 0) throw new Error(`the day's outputs on PostgreSQL (${out}) and on DuckDB (${duckOut}) differ:\n${differ.join('\n')}`);
    log(`bench: the day on DuckDB ${duck.seconds.toFixed(2)}s; outputs identical`);
  }
  return result;
}

/** Parses the command line, runs every scale on one embedded cluster, and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let values: { scale?: string; runs?: string; seed?: string };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { scale: { type: 'string' }, runs: { type: 'string' }, seed: { type: 'string' } } }));
  } catch (err) {
    log(`bench: ${(err as Error).message}`);
    return 2;
  }
  const scales = (values.scale ?? '0.1,0.3,1').split(',').map(Number);
  const runs = Number(values.runs ?? '3');
  const seed = values.seed ?? '1';
  if (scales.some((s) => !(s > 0 && s <= 20)) || !Number.isInteger(runs) || runs < 1 || !/^[\w.-]+$/.test(seed)) {
    log('bench: --scale takes numbers in (0, 20] separated by commas, --runs an integer ≥ 1, --seed letters, digits, . _ -');
    return 2;
  }
  checkIconv();
  const loadAtStart = os.loadavg()[0]!;
  const server = await startEmbedded();
  // An interrupted benchmark still stops its cluster (a killed one is removed by the next start).
  const onSignal = (signal: NodeJS.Signals) => void server.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const client = new pg.Client(server.url);
  try {
    await client.connect();
    const version = (await client.query('SELECT version()')).rows[0].version as string;
    const pm = await postmasterPid(client);
    log(`bench: ${version}; postmaster ${pm}`);
    const results: ScaleResult[] = [];
    for (const scale of [...scales].sort((a, b) => a - b)) results.push(await benchScale(scale, runs, seed, server.url, pm));
    // The daily case on the largest state measured (issue 11 asks for scale 1.0).
    const daily = await benchDaily(Math.max(...scales), runs, seed, server.url);
    process.stdout.write(`${table(results)}\n\n${dailyTable(daily)}\n`);
    const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
    writeFileSync(join(ROOT, 'BENCHMARKS.md'), benchmarksMd({ command, seed, runs, machine: machine(version, loadAtStart), results, daily }));
    log(`bench: wrote ${join(ROOT, 'BENCHMARKS.md')}`);
    return 0;
  } finally {
    await client.end().catch(() => undefined);
    await server.stop();
  }
}

let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (err) {
  log(`bench: FAILED: ${(err as Error).message}`);
  code = 1;
}
// Explicitly, as bin/etl.js does: the code, whatever handles are left open.
process.exit(code);
