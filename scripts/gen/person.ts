/**
 * One person's life line: a full record after every change, built event by event so that
 * each history row is the previous record plus exactly the change its event code means.
 */
import { MEIJI_FLOOR, dayOfSeconds, wareki, warekiPartial } from './calendar.ts';
import type { CodeIssuer } from './juminhyo-code.ts';
import { address, fullName, givenName, surname, variantSpelling } from './names.ts';
import type { Rng } from './prng.ts';
import { lagDays } from './timeline.ts';

/** What the generator threads through every person. */
export interface GenContext {
  readonly rng: Rng;
  readonly codes: CodeIssuer;
}

/** A person's full record after a change (the history row's value columns). */
export interface PersonRecord {
  code: string;
  name: string;
  kana: string;
  birth: string;
  sex: '1' | '2';
  address: string;
}

/** One history row before it has a `seq`. */
export interface LifeEvent {
  readonly code: number;
  /** `processed_at`, seconds since 1970-01-01 (naive local time). */
  readonly at: number;
  /** `event_date`, days since 1970-01-01. */
  readonly eventDay: number;
  readonly rec: Readonly<PersonRecord>;
}

/** Forced properties of a new person, so scripted persons cover every awkward case. */
export interface Flavour {
  readonly ext?: boolean;
  readonly halfKana?: boolean;
  readonly addressKind?: 'comma' | 'quote';
  /** A wareki birth date to use as is (move-ins only). */
  readonly birth?: string;
}

/** Birth dates on and around era boundaries, both spellings of the shared days included. */
export const BOUNDARY_BIRTHS = [
  '1450729', '1450730', '2010730', '2010731', '2151224', '2151225', '3011225', '3011226',
  '3640107', '4010108', '1060101',
];

/** The classes of SPEC §4.5 by event code. */
export const EVENT_CLASS: Record<number, 'add' | 'remove' | 'modify'> = {
  11: 'add', 12: 'add', 13: 'add', 21: 'remove', 22: 'remove', 23: 'remove',
  31: 'modify', 32: 'modify', 33: 'modify', 34: 'modify',
};

/** Builds one person's events in processing order. */
export class LifeBuilder {
  readonly events: LifeEvent[] = [];
  readonly #ctx: GenContext;
  #rec!: PersonRecord;
  #birthDay: number | null = null;
  #halfKana = false;
  #sur: readonly [string, string] = ['', ''];
  #given: readonly [string, string] = ['', ''];

  constructor(ctx: GenContext) {
    this.#ctx = ctx;
  }

  /** Whether the person is on the register after the last event. */
  get present(): boolean {
    const last = this.events.at(-1);
    return last !== undefined && EVENT_CLASS[last.code] !== 'remove';
  }

  /** Processing time of the last event. */
  get lastAt(): number {
    return this.events.at(-1)!.at;
  }

  /** The first event: an add (11 birth, 12 move-in, 13 ex-officio entry) creating the record. */
  start(code: 11 | 12 | 13, at: number, flavour: Flavour = {}, eventDay?: number): this {
    const { rng, codes } = this.#ctx;
    const day = eventDay ?? dayOfSeconds(at) - lagDays(rng);
    const sex = rng.chance(0.5) ? '1' : '2';
    this.#given = givenName(rng, sex);
    this.#halfKana = flavour.halfKana ?? rng.chance(0.08);
    this.#sur = surname(rng, { ext: flavour.ext });
    const { name, kana } = fullName(this.#sur, this.#given, this.#halfKana);
    let birth: string;
    if (code === 11) {
      this.#birthDay = day;
      birth = wareki(day);
    } else {
      birth = flavour.birth ?? this.#randomBirth(day);
    }
    this.#rec = { code: codes.next(), name, kana, birth, sex, address: address(rng, flavour.addressKind) };
    return this.#push(code, at, day);
  }

  /** A later event; the record changes as the code means. `eventDay` defaults to a short lag. */
  event(code: number, at: number, eventDay?: number): this {
    const { rng, codes } = this.#ctx;
    let day = eventDay ?? dayOfSeconds(at) - lagDays(rng);
    if (this.#birthDay !== null && day < this.#birthDay) day = this.#birthDay;
    const rec = this.#rec;
    if (code === 31 || code === 11 || code === 12 || code === 13) rec.address = address(rng);
    else if (code === 32) this.#rename();
    else if (code === 33) this.#correct();
    else if (code === 34) rec.code = codes.next();
    return this.#push(code, at, day);
  }

  #push(code: number, at: number, eventDay: number): this {
    this.events.push({ code, at, eventDay, rec: { ...this.#rec } });
    return this;
  }

  #rename(): void {
    const { rng } = this.#ctx;
    let sur = surname(rng);
    while (sur[0] === this.#sur[0]) sur = surname(rng);
    this.#sur = sur;
    Object.assign(this.#rec, fullName(sur, this.#given, this.#halfKana));
  }

  /** 職権修正: fix a spelling, the kana's width, the birth date, or the address. */
  #correct(): void {
    const { rng } = this.#ctx;
    const rec = this.#rec;
    const r = rng.float();
    const variant = variantSpelling(rec.name);
    if (r < 0.3 && variant !== null) {
      rec.name = variant;
    } else if (r < 0.6) {
      // Kana are rebuilt rather than converted, so a spelling fixed earlier is kept.
      this.#halfKana = !this.#halfKana;
      rec.kana = fullName(this.#sur, this.#given, this.#halfKana).kana;
    } else if (r < 0.8 && this.#birthDay !== null && this.events[0]!.code !== 11) {
      this.#birthDay = Math.max(MEIJI_FLOOR, this.#birthDay - rng.int(1, 40));
      rec.birth = wareki(this.#birthDay);
    } else {
      rec.address = address(rng);
    }
  }

  /** A birth date for someone moving in on `day`: mostly full, a few partial or on a boundary. */
  #randomBirth(day: number): string {
    const { rng } = this.#ctx;
    const r = rng.float();
    if (r < 0.004) return rng.pick(BOUNDARY_BIRTHS);
    if (r < 0.02) {
      // Partial dates only in years wholly inside one era, so the era digit is unambiguous.
      let y = rng.int(1880, 1985);
      if (y === 1912 || y === 1926) y++;
      return warekiPartial(y, r < 0.014 ? rng.int(1, 12) : null);
    }
    const ageDays = rng.chance(0.02) ? rng.int(90 * 365, 125 * 365) : rng.int(1, 90 * 365);
    this.#birthDay = Math.max(MEIJI_FLOOR, day - ageDays);
    return wareki(this.#birthDay, rng.chance(0.5));
  }
}
