/**
 * Readers for the files the flagship pipeline reads and writes (SPEC §4.1, §4.2, §4.4).
 * They validate as they read and report problems by file, line and column — never with the
 * value of a personal field.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { isValidJuminhyoCode } from './juminhyo-code.ts';
import { warekiToIso } from './wareki.ts';

/** The value columns the network keeps per 住民票コード. Birth dates are ISO (maybe partial). */
export interface NetworkValues {
  readonly name: string;
  readonly nameKana: string;
  readonly birthDate: string;
  readonly sex: string;
  readonly address: string;
}

/** One `history.csv` row; dates converted to ISO, the raw wareki kept beside them. */
export interface HistoryRow extends NetworkValues {
  /** 1-based line of the row in its file. */
  readonly line: number;
  readonly seq: number;
  readonly personId: string;
  readonly juminhyoCode: string;
  readonly eventCode: string;
  /** `event_date` as `YYYY-MM-DD`. */
  readonly eventDate: string;
  readonly eventDateWareki: string;
  readonly birthDateWareki: string;
  /** `YYYY-MM-DD HH:MM:SS`; compares correctly as a string. */
  readonly processedAt: string;
}

/** One `non_notification.csv` row. */
export interface ListRow {
  readonly line: number;
  /** 0-based position in the file: "the first in the file" of SPEC §4.3. */
  readonly index: number;
  readonly personId: string;
  readonly requestedOn: string;
}

/** One `list_events.csv` row (SPEC §7.2). */
export interface ListEventRow {
  /** 1-based line of the row in its file: the order of list events of one second. */
  readonly line: number;
  readonly personId: string;
  readonly event: 'request' | 'withdraw';
  /** `YYYY-MM-DD HH:MM:SS`. */
  readonly at: string;
}

/** One record of a feed file (`01`…`04`, `07`), SPEC §4.4. */
export interface FeedRecord extends NetworkValues {
  readonly line: number;
  readonly seq: string;
  readonly juminhyoCode: string;
  readonly previousJuminhyoCode: string;
  readonly eventCode: string;
  readonly eventDate: string;
}

/** One `exceptions.csv` row. */
export interface ExceptionRow {
  readonly personId: string;
  readonly requestedOn: string;
  readonly reason: string;
}

/** The header of every feed file, in its order. */
export const FEED_COLUMNS = [
  'seq', 'juminhyo_code', 'previous_juminhyo_code', 'event_code', 'event_date',
  'name', 'name_kana', 'birth_date', 'sex', 'address',
] as const;

/** The event classes of SPEC §4.5. */
export const EVENT_CLASS: Readonly<Record<string, 'add' | 'remove' | 'modify'>> = {
  '11': 'add', '12': 'add', '13': 'add', '21': 'remove', '22': 'remove', '23': 'remove',
  '31': 'modify', '32': 'modify', '33': 'modify', '34': 'modify',
};

const HISTORY_COLUMNS = [
  'seq', 'person_id', 'juminhyo_code', 'event_code', 'event_date', 'processed_at',
  'name', 'name_kana', 'birth_date', 'sex', 'address',
];
const TIMESTAMP = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/u;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/u;

/** Reads `history.csv` (CP932, columns in any order) and checks every field's format. */
export async function readHistory(path: string): Promise<HistoryRow[]> {
  const rows: HistoryRow[] = [];
  const seqs = new Set<number>();
  // Line numbers count records: `info: true` would be exact with quoted line breaks but is
  // three times slower, and the history's fields never hold a line break.
  const parser = createReadStream(path).pipe(iconv.decodeStream('cp932')).pipe(parse());
  let cols: Record<string, number> | undefined;
  let line = 1;
  for await (const record of parser as AsyncIterable<string[]>) {
    if (cols === undefined) {
      cols = _header(path, record, HISTORY_COLUMNS);
      continue;
    }
    line++;
    const get = (c: string): string => record[cols![c]!]!;
    const bad = (c: string, rule: string): never => {
      throw new Error(`${path}:${line}:${cols![c]! + 1}: ${c}: ${rule}`);
    };
    const seq = Number(get('seq'));
    if (!/^[1-9]\d*$/u.test(get('seq'))) bad('seq', 'not a positive integer');
    if (seqs.has(seq)) bad('seq', `duplicate seq ${seq}`);
    seqs.add(seq);
    if (!/^\d{10}$/u.test(get('person_id'))) bad('person_id', 'not 10 digits');
    if (!isValidJuminhyoCode(get('juminhyo_code'))) bad('juminhyo_code', `invalid code ${get('juminhyo_code')}`);
    if (EVENT_CLASS[get('event_code')] === undefined) bad('event_code', `unknown code ${get('event_code')}`);
    const eventDate = warekiToIso(get('event_date')) ?? bad('event_date', 'not a valid wareki date');
    if (!TIMESTAMP.test(get('processed_at'))) bad('processed_at', 'not YYYY-MM-DD HH:MM:SS');
    const birthDate = warekiToIso(get('birth_date'), { partial: true }) ?? bad('birth_date', 'not a valid wareki date');
    if (get('sex') !== '1' && get('sex') !== '2') bad('sex', 'not 1 or 2');
    for (const c of ['name', 'name_kana', 'address']) if (get(c) === '') bad(c, 'empty');
    rows.push({
      line, seq, personId: get('person_id'), juminhyoCode: get('juminhyo_code'), eventCode: get('event_code'),
      eventDate, eventDateWareki: get('event_date'), processedAt: get('processed_at'),
      name: get('name'), nameKana: get('name_kana'), birthDate, birthDateWareki: get('birth_date'),
      sex: get('sex'), address: get('address'),
    });
  }
  if (cols === undefined) throw new Error(`${path}: empty file`);
  return rows;
}

