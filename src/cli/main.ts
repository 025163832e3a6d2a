import path from 'node:path';
import { parseArgs } from 'node:util';
import { redactDbMessage } from '../components/run-sql.ts';
import { compilePipeline } from '../config/compile.ts';
import { DatabaseError } from '../db/driver.ts';
import { databaseKind } from '../db/open-database.ts';
import type { Pipeline } from '../config/pipeline.ts';
import { describeFsError } from '../engine/fs-errors.ts';
import { Logger } from '../engine/logger.ts';
import { interruptedError, runPipeline } from '../engine/run.ts';
import { EtlError, formatDiagnostic } from '../errors.ts';
import { select } from '../graph/select.ts';
import { graphCommand } from './graph-command.ts';
import { findCases, runCase } from './golden.ts';
import { guessFile, renderGuess } from '../guess/guess.ts';
import { HELP, USAGE } from './help.ts';
import { renderPlan } from './plan.ts';
import { reportCommand } from './report-command.ts';

/** Where a command writes; tests pass their own to read what it printed. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** stderr is a terminal: live progress lines are drawn. */
  readonly tty?: boolean;
}

const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  tty: process.stderr.isTTY === true,
};

type Args = ReturnType<typeof parse>;

/**
 * How long a command may take to stop after a signal before it is given up on: the run cancels
 * its work and stops the embedded PostgreSQL at once, so this is only for work that does not
 * stop (a server busy with a long statement); an embedded cluster left running is then stopped
 * and removed by its watchdog when the process exits.
 */
const STOP_GRACE_MS = 10_000;

/**
 * Runs one `etl` command line and returns its exit code; never exits the process itself.
 * `stop` is aborted when a signal asks the process to stop, with the signal's name as its reason
 * (bin/etl.js listens): whatever the command was doing then ends in one line saying so, exit
 * 128 + the signal's number.
 */
export async function main(argv: readonly string[], io: Io = processIo, env: NodeJS.ProcessEnv = process.env, stop?: AbortSignal): Promise<number> {
  if (!stop) return command(argv, io, env);
  // Once given up on, the command still under way must not print after the last line.
  let open = true;
  const guarded: Io = { ...io, out: (t) => open && io.out(t), err: (t) => open && io.err(t) };
  let grace: NodeJS.Timeout | undefined;
  const givenUp = new Promise<number>((resolve) => {
    const onStop = () => {
      grace = setTimeout(() => {
        const code = report(interruptedError(stop.reason), guarded);
        open = false;
        resolve(code);
      }, STOP_GRACE_MS);
    };
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
  });
  try {
    return await Promise.race([command(argv, guarded, env, stop), givenUp]);
  } finally {
    clearTimeout(grace);
  }
}

async function command(argv: readonly string[], io: Io, env: NodeJS.ProcessEnv, stop?: AbortSignal): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(HELP.main);
    return command ? 0 : 2;
  }
  if (!(command in HELP) || command === 'main') {
    io.err(`etl: unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  let args: Args;
  try {
    args = parse(rest);
  } catch (e) {
    io.err(`etl ${command}: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    io.out(HELP[command as keyof typeof HELP]);
    return 0;
  }
  if (args.positionals.length > 1 && command !== 'report') {
    io.err(`etl ${command}: one file at most, got ${args.positionals.length}\n${USAGE}`);
    return 2;
  }
  try {
    if (stop?.aborted) throw interruptedError(stop.reason);
    const code = await dispatch(command, args, io, env, stop);
    // A run whose outputs were renamed into place did its work; any other command changed nothing.
    if (stop && (await signalled(stop)) && command !== 'run') throw interruptedError(stop.reason);
    return code;
  } catch (e) {
    // After a signal, whatever failed failed because of it (a stopped database, tsx's esbuild
    // killed by the terminal's SIGINT while the pipeline's type modules were loading).
    return report(stop && (await signalled(stop)) ? interruptedError(stop.reason) : e, io);
  }
}

/**
 * Whether a signal came, including one that came while the command ran without a pause (the
 * pipeline compiles synchronously): node hears a signal only when its event loop polls. Two
 * setImmediate hops make sure it has polled once more, whatever phase it was in (a timer alone
 * can fire before the poll on a busy machine).
 */
async function signalled(stop: AbortSignal): Promise<boolean> {
  for (let i = 0; i < 2 && !stop.aborted; i++) await new Promise((resolve) => setImmediate(resolve));
  if (!stop.aborted) await new Promise((resolve) => setTimeout(resolve, 5));
  return stop.aborted;
}

