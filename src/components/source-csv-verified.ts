import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { SourceStage } from '../config/pipeline.ts';
import { DatabaseError } from '../db/driver.ts';
import { manifestEntry, verifyAgainstManifest, type ManifestEntry } from '../engine/manifest.ts';
import { ident, type RunContext } from '../engine/run-context.ts';
import { displayPath } from '../errors.ts';
import type { StageReport } from './component.ts';

/** The first bytes read to find the header line. */
const HEAD_BYTES = 64 * 1024;
const READ_BYTES = 1 << 20;

/**
 * Loads a file whose bytes a manifest vouches for (`verify:`) with the database's own CSV reader,
 * when nothing the engine checks field by field can differ from what it would read: the file is
 * an earlier run's output, written by this engine from typed values. So it applies only to UTF-8
 * files with `,`, a header naming exactly the declared columns, every column of a type whose text
 * is its value (`verbatim`), no rejects, rules or line column, and a primary key (if any) that the
 * manifest says the file is sorted and unique by. The bytes are hashed as they stream to the
 * database; a file that differs from the manifest is refused as on the checked path. Anything
 * unexpected — the database refuses a value, a required column holds an empty field — and the
 * table is dropped: the caller loads the file the usual way, which names the line and column.
 * Returns undefined when the file does not qualify, or was not taken this way.
 */
export async function loadVerified(stage: SourceStage, rt: RunContext): Promise<StageReport | undefined> {
  const entry = manifestEntry(stage);
  const header = qualifies(stage, entry) ? headerOf(stage.file) : undefined;
  const declared = new Set(stage.columns.map((c) => c.name));
  if (!header || header.length !== declared.size || !header.every((name) => declared.delete(name))) return undefined;

  const table = ident(stage.id);
  const byName = new Map(stage.columns.map((c) => [c.name, c]));
  await rt.driver.createTable(stage.id, header.map((n) => ({ name: n, sqlType: byName.get(n)!.type.sqlType(byName.get(n)!.options) })));
  const hash = createHash('sha256');
  const size = fs.statSync(stage.file).size;
  async function* hashed(): AsyncGenerator<Buffer> {
    let bytes = 0;
    for await (const chunk of fs.createReadStream(stage.file, { highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      rt.log.progress(`etl: source ${stage.id}: ${(bytes / 1048576).toFixed(1)} of ${(size / 1048576).toFixed(1)} MiB (verified file, read by the database)`);
      yield chunk;
    }
  }
  let rows: number;
  try {
    rows = await rt.driver.loadCsv(stage.id, header, hashed());
  } catch (e) {
    // A value the database refused: the file is not what the manifest vouches for, or not what
    // the pipeline declares; the checked path tells which, at its line. Anything else (a signal,
    // a lost connection) ends the run as it is.
    if (!(e instanceof DatabaseError && e.kind === 'data')) throw e;
    await rt.driver.dropTable(stage.id);
    return undefined;
  }
  verifyAgainstManifest(stage, hash.digest('hex'), entry);
  const required = stage.columns.filter((c) => c.required);
  if (required.length > 0) {
    const nulls = await rt.driver.query(`SELECT count(*) AS n FROM ${table} WHERE ${required.map((c) => `${ident(c.name)} IS NULL`).join(' OR ')}`);
    if (Number(nulls.rows[0]!['n']) > 0) {
      await rt.driver.dropTable(stage.id);
      return undefined;
    }
  }
  // Statistics now, so that the transforms are planned for the table's real size and values.
  await rt.driver.analyze(stage.id);
  rt.log.verbose(`etl: source ${stage.id}: the file is the one ${displayPath(stage.verify!.manifest)} lists; read by the database's CSV reader`);
  return { rows, counts: { read: rows }, files: [{ role: 'input', stage: stage.id, path: stage.file, rows, sha256: entry.sha256 }] };
}

function qualifies(stage: SourceStage, entry: ManifestEntry): boolean {
  const keyProven = !stage.primaryKey || (entry.orderBy !== undefined && sameSet(stage.primaryKey, entry.orderBy));
  return stage.encoding === 'utf-8' && stage.delimiter === ',' && stage.onInvalid === 'fail' && stage.rules.length === 0 &&
    stage.lineColumn === undefined && keyProven && stage.columns.every((c) => c.type.verbatim === true);
}

/** The names of the header line when it is plain (ASCII names, no quotes, no BOM), else undefined. */
function headerOf(file: string): string[] | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = fs.readSync(fd, buf, 0, HEAD_BYTES, 0);
    const end = buf.subarray(0, n).indexOf(0x0a);
    if (end < 0) return undefined;
    const line = buf.subarray(0, end).toString('latin1').replace(/\r$/, '');
    return /^[A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*$/.test(line) ? line.split(',') : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
