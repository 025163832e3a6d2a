import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { SourceStage } from '../config/pipeline.ts';
import { cp932Text } from '../csv/decode.ts';
import { RecordCutter } from '../csv/record-cutter.ts';
import { scanRecords, type TextRecord } from '../csv/text-records.ts';
import type { RowFile } from '../db/driver.ts';
import type { RunContext } from '../engine/run-context.ts';
import { recipeOf, type TypeRecipe } from '../types/type-recipe.ts';
import type { CheckSetup, ChunkResult } from './check-chunk.ts';
import { CheckPool, startCheckWorkers, stopSpareCheckWorkers } from './check-pool.ts';
import type { KeyWatch } from './key-watch.ts';

/** Bytes per chunk a worker checks: big enough that a chunk's statement costs little, small enough to keep memory flat. */
const CHUNK_BYTES = Number(process.env['ETL_CHECK_CHUNK_BYTES']) || 8 << 20;
/** Files smaller than this are checked on the main thread: starting the workers would cost more. */
const MIN_BYTES = Number(process.env['ETL_CHECK_MIN_BYTES']) || 16 << 20;
/** Bytes per read: a chunk is cut after the read that fills it, at the last record end. */
const READ_BYTES = Math.min(1 << 20, CHUNK_BYTES);

/** What the load needs to know from the caller, and tells it back. */
export interface ChunkLoad {
  readonly table: string;
  /** The table's columns in order: the declared ones, then the line column when there is one. */
  readonly columns: readonly string[];
  readonly withLine: boolean;
  readonly rejects?: Writable;
  readonly keyWatch?: KeyWatch;
  /** Where the primary key's columns sit among the declared ones. */
  readonly keyAt: readonly number[];
  /** Parses the header record (throws when it is not what the source declares). */
  readonly header: (raw: TextRecord) => string[];
  /** The error for a record past the limit. */
  readonly tooLong: (raw: TextRecord) => Error;
  /** The error for a file without even a header. */
  readonly empty: () => Error;
}

export interface ChunkLoaded {
  readonly loaded: number;
  readonly read: number;
  readonly rejected: number;
  readonly rejectedBy: Map<string, number>;
  readonly sha256: string;
}

/**
 * True when a source is best checked in worker threads (see {@link loadInChunks}): the driver
 * reads checked files itself, the file is large, can be cut at record ends by its bytes, and
 * every column's type can be made again in a worker.
 */
export function chunked(stage: SourceStage, rt: RunContext): boolean {
  return rt.driver.loadStyle === 'files' && rt.driver.loadFiles !== undefined && rt.driver.scratchDir !== undefined && chunkable(stage);
}

/** The file and types of {@link chunked}, whatever the driver. */
function chunkable(stage: SourceStage): boolean {
  return RecordCutter.canCut(stage.encoding, stage.delimiter) && stage.columns.every((c) => recipeOf(c.type) !== undefined) &&
    (fs.statSync(stage.file, { throwIfNoEntry: false })?.size ?? 0) >= MIN_BYTES;
}

/** Worker threads that check a source's chunks: two, or one on a machine of one core. */
const WORKERS = Math.max(1, Math.min(2, os.availableParallelism()));

/** Starts the workers that will check the source while the database opens, when it will be checked in chunks. */
export function prepareChunks(stage: SourceStage, loadStyle: 'stream' | 'files'): (() => Promise<void>) | undefined {
  if (loadStyle !== 'files' || !chunkable(stage)) return undefined;
  startCheckWorkers(WORKERS);
  return stopSpareCheckWorkers;
}

/**
 * Checks a source in worker threads, chunk by chunk, with the same rules and messages as the main
 * thread's load: the file is cut at record ends (its header read here), each chunk is decoded
 * strictly, split and checked by a worker, which writes the valid rows to a file of the run's
 * folder; the database reads each file as soon as it and every chunk before it are done, while
 * the workers check the next ones. Invalid rows, rejects and key values are taken in file order, with
 * the lines of the whole file; the bytes are hashed here as they are read.
 */
