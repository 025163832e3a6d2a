import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordChecker, type CheckedColumn } from '../../src/components/record-check.ts';
import { integerType, textType } from '../../src/types/builtin.ts';
import { invalid, type ColumnType } from '../../src/types/column-type.ts';
import { narrowType } from '../../src/types/type-recipe.ts';

/** A type whose value is not its field: upper case, a refusal, and values that need quoting or escaping. */
const shouting: ColumnType = {
  name: 'shouting',
  description: 'upper case',
  sqlType: () => 'text',
  parse: (s) => (s === 'bad' ? invalid('bad') : s === 'q' ? 'q,"' : s === 't' ? 'a\tb' : s === 'n' ? 'a\nb' : s.toUpperCase()),
};
const code = narrowType('code', textType, undefined, ['1', '12', 'x']);

const columns: CheckedColumn[] = [
  { name: 'id', type: integerType, options: {}, required: true },
  { name: 'name', type: textType, options: {}, required: true },
  { name: 'note', type: textType, options: {}, required: false },
  { name: 'loud', type: shouting, options: {}, required: false },
  { name: 'code', type: code, options: {}, required: true },
];
const header = columns.map((c) => c.name);

/** The CSV line of the values `check` made, as the chunk checker writes it (SPEC §3 quoting). */
const joined = (values: readonly (string | null)[]) => values.map((v) => (v === null ? '' : /[,"\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)).join(',');

describe('the checker\'s fast path for a plain record', () => {
  // Two orders of the columns: one ends with a checked type, the other with text as written.
  it.each([[columns], [[columns[0]!, columns[4]!, columns[3]!, columns[2]!, columns[1]!]]])(
    'gives the row check gives, or hands the record to check; it takes every valid record whose values need no quotes (property, %#)',
    (cols) => {
      const names = cols.map((c) => c.name);
      const field = fc.constantFrom('', '1', '12', 'x', 'bad', 'q', 't', 'n', '-', 'é', ' ', '髙 橋', 'abc');
      const fieldOf = (c: CheckedColumn) => (c.name === 'id' ? fc.constantFrom('1', '12', 'x', '') : c.name === 'code' ? fc.constantFrom('1', '12', 'x', 'y') : field);
      // Mostly records of the header's width whose id and code are often valid, so that the fast path is reached.
      const record = fc.oneof(
        { weight: 1, arbitrary: fc.array(field, { minLength: 3, maxLength: 7 }) },
        { weight: 4, arbitrary: fc.tuple(...cols.map(fieldOf)) },
        { weight: 1, arbitrary: fc.tuple(fc.tuple(...cols.map(fieldOf)), field).map(([fields, extra]) => [...fields, extra]) },
      ).map((fields) => fields.join(','));
      const keyAt = names.indexOf('name');
      fc.assert(
        fc.property(record, (text) => {
          const fast = new RecordChecker(cols, names, ',', 'utf-8');
          fast.keep([keyAt]);
          const full = new RecordChecker(cols, names, ',', 'utf-8');
          const row = fast.row(text);
          const valid = full.check({ line: 1, text, plain: true });
          if (row !== undefined) {
            expect(valid).toBe(true);
            expect(row).toBe(joined(full.values));
            expect(fast.values[keyAt]).toBe(full.values[keyAt]);
          } else if (valid) {
            // Only a value that needs quotes or escaping keeps a valid record off the fast path.
            expect(full.values.some((v) => v !== null && /[,"\t\n]/.test(v))).toBe(true);
          }
        }),
        { numRuns: Number(process.env['ETL_PROPERTY_RUNS']) || 2000 },
      );
    },
  );

  it('puts a changed value in the record\'s own text, and keeps the rest as written', () => {
    const c = new RecordChecker(columns, header, ',', 'utf-8');
    expect(c.row('7,髙橋 一郎,,abc,12')).toBe('7,髙橋 一郎,,ABC,12');
    expect(c.row('7,a,b,,x')).toBe('7,a,b,,x');
    expect(c.row('7,a,b,c')).toBeUndefined(); // a field short
    expect(c.row('7,a,b,c,x,')).toBeUndefined(); // a field over
    expect(c.row('7,,b,c,x')).toBeUndefined(); // required and empty
  });

  it('is not offered when the declared columns are not the header\'s, in its order, or fields are not split at commas', () => {
    expect(new RecordChecker(columns, header, ',', 'utf-8').fast).toBe(true);
    expect(new RecordChecker(columns, [...header.slice(1), header[0]!], ',', 'utf-8').fast).toBe(false);
    expect(new RecordChecker(columns, [...header, 'extra'], ',', 'utf-8').fast).toBe(false);
    expect(new RecordChecker(columns, header, ';', 'utf-8').fast).toBe(false);
  });
});
