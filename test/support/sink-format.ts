/**
 * The sink format of SPEC §3, written from its text for the reference writers: UTF-8, LF, a
 * header row, RFC 4180 quoting only where a field holds `,` `"` CR or LF, NULL as empty.
 */

/** One field, quoted only where needed. */
export function csvField(s: string): string {
  return /[",\r\n]/u.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A whole file: the header, then one line per row, each ended by LF. */
export function csvText(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}
