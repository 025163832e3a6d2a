/**
 * The registry generator: persons → time buckets → globally ordered `seq` → shuffle
 * buckets → `history.csv`, and the days after it (`D1/` … `DK/`). Every phase holds one bucket
 * (or one day) at a time, so memory stays flat whatever the number of persons; only disk grows.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { basename, join } from 'node:path';
import iconv from 'iconv-lite';
import { BucketSet } from './bucket-set.ts';
import { isoTimestamp } from './calendar.ts';
import { DAILY_SCRIPTED, dailyLife, ghostListEvents } from './daily-lives.ts';
import { DayWindows, checkWindows } from './days.ts';
import { CodeIssuer } from './juminhyo-code.ts';
import { LIST_EVENTS_HEADER, listEventRow, randomListEvents } from './list-events.ts';
import type { ListEvent } from './list-events.ts';
import { listRowsFor, requestRows, standing } from './listing.ts';
import { SCRIPTED, randomLife, scriptedLife } from './lives.ts';
import { Rng } from './prng.ts';
import { HISTORY_HEADER, LIST_HEADER, historyTail } from './rows.ts';
import { T0 } from './timeline.ts';

/**
 * Bumped whenever equal arguments give different files than before, so that caches of
 * generated registries (the benchmark's) are never reused across generator changes.
 */
export const GENERATOR_VERSION = 2;

/** What to generate and where. */
export interface GenerateOptions {
  /** Number of persons ever registered (history rows are about 1.8 per person). */
  readonly persons: number;
  /** Any string; equal seeds give byte-identical files. */
  readonly seed: string;
  /** Directory receiving `history.csv`, `non_notification.csv` and `D1/` … (created if missing). */
  readonly outDir: string;
  /** The setup's cut-off, `YYYY-MM-DD HH:MM:SS` (default `2003-04-10 00:00:00`): see `checkWindows`. */
  readonly until?: string;
  /** Days after the cut-off, each a folder `D<i>` of `changes.csv` and `list_events.csv` (default 0). */
  readonly days?: number;
  /** Called with human-readable progress lines. */
  readonly onProgress?: (message: string) => void;
}

/** One day's folder. */
export interface DaySummary {
  /** The folder's name under the output directory: `D1`, `D2`, … */
  readonly folder: string;
  /** The end of the day's window: the daily run's `until` parameter. */
  readonly until: string;
  readonly changes: number;
  readonly listEvents: number;
}

/** Counts describing what was generated. */
export interface GenerateSummary {
  readonly persons: number;
  readonly historyRows: number;
  readonly listRows: number;
  /** Persons in the snapshot at the default `as_of`. */
  readonly residentsAtAsOf: number;
  /** The setup's cut-off: every history row is processed before it. */
  readonly until: string;
  readonly days: readonly DaySummary[];
}

/** Rows a bucket holds on average; a bucket is the unit of memory in every phase. */
const BUCKET_ROWS = 25_000;
/** Upper estimate of history rows per person, for sizing the buckets. */
const ROWS_PER_PERSON = 2.5;

