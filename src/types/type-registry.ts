import type { ColumnType } from './column-type.ts';

/** The column types a pipeline may name. Types are registered explicitly, never by import side effects. */
export class TypeRegistry {
  readonly #types = new Map<string, ColumnType>();

  register(type: ColumnType): this {
    if (this.#types.has(type.name)) throw new Error(`column type "${type.name}" is registered twice`);
    this.#types.set(type.name, type);
    return this;
  }

  get(name: string): ColumnType | undefined {
    return this.#types.get(name);
  }

  has(name: string): boolean {
    return this.#types.has(name);
  }

  /** Registered names, sorted, for messages that list the known types. */
  names(): string[] {
    return [...this.#types.keys()].sort();
  }

  /** A copy that a pipeline may extend with its own types without touching this one. */
  clone(): TypeRegistry {
    const copy = new TypeRegistry();
    for (const t of this.#types.values()) copy.register(t);
    return copy;
  }
}
