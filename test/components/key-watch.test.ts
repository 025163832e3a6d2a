import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyWatch } from '../../src/components/key-watch.ts';
import type { Column } from '../../src/config/pipeline.ts';
import { bigintType, dateType, integerType, textType } from '../../src/types/builtin.ts';
import type { ColumnType } from '../../src/types/column-type.ts';

const column = (name: string, type: ColumnType): Column => ({ name, type, options: {}, required: false });

function unique(types: ColumnType[], keys: (string | null)[][]): boolean {
  const watch = KeyWatch.for(types.map((t, i) => column(`k${i}`, t)))!;
  for (const k of keys) watch.next(k);
  return watch.unique;
}

describe('KeyWatch', () => {
  it('knows a one-integer key is unique when each value occurs once, in any order', () => {
    expect(unique([integerType], [['3'], ['1'], ['2'], ['100000'], ['0']])).toBe(true);
    expect(unique([integerType], [['3'], ['1'], ['3']])).toBe(false);
    expect(unique([integerType], [['7'], ['1'], ['+7']])).toBe(false);
    expect(unique([integerType], [['5'], ['4'], ['05']])).toBe(false);
  });

  it('cannot tell for values outside its bitmap unless they ascend', () => {
    expect(unique([integerType], [['2'], ['-1'], ['1']])).toBe(false);
    expect(unique([integerType], [['-5'], ['-1'], ['1']])).toBe(true);
    expect(unique([integerType], [['40000000'], ['1']])).toBe(false);
    expect(unique([integerType], [['1'], ['40000000']])).toBe(true);
  });

  it('compares bigint keys exactly beyond 2^53', () => {
    expect(unique([bigintType], [['9007199254740992'], ['9007199254740993']])).toBe(true);
    expect(unique([bigintType], [['9007199254740993'], ['9007199254740993']])).toBe(false);
  });

  it('knows other keys are unique only while they strictly ascend: text by characters, composite keys column by column', () => {
    expect(unique([textType], [['B'], ['a'], ['b']])).toBe(true);
    expect(unique([textType], [['b'], ['a']])).toBe(false);
    expect(unique([textType], [['a'], ['a']])).toBe(false);
    expect(unique([textType, integerType], [['a', '2'], ['a', '10'], ['b', '1']])).toBe(true);
    expect(unique([textType, integerType], [['a', '2'], ['a', '2']])).toBe(false);
  });

  it('gives up at a NULL key, which the database groups with other NULLs', () => {
    expect(unique([integerType], [['1'], [null], ['2']])).toBe(false);
    expect(unique([textType], [['a'], [null], ['b']])).toBe(false);
  });

  it('does not watch keys of types it cannot compare like the database', () => {
    expect(KeyWatch.for([column('d', dateType)])).toBeUndefined();
  });

  it('takes a one-integer key as numbers, in batches, with the verdict it gives the same values as text (property)', () => {
    const value = fc.oneof(fc.integer({ min: -3, max: 40 }), fc.constant(null), fc.constantFrom(2 ** 25 - 1, 2 ** 25, 2147483647));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 60 }), fc.array(fc.nat(60), { maxLength: 4 }), (values, cuts) => {
        const asText = KeyWatch.for([column('k', integerType)])!;
        for (const v of values) asText.next([v === null ? null : String(v)]);
        const asNumbers = KeyWatch.for([column('k', integerType)])!;
        expect(asNumbers.oneInteger).toBe(true);
        const numbers = Float64Array.from(values, (v) => (v === null ? NaN : v));
        let from = 0;
        for (const cut of [...cuts.map((c) => Math.min(c, values.length)).sort((a, b) => a - b), values.length]) {
          asNumbers.nextIntegers(numbers.subarray(from, Math.max(from, cut)));
          from = Math.max(from, cut);
        }
        expect(asNumbers.unique).toBe(asText.unique);
      }),
      { numRuns: 500 },
    );
    expect(KeyWatch.for([column('k', bigintType)])!.oneInteger).toBe(false);
    expect(KeyWatch.for([column('k', integerType), column('j', integerType)])!.oneInteger).toBe(false);
  });
});