/** Writes the registry, its list and the days for `options.persons` persons. */
export async function generate(options: GenerateOptions): Promise<GenerateSummary> {
  const { persons, seed, outDir } = options;
  const windows = checkWindows(options.until, options.days ?? 0);
  const progress = options.onProgress ?? (() => {});
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(outDir, '.gen-'));
  try {
    const k = Math.max(4, Math.ceil((persons * ROWS_PER_PERSON) / BUCKET_ROWS));
    const byTime = new BucketSet(tmp, 't', k);
    const listBuckets = new BucketSet(tmp, 'l', Math.max(1, Math.ceil(persons / 4 / BUCKET_ROWS)));
    const eventBuckets = new BucketSet(tmp, 'e', Math.max(1, windows.count));
    const s1 = _persons(seed, persons, windows, { byTime, listBuckets, eventBuckets }, progress);
    const ordered = _order(seed, windows, byTime, new BucketSet(tmp, 's', k), new BucketSet(tmp, 'd', Math.max(1, windows.count)), progress);
    const files: string[] = ['history.csv', 'non_notification.csv'];
    await _shuffleOut(new Rng(seed, 'shuffle-cp932'), _takeAll(ordered.history), join(tmp, 'history.csv'), 'cp932', HISTORY_HEADER, progress);
    await _shuffleOut(new Rng(seed, 'shuffle-utf8'), _takeAll(listBuckets), join(tmp, 'non_notification.csv'), 'utf8-bom', LIST_HEADER, progress);
    const days: DaySummary[] = [];
    for (let n = 1; n <= windows.count; n++) {
      const folder = `D${n}`;
      mkdirSync(join(tmp, folder));
      const changes = ordered.days.take(n - 1);
      const listEvents = eventBuckets.take(n - 1);
      await _shuffleOut(new Rng(seed, `shuffle-changes-${n}`), [changes], join(tmp, folder, 'changes.csv'), 'cp932', HISTORY_HEADER, progress);
      await _shuffleOut(new Rng(seed, `shuffle-events-${n}`), [listEvents], join(tmp, folder, 'list_events.csv'), 'utf8', LIST_EVENTS_HEADER, progress);
      days.push({ folder, until: windows.untilOf(n), changes: changes.length, listEvents: listEvents.length });
      files.push(folder);
    }
    // The files appear only once complete, never half-written.
    for (const f of files) {
      rmSync(join(outDir, f), { recursive: true, force: true });
      renameSync(join(tmp, f), join(outDir, f));
    }
    return {
      persons, historyRows: ordered.historyRows, listRows: s1.listRows, residentsAtAsOf: s1.residents,
      until: isoTimestamp(windows.until), days,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface PersonBuckets {
  /** History rows (and the days' changes) by processing time. */
  readonly byTime: BucketSet;
  /** `non_notification.csv` rows, scattered for the shuffle. */
  readonly listBuckets: BucketSet;
  /** `list_events.csv` rows, one bucket per day. */
  readonly eventBuckets: BucketSet;
}

/** Phase 1: life lines, scattered into time buckets; list rows and list events into theirs. */
function _persons(
  seed: string, persons: number, windows: DayWindows, buckets: PersonBuckets, progress: (m: string) => void,
): { listRows: number; residents: number } {
  const { byTime, listBuckets, eventBuckets } = buckets;
  const rng = new Rng(seed, 'persons');
  const ctx = { rng, codes: new CodeIssuer(seed) };
  const scatter = new Rng(seed, 'list-scatter');
  // A stream of its own, so that drawing list events leaves the history of a seed unchanged.
  const listRng = new Rng(seed, 'list-events');
  const span = windows.end - T0;
  let nextId = rng.int(1, 5_000_000);
  let listRows = 0;
  let residents = 0;
  const list = (rows: string[]): void => {
    for (const row of rows) listBuckets.add(scatter.int(0, listBuckets.count - 1), row);
    listRows += rows.length;
  };
  const events = (personId: string, listEvents: readonly ListEvent[]): void => {
    for (const e of listEvents) {
      const n = windows.dayOf(e.at);
      if (n >= 1 && n <= windows.count) eventBuckets.add(n - 1, listEventRow(personId, e));
    }
  };
  const step = Math.max(1, Math.floor(persons / 20));
  for (let i = 0; i < persons; i++) {
    // An id skipped here is never used: listing it makes an `unknown_person`.
    if (i === 0 || rng.chance(0.002)) list(requestRows(rng, _id(nextId++), rng.chance(0.1) ? 'twice-different' : 'once'));
    if (i === SCRIPTED) events(_id(nextId++), ghostListEvents(windows));
    if (rng.chance(0.05)) nextId++;
    const personId = _id(nextId++);
    const life =
      i < SCRIPTED ? scriptedLife(ctx, i)
      : i < SCRIPTED + DAILY_SCRIPTED ? dailyLife(ctx, i - SCRIPTED, i, windows)
      : randomLife(ctx);
    const key = String(i).padStart(8, '0');
    life.events.forEach((e, j) => {
      const at = windows.recorded(e.at);
      if (at >= windows.end) return; // after the last day: never written
      const bucket = Math.min(byTime.count - 1, Math.floor(((at - T0) * byTime.count) / span));
      // The key orders a bucket by processed_at, then person, then the person's own order.
      byTime.add(bucket, `${String(at).padStart(10, '0')}${key}${String(j).padStart(2, '0')}\t${historyTail(personId, { ...e, at })}`);
    });
    const rows = listRowsFor(rng, personId, life);
    list(rows);
    events(personId, life.listEvents ?? randomListEvents(listRng, life.events, rows.length > 0, windows));
    if (standing(life.events) === 'resident') residents++;
    if ((i + 1) % step === 0) progress(`persons ${i + 1}/${persons}`);
  }
  byTime.flushAll();
  listBuckets.flushAll();
  eventBuckets.flushAll();
  return { listRows, residents };
}

/**
 * Phase 2: sort each time bucket and number rows 1…n across the history and the days, then
 * scatter the history's rows into shuffle buckets and put each day's rows in its bucket.
 */
function _order(
  seed: string, windows: DayWindows, byTime: BucketSet, history: BucketSet, days: BucketSet, progress: (m: string) => void,
): { historyRows: number; history: BucketSet; days: BucketSet } {
  const scatter = new Rng(seed, 'history-scatter');
  let seq = 0;
  let historyRows = 0;
  for (let b = 0; b < byTime.count; b++) {
    const lines = byTime.take(b).sort();
    for (const line of lines) {
      seq++;
      const row = `${seq},${line.slice(line.indexOf('\t') + 1)}`;
      const n = windows.dayOf(Number(line.slice(0, 10)));
      if (n === 0) {
        history.add(scatter.int(0, history.count - 1), row);
        historyRows++;
      } else {
        days.add(n - 1, row);
      }
    }
    if ((b + 1) % Math.max(1, Math.floor(byTime.count / 10)) === 0) progress(`ordered ${b + 1}/${byTime.count} buckets, ${seq} rows`);
  }
  history.flushAll();
  days.flushAll();
  return { historyRows, history, days };
}

function* _takeAll(buckets: BucketSet): Generator<string[]> {
  for (let b = 0; b < buckets.count; b++) yield buckets.take(b);
}

/**
 * Phase 3: shuffle each chunk of lines in memory and append it to the output, encoded: CP932
 * with CRLF (history, changes), UTF-8 with a BOM and CRLF (the list, as exports from Windows
 * tools often are), or plain UTF-8 with LF (list events).
 */
async function _shuffleOut(
  rng: Rng, chunks: Iterable<string[]>, path: string, encoding: 'cp932' | 'utf8-bom' | 'utf8', header: string,
  progress: (m: string) => void,
): Promise<void> {
  const out = createWriteStream(path);
  const done = once(out, 'close');
  const eol = encoding === 'utf8' ? '\n' : '\r\n';
  const encode = (s: string): Buffer => (encoding === 'cp932' ? iconv.encode(s, 'cp932') : Buffer.from(s, 'utf8'));
  await _write(out, encode(`${encoding === 'utf8-bom' ? '\uFEFF' : ''}${header}${eol}`));
  for (const chunk of chunks) {
    const lines = rng.shuffle(chunk);
    if (lines.length > 0) await _write(out, encode(lines.join(eol) + eol));
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
