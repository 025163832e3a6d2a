const COPY_SPECIAL = /[\\\t\n\r]/;
const UNESCAPE: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v' };

/** True when `s` holds a character that COPY's text format would read as special. */
export function hasCopySpecial(s: string): boolean {
  return COPY_SPECIAL.test(s);
}

/** Escapes a value for COPY's text format, where backslash, tab, LF and CR are special. */
export function escapeCopyText(s: string): string {
  if (!COPY_SPECIAL.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Splits one line of COPY text output into values; `\N` is null. */
export function parseCopyLine(line: string): (string | null)[] {
  return line.split('\t').map((f) => {
    if (f === '\\N') return null;
    if (!f.includes('\\')) return f;
    return f.replace(/\\(.)/g, (_, c: string) => UNESCAPE[c] ?? c);
  });
}
