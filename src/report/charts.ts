import type { TopLevelSpec } from 'vega-lite';
import { vega as libraries } from './libraries.ts';

/** One font for charts and graph, so the widths Vega estimates without a canvas match the page. */
export const CHART_FONT = 'DejaVu Sans, Verdana, sans-serif';

/**
 * A Vega-Lite chart rendered to SVG in Node (no canvas, no browser, no script in the page). The
 * same spec gives the same bytes: ids Vega numbers per process are renumbered per chart.
 */
export async function chartSvg(spec: TopLevelSpec, chartId: string): Promise<string> {
  // Loaded on first use: a run without a report never pays for them.
  const [vega, vegaLite] = libraries();
  const config = {
    font: CHART_FONT,
    background: 'white',
    view: { stroke: '#d9dee7' },
    axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 600, gridColor: '#eef0f4' },
    legend: { labelFontSize: 11, titleFontSize: 11 },
    title: { fontSize: 13, anchor: 'start' as const },
  };
  const compiled = vegaLite.compile({ ...spec, config: { ...config, ...(spec.config ?? {}) } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return renumberIds(await view.toSVG(), chartId);
  } finally {
    view.finalize();
  }
}

/** Clip paths and gradients get page-unique, run-independent ids. */
function renumberIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (!ids.has(m[1]!)) ids.set(m[1]!, `${prefix}-${ids.size + 1}`);
  if (ids.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)(")/g, (all, a: string, id: string, b: string) => `${a}${ids.get(id) ?? id}${b}`)
    .replace(/url\(#([^)]+)\)/g, (all, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : all))
    .replace(/(href=")#([^"]+)(")/g, (all, a: string, id: string, b: string) => (ids.has(id) ? `${a}#${ids.get(id)}${b}` : all));
}
