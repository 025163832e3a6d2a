import { describe, expect, it } from 'vitest';
import { fixture } from '../support/fixture.ts';
import { runCli } from '../support/run-cli.ts';

/**
 * `etl validate --database duckdb` finds, without running anything, SQL that DuckDB's parser
 * refuses though PostgreSQL takes it — here `at`, a word DuckDB reserves, as a bare column name —
 * at its file, line and column: in a .sql file, an inline query, a rule, a check and a measure.
 */
const PIPELINE = `params: { out_dir: out, until: "2003-04-11 00:00:00" }
sources:
  events:
    file: events.csv
    columns: { id: integer, at: timestamp }
    rules:
      in_window: at < :until::timestamp
transforms:
  late: { inputs: [events], sql: late.sql }
  quoted: { inputs: [events], query: 'SELECT id, "at" FROM events' }
checks:
  some:
    assert: SELECT count(*) > 0 FROM events WHERE at IS NOT NULL
measures:
  first: SELECT min(at) FROM events
sinks:
  late_csv: { from: late, file: out/late.csv, order_by: [id] }
`;

describe('etl validate --database duckdb', () => {
  it("points at each construct DuckDB cannot parse; PostgreSQL's validate passes the same file", async () => {
    const dir = fixture({ 'pipeline.yaml': PIPELINE, 'events.csv': 'id,at\n1,2003-04-10 00:00:00\n', 'late.sql': '-- the late ones\nSELECT id,\n       at\nFROM events\n' });
    expect(await runCli(['validate'], dir)).toEqual({ code: 0, out: 'pipeline.yaml: valid (4 stages)\n', err: '' });
    const hint = ' (a word DuckDB reserves, such as at, names a column there only in double quotes: "at")';
    expect(await runCli(['validate', '--database', 'duckdb'], dir)).toEqual({
      code: 2,
      out: '',
      err: [
        `pipeline.yaml:7:21: source "events": rule "in_window": DuckDB cannot parse this: syntax error at or near "<"${hint}`,
        `late.sql:4:1: transform "late": DuckDB cannot parse this: syntax error at or near "FROM"${hint}`,
        `pipeline.yaml:13:54: check "some": assert: DuckDB cannot parse this: syntax error at or near "IS"${hint}`,
        `pipeline.yaml:15:23: measure "first": DuckDB cannot parse this: syntax error at or near ")"${hint}`,
        '',
      ].join('\n'),
    });
  });
});
