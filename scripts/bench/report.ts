/**
 * The benchmark's results: the table, the targets of issue 5, where the time goes, and
 * BENCHMARKS.md. Pure formatting: every number comes from bench.ts.
 */
import os from 'node:os';
import type { BaselinePhases } from './baseline.ts';
import type { DuckScriptPhases } from './duckdb-script.ts';
import { median } from './measure.ts';

/** What one scale measured, over all its runs. */
export interface ScaleResult {
  readonly scale: number;
  readonly historyRows: number;
  readonly engineSeconds: number[];
  readonly baselineSeconds: number[];
  /** Peaks over all runs, in MB. */
  nodePeakMb: number;
  serverPeakEngineMb: number;
  serverPeakBaselineMb: number;
  /** Seconds per kind of stage, from the engine's progress lines of its median run. */
  engineStages: Record<string, number>;
  baselinePhases: BaselinePhases;
  /** The engine on DuckDB (`--database duckdb`) and the hand-written DuckDB script. */
  readonly duckEngineSeconds: number[];
  readonly duckScriptSeconds: number[];
  duckNodePeakMb: number;
  duckEngineStages: Record<string, number>;
  duckScriptPhases: DuckScriptPhases;
}

/** The daily case (issue 11): one day on the state of the largest scale. */
export interface DailyResult {
  readonly scale: number;
  readonly changes: number;
  readonly listEvents: number;
  readonly daySeconds: number[];
  /** The same run selecting only the state's sources: read and verified, nothing written. */
  readonly stateSeconds: number[];
  /** The same day with `--database duckdb`, its files equal to the day's on PostgreSQL. */
  readonly duckDaySeconds: number[];
  nodePeakMb: number;
  /** Rows of the state's registry, listed and held, as the day read them. */
  stateRows: Record<string, number>;
}

export interface Machine {
  readonly cores: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly postgres: string;
  readonly node: string;
  /** The 1-minute load average when the benchmark started and when it ended: other work on the machine shows in it. */
  readonly load: readonly [number, number];
}

export function machine(postgresVersion: string, loadAtStart: number): Machine {
  const cpus = os.cpus();
  return {
    cores: cpus.length, cpu: cpus[0]?.model.trim() ?? 'unknown', memoryGiB: os.totalmem() / 2 ** 30, postgres: postgresVersion, node: process.version,
    load: [loadAtStart, os.loadavg()[0]!],
  };
}

/**
 * The engine's stage timings, summed by kind, from its stderr lines
 * (`etl: source history (…): 99579 rows (1.0s)`, `etl: done in 3.0s; …`). What no line
 * accounts for (start-up, checks, the commit of the outputs) is `other`.
 */
