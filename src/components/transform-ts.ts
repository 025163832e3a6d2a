import type { TsTransformStage } from '../config/pipeline.ts';
import { COMMON_KEYS, type Component } from './component.ts';
import { runTsTransform } from './transform-ts-run.ts';

const SQL_TYPE = /^[A-Za-z][A-Za-z0-9_ ()]*$/;

/** Rows of one input passed through a TypeScript function. */
export const tsTransform: Component<TsTransformStage> = {
  kind: 'ts',
  stageKind: 'ts',
  section: 'transforms',
  description: 'a TypeScript module whose default export (row, ctx) => row | row[] | null maps each row of its one input',
  markers: ['ts'],
  keys: {
    ...COMMON_KEYS,
    inputs: { required: true, description: 'exactly one stage id' },
    ts: { required: true, description: 'the module; loaded at run time, no build step' },
    columns: { description: 'output columns as name: SQL type; by default the keys of the rows, typed like the input' },
  },

  compile(id, node, values, ctx) {
    const inputs = ctx.names(values.get('inputs'), `transform "${id}": inputs`).map((x) => x.name);
    const inputsNode = values.get('inputs');
    if (inputsNode && inputs.length !== 1) {
      ctx.problems.add(inputsNode.pos, `transform "${id}": a ts: transform has exactly one input, not ${inputs.length}`);
    }
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
    if (!module || inputs.length !== 1) return undefined;
    return { kind: 'ts', id, pos: node.pos, description: values.get('description')?.text, inputs: [inputs[0]!], module, columns };
  },

  run: runTsTransform,
};
