/** A field that broke its column's rule; `rule` says which, without quoting the value. */
export interface Invalid {
  readonly invalid: string;
}

/** The kinds of value a type option may take in the pipeline file. */
export type OptionKind = 'boolean' | 'string' | 'integer';

/**
 * A column type: how a CSV field is checked and how it is stored.
 * The built-in types, the product's domain types and a user's own types
 * are all defined through this one interface and registered in a {@link TypeRegistry}.
 */
export interface ColumnType {
  /** The name used in `columns:` of a source. */
  readonly name: string;
  /** One line for `--help` and error messages. */
  readonly description: string;
  /** Options a column may give beside `type:`, with their kinds and defaults. */
  readonly options?: Readonly<Record<string, { kind: OptionKind; default: unknown; description: string }>>;
  /** The PostgreSQL type the column is loaded as. */
  sqlType(options: TypeOptions): string;
  /**
   * Checks one non-empty field. Returns the value in the text form the databases read
   * for {@link sqlType}, or an {@link Invalid} naming the rule the field broke.
   * Must be a pure function: it runs once per field on the bulk path.
   */
  parse(text: string, options: TypeOptions): string | Invalid;
  /**
   * True when {@link parse} gives back a valid field's own text, or a spelling the database reads
   * as the same value: a file whose bytes are proven (a `verify:`d output of an earlier run) may
   * then be read by the database's own CSV reader instead of field by field.
   */
  readonly verbatim?: boolean;
}

/** Option values of one column, defaults filled in. */
export type TypeOptions = Readonly<Record<string, unknown>>;

/** Makes an {@link Invalid}; types keep theirs in constants so the bulk path allocates nothing. */
export function invalid(rule: string): Invalid {
  return Object.freeze({ invalid: rule });
}

export function isInvalid(v: string | Invalid): v is Invalid {
  return typeof v !== 'string';
}

const WRONG_RESULTS = new Map<string, string>();
/**
 * The rule an {@link isInvalid} result names. A type module's parse that returned neither text nor
 * an Invalid (a number, say) is the type's own mistake, said as such: by the kind of value, never the value.
 */
export function invalidRule(v: Invalid): string {
  const r = v as unknown;
  if (typeof r === 'object' && r !== null && typeof (r as Invalid).invalid === 'string') return (r as Invalid).invalid;
  const kind = r === null ? 'null' : Array.isArray(r) ? 'an array' : typeof r === 'object' ? 'an object without a text "invalid"' : typeof r === 'undefined' ? 'undefined' : `a ${typeof r}`;
  let rule = WRONG_RESULTS.get(kind);
  if (!rule) WRONG_RESULTS.set(kind, (rule = `the type's parse returned ${kind}, not text or { invalid: … }`));
  return rule;
}

/** Identity helper that gives a type definition its checked shape. */
export function defineType(type: ColumnType): ColumnType {
  return type;
}
