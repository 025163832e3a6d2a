import { parseArgs } from 'node:util';
import { compilePipeline } from '../config/compile.ts';
import { redactDbMessage } from '../components/run-sql.ts';
import { runPipeline } from '../engine/run.ts';
import { Logger } from '../engine/logger.ts';
import { EtlError, formatDiagnostic } from '../errors.ts';
import { renderGraph, type GraphFormat } from '../graph/render.ts';
import { HELP, USAGE } from './help.ts';

/** Where a command writes; tests pass their own to read what it printed. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Runs one `etl` command line and returns its exit code; never exits the process itself. */
export async function main(argv: readonly string[], io: Io = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(HELP.main);
    return command ? 0 : 2;
  }
  if (!(command in HELP) || command === 'main') {
    io.err(`etl: unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  let args: ReturnType<typeof parse>;
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
  if (args.positionals.length > 1) {
    io.err(`etl ${command}: one pipeline file at most, got ${args.positionals.length}\n${USAGE}`);
    return 2;
  }
  const file = args.positionals[0] ?? 'pipeline.yaml';
  try {
    const overrides = parseParams(args.values.param ?? []);
    let pipeline;
    try {
      pipeline = compilePipeline(file, { overrides });
    } catch (e) {
      // For validate, every problem means "invalid", even a missing data file.
      if (command === 'validate' && e instanceof EtlError && e.code === 'failed') throw new EtlError('invalid', [...e.diagnostics]);
      throw e;
    }
    if (command === 'validate') {
      io.out(`${file}: valid (${pipeline.stages.size} stages)\n`);
      return 0;
    }
    if (command === 'graph') {
      const format = (args.values.format ?? 'dot') as GraphFormat;
      if (format !== 'dot' && format !== 'mermaid') throw new EtlError('invalid', `--format must be dot or mermaid, not "${format}"`);
      io.out(renderGraph(pipeline, format));
      return 0;
    }
    const databaseUrl = args.values.database ?? env['ETL_DATABASE_URL'] ?? undefined;
    if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
      throw new EtlError('invalid', `the database must be a postgres:// URL (from ${args.values.database ? '--database' : 'ETL_DATABASE_URL'})`);
    }
    await runPipeline(pipeline, { databaseUrl: databaseUrl || undefined, log: new Logger({ quiet: args.values.quiet, write: (l) => io.err(`${l}\n`) }) });
    return 0;
  } catch (e) {
    if (e instanceof EtlError) {
      io.err(`${e.diagnostics.map(formatDiagnostic).join('\n')}\n`);
      return e.exitCode;
    }
    const err = e as Error & { code?: string };
    if (isLostConnection(err)) {
      io.err(`etl: lost the connection to the database (${err.code ?? err.message}); no output was changed\n`);
      return 1;
    }
    // Connection and server failures are not bugs of ours: say what happened, without a stack.
    if (err && typeof err.code === 'string' && /^(E[A-Z]+|[0-9A-Z]{5})$/.test(err.code)) {
      io.err(`etl: database error: ${redactDbMessage(err.message, err.code)} (${err.code})\n`);
      return 1;
    }
    io.err(`etl: unexpected error (a bug; please report it):\n${err?.stack ?? String(e)}\n`);
    return 1;
  }
}

/** The server went away: terminated backend, shutdown, or a dropped socket. */
function isLostConnection(err: Error & { code?: string }): boolean {
  if (typeof err?.code === 'string' && /^(57P0[123]|08\w{3}|ECONNRESET|ECONNREFUSED|EPIPE)$/.test(err.code)) return true;
  return typeof err?.message === 'string' && /Connection terminated|connection is closed|Client has encountered a connection error/i.test(err.message);
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      param: { type: 'string', multiple: true, short: 'p' },
      database: { type: 'string' },
      format: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
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
