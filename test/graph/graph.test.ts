import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../../src/config/compile.ts';
import { executionOrder } from '../../src/graph/graph.ts';
import { renderGraph } from '../../src/graph/render.ts';
import { fixture } from '../support/fixture.ts';

const dir = fixture({
  'a.csv': 'id\n1\n',
  'b.csv': 'id\n1\n',
  'pipeline.yaml': `name: shapes
sources:
  zeta: { file: a.csv, columns: { id: integer } }
  alpha: { file: b.csv, columns: { id: integer } }
transforms:
  joined: { inputs: [zeta, alpha], query: SELECT * FROM zeta }
sinks:
  second: { from: joined, file: out/2.csv, order_by: [id], after: [first] }
  first: { from: alpha, file: out/1.csv, order_by: [id] }
`,
});
const pipeline = compilePipeline(path.join(dir, 'pipeline.yaml'));

describe('the stage graph', () => {
  it('runs in dependency order, ties broken by stage id', () => {
    expect(executionOrder(pipeline)).toEqual(['alpha', 'first', 'zeta', 'joined', 'second']);
  });

  it('renders Graphviz DOT', () => {
    expect(renderGraph(pipeline, 'dot')).toBe(`digraph "shapes" {
  rankdir=LR;
  "alpha" [shape=cylinder, label="alpha\\nsource"];
  "first" [shape=note, label="first\\nsink"];
  "zeta" [shape=cylinder, label="zeta\\nsource"];
  "joined" [shape=box, label="joined\\nsql transform"];
  "second" [shape=note, label="second\\nsink"];
  "alpha" -> "first";
  "alpha" -> "joined";
  "zeta" -> "joined";
  "first" -> "second" [style=dashed, label="after"];
  "joined" -> "second";
}
`);
  });

  it('renders Mermaid', () => {
    expect(renderGraph(pipeline, 'mermaid')).toBe(`flowchart LR
  alpha[("alpha<br/>source")]
  first[/"first<br/>sink"/]
  zeta[("zeta<br/>source")]
  joined["joined<br/>sql transform"]
  second[/"second<br/>sink"/]
  alpha --> first
  alpha --> joined
  zeta --> joined
  first -.->|after| second
  joined --> second
`);
  });
});
