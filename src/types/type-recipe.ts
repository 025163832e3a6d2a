import { builtinTypes } from './builtin.ts';
import { invalid, type ColumnType } from './column-type.ts';
import { requireTypeModule } from './type-modules.ts';

/**
 * How a column type was made, as plain data: enough for a worker thread, which shares no object
 * with the main one, to make the same type again (see {@link rebuildType}).
 */
export type TypeRecipe =
  | { readonly builtin: string }
  | { readonly module: string; readonly name: string }
  | { readonly base: TypeRecipe; readonly name: string; readonly pattern?: string; readonly values?: readonly string[]; readonly description?: string };

const recipes = new WeakMap<ColumnType, TypeRecipe>();
for (const t of builtinTypes) recipes.set(t, { builtin: t.name });

/** How `type` was made; undefined for a type made some other way (it is then checked on the main thread only). */
export function recipeOf(type: ColumnType): TypeRecipe | undefined {
  return recipes.get(type);
}

/** Loads a type module (a `ts:` type): its default export, named `name`. Throws when it cannot be loaded. */
export function moduleType(file: string, name: string): ColumnType | string {
  const mod = requireTypeModule(file) as { default?: unknown };
  const t = (mod.default ?? mod) as Partial<ColumnType> | undefined;
  if (!t || typeof t.parse !== 'function' || typeof t.sqlType !== 'function') return "the module's default export needs parse(text, options) and sqlType(options)";
  const type = { ...t, name, description: t.description ?? name } as ColumnType;
  recipes.set(type, { module: file, name });
  return type;
}

/** `base` narrowed by a regular expression (`pattern`, matched whole) and/or a list of allowed values. */
export function narrowType(name: string, base: ColumnType, pattern: string | undefined, values: readonly string[] | undefined, description?: string): ColumnType {
  const re = pattern === undefined ? undefined : new RegExp(`^(?:${pattern})$`, 'u');
  const allowed = values ? new Set(values) : undefined;
  const patternRule = invalid(`does not match the pattern of ${name}`);
  const valuesRule = invalid(`not one of the values of ${name}`);
  const type: ColumnType = {
    name,
    description: description ?? `${base.name}${re ? ` matching ${pattern}` : ''}${allowed ? ` in {${[...allowed].join(', ')}}` : ''}`,
    options: base.options,
    // Narrowing a type keeps its values' spelling: what the base reads as written, so does this one.
    verbatim: base.verbatim,
    sqlType: (options) => base.sqlType(options),
    parse(text, options) {
      if (re && !re.test(text)) return patternRule;
      if (allowed && !allowed.has(text)) return valuesRule;
      return base.parse(text, options);
    },
  };
  const baseRecipe = recipes.get(base);
  if (baseRecipe) recipes.set(type, { base: baseRecipe, name, pattern, values, description });
  return type;
}

/** The type a recipe describes, made again (in a worker thread). */
export function rebuildType(recipe: TypeRecipe): ColumnType {
  if ('builtin' in recipe) {
    const t = builtinTypes.find((b) => b.name === recipe.builtin);
    if (!t) throw new Error(`no built-in type "${recipe.builtin}"`);
    return t;
  }
  if ('module' in recipe) {
    const t = moduleType(recipe.module, recipe.name);
    if (typeof t === 'string') throw new Error(t);
    return t;
  }
  return narrowType(recipe.name, rebuildType(recipe.base), recipe.pattern, recipe.values, recipe.description);
}
