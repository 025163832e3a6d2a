// A running balance per account: needs the moves in time order (ties broken by line) and the
// opening balances, which come as a side input.
interface Move { at: string; line: number; account: string; amount: number }
interface Ctx { inputs: { opening: { account: string; balance: number }[] }; state: { balances: Map<string, number>; step: number } }

export function init(ctx: Ctx) {
  return { balances: new Map(ctx.inputs.opening.map((o) => [o.account, o.balance])), step: 0 };
}

export default function running(move: Move, ctx: Ctx) {
  const balance = (ctx.state.balances.get(move.account) ?? 0) + move.amount;
  ctx.state.balances.set(move.account, balance);
  return { step: ++ctx.state.step, account: move.account, balance };
}
