/**
 * The SQL of the hand-written baseline: staging tables of text, the type conversions, the
 * pipeline's stages and the five output queries. The baseline assumes valid input (the engine
 * is the one that proves it), so the conversions are plain casts with no checks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A quoted identifier. */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A quoted string literal. */
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** A staging table whose columns are the file's header, all text, as COPY parses them. */
export function stagingTable(table: string, header: readonly string[], lineNumbers = false): string {
  // An identity column numbers the rows in file order: COPY inserts them in that order.
  const line = lineNumbers ? ', line_no integer GENERATED ALWAYS AS IDENTITY' : '';
  return `CREATE UNLOGGED TABLE ${table} (${header.map((c) => `${ident(c)} text`).join(', ')}${line})`;
}

/**
 * Wareki `GYYMMDD` in SQL (types/wareki-date.ts without its validity rules): the Gregorian
 * year is the era's first year + YY − 1. Single-expression IMMUTABLE SQL functions, which the
 * planner inlines, so they cost what the expressions would.
 */
export const WAREKI_FUNCTIONS = [
  `CREATE FUNCTION wareki_year(d text) RETURNS integer IMMUTABLE LANGUAGE sql AS $$
     SELECT CASE substr(d, 1, 1) WHEN '1' THEN 1867 WHEN '2' THEN 1911 WHEN '3' THEN 1925 WHEN '4' THEN 1988 ELSE 2018 END
            + substr(d, 2, 2)::integer $$`,
  `CREATE FUNCTION wareki_date(d text) RETURNS date IMMUTABLE LANGUAGE sql AS $$
     SELECT make_date(wareki_year(d), substr(d, 4, 2)::integer, substr(d, 6, 2)::integer) $$`,
  // partial: true — MMDD 0000 gives YYYY, DD 00 gives YYYY-MM, else YYYY-MM-DD (text). Years are ≥ 1873: 4 digits.
  `CREATE FUNCTION wareki_partial(d text) RETURNS text IMMUTABLE LANGUAGE sql AS $$
     SELECT wareki_year(d)::text || CASE WHEN substr(d, 4, 2) = '00' THEN ''
                                         WHEN substr(d, 6, 2) = '00' THEN '-' || substr(d, 4, 2)
                                         ELSE '-' || substr(d, 4, 2) || '-' || substr(d, 6, 2) END $$`,
];

/** The typed tables the stages read, under the names the engine gives its sources. */
export const TYPED_HISTORY = `CREATE UNLOGGED TABLE history AS
  SELECT seq::integer AS seq, person_id, juminhyo_code, event_code, wareki_date(event_date) AS event_date,
         processed_at::timestamp AS processed_at, name, name_kana, wareki_partial(birth_date) AS birth_date, sex, address
  FROM stg_history`;
/** `line` as the engine's line_column: the header is line 1 (no quoted newlines in the list). */
export const TYPED_LIST = `CREATE UNLOGGED TABLE non_notification AS
  SELECT person_id, requested_on::date AS requested_on, line_no + 1 AS line FROM stg_list`;
export const TYPED_EVENT_CODES = `CREATE UNLOGGED TABLE event_codes AS SELECT code, class FROM stg_event_codes`;

/**
 * A stage of pipeline.yaml as `CREATE UNLOGGED TABLE … AS` over the SQL of its transforms/ file:
 * the query logic has one source, so the baseline measures the same SQL the engine runs. Its
 * `:name` parameters become literals (only the known ones; a `::cast` is never a parameter).
 */
export function stage(root: string, id: string, params: Readonly<Record<string, string>>): string {
  const sql = readFileSync(join(root, 'transforms', `${id}.sql`), 'utf8')
    .replace(/(?<![:\w]):([a-z_]\w*)/g, (whole, name: string) => (name in params ? literal(params[name]!) : whole))
    .replace(/;\s*$/, '');
  return `CREATE UNLOGGED TABLE ${id} AS\n${sql}`;
}

/** The routing split of pipeline.yaml: listed persons' changes are held, every other one goes out. */
export const ROUTING = [
  `CREATE UNLOGGED TABLE held_changes AS
     SELECT * FROM changes WHERE person_id IN (SELECT person_id FROM non_notification)`,
  `CREATE UNLOGGED TABLE outbound_changes AS
     SELECT * FROM changes c WHERE NOT EXISTS (SELECT 1 FROM non_notification n WHERE n.person_id = c.person_id)`,
];

/** The state the setup leaves for the daily runs (SPEC §7.1): the window, the registry and the list. */
export const WINDOW = (until: string) => `CREATE UNLOGGED TABLE next_window AS SELECT ${literal(until)}::timestamp AS until`;

/** The columns of the four event files, as the stages produce them; all but seq and event_date are text. */
const EVENT_COLUMNS = ['seq', 'juminhyo_code', 'previous_juminhyo_code', 'event_code', 'event_date', 'name', 'name_kana', 'birth_date', 'sex', 'address'];
const NOT_TEXT = new Set(['seq', 'event_date', 'requested_on', 'line', 'since', 'until']);
const BOOLEAN = new Set(['present']);

/**
 * `COPY (SELECT …) TO STDOUT` in the engine's output form: an empty text as an empty field
 * (COPY would write `""`), booleans as true/false, text sorted in the "C" collation, NULLs last.
 */
function copyOut(table: string, columns: readonly string[], orderBy: readonly string[]): string {
  const value = (c: string) =>
    BOOLEAN.has(c) ? `CASE WHEN ${ident(c)} THEN 'true' WHEN NOT ${ident(c)} THEN 'false' END` : NOT_TEXT.has(c) ? ident(c) : `NULLIF(${ident(c)}, '')`;
  const key = (c: string) => `${table}.${ident(c)}${NOT_TEXT.has(c) ? '' : ' COLLATE "C"'} NULLS LAST`;
  return `COPY (SELECT ${columns.map((c) => `${value(c)} AS ${ident(c)}`).join(', ')} FROM ${table} ORDER BY ${orderBy.map(key).join(', ')}) TO STDOUT (FORMAT csv, HEADER)`;
}

/** The output files and their queries, the largest first (they are written in parallel). */
export const SINKS: readonly { file: string; sql: string }[] = [
  { file: 'state/registry.csv', sql: copyOut('registry', ['person_id', 'present', 'juminhyo_code', 'name', 'name_kana', 'birth_date', 'sex', 'address'], ['person_id']) },
  { file: '03_outbound.csv', sql: copyOut('outbound', EVENT_COLUMNS, ['seq']) },
  { file: 'state/held.csv', sql: copyOut('held', [EVENT_COLUMNS[0]!, 'person_id', ...EVENT_COLUMNS.slice(1)], ['seq']) },
  { file: '04_held.csv', sql: copyOut('held', EVENT_COLUMNS, ['seq']) },
  { file: 'state/listed.csv', sql: copyOut('listed', ['person_id', 'since'], ['person_id']) },
  { file: 'state/window.csv', sql: copyOut('next_window', ['until'], ['until']) },
  { file: '01_deletions.csv', sql: copyOut('deletions', EVENT_COLUMNS, ['seq']) },
  { file: '02_entries.csv', sql: copyOut('entries', EVENT_COLUMNS, ['seq']) },
  { file: 'exceptions.csv', sql: copyOut('exceptions', ['person_id', 'requested_on', 'reason'], ['person_id', 'line']) },
];