export async function loadInChunks(stage: SourceStage, rt: RunContext, load: ChunkLoad): Promise<ChunkLoaded> {
  const fd = await fs.promises.open(stage.file, 'r');
  const size = (await fd.stat()).size;
  const hash = createHash('sha256');
  const cutter = new RecordCutter(stage.delimiter);
  const limit = stage.maxRecordBytes + 2;
  let position = 0;
  const readBlock = async (): Promise<Buffer | undefined> => {
    const buf = Buffer.allocUnsafe(READ_BYTES);
    const { bytesRead } = await fd.read(buf, 0, READ_BYTES, position);
    if (bytesRead === 0) return undefined;
    position += bytesRead;
    const block = buf.subarray(0, bytesRead);
    hash.update(block);
    return block;
  };

  // The header: the first record, read here.
  let carry: Buffer = Buffer.alloc(0);
  let headerEnd = -1;
  for (;;) {
    headerEnd = cutter.first(carry);
    if (headerEnd >= 0 || carry.length > limit) break;
    const block = await readBlock();
    if (!block) break;
    carry = Buffer.concat([carry, block]);
  }
  const headerBytes = headerEnd >= 0 ? carry.subarray(0, headerEnd) : carry;
  const headerRecord = await firstRecord(headerBytes, stage);
  if (!headerRecord) {
    await fd.close();
    throw load.empty();
  }
  if (headerRecord.tooLong) throw load.tooLong(headerRecord);
  const header = load.header(headerRecord);
  if (load.rejects) load.rejects.write(stringify([[...header, 'line', 'reason']]));
  const headerLines = count(headerBytes, 0x0a);
  carry = carry.subarray(headerBytes.length);

  const setup: CheckSetup = {
    columns: stage.columns.map((c) => ({ name: c.name, recipe: recipeOf(c.type) as TypeRecipe, options: { ...c.options }, required: c.required })),
    header, delimiter: stage.delimiter, encoding: stage.encoding, maxRecordBytes: stage.maxRecordBytes,
    withLine: load.withLine, keyAt: load.keyAt, integerKey: load.keyWatch?.oneInteger === true, rejects: load.rejects !== undefined,
  };
  const pool = new CheckPool(WORKERS, setup);
  rt.log.verbose(`etl: source ${stage.id}: checked by ${WORKERS} worker threads, in chunks of ${CHUNK_BYTES} bytes`);
  let stopped = false;
  let read = 0;
  let rejected = 0;
  const rejectedBy = new Map<string, number>();
  const started = Date.now();

  // Reads and cuts the file, keeping the workers busy, while the chunks checked so far are taken in order below.
  let sent = 0;
  const producing = (async () => {
    // The chunk being filled is read into directly, and handed to a worker whole: its memory moves, nothing is copied but the part after the cut.
    let chunk = pool.buffer(Math.max(CHUNK_BYTES, carry.length) + READ_BYTES);
    carry.copy(chunk, 0);
    let filled = carry.length;
    let lastEnd = cutter.scan(chunk.subarray(0, filled), 0);
    for (;;) {
      if (stopped) return;
      if (chunk.length - filled < READ_BYTES) {
        const grown = pool.buffer(chunk.length * 2);
        chunk.copy(grown, 0, 0, filled);
        chunk = grown;
      }
      const { bytesRead } = await fd.read(chunk, filled, READ_BYTES, position);
      if (bytesRead > 0) {
        position += bytesRead;
        hash.update(chunk.subarray(filled, filled + bytesRead));
        const end = cutter.scan(chunk.subarray(0, filled + bytesRead), filled);
        if (end >= 0) lastEnd = end;
        filled += bytesRead;
      }
      // A record longer than the limit: what is left goes as the last chunk, in which the worker finds it.
      const over = filled - Math.max(0, lastEnd) > limit;
      if (bytesRead === 0 || over) {
        if (filled > 0) await pool.send(sent++, chunk.subarray(0, filled), out(rt));
        return;
      }
      if (filled >= CHUNK_BYTES && lastEnd > 0) {
        const next = pool.buffer(Math.max(CHUNK_BYTES, filled - lastEnd) + READ_BYTES);
        chunk.copy(next, 0, lastEnd, filled);
        await pool.send(sent++, chunk.subarray(0, lastEnd), out(rt));
        filled -= lastEnd;
        chunk = next;
        lastEnd = -1;
      }
    }
  })();
  producing.catch(() => undefined);

  async function* files(): AsyncGenerator<RowFile> {
    let base = headerLines;
    for (let index = 0; ; index++) {
      const result = await pool.result(index, producing, () => sent);
      if (!result) return;
      read += result.read;
      for (const bad of result.invalid) {
        const problems = bad.problems;
        if (!load.rejects) {
          for (const [i, p] of problems.entries()) rt.invalid.add(stage.id, { file: stage.file, line: base + p.line, col: p.col }, p.message, i === 0);
          continue;
        }
        rejected++;
        for (const rule of new Set(problems.map((p) => p.message))) rejectedBy.set(rule, (rejectedBy.get(rule) ?? 0) + 1);
        const original = bad.fields ?? [];
        const padded = header.map((_, k) => original[k] ?? '');
        if (!load.rejects.write(stringify([[...padded, String(base + bad.line), problems.map((p) => p.message).join('; ')]]))) await once(load.rejects, 'drain');
      }
      if (load.keyWatch) watchKeys(load.keyWatch, result.keys, load.keyAt.length);
      if (result.tooLong) throw load.tooLong({ line: base + result.tooLong.line, text: '', plain: false, tooLong: result.tooLong.kind });
      const rate = Math.round(read / Math.max(0.001, (Date.now() - started) / 1000));
      rt.log.progress(`etl: source ${stage.id}: ${mib(position)} of ${mib(size)} MiB, ${read} rows, ${rate} rows/s`);
      // A checked line may be twice its record (quotes doubled), and more where a type's value is longer than its text.
      if (result.rows > 0) yield { path: result.out, maxLineBytes: 4 * stage.maxRecordBytes + 1024, ...(load.withLine ? { lineBase: base } : {}) };
      else fs.rmSync(result.out, { force: true });
      base += result.lines;
    }
  }

  try {
    const loaded = await rt.driver.loadFiles!(load.table, load.columns, files());
    await producing;
    rt.log.verbose(`etl: source ${stage.id}: checked in ${sent} chunks`);
    return { loaded, read, rejected, rejectedBy, sha256: hash.digest('hex') };
  } finally {
    stopped = true;
    await pool.close();
    await fd.close();
  }
}

