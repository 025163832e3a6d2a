import type { Stage } from '../config/pipeline.ts';
import type { Component, Section } from './component.ts';
import { csvSink } from './sink-csv.ts';
import { csvSource } from './source-csv.ts';
import { sqlTransform } from './transform-sql.ts';
import { splitTransform } from './transform-split.ts';
import { tsTransform } from './transform-ts.ts';

/** Every kind of stage the engine knows, in the order their markers are tried. */
const COMPONENTS: readonly Component<any>[] = [csvSource, sqlTransform, tsTransform, splitTransform, csvSink];

export function componentsOf(section: Section): Component[] {
  return COMPONENTS.filter((c) => c.section === section);
}

/** The component that runs a compiled stage. */
export function componentFor(stage: Stage): Component {
  const c = COMPONENTS.find((x) => x.stageKind === stage.kind);
  if (!c) throw new Error(`no component runs stages of kind "${stage.kind}"`);
  return c;
}
