/** Edit distance between two short names (keys, ids, parameters). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known name closest to `name`, when it is close enough to be a likely typo. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.floor(name.length / 3) ? best : undefined;
}

/**
 * The end of an "unknown …" message: a suggestion when one name is close, then the known names,
 * e.g. `; did you mean "orders"? known stages: joined, orders`.
 */
export function hint(name: string, known: readonly string[], noun: string): string {
  const guess = closest(name, known);
  const list = known.length ? known.join(', ') : '(none)';
  return `${guess ? `; did you mean "${guess}"?` : ';'} known ${noun}: ${list}`;
}
