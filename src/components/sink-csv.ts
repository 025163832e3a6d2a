import type { SinkStage } from '../config/pipeline.ts';
import { ident, type RunContext, type TableColumn } from '../engine/run-context.ts';
import { EtlError } from '../errors.ts';
import { COMMON_KEYS, type Component } from './component.ts';

/** A stage's table written as a CSV file. */
export const csvSink: Component<SinkStage> = {
  kind: 'csv',
  stageKind: 'sink',
  section: 'sinks',
  description: 'writes a stage as CSV: UTF-8, LF, a header, quoting only where needed, rows sorted by order_by',
  markers: ['from'],
  keys: {
    ...COMMON_KEYS,
    from: { required: true, description: 'the stage to write' },
    file: { required: true, description: 'the output file; relative paths resolve from the pipeline file' },
    order_by: { required: true, description: 'columns that sort the rows and identify each one (a tie fails the run)' },
    after: { description: 'sinks written before this one (ordering only)' },
    columns: { description: 'the columns to write, in order (default: all of the stage\'s columns)' },
  },

  compile(id, node, values, ctx) {
    const from = ctx.text(values.get('from'), `sink "${id}": from`);
    const file = ctx.path(values.get('file'), `sink "${id}": file`);
    const orderNode = values.get('order_by');
    const orderBy = ctx.names(orderNode, `sink "${id}": order_by`).map((x) => x.name);
    if (orderNode && orderBy.length === 0) ctx.problems.add(orderNode.pos, `sink "${id}": order_by must name at least one column`);
    const afterNode = values.get('after');
    const after = afterNode ? ctx.names(afterNode, `sink "${id}": after`).map((x) => x.name) : [];
    const columnsNode = values.get('columns');
    const columns = columnsNode ? ctx.names(columnsNode, `sink "${id}": columns`).map((x) => x.name) : undefined;
    if (!from || !file || !orderNode) return undefined;
    return { kind: 'sink', id, pos: node.pos, description: values.get('description')?.text, from, file, orderBy, orderByPos: orderNode.pos, after, columns };
  },

  async run(stage, rt) {
    const columns = await rt.columnsOf(stage.from);
    const unknown = (names: readonly string[]) => names.filter((name) => !columns.some((c) => c.name === name));
    for (const [key, names] of [['order_by', stage.orderBy], ['columns', stage.columns ?? []]] as const) {
      const missing = unknown(names);
      if (missing.length > 0) {
        throw new EtlError('invalid', [{ pos: stage.orderByPos, message: `sink "${stage.id}": ${key} names ${missing.map((m) => `"${m}"`).join(', ')}, not a column of "${stage.from}" (columns: ${columns.map((c) => c.name).join(', ')})` }]);
      }
    }
    const written = stage.columns ? stage.columns.map((name) => columns.find((c) => c.name === name)!) : columns;
    const table = ident(stage.from);
    const keys = stage.orderBy.map(ident).join(', ');
    const tied = (await mayTie(table, stage.orderBy, rt))
      ? Number((await rt.driver.query(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table} GROUP BY ${keys} HAVING count(*) > 1) t`)).rows[0]!['n'])
      : 0;
    if (tied > 0) {
      throw new EtlError('failed', [{ pos: stage.orderByPos, message: `sink "${stage.id}": order_by (${stage.orderBy.join(', ')}) does not identify each row of "${stage.from}": ${tied} key value${tied === 1 ? ' is' : 's are'} shared by several rows, so their order would depend on the database` }]);
    }
    const order = stage.orderBy.map((name) => `${sortKey(table, columns.find((c) => c.name === name)!)} ASC NULLS LAST`).join(', ');
    const select = written.map((c) => `${outputValue(c)} AS ${ident(c.name)}`).join(', ');
    const out = rt.outputs.open(stage.file);
    const rows = await rt.driver.copyOut(`COPY (SELECT ${select} FROM ${table} ORDER BY ${order}) TO STDOUT (FORMAT csv, HEADER)`, out);
    return { rows, files: [{ role: 'output', stage: stage.id, path: stage.file, rows }] };
  },
};

/**
 * False when the sort key certainly identifies each row. For a key of one column the rows beyond
 * its distinct values are counted by a sort of that column alone, several times faster than
 * grouping (NULLs, which count(DISTINCT) leaves out, tie with each other as in GROUP BY); a key
 * of several columns is left to the grouping query.
 */
async function mayTie(table: string, orderBy: readonly string[], rt: RunContext): Promise<boolean> {
  if (orderBy.length !== 1) return true;
  const k = ident(orderBy[0]!);
  const r = await rt.driver.query(`SELECT count(${k}) - count(DISTINCT ${k}) + GREATEST(count(*) - count(${k}) - 1, 0) AS surplus FROM ${table}`);
  return Number(r.rows[0]!['surplus']) > 0;
}

/**
 * Text sorts by code point (the "C" collation) whatever the database's default. Qualified by the
 * table, so the key is the stored value and never the formatted output column of the same name.
 */
function sortKey(table: string, c: TableColumn): string {
  const col = `${table}.${ident(c.name)}`;
  return c.category === 'S' ? `${col} COLLATE "C"` : col;
}

/**
 * The SPEC's output form of a value: booleans as true/false, and an empty text as an
 * empty field (COPY would write `""` to tell it from NULL; the format has no such distinction).
 * Dates and timestamps already print as ISO under the session's DateStyle.
 */
function outputValue(c: TableColumn): string {
  const col = ident(c.name);
  if (c.category === 'B') return `CASE WHEN ${col} THEN 'true' WHEN NOT ${col} THEN 'false' END`;
  if (c.category === 'S') return `NULLIF(${col}, '')`;
  return col;
}