async function dispatch(command: string, args: Args, io: Io, env: NodeJS.ProcessEnv, stop?: AbortSignal): Promise<number> {
  const file = args.positionals[0];
  if (command === 'report') return reportCommand(args.positionals, args.values.out, io);
  if (command === 'guess') {
    if (!file) throw new EtlError('invalid', 'etl guess needs a CSV file');
    const guess = guessFile(path.resolve(file));
    io.out(renderGuess(path.resolve(file), guess));
    return 0;
  }
  const databaseUrl = args.values.database ?? env['ETL_DATABASE_URL'] ?? undefined;
  if (databaseUrl !== undefined && databaseUrl !== '' && !/^(postgres(ql)?:\/\/|duckdb$|duckdb:.)/.test(databaseUrl)) {
    throw new EtlError('invalid', `the database must be a postgres:// URL, duckdb or duckdb:FILE (from ${args.values.database ? '--database' : 'ETL_DATABASE_URL'})`);
  }
  if (command === 'test') return testCommand(file ?? 'test/golden', args, io, databaseUrl || undefined, stop);

  const pipeline = compile(command, file ?? 'pipeline.yaml', args);
  if (command === 'validate') {
    // On DuckDB, SQL that its parser refuses is found now, at its file, line and column.
    if (databaseKind(databaseUrl || undefined) === 'duckdb') {
      // DuckDB's native library is loaded only for what needs it.
      const { duckdbSyntaxProblems } = await import('../db/duckdb-dialect.ts');
      const problems = await duckdbSyntaxProblems(pipeline);
      if (problems.length > 0) throw new EtlError('invalid', problems);
    }
    io.out(`${file ?? 'pipeline.yaml'}: valid (${pipeline.stages.size} stages)\n`);
    return 0;
  }
  if (command === 'graph') return graphCommand(pipeline, args.values.format ?? 'dot', args.values.run, io);
  const selection = select(pipeline, args.values.select ?? []);
  if (command === 'plan') {
    io.out(renderPlan(pipeline, selection));
    return 0;
  }
  const verbosity = args.values.quiet ? 'quiet' : args.values.verbose ? 'verbose' : 'normal';
  const log = new Logger({ verbosity, write: io.err, tty: io.tty });
  await runPipeline(pipeline, { databaseUrl: databaseUrl || undefined, log, selection, signal: stop });
  return 0;
}

function compile(command: string, file: string, args: Args): Pipeline {
  const overrides = parseParams(args.values.param ?? []);
  try {
    return compilePipeline(file, { overrides });
  } catch (e) {
    // Outside a run, every problem means "invalid", even a missing data file.
    if (command !== 'run' && e instanceof EtlError && e.code === 'failed') throw new EtlError('invalid', [...e.diagnostics]);
    throw e;
  }
}

async function testCommand(dir: string, args: Args, io: Io, databaseUrl: string | undefined, stop?: AbortSignal): Promise<number> {
  const root = path.resolve(dir);
  const cases = findCases(root);
  if (cases.length === 0) throw new EtlError('invalid', `no golden cases in ${dir} (a case is a folder with a pipeline.yaml)`);
  let passed = 0;
  for (const caseDir of cases) {
    const result = await runCase(caseDir, (argv, caseIo) => command(argv, caseIo, process.env, stop), {
      root: process.cwd(),
      update: args.values.update,
      name: path.relative(root, caseDir) || path.basename(caseDir),
      extraArgs: databaseUrl ? ['--database', databaseUrl] : [],
    });
    io.out(`${result.ok ? 'ok  ' : 'FAIL'}  ${result.name}${args.values.update ? `: ${result.report}` : ''}\n`);
    if (!result.ok) io.out(`${result.report.replace(/\n?$/, '\n')}`);
    if (result.ok) passed++;
  }
  io.out(`${passed} passed, ${cases.length - passed} failed\n`);
  return passed === cases.length ? 0 : 1;
}

function report(e: unknown, io: Io): number {
  // A live progress line may be on the terminal's last line: the message replaces it.
  if (io.tty) io.err('\r\x1b[2K');
  if (e instanceof EtlError) {
    io.err(`${e.diagnostics.map(formatDiagnostic).join('\n')}\n`);
    return e.exitCode;
  }
  const err = e as Error & { code?: string };
  if (isLostConnection(err)) {
    io.err(`etl: lost the connection to the database (${err.code ?? err.message}); no output was changed\n`);
    return 1;
  }
  const fsMessage = describeFsError(err);
  if (fsMessage) {
    io.err(`${fsMessage}\n`);
    return 1;
  }
  // Connection and server failures are not bugs of ours: say what happened, without a stack.
  if (err instanceof DatabaseError || (err && typeof err.code === 'string' && /^(E[A-Z]+|[0-9A-Z]{5})$/.test(err.code))) {
    io.err(`etl: database error: ${redactDbMessage(err.message)} (${err.code})\n`);
    return 1;
  }
  io.err(`etl: unexpected error (a bug; please report it):\n${err?.stack ?? String(e)}\n`);
  return 1;
}

/** The server went away: terminated backend, shutdown, or a dropped socket. */
function isLostConnection(err: Error & { code?: string }): boolean {
  if (err instanceof DatabaseError) return err.kind === 'lost';
  if (typeof err?.code === 'string' && /^(57P0[123]|08\w{3}|ECONNRESET|ECONNREFUSED|EPIPE)$/.test(err.code)) return true;
  return typeof err?.message === 'string' && /Connection terminated|connection is closed|Client has encountered a connection error/i.test(err.message);
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      param: { type: 'string', multiple: true, short: 'p' },
      select: { type: 'string', multiple: true, short: 's' },
      database: { type: 'string' },
      format: { type: 'string' },
      run: { type: 'string' },
      out: { type: 'string', short: 'o' },
      update: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function parseParams(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new EtlError('invalid', `--param takes name=value, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