/** Reads `non_notification.csv` (UTF-8, a BOM skipped, LF or CRLF). */
export function readList(path: string): ListRow[] {
  const records = _parseFile(path, true);
  const cols = _header(path, records[0] ?? [], ['person_id', 'requested_on']);
  return records.slice(1).map((r, index) => {
    const line = index + 2;
    const personId = r[cols['person_id']!]!;
    const requestedOn = r[cols['requested_on']!]!;
    if (!/^\d{10}$/u.test(personId)) throw new Error(`${path}:${line}:${cols['person_id']! + 1}: person_id: not 10 digits`);
    if (!DATE.test(requestedOn)) throw new Error(`${path}:${line}:${cols['requested_on']! + 1}: requested_on: not YYYY-MM-DD`);
    return { line, index, personId, requestedOn };
  });
}

/** Reads `list_events.csv` (UTF-8, a BOM skipped, LF or CRLF, columns in any order). */
export function readListEvents(path: string): ListEventRow[] {
  const records = _parseFile(path, true);
  const cols = _header(path, records[0] ?? [], ['person_id', 'event', 'at']);
  return records.slice(1).map((r, index) => {
    const line = index + 2;
    const get = (c: string): string => r[cols[c]!]!;
    const bad = (c: string, rule: string): never => {
      throw new Error(`${path}:${line}:${cols[c]! + 1}: ${c}: ${rule}`);
    };
    if (!/^\d{10}$/u.test(get('person_id'))) bad('person_id', 'not 10 digits');
    const event = get('event');
    if (event !== 'request' && event !== 'withdraw') bad('event', 'not request or withdraw');
    if (!TIMESTAMP.test(get('at'))) bad('at', 'not YYYY-MM-DD HH:MM:SS');
    return { line, personId: get('person_id'), event: event as ListEventRow['event'], at: get('at') };
  });
}

/** Reads a feed file; its header must be exactly {@link FEED_COLUMNS}. */
export function readFeed(path: string): FeedRecord[] {
  const records = _parseFile(path, false);
  _exactHeader(path, records[0], FEED_COLUMNS);
  return records.slice(1).map((r, i) => ({
    line: i + 2, seq: r[0]!, juminhyoCode: r[1]!, previousJuminhyoCode: r[2]!, eventCode: r[3]!, eventDate: r[4]!,
    name: r[5]!, nameKana: r[6]!, birthDate: r[7]!, sex: r[8]!, address: r[9]!,
  }));
}

/** Reads `exceptions.csv`; its header must be exactly `person_id,requested_on,reason`. */
export function readExceptions(path: string): ExceptionRow[] {
  const records = _parseFile(path, false);
  _exactHeader(path, records[0], ['person_id', 'requested_on', 'reason']);
  return records.slice(1).map((r) => ({ personId: r[0]!, requestedOn: r[1]!, reason: r[2]! }));
}

/** One `exceptions.csv` row of a daily run (SPEC §7.4). */
export interface DailyExceptionRow {
  readonly line: number;
  readonly personId: string;
  readonly event: string;
  readonly at: string;
  readonly reason: string;
}

/** Reads a daily run's `exceptions.csv`; its header must be exactly `person_id,event,at,reason`. */
export function readDailyExceptions(path: string): DailyExceptionRow[] {
  const records = _parseFile(path, false);
  _exactHeader(path, records[0], ['person_id', 'event', 'at', 'reason']);
  return records.slice(1).map((r, i) => ({ line: i + 2, personId: r[0]!, event: r[1]!, at: r[2]!, reason: r[3]! }));
}

/** Reads any sink file as its header and rows of fields (UTF-8, no BOM). */
export function readSinkFile(path: string): { header: string[]; rows: string[][] } {
  const [header = [], ...rows] = _parseFile(path, false);
  return { header, rows };
}

function _parseFile(path: string, bom: boolean): string[][] {
  return parseSync(readFileSync(path, 'utf8'), { bom, relax_column_count: false }) as string[][];
}

function _header(path: string, header: readonly string[], required: readonly string[]): Record<string, number> {
  const cols: Record<string, number> = {};
  header.forEach((h, i) => (cols[h] = i));
  const missing = required.filter((c) => cols[c] === undefined);
  if (missing.length > 0) throw new Error(`${path}:1: header lacks ${missing.join(', ')}`);
  return cols;
}

function _exactHeader(path: string, header: readonly string[] | undefined, expected: readonly string[]): void {
  if (header === undefined || header.join(',') !== expected.join(',')) {
    throw new Error(`${path}:1: header is not ${expected.join(',')}`);
  }
}
