import { PassThrough, Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { TsTransformStage } from '../config/pipeline.ts';
import { ident, type RunContext, type TableColumn } from '../engine/run-context.ts';
import { EtlError } from '../errors.ts';
import type { StageReport } from './component.ts';
import { escapeCopyText, parseCopyLine } from './copy-text.ts';

/** A row as a ts: transform sees it: plain values only, never a JS Date, so no time zone can shift anything. */
export type Row = Record<string, string | number | boolean | null>;
export type RowFunction = (row: Row, ctx: { params: Readonly<Record<string, string>>; stage: string }) => Row | Row[] | null | undefined;

/**
 * Streams the input table out with COPY, calls the module's default export on each row, and
 * streams what it returns into the stage's table with COPY. Output columns are declared, or
 * taken from the first returned row's keys (typed like the input column of the same name, else text).
 */
export async function runTsTransform(stage: TsTransformStage, rt: RunContext): Promise<StageReport> {
  const fn = await loadFunction(stage);
  const input = stage.inputs[0];
  const inputCols = await rt.columnsOf(input);
  const fail = (message: string) => new EtlError('failed', [{ pos: stage.pos, message: `transform "${stage.id}": ${message}` }]);
  let columns: { name: string; sqlType: string }[] | undefined = stage.columns ? [...stage.columns] : undefined;
  const ctx = { params: rt.pipeline.params, stage: stage.id };
  let inputRows = 0;

  async function* produce(): AsyncGenerator<string> {
    const raw = new PassThrough();
    const reading = rt.driver.copyOut(`COPY (SELECT * FROM ${ident(input)}) TO STDOUT`, raw);
    let rest = '';
    let batch: string[] = [];
    for await (const chunk of raw as AsyncIterable<Buffer>) {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        inputRows++;
        let result: ReturnType<RowFunction>;
        try {
          result = fn(toRow(line, inputCols), ctx);
        } catch (e) {
          throw fail(`the function threw on input row ${inputRows}: ${(e as Error)?.message ?? String(e)}`);
        }
        if (result === null || result === undefined) continue;
        for (const row of Array.isArray(result) ? result : [result]) {
          if (typeof row !== 'object' || row === null) throw fail(`the function returned ${typeof row}, not a row object`);
          columns ??= Object.keys(row).map((name) => ({ name, sqlType: inputCols.find((c) => c.name === name)?.sqlType ?? 'text' }));
          batch.push(toCopyLine(row, columns, fail));
        }
        if (batch.length >= 2000) {
          yield `${batch.join('\n')}\n`;
          batch = [];
        }
      }
    }
    await reading;
    if (batch.length > 0) yield `${batch.join('\n')}\n`;
  }

  const gen = produce();
  const first = await gen.next();
  columns ??= inputCols.map((c) => ({ name: c.name, sqlType: c.sqlType }));
  await rt.driver.query(`CREATE UNLOGGED TABLE ${ident(stage.id)} (${columns.map((c) => `${ident(c.name)} ${c.sqlType}`).join(', ')})`);
  if (first.done) return { rows: 0 };
  async function* all(): AsyncGenerator<string> {
    yield first.value as string;
    yield* gen;
  }
  const rows = await rt.driver.copyIn(`COPY ${ident(stage.id)} FROM STDIN`, Readable.from(all(), { objectMode: false }));
  return { rows, counts: { input: inputRows } };
}

async function loadFunction(stage: TsTransformStage): Promise<RowFunction> {
  const { tsImport } = await import('tsx/esm/api');
  let mod: { default?: unknown };
  try {
    mod = await tsImport(pathToFileURL(stage.module).href, import.meta.url);
  } catch (e) {
    throw new EtlError('failed', [{ pos: stage.pos, message: `transform "${stage.id}": cannot load ${stage.module}: ${(e as Error).message.split('\n')[0]}` }]);
  }
  // tsx may wrap a CommonJS-style module once more.
  let fn = mod.default;
  if (typeof fn !== 'function' && fn && typeof (fn as { default?: unknown }).default === 'function') fn = (fn as { default: unknown }).default;
  if (typeof fn !== 'function') {
    throw new EtlError('invalid', [{ pos: stage.pos, message: `transform "${stage.id}": ${stage.module} has no default export function (row, ctx) => row | row[] | null` }]);
  }
  return fn as RowFunction;
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
