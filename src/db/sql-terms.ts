import type { TableColumn } from './driver.ts';

/** Quotes an identifier for SQL (both engines quote with `"`). */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * `ORDER BY` terms: text by code point (the "C" collation, which both engines have) whatever the
 * database's default, NULLs last. Qualified by the table, so the key is the stored value and never
 * a formatted output column of the same name.
 */
export function orderTerms(table: string, orderBy: readonly TableColumn[]): string {
  return orderBy.map((c) => `${ident(table)}.${ident(c.name)}${c.kind === 'text' ? ' COLLATE "C"' : ''} ASC NULLS LAST`).join(', ');
}

/** `CREATE TABLE`'s column list. */
export function columnList(columns: readonly { name: string; sqlType: string }[]): string {
  return columns.map((c) => `${ident(c.name)} ${c.sqlType}`).join(', ');
}
