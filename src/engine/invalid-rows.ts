import type { Diagnostic, Position } from '../errors.ts';

/** How many invalid fields are listed before the rest are only counted. */
export const LIST_LIMIT = 100;

/** `invalid`: a row that broke its columns' types (on_invalid: fail); `duplicate`: a repeated primary key; `rule`: a row that broke one of the source's rules. */
export type Problem = 'invalid' | 'duplicate' | 'rule';

/** Rows that stop the run, gathered across every source: listed up to a limit, all counted. */
export class InvalidRows {
  readonly #listed: Diagnostic[] = [];
  #problems = 0;
  readonly #rows = new Map<string, number>();

  /** Records one problem of a row; `firstOfRow` counts the row itself. */
  add(source: string, pos: Position, message: string, firstOfRow: boolean, kind: Problem = 'invalid'): void {
    this.#problems++;
    if (firstOfRow) this.#count(source, kind, 1);
    if (this.#listed.length < LIST_LIMIT) this.#listed.push({ pos, message });
  }

  /** Counts rows that were found in bulk and are not listed one by one (`problems`: theirs, when a row may have several). */
  addUnlisted(source: string, rows: number, kind: Problem = 'invalid', problems = rows): void {
    this.#problems += problems;
    this.#count(source, kind, rows);
  }

  #count(source: string, kind: Problem, n: number): void {
    const key = `${source}\u0000${kind}`;
    this.#rows.set(key, (this.#rows.get(key) ?? 0) + n);
  }

  get any(): boolean {
    return this.#problems > 0;
  }

  /** The listed problems, then a count of the rest, then one line per source and kind. */
  diagnostics(): Diagnostic[] {
    const out = [...this.#listed];
    const more = this.#problems - this.#listed.length;
    if (more > 0) out.push({ message: `… and ${more} more problem${more === 1 ? '' : 's'} not listed` });
    for (const [key, rows] of [...this.#rows].sort()) {
      const [source, kind] = key.split('\u0000');
      const what = kind === 'duplicate' ? `row${rows === 1 ? '' : 's'} repeating a primary key` : kind === 'rule' ? `row${rows === 1 ? '' : 's'} breaking its rules` : `invalid row${rows === 1 ? '' : 's'} (on_invalid: fail)`;
      out.push({ message: `source "${source}": ${rows} ${what}; nothing was written` });
    }
    return out;
  }
}
