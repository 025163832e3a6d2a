import { checkDigit } from '../../types/juminhyo-code.ts';
import { parseWareki } from '../../types/wareki-date.ts';
import { bigintType, booleanType, dateType, integerType, numericType, timestampType } from '../types/builtin.ts';
import type { ColumnType } from '../types/column-type.ts';

/** A guessed column: its type, its options, and whether it was never empty. */
export interface GuessedColumn {
  readonly name: string;
  readonly type: string;
  readonly options: Readonly<Record<string, string>>;
  readonly required: boolean;
}

const accepts = (type: ColumnType) => (v: string) => typeof type.parse(v, {}) === 'string';
const STRICT_BOOLEAN = /^(true|false)$/i;

/**
 * The narrowest type every sampled value of a column passes. Domain types come first (a
 * 7-digit wareki date and an 11-digit 住民票コード are also integers); digits with a leading
 * zero stay text, since a number would drop the zero.
 */
export function guessColumn(name: string, values: readonly string[]): GuessedColumn {
  const present = values.filter((v) => v !== '');
  const required = present.length === values.length && values.length > 0;
  const all = (test: (v: string) => boolean) => present.length > 0 && present.every(test);
  const column = (type: string, options: Record<string, string> = {}): GuessedColumn => ({ name, type, options, required });
  if (all((v) => typeof parseWareki(v, false) === 'string')) return column('wareki_date');
  if (all((v) => typeof parseWareki(v, true) === 'string')) return column('wareki_date', { partial: 'true' });
  if (all((v) => /^\d{11}$/.test(v) && checkDigit(v.slice(0, 10)) === Number(v[10]))) return column('juminhyo_code');
  if (present.some((v) => /^0\d/.test(v))) return column('text');
  if (all(accepts(integerType))) return column('integer');
  if (all(accepts(bigintType))) return column('bigint');
  if (all(accepts(numericType))) return column('numeric');
  if (all((v) => STRICT_BOOLEAN.test(v) && typeof booleanType.parse(v, {}) === 'string')) return column('boolean');
  if (all(accepts(dateType))) return column('date');
  if (all(accepts(timestampType))) return column('timestamp');
  return column('text');
}
