import type { Diagnostic, Position } from '../errors.ts';

/** How many invalid fields are listed before the rest are only counted. */
export const LIST_LIMIT = 100;

/** Invalid rows of sources with `on_invalid: fail`, gathered across the whole run. */
export class InvalidRows {
  readonly #listed: Diagnostic[] = [];
  #problems = 0;
  readonly #rowsBySource = new Map<string, number>();

  /** Records one problem of a row; `firstOfRow` counts the row itself. */
  add(source: string, pos: Position, message: string, firstOfRow: boolean): void {
    this.#problems++;
    if (firstOfRow) this.#rowsBySource.set(source, (this.#rowsBySource.get(source) ?? 0) + 1);
    if (this.#listed.length < LIST_LIMIT) this.#listed.push({ pos, message });
  }

  /** Counts invalid rows that were found in bulk and are not listed one by one. */
  addUnlisted(source: string, rows: number): void {
    this.#problems += rows;
    this.#rowsBySource.set(source, (this.#rowsBySource.get(source) ?? 0) + rows);
  }

  get any(): boolean {
    return this.#problems > 0;
  }

  /** The listed problems, then a count of the rest, then one line per source. */
  diagnostics(): Diagnostic[] {
    const out = [...this.#listed];
    const more = this.#problems - this.#listed.length;
    if (more > 0) out.push({ message: `… and ${more} more problem${more === 1 ? '' : 's'} not listed` });
    for (const [source, rows] of [...this.#rowsBySource].sort()) {
      out.push({ message: `source "${source}": ${rows} invalid row${rows === 1 ? '' : 's'} (on_invalid: fail); nothing was written` });
    }
    return out;
  }
}
