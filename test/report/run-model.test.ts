import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../../src/config/compile.ts';
import type { ManifestDoc } from '../../src/engine/manifest.ts';
import { runModel } from '../../src/report/run-model.ts';

/** The page's data, built from the golden cases' hand-checked manifests. */
const ROOT = path.resolve(import.meta.dirname, '../..');
const golden = (rel: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'test/golden', rel), 'utf8')) as ManifestDoc;
const setup = compilePipeline(path.join(ROOT, 'pipeline.yaml'));
const daily = compilePipeline(path.join(ROOT, 'daily.yaml'), { overrides: { until: '2003-04-11 00:00:00', state_dir: 'test/golden/flagship/expected' } });

describe('the model of a run, from the flagship sample run', () => {
  const doc = golden('flagship/expected/manifest.json');
  const model = runModel(setup, doc);

  it('draws every stage with its rows, and every edge with the rows that went along it', () => {
    expect(model.nodes.map((n) => n.id).sort()).toEqual([...setup.stages.keys()].sort());
    expect(model.nodes.every((n) => n.state === 'done')).toBe(true);
    expect(model.nodes.find((n) => n.id === 'history')).toEqual({ id: 'history', kind: 'source', rows: 57, state: 'done' });
    const routed = model.edges.filter((e) => e.from === 'routing').map((e) => [e.to, e.table, e.rows]);
    expect(routed).toEqual([['outbound', 'outbound_changes', 11], ['held', 'held_changes', 7]]);
    expect(model.edges.find((e) => e.from === 'history' && e.to === 'changes')?.rows).toBe(57);
    expect(model.edges.filter((e) => e.kind === 'after').map((e) => `${e.from}>${e.to}`)).toEqual(['deletions_csv>entries_csv', 'entries_csv>held_csv', 'entries_csv>outbound_csv']);
  });

  it('orders the sinks by after: deletions, then entries, then the outbound feed and the held store', () => {
    expect(model.sinkOrder).toEqual([['deletions_csv'], ['entries_csv'], ['held_csv', 'outbound_csv']]);
  });

  it('balances every source and the routing split, as the manifest records them', () => {
    expect(model.sources).toEqual([
      { stage: 'event_codes', read: 10, accepted: 10, rejected: 0, holds: true, byRule: [] },
      { stage: 'history', read: 57, accepted: 57, rejected: 0, holds: true, byRule: [] },
      { stage: 'non_notification', read: 19, accepted: 19, rejected: 0, holds: true, byRule: [] },
    ]);
    expect(model.splits).toEqual([{ stage: 'routing', input: 18, routes: [{ name: 'held_changes', rows: 7 }, { name: 'outbound_changes', rows: 11 }], holds: true }]);
  });

  it('shows a leak: a split whose routes do not add up does not hold', () => {
    const leaking = { ...doc, conservation: doc.conservation.map((c) => ('routes' in c ? { ...c, routes: { held_changes: 7, outbound_changes: 10 }, holds: false } : c)) };
    expect(runModel(setup, leaking).splits[0]).toMatchObject({ input: 18, holds: false });
  });

  it('lists the checks with their values, the files with rows and hashes, the exceptions by reason and the measures', () => {
    expect(model.checks.map((c) => [c.name, c.passed, c.values.map((v) => `${v.label}=${v.value}`).join(' ')])).toEqual([
      ['deletions_entries_targets', true, 'deletions=11 entries=11 targets=11'],
      ['listed_persons', true, 'listed_persons=16 targets_and_exceptions=16'],
      ['list_rows', true, 'list_rows=19 targets_and_exceptions=19'],
      ['changes_routed', true, 'changes=18 outbound_and_held=18'],
      ['held_store', true, 'held=18 entries_and_held_changes=18'],
    ]);
    expect(model.outputs).toEqual(doc.outputs.map((o) => ({ stage: o.stage, path: o.path, rows: o.rows, sha256: o.sha256 })));
    expect(model.inputs.map((f) => [f.stage, f.rows])).toEqual([['event_codes', 10], ['history', 57], ['non_notification', 19]]);
    expect(model.countsBy).toEqual([{
      sink: 'exceptions_csv', column: 'reason',
      counts: [{ value: 'duplicate_request', rows: 3 }, { value: 'not_resident_at_as_of', rows: 3 }, { value: 'not_yet_resident', rows: 1 }, { value: 'unknown_person', rows: 1 }],
    }]);
    expect(model.measures.map((m) => [m.name, m.value])).toEqual([['listed', 16], ['held', 18], ['sent', 22], ['released', 0], ['exceptions', 8], ['held_total', 18]]);
    expect(model.status).toBe('passed');
  });
});

describe('the model of a day', () => {
  it('counts the day\'s exceptions by event and reason, and its measures reconcile with its checks', () => {
    const doc = golden('daily/D1/expected/manifest.json');
    const model = runModel(daily, doc);
    expect(model.countsBy.map((c) => [c.column, c.counts?.map((v) => `${v.value}:${v.rows}`).join(' ')])).toEqual([
      ['event', 'request:1 withdraw:1'],
      ['reason', 'duplicate_request:1 not_listed:1'],
    ]);
    const measure = (name: string) => model.measures.find((m) => m.name === name)!.value;
    const check = (name: string, label: string) => Number(model.checks.find((c) => c.name === name)!.values.find((v) => v.label === label)!.value);
    expect(measure('sent')).toBe(check('outbound_sum', 'outbound'));
    expect(measure('held_total')).toBe(check('held_sum', 'held_after'));
    expect(measure('listed')).toBe(check('listed_sum', 'listed_after'));
    expect(measure('exceptions')).toBe(doc.outputs.find((o) => o.path === 'exceptions.csv')!.rows);
  });

  it('marks a failed run: the stage that threw, the stages not run, no outputs, the error lines', () => {
    const doc: ManifestDoc = {
      ...golden('daily/D1/expected/manifest.json'),
      stages: [], outputs: [], reconciliation: [], passed: false,
      run: { started_at: '', finished_at: '', database: 'embedded PostgreSQL', stages: [{ id: 'changes', started_ms: 0, finished_ms: 5 }, { id: 'registry', started_ms: 5, finished_ms: 9, failed: true }] },
    };
    const model = runModel(daily, doc, ['in/state/registry.csv: source "registry": the file has changed']);
    expect(model.status).toBe('failed');
    expect(model.nodes.find((n) => n.id === 'registry')?.state).toBe('failed');
    expect(model.nodes.find((n) => n.id === 'outbound_csv')?.state).toBe('not run');
    expect(model.outputs).toEqual([]);
    expect(model.failure).toEqual(['in/state/registry.csv: source "registry": the file has changed']);
    expect(model.run.timings.map((t) => [t.stage, t.failed])).toEqual([['changes', false], ['registry', true]]);
  });
});
