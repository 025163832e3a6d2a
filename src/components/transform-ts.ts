import type { TsTransformStage } from '../config/pipeline.ts';
import { COMMON_KEYS, type Component } from './component.ts';
import { runTsTransform } from './transform-ts-run.ts';

const SQL_TYPE = /^[A-Za-z][A-Za-z0-9_ ()]*$/;

/** Rows of one input passed through a TypeScript function. */
export const tsTransform: Component<TsTransformStage> = {
  kind: 'ts',
  stageKind: 'ts',
  section: 'transforms',
  description: 'a TypeScript module whose default export (row, ctx) => row | row[] | null maps each row of its first input; further inputs are side inputs (ctx.inputs)',
  markers: ['ts'],
  keys: {
    ...COMMON_KEYS,
    inputs: { required: true, description: 'the stage whose rows the function maps, then any side inputs (read whole, given as ctx.inputs.<id>)' },
    ts: { required: true, description: 'the module; loaded at run time, no build step' },
    order_by: { description: 'columns of the first input that give its rows\' order (they must identify each row); unspecified when absent' },
    columns: { description: 'output columns as name: SQL type; by default the keys of the rows, typed like the input' },
  },

  compile(id, node, values, ctx) {
    const inputs = ctx.names(values.get('inputs'), `transform "${id}": inputs`).map((x) => x.name);
    const inputsNode = values.get('inputs');
    if (inputsNode && inputs.length === 0) ctx.problems.add(inputsNode.pos, `transform "${id}": a ts: transform needs an input`);
    for (const twice of inputs.filter((name, i) => inputs.indexOf(name) !== i)) ctx.problems.add(inputsNode!.pos, `transform "${id}": input "${twice}" is given twice`);
    const orderNode = values.get('order_by');
    const orderBy = orderNode ? ctx.names(orderNode, `transform "${id}": order_by`).map((x) => x.name) : undefined;
    if (orderNode && orderBy!.length === 0) ctx.problems.add(orderNode.pos, `transform "${id}": order_by must name at least one column`);
    const module = ctx.existingFile(values.get('ts'), `transform "${id}": ts`);
    let columns: { name: string; sqlType: string }[] | undefined;
    const colNode = values.get('columns');
    if (colNode) {
      columns = [];
      if (!colNode.isMap) ctx.problems.add(colNode.pos, `transform "${id}": columns must be a mapping of column name to SQL type`);
      for (const { key, value } of colNode.entries()) {
        const t = value.text;
        if (!t || !SQL_TYPE.test(t)) ctx.problems.add(value.pos, `transform "${id}": column "${key}" needs a SQL type`);
        else columns.push({ name: key, sqlType: t });
      }
    }
    if (!module || inputs.length === 0) return undefined;
    return { kind: 'ts', id, pos: node.pos, description: values.get('description')?.text, inputs: [inputs[0]!, ...inputs.slice(1)], orderBy, module, columns };
  },

  run: runTsTransform,
};
