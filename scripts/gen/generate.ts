/**
 * The registry generator: persons → time buckets → globally ordered `seq` → shuffle
 * buckets → `history.csv`. Every phase holds one bucket at a time, so memory stays flat
 * whatever the number of persons; only disk grows.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { basename, join } from 'node:path';
import iconv from 'iconv-lite';
import { BucketSet } from './bucket-set.ts';
import { CodeIssuer } from './juminhyo-code.ts';
import { listRowsFor, requestRows, standing } from './listing.ts';
import { SCRIPTED, randomLife, scriptedLife } from './lives.ts';
import { Rng } from './prng.ts';
import { HISTORY_HEADER, LIST_HEADER, historyTail } from './rows.ts';
import { T0, T1 } from './timeline.ts';

/** What to generate and where. */
export interface GenerateOptions {
  /** Number of persons ever registered (history rows are about 2.2 per person). */
  readonly persons: number;
  /** Any string; equal seeds give byte-identical files. */
  readonly seed: string;
  /** Directory receiving `history.csv` and `non_notification.csv` (created if missing). */
  readonly outDir: string;
  /** Called with human-readable progress lines. */
  readonly onProgress?: (message: string) => void;
}

/** Counts describing what was generated. */
export interface GenerateSummary {
  readonly persons: number;
  readonly historyRows: number;
  readonly listRows: number;
  /** Persons in the snapshot at the default `as_of`. */
  readonly residentsAtAsOf: number;
}

/** Rows a bucket holds on average; a bucket is the unit of memory in every phase. */
const BUCKET_ROWS = 25_000;
/** Upper estimate of history rows per person, for sizing the buckets. */
const ROWS_PER_PERSON = 2.5;

/** Writes `history.csv` and `non_notification.csv` for `options.persons` persons. */
export async function generate(options: GenerateOptions): Promise<GenerateSummary> {
  const { persons, seed, outDir } = options;
  const progress = options.onProgress ?? (() => {});
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(outDir, '.gen-'));
  try {
    const k = Math.max(4, Math.ceil((persons * ROWS_PER_PERSON) / BUCKET_ROWS));
    const byTime = new BucketSet(tmp, 't', k);
    const listBuckets = new BucketSet(tmp, 'l', Math.max(1, Math.ceil(persons / 4 / BUCKET_ROWS)));
    const s1 = _persons(seed, persons, byTime, listBuckets, progress);
    const historyRows = _order(seed, byTime, new BucketSet(tmp, 's', k), progress);
    await _shuffleOut(seed, historyRows.shuffled, join(tmp, 'history.csv'), 'cp932', HISTORY_HEADER, progress);
    await _shuffleOut(seed, listBuckets, join(tmp, 'non_notification.csv'), 'utf8', LIST_HEADER, progress);
    // The files appear only once complete, never half-written.
    renameSync(join(tmp, 'history.csv'), join(outDir, 'history.csv'));
    renameSync(join(tmp, 'non_notification.csv'), join(outDir, 'non_notification.csv'));
    return { persons, historyRows: historyRows.rows, listRows: s1.listRows, residentsAtAsOf: s1.residents };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Phase 1: life lines, scattered into time buckets; list rows into shuffle buckets. */
function _persons(
  seed: string, persons: number, byTime: BucketSet, listBuckets: BucketSet, progress: (m: string) => void,
): { listRows: number; residents: number } {
  const rng = new Rng(seed, 'persons');
  const ctx = { rng, codes: new CodeIssuer(seed) };
  const scatter = new Rng(seed, 'list-scatter');
  const span = T1 - T0 + 1;
  let nextId = rng.int(1, 5_000_000);
  let listRows = 0;
  let residents = 0;
  const list = (rows: string[]): void => {
    for (const row of rows) listBuckets.add(scatter.int(0, listBuckets.count - 1), row);
    listRows += rows.length;
  };
  const step = Math.max(1, Math.floor(persons / 20));
  for (let i = 0; i < persons; i++) {
    // An id skipped here is never used: listing it makes an `unknown_person`.
    if (i === 0 || rng.chance(0.002)) list(requestRows(rng, _id(nextId++), rng.chance(0.1) ? 'twice-different' : 'once'));
    if (rng.chance(0.05)) nextId++;
    const personId = _id(nextId++);
    const life = i < SCRIPTED ? scriptedLife(ctx, i) : randomLife(ctx);
    const key = String(i).padStart(8, '0');
    life.events.forEach((e, j) => {
      const bucket = Math.min(byTime.count - 1, Math.floor(((e.at - T0) * byTime.count) / span));
      // The key orders a bucket by processed_at, then person, then the person's own order.
      byTime.add(bucket, `${String(e.at).padStart(10, '0')}${key}${String(j).padStart(2, '0')}\t${historyTail(personId, e)}`);
    });
    list(listRowsFor(rng, personId, life));
    if (standing(life.events) === 'resident') residents++;
    if ((i + 1) % step === 0) progress(`persons ${i + 1}/${persons}`);
  }
  byTime.flushAll();
  listBuckets.flushAll();
  return { listRows, residents };
}

/** Phase 2: sort each time bucket, number rows 1…n, scatter them into shuffle buckets. */
function _order(
  seed: string, byTime: BucketSet, shuffled: BucketSet, progress: (m: string) => void,
): { rows: number; shuffled: BucketSet } {
  const scatter = new Rng(seed, 'history-scatter');
  let seq = 0;
  for (let b = 0; b < byTime.count; b++) {
    const lines = byTime.take(b).sort();
    for (const line of lines) {
      seq++;
      shuffled.add(scatter.int(0, shuffled.count - 1), `${seq},${line.slice(line.indexOf('\t') + 1)}`);
    }
    if ((b + 1) % Math.max(1, Math.floor(byTime.count / 10)) === 0) progress(`ordered ${b + 1}/${byTime.count} buckets, ${seq} rows`);
  }
  shuffled.flushAll();
  return { rows: seq, shuffled };
}

/** Phase 3: shuffle each bucket in memory and append it to the output, CRLF, encoded. */
async function _shuffleOut(
  seed: string, buckets: BucketSet, path: string, encoding: 'cp932' | 'utf8', header: string,
  progress: (m: string) => void,
): Promise<void> {
  const rng = new Rng(seed, `shuffle-${encoding}`);
  const out = createWriteStream(path);
  const done = once(out, 'close');
  const encode = (s: string): Buffer => (encoding === 'cp932' ? iconv.encode(s, 'cp932') : Buffer.from(s, 'utf8'));
  // The list carries a BOM, as exports from Windows tools often do.
  await _write(out, encode(`${encoding === 'utf8' ? '\uFEFF' : ''}${header}\r\n`));
  for (let b = 0; b < buckets.count; b++) {
    const lines = rng.shuffle(buckets.take(b));
    if (lines.length > 0) await _write(out, encode(lines.join('\r\n') + '\r\n'));
  }
  out.end();
  await done;
  progress(`shuffled ${basename(path)}`);
}

/** Writes with backpressure: waits for `drain` when the stream's buffer is full. */
async function _write(out: WriteStream, chunk: Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

function _id(n: number): string {
  return String(n).padStart(10, '0');
}
