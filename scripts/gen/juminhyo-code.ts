import { Rng } from './prng.ts';

const WEIGHTS = [2, 3, 4, 5, 6, 7, 2, 3, 4, 5];
const HALF = 100_000;

/** The SPEC §4.6 modulus-11 check digit of a 10-digit body. */
export function checkDigit(body: string): number {
  let sum = 0;
  for (let n = 1; n <= 10; n++) sum += Number(body[10 - n]) * WEIGHTS[n - 1]!;
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

/**
 * Issues 住民票コード that are never issued twice: a counter goes through a keyed Feistel
 * permutation of [0, 10^10), which is a bijection, so uniqueness needs no memory at all —
 * that is what lets the generator reach millions of persons.
 */
export class CodeIssuer {
  readonly #keys: number[];
  #counter = 0;

  constructor(seed: string) {
    const rng = new Rng(seed, 'juminhyo-code');
    this.#keys = [0, 1, 2, 3].map(() => rng.next32());
  }

  /** The next unused 11-digit code with a valid check digit. */
  next(): string {
    let l = Math.floor(this.#counter / HALF);
    let r = this.#counter % HALF;
    this.#counter++;
    for (const k of this.#keys) {
      const f = _round(r, k);
      [l, r] = [r, (l + f) % HALF];
    }
    const body = String(l * HALF + r).padStart(10, '0');
    return body + String(checkDigit(body));
  }
}

function _round(x: number, key: number): number {
  let h = Math.imul(x ^ key, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  return ((h ^ (h >>> 13)) >>> 0) % HALF;
}
