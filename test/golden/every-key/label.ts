export default (row: { code: string; name: string; qty: number; at: string }) => ({ ...row, label: `${row.code}:${row.qty * 2}` });
