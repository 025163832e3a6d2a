/** A numeric reaches a ts: transform as text, at the scale of the value itself; `shown` keeps that text as it came. */
export default function asText(row: { id: number; amount: string | null }) {
  return { id: row.id, amount: row.amount, shown: row.amount === null ? null : `[${row.amount}]` };
}
