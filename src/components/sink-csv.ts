import type { CompileContext } from '../config/compile-context.ts';
import type { SinkStage } from '../config/pipeline.ts';
import { hint } from '../config/suggest.ts';
import type { YamlNode } from '../config/yaml-node.ts';
import { COMMON_KEYS, type Component } from './component.ts';
import { countBy } from './count-by.ts';
import { assertColumnsExist, assertOrderIdentifies, keyColumns } from './order-key.ts';

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
    report: { description: '{ count_by: [column…] }: rows counted by each value of these columns (codes only) in the manifest and the report' },
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
    const countBy = compileReport(id, values.get('report'), ctx);
    if (!from || !file || !orderNode) return undefined;
    return { kind: 'sink', id, pos: node.pos, description: values.get('description')?.text, from, file, orderBy, orderByPos: orderNode.pos, after, columns, ...(countBy ? { countBy } : {}) };
  },

  async run(stage, rt) {
    const columns = await rt.columnsOf(stage.from);
    const what = `sink "${stage.id}"`;
    assertColumnsExist(what, 'order_by', stage.orderBy, stage.from, columns, stage.orderByPos);
    assertColumnsExist(what, 'columns', stage.columns ?? [], stage.from, columns, stage.orderByPos);
    assertColumnsExist(what, 'report: count_by', stage.countBy ?? [], stage.from, columns, stage.orderByPos);
    const written = stage.columns ? stage.columns.map((name) => columns.find((c) => c.name === name)!) : columns;
    const keys = keyColumns(columns, stage.orderBy);
    await assertOrderIdentifies(rt, what, stage.from, keys, stage.orderByPos);
    const out = rt.outputs.open(stage.file);
    const rows = await rt.driver.writeCsv(stage.from, written, keys, out);
    const counted = stage.countBy ? { countsBy: await countBy(rt, stage.from, stage.countBy, columns) } : {};
    // The manifest says what the rows are sorted by when the file holds those columns: a later run
    // that verifies the file may then take its key as proven unique (source-csv-verified.ts).
    const sorted = stage.orderBy.every((k) => written.some((c) => c.name === k)) ? { orderBy: stage.orderBy } : {};
    return { rows, files: [{ role: 'output', stage: stage.id, path: stage.file, rows, ...sorted }], ...counted };
  },
};

/** `report: { count_by: [column…] }`. */
function compileReport(id: string, node: YamlNode | undefined, ctx: CompileContext): string[] | undefined {
  if (!node) return undefined;
  const entries = node.isMap ? node.entries() : [];
  if (!node.isMap || entries.length === 0) {
    ctx.problems.add(node.pos, `sink "${id}": report must be a mapping, e.g. { count_by: [reason] }`);
    return undefined;
  }
  let countBy: string[] | undefined;
  for (const e of entries) {
    if (e.key === 'count_by') countBy = ctx.names(e.value, `sink "${id}": report: count_by`).map((x) => x.name);
    else ctx.problems.add(e.keyPos, `sink "${id}": report: unknown key "${e.key}"${hint(e.key, ['count_by'], 'keys')}`);
  }
  return countBy;
}
