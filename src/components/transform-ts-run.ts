import { PassThrough, Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { TsTransformStage } from '../config/pipeline.ts';
import { ident, type RunContext, type TableColumn } from '../engine/run-context.ts';
import { EtlError } from '../errors.ts';
import type { StageReport } from './component.ts';
import { escapeCopyText, parseCopyLine } from './copy-text.ts';
import { assertColumnsExist, assertOrderIdentifies, orderTerms } from './order-key.ts';

/** A row as a ts: transform sees it: plain values only, never a JS Date, so no time zone can shift anything. */
export type Row = Record<string, string | number | boolean | null>;

/** What the function gets beside each row. */
export interface TransformContext {
  readonly params: Readonly<Record<string, string>>;
  readonly stage: string;
  /** The rows of each side input (every input after the first), by stage id, read whole before the first row. */
  readonly inputs: Readonly<Record<string, readonly Row[]>>;
  /** What the module's `init(ctx)` returned, or `{}`: state a function carries from row to row (give order_by then). */
  state: Record<string, unknown>;
}
export type RowFunction = (row: Row, ctx: TransformContext) => Row | Row[] | null | undefined;

/**
 * Streams the first input out with COPY (in `order_by` order when given), calls the module's
 * default export on each row, and streams what it returns into the stage's table with COPY. Side
 * inputs are read whole first; an `init(ctx)` export, when there is one, makes the state the
 * function carries from row to row. Output columns are declared, or taken from the first returned
 * row's keys (typed like the input column of the same name, else text).
 */
export async function runTsTransform(stage: TsTransformStage, rt: RunContext): Promise<StageReport> {
  const { fn, init } = await loadModule(stage);
  const [input, ...sideInputs] = stage.inputs;
  const inputCols = await rt.columnsOf(input);
  const fail = (message: string) => new EtlError('failed', [{ pos: stage.pos, message: `transform "${stage.id}": ${message}` }]);
  let columns: { name: string; sqlType: string }[] | undefined = stage.columns ? [...stage.columns] : undefined;
  const inputs: Record<string, Row[]> = {};
  for (const side of sideInputs) {
    const cols = await rt.columnsOf(side);
    inputs[side] = [];
    for await (const rows of copyRows(rt, `COPY (SELECT * FROM ${ident(side)}) TO STDOUT`, cols)) inputs[side].push(...rows);
  }
  const ctx: TransformContext = { params: rt.pipeline.params, stage: stage.id, inputs, state: {} };
  if (init) {
    try {
      ctx.state = ((await init(ctx)) ?? {}) as Record<string, unknown>;
    } catch (e) {
      throw fail(`init threw: ${(e as Error)?.message ?? String(e)}`);
    }
  }
  let order = '';
  if (stage.orderBy) {
    const what = `transform "${stage.id}"`;
    assertColumnsExist(what, 'order_by', stage.orderBy, input, inputCols, stage.pos);
    await assertOrderIdentifies(rt, what, input, stage.orderBy, stage.pos);
    order = ` ORDER BY ${orderTerms(input, inputCols, stage.orderBy)}`;
  }
  let inputRows = 0;

  async function* produce(): AsyncGenerator<string> {
    let batch: string[] = [];
    for await (const rows of copyRows(rt, `COPY (SELECT * FROM ${ident(input)}${order}) TO STDOUT`, inputCols)) {
      for (const row of rows) {
        inputRows++;
        let result: ReturnType<RowFunction>;
        try {
          result = fn(row, ctx);
        } catch (e) {
          throw fail(`the function threw on input row ${inputRows}: ${(e as Error)?.message ?? String(e)}`);
        }
        if (result === null || result === undefined) continue;
        for (const out of Array.isArray(result) ? result : [result]) {
          if (typeof out !== 'object' || out === null) throw fail(`the function returned ${typeof out}, not a row object`);
          columns ??= Object.keys(out).map((name) => ({ name, sqlType: inputCols.find((c) => c.name === name)?.sqlType ?? 'text' }));
          batch.push(toCopyLine(out, columns, fail));
        }
        if (batch.length >= 2000) {
          yield `${batch.join('\n')}\n`;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield `${batch.join('\n')}\n`;
  }

  const gen = produce();
  const first = await gen.next();
  columns ??= inputCols.map((c) => ({ name: c.name, sqlType: c.sqlType }));
  await rt.driver.query(`CREATE UNLOGGED TABLE ${ident(stage.id)} (${columns.map((c) => `${ident(c.name)} ${c.sqlType}`).join(', ')})`);
  if (first.done) return { rows: 0, counts: { input: inputRows } };
  async function* all(): AsyncGenerator<string> {
    yield first.value as string;
    yield* gen;
  }
  const rows = await rt.driver.copyIn(`COPY ${ident(stage.id)} FROM STDIN`, Readable.from(all(), { objectMode: false }));
  return { rows, counts: { input: inputRows } };
}

/** The rows of a `COPY … TO STDOUT` (text format), in batches as they arrive. */
async function* copyRows(rt: RunContext, sql: string, cols: readonly TableColumn[]): AsyncGenerator<Row[]> {
  const raw = new PassThrough();
  const reading = rt.driver.copyOut(sql, raw);
  let finished = false;
  try {
    let rest = '';
    for await (const chunk of raw as AsyncIterable<Buffer>) {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop()!;
      yield lines.map((line) => toRow(line, cols));
    }
    finished = true;
  } finally {
    // A reader that stopped early (the function threw) leaves the COPY to fail on its own: not an error of its own.
    if (!finished) {
      reading.catch(() => undefined);
      raw.destroy();
    }
  }
  await reading;
}

async function loadModule(stage: TsTransformStage): Promise<{ fn: RowFunction; init?: (ctx: TransformContext) => unknown }> {
  const { tsImport } = await import('tsx/esm/api');
  let mod: { default?: unknown; init?: unknown };
  try {
    mod = await tsImport(pathToFileURL(stage.module).href, import.meta.url);
  } catch (e) {
    throw new EtlError('failed', [{ pos: stage.pos, message: `transform "${stage.id}": cannot load ${stage.module}: ${(e as Error).message.split('\n')[0]}` }]);
  }
  // tsx may wrap a CommonJS-style module once more.
  if (typeof mod.default !== 'function' && mod.default && typeof (mod.default as { default?: unknown }).default === 'function') mod = mod.default as typeof mod;
  const fn = mod.default;
  if (typeof fn !== 'function') {
    throw new EtlError('invalid', [{ pos: stage.pos, message: `transform "${stage.id}": ${stage.module} has no default export function (row, ctx) => row | row[] | null` }]);
  }
  if (mod.init !== undefined && typeof mod.init !== 'function') {
    throw new EtlError('invalid', [{ pos: stage.pos, message: `transform "${stage.id}": ${stage.module} exports init, but not as a function (ctx) => state` }]);
  }
  return { fn: fn as RowFunction, init: mod.init as ((ctx: TransformContext) => Record<string, unknown>) | undefined };
}

function toRow(line: string, cols: readonly TableColumn[]): Row {
  const values = parseCopyLine(line);
  const row: Row = {};
  for (let i = 0; i < cols.length; i++) {
    const v = values[i] ?? null;
    const c = cols[i]!;
    if (v === null) row[c.name] = null;
    else if (c.category === 'B') row[c.name] = v === 't';
    else if (c.category === 'N' && /^(integer|smallint|real|double precision)$/.test(c.sqlType)) row[c.name] = Number(v);
    else row[c.name] = v;
  }
  return row;
}

function toCopyLine(row: Row, columns: readonly { name: string }[], fail: (m: string) => Error): string {
  for (const key of Object.keys(row)) {
    if (!columns.some((c) => c.name === key)) throw fail(`a returned row has key "${key}", which is not among the output columns (${columns.map((c) => c.name).join(', ')})`);
  }
  return columns
    .map((c) => {
      const v = row[c.name] as unknown;
      if (v === null || v === undefined) return '\\N';
      if (typeof v === 'string') return escapeCopyText(v);
      if (typeof v === 'boolean') return v ? 'true' : 'false';
      if (typeof v === 'number' && Number.isFinite(v)) return String(v);
      if (typeof v === 'bigint') return String(v);
      if (v instanceof Date) throw fail(`column "${c.name}": return dates as "YYYY-MM-DD" text, not a Date (a Date would shift with the time zone)`);
      throw fail(`column "${c.name}": cannot store a value of type ${typeof v}`);
    })
    .join('\t');
}
