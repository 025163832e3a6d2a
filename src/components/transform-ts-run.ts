import { pathToFileURL } from 'node:url';
import type { TsTransformStage } from '../config/pipeline.ts';
import type { RowBatch } from '../db/driver.ts';
import type { RunContext } from '../engine/run-context.ts';
import { EtlError } from '../errors.ts';
import type { StageReport } from './component.ts';
import { assertColumnsExist, assertOrderIdentifies, keyColumns } from './order-key.ts';

/** A row as a ts: transform sees it: plain values only, never a JS Date, so no time zone can shift anything. */
export type { Row } from '../db/driver.ts';
import type { Row } from '../db/driver.ts';

/** What the function gets beside each row. */
export interface TransformContext {
  readonly params: Readonly<Record<string, string>>;
  readonly stage: string;
  /** The rows of each side input (every input after the first), by stage id, read whole before the first row. */
  readonly inputs: Readonly<Record<string, readonly Row[]>>;
  /** What the module's `init(ctx)` returned, or `{}`: state a function carries from row to row (give order_by then). */
  state: Record<string, unknown>;
}
/** Values handed to the driver per batch (about 2,000 rows of the flagship's day). */
const BATCH_VALUES = 40_000;

export type RowFunction = (row: Row, ctx: TransformContext) => Row | Row[] | null | undefined;

/**
 * Streams the first input's rows out of the database (in `order_by` order when given), calls the
 * module's default export on each row, and streams what it returns into the stage's table. Side
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
    inputs[side] = [];
    for await (const rows of rt.driver.readRows(side)) inputs[side].push(...rows);
  }
  const ctx: TransformContext = { params: rt.pipeline.params, stage: stage.id, inputs, state: {} };
  if (init) {
    try {
      ctx.state = ((await init(ctx)) ?? {}) as Record<string, unknown>;
    } catch (e) {
      throw fail(`init threw: ${(e as Error)?.message ?? String(e)}`);
    }
  }
  let order = keyColumns(inputCols, []);
  if (stage.orderBy) {
    const what = `transform "${stage.id}"`;
    assertColumnsExist(what, 'order_by', stage.orderBy, input, inputCols, stage.pos);
    order = keyColumns(inputCols, stage.orderBy);
    await assertOrderIdentifies(rt, what, input, order, stage.pos);
  }
  let inputRows = 0;

  async function* produce(): AsyncGenerator<RowBatch> {
    let batch: (string | null)[] = [];
    for await (const rows of rt.driver.readRows(input, order)) {
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
          pushValues(batch, out, columns, fail);
        }
        if (batch.length >= BATCH_VALUES) {
          yield { values: batch, plain: false };
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield { values: batch, plain: false };
  }

  const gen = produce();
  const first = await gen.next();
  columns ??= inputCols.map((c) => ({ name: c.name, sqlType: c.sqlType }));
  await rt.driver.createTable(stage.id, columns);
  if (first.done) return { rows: 0, counts: { input: inputRows } };
  async function* all(): AsyncGenerator<RowBatch> {
    yield first.value as RowBatch;
    yield* gen;
  }
  const rows = await rt.driver.load(stage.id, columns.map((c) => c.name), all());
  return { rows, counts: { input: inputRows } };
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

/** Appends a returned row's values, in the output columns' order, to a batch for the driver's load. */
function pushValues(batch: (string | null)[], row: Row, columns: readonly { name: string }[], fail: (m: string) => Error): void {
  for (const key of Object.keys(row)) {
    if (!columns.some((c) => c.name === key)) throw fail(`a returned row has key "${key}", which is not among the output columns (${columns.map((c) => c.name).join(', ')})`);
  }
  for (const c of columns) {
    const v = row[c.name] as unknown;
    if (v === null || v === undefined) batch.push(null);
    else if (typeof v === 'string') batch.push(v);
    else if (typeof v === 'boolean') batch.push(v ? 'true' : 'false');
    else if (typeof v === 'number' && Number.isFinite(v)) batch.push(String(v));
    else if (typeof v === 'bigint') batch.push(String(v));
    else if (v instanceof Date) throw fail(`column "${c.name}": return dates as "YYYY-MM-DD" text, not a Date (a Date would shift with the time zone)`);
    else throw fail(`column "${c.name}": cannot store a value of type ${typeof v}`);
  }
}
