import type { TopLevelSpec } from 'vega-lite';
import type { RunModel } from './run-model.ts';

const IN = '#9aa5b1';
const ROUTE_COLORS = ['#4285f4', '#fbbc04', '#a142f4', '#24c1e0', '#f439a0', '#ff6d01'];

/**
 * Conservation as bars, one pair per source and split, each on its own scale: the rows that came
 * in, and under them the rows that went out (accepted + rejected, or each route). The two bars
 * are equally long when nothing was lost or duplicated; a leak shows as a shorter or longer bar.
 */
export function conservationSpec(model: RunModel): TopLevelSpec | undefined {
  const values: { stage: string; bar: string; part: string; n: number; order: number }[] = [];
  const title = (stage: string, holds: boolean) => `${stage} ${holds ? '✓' : '✗ does not add up'}`;
  for (const s of model.sources) {
    const stage = title(s.stage, s.holds);
    values.push({ stage, bar: 'read', part: 'read', n: s.read, order: 0 });
    values.push({ stage, bar: 'accepted + rejected', part: 'accepted', n: s.accepted, order: 1 });
    values.push({ stage, bar: 'accepted + rejected', part: 'rejected', n: s.rejected, order: 2 });
  }
  const routes: string[] = [];
  for (const s of model.splits) {
    const stage = title(s.stage, s.holds);
    values.push({ stage, bar: 'input', part: 'read', n: s.input, order: 0 });
    for (const [i, r] of s.routes.entries()) {
      const part = `route ${r.name}`;
      if (!routes.includes(part)) routes.push(part);
      values.push({ stage, bar: 'sum of routes', part, n: r.rows, order: i + 1 });
    }
  }
  if (values.length === 0) return undefined;
  return {
    data: { values },
    facet: { row: { field: 'stage', type: 'nominal', sort: null, title: null, header: { labelAngle: 0, labelAlign: 'left', labelFontWeight: 'bold', labelFontSize: 12 } } },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spacing: 6,
    spec: {
      width: 420,
      height: { step: 16 },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            y: { field: 'bar', type: 'nominal', sort: null, title: null },
            x: { field: 'n', type: 'quantitative', stack: 'zero', title: null, axis: { tickMinStep: 1, format: 'd' } },
            color: {
              field: 'part',
              type: 'nominal',
              title: 'rows',
              legend: { labelLimit: 260 },
              scale: { domain: ['read', 'accepted', 'rejected', ...routes], range: [IN, '#34a853', '#ea4335', ...routes.map((_, i) => ROUTE_COLORS[i % ROUTE_COLORS.length]!)] },
            },
            order: { field: 'order', type: 'quantitative' },
            tooltip: [{ field: 'part' }, { field: 'n', title: 'rows' }],
          },
        },
      ],
    },
  } as TopLevelSpec;
}

/** When each stage ran: a bar from its start to its end, so stages that ran at once overlap. */
export function timelineSpec(model: RunModel): TopLevelSpec | undefined {
  if (model.run.timings.length === 0) return undefined;
  const values = model.run.timings.map((t) => ({ stage: t.stage, kind: t.kind, start: t.startMs, end: Math.max(t.endMs, t.startMs + 1), state: t.failed ? 'failed' : 'done' }));
  return {
    data: { values },
    width: 700,
    height: { step: 14 },
    mark: { type: 'bar', cornerRadius: 2 },
    encoding: {
      y: { field: 'stage', type: 'nominal', sort: null, title: null },
      x: { field: 'start', type: 'quantitative', title: 'milliseconds from the start of the run', scale: { zero: false } },
      x2: { field: 'end' },
      color: { field: 'kind', type: 'nominal', title: 'stage', scale: { domain: ['source', 'sql', 'ts', 'split', 'sink'], range: ['#4285f4', '#9aa5b1', '#a142f4', '#fbbc04', '#34a853'] } },
      stroke: { field: 'state', type: 'nominal', legend: null, scale: { domain: ['done', 'failed'], range: ['#ffffff00', '#b3261e'] } },
      strokeWidth: { value: 2 },
    },
  } as TopLevelSpec;
}

/** Rows by value of a sink's column (`count_by`), e.g. the exceptions by reason. */
export function countsSpec(counts: readonly { value: string; rows: number }[]): TopLevelSpec {
  return {
    data: { values: counts.map((c) => ({ value: c.value, rows: c.rows })) },
    width: 300,
    height: { step: 18 },
    layer: [
      { mark: { type: 'bar', color: '#4285f4' } },
      { mark: { type: 'text', align: 'left', dx: 3 }, encoding: { text: { field: 'rows', type: 'quantitative' } } },
    ],
    encoding: {
      y: { field: 'value', type: 'nominal', sort: null, title: null, axis: { labelLimit: 260 } },
      x: { field: 'rows', type: 'quantitative', title: 'rows', axis: { tickMinStep: 1, format: 'd' } },
    },
  } as TopLevelSpec;
}
