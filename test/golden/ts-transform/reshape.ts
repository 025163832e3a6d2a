interface Move {
  id: number;
  kind: string;
  amount: number;
}

export default function reshape(row: Move, ctx: { params: Record<string, string> }) {
  if (row.kind === 'drop') return null;
  const factor = Number(ctx.params.factor);
  if (row.kind === 'split') {
    const half = row.amount / 2;
    return [
      { id: row.id, part: 1, amount: half, label: 'first half' },
      { id: row.id, part: 2, amount: half, label: 'second half' },
    ];
  }
  return { id: row.id, part: 1, amount: row.amount * factor, label: `${row.kind} x${factor}` };
}
