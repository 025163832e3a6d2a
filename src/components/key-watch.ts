import type { Column } from '../config/pipeline.ts';

type Kind = 'integer' | 'bigint' | 'text';
type Key = number | bigint | string;

/** Key values a one-integer-column key is marked off for, from 0: a bitmap of 4 MiB at most. */
const MARKED_LIMIT = 2 ** 25;

/**
 * Watches a primary key while a file loads, to spare the database's check (which sorts every
 * row) when the key is plainly unique: when the keys strictly ascend in file order (then no two
 * are equal), or, for a key of one integer column, when each value was marked off in a bitmap
 * without meeting itself (a registry's `seq` of 1…n in any order). Only keys whose comparison here
 * agrees with the database's equality are watched: integers by value, text by its characters.
 */
export class KeyWatch {
  readonly #kinds: readonly Kind[];
  #previous: Key[] | undefined;
  #ascending = true;
  /** One bit per value of a one-integer-column key; undefined once a value falls outside it. */
  #marked: Uint8Array | undefined;
  #repeated = false;

  private constructor(kinds: readonly Kind[]) {
    this.#kinds = kinds;
    if (kinds.length === 1 && kinds[0] !== 'text') this.#marked = new Uint8Array(1 << 16);
  }

  /** A watch for these key columns, or undefined when one of their types cannot be compared here. */
  static for(columns: readonly Column[]): KeyWatch | undefined {
    const kinds: Kind[] = [];
    for (const c of columns) {
      const sqlType = c.type.sqlType(c.options);
      if (sqlType !== 'integer' && sqlType !== 'bigint' && sqlType !== 'text') return undefined;
      kinds.push(sqlType);
    }
    return new KeyWatch(kinds);
  }

  /** True when the keys seen so far are certainly distinct. */
  get unique(): boolean {
    return this.#ascending || (this.#marked !== undefined && !this.#repeated);
  }

  /** True for a key of one integer column, whose values {@link nextIntegers} may take as numbers. */
  get oneInteger(): boolean {
    return this.#kinds.length === 1 && this.#kinds[0] === 'integer';
  }

  /** The key of the next loaded row, as the checked values loaded (null for an empty field). */
  next(values: readonly (string | null)[]): void {
    if (this.#marked && !this.#repeated) this.#mark(values[0] === null || values[0] === undefined ? -1 : Number(values[0]));
    if (this.#ascending) this.#follow(values);
  }

  /**
   * The keys of the next loaded rows of a {@link oneInteger} key, as numbers (NaN for NULL): what
   * {@link next} does for each, without a string or an array per row.
   */
  nextIntegers(values: Float64Array): void {
    let previous = this.#previous ? (this.#previous[0] as number) : -Infinity;
    for (let i = 0; i < values.length; i++) {
      const n = values[i]!;
      if (this.#marked && !this.#repeated) this.#mark(Number.isNaN(n) ? -1 : n);
      if (this.#ascending) {
        // Two NULL keys are one group to GROUP BY: leave NULLs to the database.
        if (Number.isNaN(n) || n <= previous) this.#ascending = false;
        previous = n;
      }
    }
    if (this.#ascending && values.length > 0) this.#previous = [previous];
  }

  #follow(values: readonly (string | null)[]): void {
    const key: Key[] = [];
    for (let i = 0; i < this.#kinds.length; i++) {
      const v = values[i];
      // Two NULL keys are one group to GROUP BY: leave NULLs to the database.
      if (v === null || v === undefined) {
        this.#ascending = false;
        return;
      }
      const kind = this.#kinds[i];
      key.push(kind === 'integer' ? Number(v) : kind === 'bigint' ? BigInt(v) : v);
    }
    if (this.#previous && compare(key, this.#previous) <= 0) this.#ascending = false;
    this.#previous = key;
  }

  /** Marks off the value `n` (−1 for NULL, which leaves the bitmap: two NULLs are not told apart). */
  #mark(n: number): void {
    if (!(n >= 0 && n < MARKED_LIMIT)) {
      this.#marked = undefined;
      return;
    }
    const byte = n >>> 3;
    if (byte >= this.#marked!.length) {
      const grown = new Uint8Array(Math.min(MARKED_LIMIT / 8, Math.max(byte + 1, this.#marked!.length * 2)));
      grown.set(this.#marked!);
      this.#marked = grown;
    }
    const bit = 1 << (n & 7);
    if (this.#marked![byte]! & bit) this.#repeated = true;
    this.#marked![byte]! |= bit;
  }
}

function compare(a: readonly Key[], b: readonly Key[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}