/** Hands a chunk's keys to the watch: an integer key's numbers all at once, other keys row by row. */
function watchKeys(watch: KeyWatch, keys: ChunkResult['keys'], width: number): void {
  if (keys instanceof Float64Array) {
    watch.nextIntegers(keys);
    return;
  }
  const key: (string | null)[] = new Array(width);
  for (let i = 0; i < keys.length; i += width) {
    for (let k = 0; k < width; k++) key[k] = keys[i + k]!;
    watch.next(key);
  }
}

let outCount = 0;
/** A fresh file of the run's folder for a chunk's checked rows. */
function out(rt: RunContext): string {
  return path.join(rt.driver.scratchDir!, `chunk-${process.pid}-${outCount++}.csv`);
}

/** The file's first record (its header), decoded strictly, or undefined for an empty file. */
async function firstRecord(bytes: Buffer, stage: SourceStage): Promise<TextRecord | undefined> {
  if (bytes.length === 0) return undefined;
  const text = stage.encoding === 'cp932' ? cp932Text(bytes) : bytes.toString('utf8');
  const strict = stage.encoding === 'cp932' || !isUtf8(bytes);
  const regions = (async function* () {
    yield { text, strict };
  })();
  for await (const records of scanRecords(regions, { delimiter: stage.delimiter, maxRecordBytes: stage.maxRecordBytes, encoding: stage.encoding })) {
    if (records[0]) return records[0];
  }
  return undefined;
}

function count(bytes: Uint8Array, byte: number): number {
  let n = 0;
  for (let i = bytes.indexOf(byte); i >= 0; i = bytes.indexOf(byte, i + 1)) n++;
  return n;
}

const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