export function engineStages(log: string, wallSeconds: number): Record<string, number> {
  const sums: Record<string, number> = { 'source loads': 0, 'SQL transforms and split': 0, sinks: 0 };
  const kinds: Record<string, string> = { source: 'source loads', transform: 'SQL transforms and split', split: 'SQL transforms and split', sink: 'sinks' };
  // Tolerant of the prefix and of indentation: the progress lines are for people, not a format.
  for (const m of log.matchAll(/^(?:etl:)?\s*(source|transform|split|sink) .*\((\d+(?:\.\d+)?)s\)\s*$/gm)) sums[kinds[m[1]!]!]! += Number(m[2]);
  const accounted = Object.values(sums).reduce((a, b) => a + b, 0);
  if (accounted === 0) return { 'all (no stage timings found in its progress lines)': wallSeconds };
  // Two independent stages run at once, so the sums may exceed the wall time; then what is
  // outside every stage cannot be told from these lines and no `other` is given.
  return accounted > wallSeconds ? sums : { ...sums, 'other (start-up, checks, commit, exit)': wallSeconds - accounted };
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const ratio = (r: ScaleResult) => median(r.engineSeconds) / median(r.baselineSeconds);
const perMillion = (r: ScaleResult) => median(r.engineSeconds) / (r.historyRows / 1e6);

/** The results table, in Markdown (also readable as plain text). */
export function table(results: readonly ScaleResult[]): string {
  const head = '| scale | history rows | engine s | baseline s | engine / baseline | engine s per M rows | node peak RSS MB | server peak RSS MB (engine / baseline) |';
  const rows = results.map((r) =>
    `| ${r.scale} | ${r.historyRows.toLocaleString('en-US')} | ${f2(median(r.engineSeconds))} | ${f2(median(r.baselineSeconds))} | ${f2(ratio(r))} | ${f2(perMillion(r))} | ${Math.round(r.nodePeakMb)} | ${Math.round(r.serverPeakEngineMb)} / ${Math.round(r.serverPeakBaselineMb)} |`);
  return [head, '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}

const duckRatio = (r: ScaleResult) => median(r.duckEngineSeconds) / median(r.duckScriptSeconds);
const speedup = (r: ScaleResult) => median(r.engineSeconds) / median(r.duckEngineSeconds);
const duckPerMillion = (r: ScaleResult) => median(r.duckEngineSeconds) / (r.historyRows / 1e6);
const scriptPerMillion = (r: ScaleResult) => median(r.duckScriptSeconds) / (r.historyRows / 1e6);

/** The DuckDB contenders' table (issue 13). */
export function duckTable(results: readonly ScaleResult[]): string {
  const head = '| scale | history rows | engine on DuckDB s | DuckDB script s | engine on DuckDB / script | engine on PostgreSQL / on DuckDB | engine on DuckDB s per M rows | DuckDB script s per M rows | node peak RSS MB (engine on DuckDB) |';
  const rows = results.map((r) =>
    `| ${r.scale} | ${r.historyRows.toLocaleString('en-US')} | ${f2(median(r.duckEngineSeconds))} | ${f2(median(r.duckScriptSeconds))} | ${f2(duckRatio(r))} | ${f2(speedup(r))} | ${f2(duckPerMillion(r))} | ${f2(scriptPerMillion(r))} | ${Math.round(r.duckNodePeakMb)} |`);
  return [head, '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}

/**
 * Every run's seconds, in the order they ran: the medians are of these. On a shared virtual
 * machine one run can differ from the next by a fifth, so a target near its border can read
 * either way from one benchmark to the next; this shows how near it is.
 */
export function runsTable(results: readonly ScaleResult[]): string {
  const list = (seconds: readonly number[]) => seconds.map(f2).join(', ');
  const rows = results.map((r) =>
    `| ${r.scale} | ${list(r.engineSeconds)} | ${list(r.baselineSeconds)} | ${list(r.duckEngineSeconds)} | ${list(r.duckScriptSeconds)} |`);
  return ['| scale | engine s | baseline s | engine on DuckDB s | DuckDB script s |', '| ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}

/** Issue 13's targets, at scale 1.0 when it was run. */
export function duckTargets(results: readonly ScaleResult[]): string {
  const full = results.find((r) => r.scale === 1);
  const seen = (f: (r: ScaleResult) => number) => results.map((r) => `${r.scale}: ${f2(f(r))}`).join(', ');
  const row = (target: string, ok: (r: ScaleResult) => boolean, f: (r: ScaleResult) => number) =>
    `| ${target} | ${full ? (ok(full) ? 'met' : 'NOT MET') : 'not measured'} | ${full ? `${f2(f(full))} at scale 1.0` : `scale 1.0 not run (seen: ${seen(f)})`} |`;
  const worst = results.reduce((m, r) => Math.max(m, r.duckNodePeakMb), 0);
  const base = results.find((r) => r.scale === 0.1);
  const flat = base && results.length > 1 ? results.every((r) => Math.abs(duckPerMillion(r) / duckPerMillion(base) - 1) <= 0.2) : undefined;
  return [
    '| target | status | measured |',
    '| --- | --- | --- |',
    row('engine on DuckDB / DuckDB script ≤ 1.3 at scale 1.0', (r) => duckRatio(r) <= 1.3, duckRatio),
    row('engine on PostgreSQL / engine on DuckDB ≥ 3 at scale 1.0', (r) => speedup(r) >= 3, speedup),
    `| node peak RSS ≤ 2.5 GB on DuckDB | ${worst <= 2560 ? 'met' : 'NOT MET'} | largest ${Math.round(worst)} MB over scales ${results.map((r) => r.scale).join(', ')} |`,
    `| engine on DuckDB s per M rows within ±20 % of scale 0.1's | ${flat === undefined ? 'not measured' : flat ? 'met' : 'NOT MET'} | ${seen(duckPerMillion)} (the DuckDB script's own: ${seen(scriptPerMillion)}) |`,
  ].join('\n');
}

/** Where the DuckDB contenders spend their time (median runs). */
export function duckBreakdown(r: ScaleResult): string {
  const wall = median(r.duckEngineSeconds);
  const scriptWall = median(r.duckScriptSeconds);
  const p = r.duckScriptPhases;
  const pct = (s: number, w: number) => `${f1(s)} s (${Math.round((s / w) * 100)} %)`;
  return [
    `Engine on DuckDB (${f1(wall)} s; as above, from its progress lines):`,
    '',
    ...Object.entries(r.duckEngineStages).map(([k, s]) => `- ${k}: ${pct(s, wall)}`),
    '',
    `DuckDB script (${f1(scriptWall)} s):`,
    '',
    `- decode (CP932 → UTF-8 in two worker threads): ${pct(p.decode, scriptWall)}`,
    `- load (read_csv with the columns' types, wareki macros): ${pct(p.load, scriptWall)}`,
    `- stages (the transforms/*.sql and the split, one after the other): ${pct(p.stages, scriptWall)}`,
    `- sinks (lines made in SQL, COPY TO a file, the header added): ${pct(p.sinks, scriptWall)}`,
  ].join('\n');
}

/** The daily case's table and its targets (issue 11: ≤ 30 s a day at scale 1.0, node ≤ 300 MB). */
export function dailyTable(d: DailyResult): string {
  const day = median(d.daySeconds);
  const state = median(d.stateSeconds);
  const rows = (k: string) => (d.stateRows[k] ?? 0).toLocaleString('en-US');
  return [
    '| scale | state: registry / listed / held rows | the day: changes / list events | one day s | the state alone s | state / day | node peak RSS MB | one day on DuckDB s |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${d.scale} | ${rows('registry')} / ${rows('listed')} / ${rows('held')} | ${d.changes.toLocaleString('en-US')} / ${d.listEvents.toLocaleString('en-US')} | ${f2(day)} | ${f2(state)} | ${f2(state / day)} | ${Math.round(d.nodePeakMb)} | ${f2(median(d.duckDaySeconds))} |`,
    '',
    '| target | status | measured |',
    '| --- | --- | --- |',
    `| one day ≤ 30 s at scale 1.0 | ${d.scale !== 1 ? 'not measured' : day <= 30 ? 'met' : 'NOT MET'} | ${f2(day)} s at scale ${d.scale} |`,
    `| node peak RSS ≤ 300 MB | ${d.nodePeakMb <= 300 ? 'met' : 'NOT MET'} | ${Math.round(d.nodePeakMb)} MB |`,
  ].join('\n');
}

/** BENCHMARKS.md's section on the daily case. */
function dailySection(d: DailyResult, runs: number): string {
  return `
## The daily case (issue 11)

One day of \`daily.yaml\` on the state the engine's setup wrote at scale ${d.scale} (the generator's
first day after the cut-off), median of ${runs} run${runs === 1 ? '' : 's'}. "The state alone" is the
same command selecting only the four state sources: read, checked and verified against the setup's
manifest, nothing written. "On DuckDB" is the same day with \`--database duckdb\`; its seven files
equal the day's on PostgreSQL byte for byte, or the benchmark stops with exit 1. The targets are
issue 11's, for the embedded PostgreSQL.

${dailyTable(d)}
`;
}

/** The targets of issue 5, each met, not met, or not measured by this run's scales. */
export function targets(results: readonly ScaleResult[]): string {
  const at = (scale: number) => results.find((r) => r.scale === scale);
  const full = at(1);
  const ratioRow = full
    ? [ratio(full) <= 1.2 ? 'met' : 'NOT MET', `${f2(ratio(full))} at scale 1.0`]
    : ['not measured', `scale 1.0 not run${results.length ? ` (ratios seen: ${results.map((r) => `${r.scale}: ${f2(ratio(r))}`).join(', ')})` : ''}`];
  const worst = results.reduce((m, r) => Math.max(m, r.nodePeakMb), 0);
  const rssRow = [worst <= 300 ? 'met' : 'NOT MET', `largest ${Math.round(worst)} MB over scales ${results.map((r) => r.scale).join(', ')}`];
  const span = results.filter((r) => r.scale >= 0.1 && r.scale <= 1);
  const base = at(0.1);
  let flatRow: string[];
  if (!base || span.length < 2) {
    flatRow = ['not measured', 'needs scale 0.1 and a larger one'];
  } else {
    const devs = span.map((r) => `${r.scale}: ${f2(perMillion(r))} s (${perMillion(r) >= perMillion(base) ? '+' : ''}${f1((perMillion(r) / perMillion(base) - 1) * 100)} %)`);
    const flat = span.every((r) => Math.abs(perMillion(r) / perMillion(base) - 1) <= 0.2);
    flatRow = [!flat ? 'NOT MET' : full ? 'met' : 'met so far (scale 1.0 not run)', `vs scale 0.1: ${devs.join('; ')}`];
  }
  return [
    '| target | status | measured |',
    '| --- | --- | --- |',
    `| engine / baseline ≤ 1.2 at scale 1.0 | ${ratioRow.join(' | ')} |`,
    `| node peak RSS ≤ 300 MB at every scale | ${rssRow.join(' | ')} |`,
    `| engine s per M history rows within ±20 % of scale 0.1's, up to 1.0 | ${flatRow.join(' | ')} |`,
  ].join('\n');
}

/** Where each contender spends its time at the largest scale run (median runs). */
export function breakdown(r: ScaleResult): string {
  const engineWall = median(r.engineSeconds);
  const baseWall = median(r.baselineSeconds);
  const phases = r.baselinePhases;
  const baseOther = Math.max(0, baseWall - (phases.load + phases.types + phases.stages + phases.sinks));
  const pct = (s: number, wall: number) => `${f1(s)} s (${Math.round((s / wall) * 100)} %)`;
  return [
    `Engine (${f1(engineWall)} s; stage time summed by kind from its progress lines, 0.1 s resolution; two stages run at once, so a share is of the wall time and the shares may add up to more than 100 %):`,
    '',
    ...Object.entries(r.engineStages).map(([k, s]) => `- ${k}: ${pct(s, engineWall)}`),
    '',
    `Baseline (${f1(baseWall)} s):`,
    '',
    `- load (iconv \\| COPY into text tables; the list alongside): ${pct(phases.load, baseWall)}`,
    `- types (text → typed tables in SQL, ANALYZE): ${pct(phases.types, baseWall)}`,
    `- stages (the transforms/*.sql and the split, two chains in parallel): ${pct(phases.stages, baseWall)}`,
    `- sinks (COPY TO STDOUT, two at a time): ${pct(phases.sinks, baseWall)}`,
    `- other (connect, schema drop): ${pct(baseOther, baseWall)}`,
  ].join('\n');
}

export interface ReportInput {
  readonly command: string;
  readonly seed: string;
  readonly runs: number;
  readonly machine: Machine;
  readonly results: readonly ScaleResult[];
  readonly daily?: DailyResult;
}

/** BENCHMARKS.md: rewritten by every run, so it always describes one run. */
export function benchmarksMd(input: ReportInput): string {
  const m = input.machine;
  const largest = input.results[input.results.length - 1];
  return `# Benchmarks

Written by \`${input.command}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC;
the next run rewrites this file. Issue 5 defines the benchmark and its targets; issue 11 the daily case.

## Machine

- CPU: ${m.cores} cores (${m.cpu})
- memory: ${m.memoryGiB.toFixed(1)} GiB
- PostgreSQL: ${m.postgres} (the embedded cluster, one for both contenders)
- Node.js: ${m.node}
- load average (1 min) when the benchmark started / ended: ${m.load[0].toFixed(2)} / ${m.load[1].toFixed(2)} (the second counts the benchmark's own work)${m.load[0] > m.cores / 2 ? `; the machine was not quiet at the start, so the first rounds' seconds may be inflated (the ratios, measured in the same rounds, less so)` : ''}

## Results

Seed \`${input.seed}\`; median of ${input.runs} run${input.runs === 1 ? '' : 's'} per scale (scale 1.0 ≈ 4.5 M persons, ≈ 8 M history rows before the cut-off).

${table(input.results)}

## Targets

${targets(input.results)}

## DuckDB (issue 13)

${duckTable(input.results)}

${duckTargets(input.results)}
${input.runs > 1 ? `\n## Every run\n\nEach contender's seconds in each run, in the order the runs came (the medians above are of these):\n\n${runsTable(input.results)}\n` : ''}${largest ? `\n## Where the time goes (scale ${largest.scale})\n\n${breakdown(largest)}\n\n${duckBreakdown(largest)}\n` : ''}${input.daily ? dailySection(input.daily, input.runs) : ''}
## Method

- **Data**: \`scripts/gen/generate.ts\` at \`round(4.5 M × scale)\` persons, cached in \`.bench-cache/\`
  by seed and scale; both files are read once before timing, so both contenders start from the page cache.
- **Engine**: \`node bin/etl.js run pipeline.yaml --param data_dir=… --param out_dir=… --database URL\`
  as a child process, timed by the wall clock from spawn to exit (Node start-up included). Node peak
  RSS is the kernel's \`ru_maxrss\` as \`/usr/bin/time -v\` reports it.
- **Baseline** (\`scripts/bench/baseline.ts\`): system \`iconv -f CP932 -t UTF-8\` piped into
  \`COPY … FROM STDIN (FORMAT csv, HEADER)\` into text tables, types converted in SQL (valid input
  assumed: no checks), the SQL of \`transforms/*.sql\` as \`CREATE UNLOGGED TABLE … AS\`, the routing
  split as two queries, the nine files (five feeds, four of state) by \`COPY (SELECT … ORDER BY …) TO STDOUT\`; two connections.
  It does not validate, check reconciliation or write a manifest: that is the engine's extra work.
- **Engine on DuckDB**: the same command with \`--database duckdb\` (in memory, DuckDB's
  \`memory_limit\` at its default 1.5GB); node peak RSS includes DuckDB, which runs inside node.
- **DuckDB script** (\`scripts/bench/duckdb-script.ts\`): CP932 decoded in two worker threads,
  \`read_csv\` with the columns' types, the same \`transforms/*.sql\`, each file written by DuckDB as
  lines made in SQL; no checks (valid input assumed), in the benchmark's own process.
- **Same server**: one embedded cluster (\`startEmbedded()\`, with its throwaway settings) per
  benchmark run; the engine and the baseline each work in a schema of their own and drop it.
- **Equality**: every run, the nine files of the baseline, of the engine on DuckDB and of the DuckDB
  script must equal the engine's (on PostgreSQL) byte for byte, or the benchmark stops with exit 1.
- **One contender at a time**: engine on PostgreSQL, baseline, engine on DuckDB, DuckDB script;
  before each, the cluster's \`CHECKPOINT\` and a \`sync\`, so none pays for the writes of the one before.
- **Server RSS**: the sum of VmRSS of the postmaster and its children, sampled every 100 ms during
  each contender's run; shared buffers count once per backend that touched them, so it overstates.
`;
}
