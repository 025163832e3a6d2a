import fs from 'node:fs';
import path from 'node:path';
import type { Pipeline } from '../config/pipeline.ts';
import { EtlError } from '../errors.ts';
import { renderGraph, type RowCounts } from '../graph/render.ts';
import type { Io } from './main.ts';

/** `etl graph`: the stage graph, with the rows of a finished run on its edges when `--run DIR` is given. */
export function graphCommand(pipeline: Pipeline, format: string, runDir: string | undefined, io: Io): number {
  if (format !== 'dot' && format !== 'mermaid') throw new EtlError('invalid', `--format must be dot or mermaid, not "${format}"`);
  let counts: RowCounts | undefined;
  if (runDir) {
    const file = path.join(runDir, path.basename(pipeline.manifest ?? 'manifest.json'));
    let doc: { stages?: { id: string; rows: number; counts?: Record<string, number> }[] };
    try {
      doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      throw new EtlError('invalid', [{ pos: { file }, message: 'no manifest of a finished run here (--run takes the output folder of a run that wrote a manifest)' }]);
    }
    counts = new Map((doc.stages ?? []).map((s) => [s.id, { rows: s.rows, counts: s.counts }]));
  }
  io.out(renderGraph(pipeline, format, counts));
  return 0;
}
