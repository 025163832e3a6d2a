import type { Route, SplitStage } from '../config/pipeline.ts';
import { bindSql } from '../config/sql-params.ts';
import { ident } from '../engine/run-context.ts';
import { EtlError } from '../errors.ts';
import { COMMON_KEYS, type Component } from './component.ts';
import { sqlError } from './run-sql.ts';
import { hint } from '../config/suggest.ts';

const ROUTE_ID = /^[a-z_][a-z0-9_]{0,62}$/;
const ROUTE_COLUMN = 'etl_route';

/**
 * Rows of the first input routed into one table per route: the first route whose SQL condition
 * holds takes the row, the `else` route takes the rest. The engine proves the partition: the
 * routes' rows add up to the input's, and no row is left without a route.
 */
export const splitTransform: Component<SplitStage> = {
  kind: 'split',
  stageKind: 'split',
  section: 'transforms',
  description: 'routes each row of its first input to exactly one of several tables, by SQL conditions (first match wins) and an else route',
  markers: ['routes'],
  keys: {
    ...COMMON_KEYS,
    inputs: { required: true, description: 'the stage whose rows are routed, then any stage the conditions read' },
    routes: { required: true, description: 'route name: SQL condition over the row, or `else`; each route becomes a table' },
  },

  compile(id, node, values, ctx) {
    const inputs = ctx.names(values.get('inputs'), `split "${id}": inputs`).map((x) => x.name);
    const routesNode = values.get('routes');
    if (!routesNode) return undefined;
    if (!routesNode.isMap || routesNode.entries().length === 0) {
      ctx.problems.add(routesNode.pos, `split "${id}": routes must map route names to SQL conditions or else`);
      return undefined;
    }
    const routes: Route[] = [];
    for (const { key, keyPos, value } of routesNode.entries()) {
      if (!ROUTE_ID.test(key)) ctx.problems.add(keyPos, `split "${id}": route "${key}": a route name is lower-case letters, digits and _ (it names a table)`);
      const text = ctx.text(value, `split "${id}": route "${key}"`);
      if (text === undefined) continue;
      if (text.trim() === 'else') {
        if (routes.some((r) => r.condition === undefined)) ctx.problems.add(value.pos, `split "${id}": only one route may be else`);
        routes.push({ name: key });
      } else routes.push({ name: key, condition: text });
    }
    const elseAt = routes.findIndex((r) => r.condition === undefined);
    if (elseAt >= 0 && elseAt !== routes.length - 1) ctx.problems.add(routesNode.pos, `split "${id}": the else route must come last`);
    const cases = routes.filter((r) => r.condition !== undefined).map((r) => `WHEN (${r.condition}) THEN '${r.name}'`);
    const elseRoute = routes.find((r) => r.condition === undefined);
    const body = `SELECT t.*, CASE ${cases.join(' ')} ${elseRoute ? `ELSE '${elseRoute.name}' ` : ''}END AS ${ROUTE_COLUMN} FROM ${ident(inputs[0] ?? '')} t`;
    const pos = routesNode.pos;
    const { bound, refs } = bindSql(body, { file: pos.file, line: pos.line ?? 1, col: pos.col ?? 1 });
    for (const ref of refs) {
      if (ctx.params[ref.name] === undefined) ctx.problems.add(pos, `split "${id}": unknown parameter ":${ref.name}"${hint(ref.name, Object.keys(ctx.params).sort(), 'parameters')}`);
    }
    if (inputs.length === 0) return undefined;
    return { kind: 'split', id, pos: node.pos, description: values.get('description')?.text, inputs, routes, sql: bound };
  },

  async run(stage, rt) {
    const params = stage.sql.params.map((p) => rt.pipeline.params[p]);
    try {
      await rt.driver.createTableAs(stage.id, stage.sql.text, params);
    } catch (e) {
      // The statement is built from the routes: errors point at them, not into SQL nobody wrote.
      const { file, line, col } = stage.sql.origin;
      throw sqlError(e, { id: stage.id, pos: { file, line, col }, sql: stage.sql }, null);
    }
    const columns = (await rt.columnsOf(stage.id)).filter((c) => c.name !== ROUTE_COLUMN).map((c) => ident(c.name)).join(', ');
    const counts: Record<string, number> = {};
    for (const route of stage.routes) {
      counts[route.name] = await rt.driver.createTableAs(route.name, `SELECT ${columns} FROM ${ident(stage.id)} WHERE ${ROUTE_COLUMN} = $1`, [route.name]);
    }
    const total = await rt.driver.query(`SELECT (SELECT count(*) FROM ${ident(stage.inputs[0]!)}) AS input, (SELECT count(*) FROM ${ident(stage.id)} WHERE ${ROUTE_COLUMN} IS NULL) AS unrouted`);
    const input = Number(total.rows[0]!['input']);
    const unrouted = Number(total.rows[0]!['unrouted']);
    const routed = Object.values(counts).reduce((a, b) => a + b, 0);
    if (unrouted > 0 || routed !== input) {
      throw new EtlError('failed', [{ pos: stage.pos, message: `split "${stage.id}": ${input} input rows, ${routed} routed, ${unrouted} matching no route${stage.routes.some((r) => !r.condition) ? '' : ' (add an else route)'}` }]);
    }
    return { rows: input, counts: { input, ...counts } };
  },
};
