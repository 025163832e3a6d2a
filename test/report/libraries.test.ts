/**
 * The report loads Vega, Vega-Lite and ELK from their one-file builds (libraries.ts), not from the
 * module builds the packages export: both must draw the same pictures, or pages would change with
 * the way a library happened to be loaded. Each chart a page draws is rendered by both, and the
 * flagship's graph is laid out by both (ELK's one file is the same either way; how it is loaded differs).
 * V8's compiled code of the libraries is kept between runs: runs of `etl` as processes of their own
 * (a process loads the libraries once) write it, use it, replace a damaged copy, and do without
 * one where it cannot be written — and give the same page every time.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import { compilePipeline } from '../../src/config/compile.ts';
import type { ManifestDoc } from '../../src/engine/manifest.ts';
import { measureSpec } from '../../src/report/chain-page.ts';
import { graphSvg } from '../../src/report/graph-svg.ts';
import { elk, vega } from '../../src/report/libraries.ts';
import { conservationSpec, countsSpec, timelineSpec } from '../../src/report/run-charts.ts';
import { RUN_PART_END, RUN_PART_START } from '../../src/report/run-page.ts';
import { runModel, type RunModel } from '../../src/report/run-model.ts';
import { fixture } from '../support/fixture.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const doc = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/golden/flagship/expected/manifest.json'), 'utf8')) as ManifestDoc;
const golden = runModel(compilePipeline(path.join(ROOT, 'pipeline.yaml')), doc);
// The golden manifest keeps no times: the timeline gets some, one stage after the other.
const model: RunModel = { ...golden, run: { ...golden.run, timings: golden.nodes.map((n, i) => ({ stage: n.id, kind: n.kind, startMs: 40 * i, endMs: 40 * i + 35 + i, failed: false })) } };

async function svg(libraries: [typeof import('vega'), typeof import('vega-lite')], spec: TopLevelSpec): Promise<string> {
  const [vegaLib, vegaLite] = libraries;
  const view = new vegaLib.View(vegaLib.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

describe("the report's libraries, from their one-file builds", () => {
  it('are the versions the packages export', async () => {
    const [vegaLib, vegaLite] = vega();
    expect(vegaLib.version).toBe((await import('vega')).version);
    expect(vegaLite.version).toBe((await import('vega-lite')).version);
  });

  it('draw every chart of a page as the module builds do', async () => {
    const modules: [typeof import('vega'), typeof import('vega-lite')] = [await import('vega'), await import('vega-lite')];
    const specs = [
      conservationSpec(model)!,
      timelineSpec(model)!,
      countsSpec([{ value: 'duplicate_request', rows: 3 }, { value: 'not_yet_resident', rows: 12 }, { value: 'unknown_person', rows: 1 }]),
      measureSpec('held', [{ run: 'setup', value: 18 }, { run: 'day-1', value: 23 }, { run: 'day-2', value: 24 }], ['setup', 'day-1', 'day-2']),
    ];
    for (const spec of specs) {
      const drawn = await svg(vega(), spec);
      expect(drawn).toMatch(/^<svg[\s\S]*<\/svg>$/);
      expect(drawn).toBe(await svg(modules, spec));
    }
  });

  it('lay out the stage graph as the module build does', async () => {
    const graph = {
      id: 'root',
      layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'DOWN', 'elk.edgeLabels.placement': 'TAIL' },
      children: model.nodes.map((n) => ({ id: n.id, width: 10 * n.id.length, height: 42 })),
      edges: model.edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to], labels: [{ id: `l${i}`, text: String(e.rows), width: 40, height: 14 }] })),
    };
    const ELK = (await import('elkjs/lib/elk.bundled.js')).default as unknown as new () => { layout(g: typeof graph): Promise<unknown> };
    // Without ELK's own object numbers ($H), which count the objects an instance has made.
    const coordinates = (laid: unknown) => JSON.stringify(laid, (key, value: unknown) => (key === '$H' ? undefined : value));
    const laid = coordinates(await elk().layout(structuredClone(graph)));
    expect(laid).toMatch(/"children":\[\{"id":"event_codes","width":110,"height":42,"x":[0-9.]+,"y":[0-9.]+\}/);
    expect(laid).toBe(coordinates(await new ELK().layout(structuredClone(graph))));
  });
});

describe("the libraries' compiled code, kept between runs", () => {
  const dir = fixture({});
  const cache = path.join(dir, 'cache');
  /** The cache folder's files, but for the pipeline's compiled type modules (see type-modules.test.ts). */
  const files = () => (fs.existsSync(cache) ? fs.readdirSync(cache).filter((n) => !n.startsWith('type-')).sort() : []);
  /** The flagship's sample run on DuckDB as a process of its own; its page without the run's times. */
  const run = (cacheDir: string): string => {
    const out = path.join(dir, 'out');
    const r = spawnSync(process.execPath, ['bin/etl.js', 'run', '--quiet', 'pipeline.yaml', '--database', 'duckdb', '--param', `out_dir=${out}`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ETL_CACHE_DIR: cacheDir } });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const page = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    const [before, rest] = page.split(RUN_PART_START);
    return before! + rest!.split(RUN_PART_END)[1]!;
  };

  it('is written by the first run, used by the next, and replaced when damaged; the page stays the same', () => {
    const first = run(cache);
    expect(first).toContain('<svg');
    const [layout, ...others] = files().filter((n) => n.startsWith('layout-'));
    expect(others).toEqual([]);
    const names = files().filter((n) => n !== layout);
    expect(layout).toMatch(/^layout-[0-9a-f]{32}\.json$/);
    expect(names.map((n) => n.replace(/-[0-9a-f]{16}-v8-.*\.bin$/, ''))).toEqual(['elk.bundled', 'vega', 'vega-lite.min']);
    expect(names.every((n) => n.endsWith(`-v8-${process.versions.v8}.bin`))).toBe(true);
    const stat = (n: string) => fs.statSync(path.join(cache, n));
    const written = names.map((n) => [stat(n).ino, stat(n).mtimeMs, stat(n).size]);
    expect(written.every(([, , size]) => size! > 100_000)).toBe(true);

    // Used as it is: nothing is written again (and ELK, its layout kept, is not even loaded).
    expect(run(cache)).toBe(first);
    expect(files()).toEqual([layout, ...names].sort());
    expect([layout!, ...names].map((n) => [stat(n).ino, stat(n).mtimeMs, stat(n).size])).toEqual([[stat(layout!).ino, stat(layout!).mtimeMs, stat(layout!).size], ...written]);

    // Damaged (cut short, or not V8's at all; a layout that is not JSON): V8 refuses it, the run
    // compiles as usual, ELK lays the graph out again, and each is written anew.
    const [elkFile, vegaFile] = names.map((n) => path.join(cache, n));
    fs.truncateSync(elkFile!, 1000);
    fs.writeFileSync(vegaFile!, 'not compiled code');
    fs.writeFileSync(path.join(cache, layout!), '{"children":[{"id"');
    expect(run(cache)).toBe(first);
    expect(files()).toEqual([layout, ...names].sort());
    expect([fs.statSync(elkFile!).size, fs.statSync(vegaFile!).size].every((size) => size > 100_000)).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(cache, layout!), 'utf8'))).toMatchObject({ id: 'root', children: expect.any(Array) });
  }, 60_000);

  it('leaves ELK unloaded when the layout is kept: its compiled code, removed, is not written again', () => {
    const own = path.join(dir, 'cache-elk');
    const first = run(own);
    const elkFile = fs.readdirSync(own).find((n) => n.startsWith('elk.bundled-'));
    expect(elkFile).toBeDefined();
    fs.rmSync(path.join(own, elkFile!));
    expect(run(own)).toBe(first);
    expect(fs.readdirSync(own).filter((n) => n.startsWith('elk.bundled-'))).toEqual([]);
  }, 60_000);

  it('is done without where it cannot be written: the run and its page are as ever', () => {
    const blocked = path.join(dir, 'a-file');
    fs.writeFileSync(blocked, '');
    expect(run(path.join(blocked, 'cache'))).toBe(run(cache));
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 60_000);
});

