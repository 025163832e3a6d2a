import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { displayPath, EtlError } from '../errors.ts';
import { chainModel } from '../report/chain-model.ts';
import { renderChainPage } from '../report/chain-page.ts';
import type { Io } from './main.ts';

/**
 * `etl report DIR… [--out FILE]`: one page over the runs whose output folders (or manifests) are
 * given — a chart per measure, the runs in chain order with links to their reports, and a warning
 * where a run did not read what the run before it wrote. Written atomically (a temporary file
 * renamed into place), mode 0600 like every output. Exit 1 when the chain is broken.
 */
export async function reportCommand(targets: readonly string[], out: string | undefined, io: Io): Promise<number> {
  if (targets.length === 0) throw new EtlError('invalid', 'etl report needs the output folders of one or more runs, e.g. etl report out/setup out/day-*');
  const file = path.resolve(out ?? 'runs.html');
  const model = chainModel(targets, file);
  const html = await renderChainPage(model);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.etl-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    fs.writeFileSync(temp, html, { mode: 0o600, flag: 'wx' });
    fs.renameSync(temp, file);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw new EtlError('failed', [{ pos: { file }, message: `cannot write the report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }]);
  }
  for (const w of model.warnings) io.err(`etl: warning: ${w}\n`);
  io.out(`${displayPath(file)}: ${model.runs.length} runs${model.warnings.length ? `, ${model.warnings.length} chain warning${model.warnings.length === 1 ? '' : 's'}` : ''}\n`);
  // The page is written either way; a broken chain is a problem with the data, as a failed check is.
  return model.warnings.length ? 1 : 0;
}