describe("the stage graph's layout, kept between runs", () => {
  const dir = fixture({});
  /** graphSvg with ETL_CACHE_DIR set to `cacheDir`. */
  const drawn = async (cacheDir: string, nodes: RunModel['nodes'], edges: RunModel['edges']): Promise<string> => {
    const before = process.env['ETL_CACHE_DIR'];
    process.env['ETL_CACHE_DIR'] = cacheDir;
    try {
      return await graphSvg(nodes, edges);
    } finally {
      if (before === undefined) delete process.env['ETL_CACHE_DIR'];
      else process.env['ETL_CACHE_DIR'] = before;
    }
  };
  // Another day's counts: other digits, as many of them (each label as wide as before; "1 row" stays).
  const otherDigits = (rows: number | undefined) => (rows === undefined || rows < 10 ? rows : Number(String(rows).replace(/\d$/, (d) => (d === '7' ? '3' : '7'))));
  const nodes = model.nodes.map((n) => (n.rows === undefined ? n : { ...n, rows: otherDigits(n.rows) }));
  const edges = model.edges.map((e) => (e.rows === undefined ? e : { ...e, rows: otherDigits(e.rows) }));

  it("is the one ELK computes, for the same graph and for one whose counts changed but not their widths", async () => {
    const nowhere = path.join(dir, 'a-file');
    fs.writeFileSync(nowhere, '');
    // Laid out by ELK each time: no folder to keep a layout in.
    const fresh = await drawn(path.join(nowhere, 'cache'), model.nodes, model.edges);
    const freshOther = await drawn(path.join(nowhere, 'cache'), nodes, edges);
    expect(freshOther).not.toBe(fresh);
    // The same drawing but for the counts.
    const counts = (svg: string) => svg.replace(/\d+ rows?/g, 'N rows').replace(/data-rows="\d+"/g, 'data-rows="N"');
    expect(counts(freshOther)).toBe(counts(fresh));

    const cache = path.join(dir, 'cache');
    expect(await drawn(cache, model.nodes, model.edges)).toBe(fresh);
    const kept = fs.readdirSync(cache).filter((n) => n.startsWith('layout-'));
    expect(kept).toHaveLength(1);
    fs.writeFileSync(path.join(cache, kept[0]!), fs.readFileSync(path.join(cache, kept[0]!), 'utf8').replace(/"x":/, '"x":1000+'));
    // A kept layout that is not JSON any more is laid out again and replaced…
    expect(await drawn(cache, model.nodes, model.edges)).toBe(fresh);
    const mtime = fs.statSync(path.join(cache, kept[0]!)).mtimeMs;
    // …and is then what the same graph with other counts gets, drawn as ELK would draw it.
    expect(await drawn(cache, nodes, edges)).toBe(freshOther);
    expect(fs.readdirSync(cache).filter((n) => n.startsWith('layout-'))).toEqual(kept);
    expect(fs.statSync(path.join(cache, kept[0]!)).mtimeMs).toBe(mtime);
  });

  it('is laid out anew for a graph of other widths', async () => {
    const cache = path.join(dir, 'widths');
    await drawn(cache, model.nodes, model.edges);
    const wider = model.edges.map((e) => (e.rows === undefined ? e : { ...e, rows: e.rows * 1000 + 1 }));
    await drawn(cache, model.nodes, wider);
    expect(fs.readdirSync(cache).filter((n) => n.startsWith('layout-'))).toHaveLength(2);
  });
});
