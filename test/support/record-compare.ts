/**
 * Compares a file's records with the model's, telling apart a missing record, an unexpected
 * one, a wrong value and a wrong order. Differences name the code, the person and the field,
 * and the model's origin of the record (a history `seq`, a list event's line), never a value.
 */
import type { FeedRecord } from './csv-files.ts';
import type { DailyRecord } from './daily-model.ts';
import type { ReplayDifference } from './network.ts';

/** A record as read from a feed (`personId` empty) or from `state/held.csv`. */
export type ReadRecord = FeedRecord & { readonly personId: string };

const FIELDS = ['juminhyoCode', 'previousJuminhyoCode', 'eventCode', 'eventDate', 'name', 'nameKana', 'birthDate', 'sex', 'address'] as const;
/** Differences of one kind reported per comparison; the rest are counted in one line. */
const PER_KIND = 10;

/**
 * `got` against `want`, both in file order. With `withPerson` the person_id is compared too
 * (`state/held.csv`). The multisets are compared first (missing, unexpected, and a pair of
 * those with one code and event as a value difference), then the order of what both hold.
 */
export function compareRecords(
  where: { readonly check: string; readonly day?: number; readonly file: string },
  got: readonly ReadRecord[], want: readonly DailyRecord[], withPerson = false,
): ReplayDifference[] {
  const fields = withPerson ? (['personId', ...FIELDS] as const) : FIELDS;
  const key = (r: ReadRecord | DailyRecord): string => fields.map((f) => r[f]).join('\u0000');
  const base = { check: where.check, ...(where.day === undefined ? {} : { day: where.day }) };
  const out: ReplayDifference[] = [];
  if (got.length !== want.length) out.push({ ...base, kind: 'count', detail: `${where.file}: ${got.length} records, expected ${want.length}` });

  // Which records of each side the other side also holds (as many times as both hold it).
  const budget = new Map<string, number>();
  for (const w of want) budget.set(key(w), (budget.get(key(w)) ?? 0) + 1);
  const gotMatched = got.map((g) => {
    const left = budget.get(key(g)) ?? 0;
    if (left > 0) budget.set(key(g), left - 1);
    return left > 0;
  });
  const spare = new Map<string, number>();
  got.forEach((g, i) => gotMatched[i] && spare.set(key(g), (spare.get(key(g)) ?? 0) + 1));
  const wantMatched = want.map((w) => {
    const left = spare.get(key(w)) ?? 0;
    if (left > 0) spare.set(key(w), left - 1);
    return left > 0;
  });

  const missing = want.filter((_, i) => !wantMatched[i]);
  const reported = { value: 0, unexpected: 0, missing: 0 };
  const note = (kind: keyof typeof reported, d: ReplayDifference): void => {
    if (++reported[kind] <= PER_KIND) out.push(d);
  };
  got.forEach((g, i) => {
    if (gotMatched[i]) return;
    const j = missing.findIndex((w) => w.juminhyoCode === g.juminhyoCode && w.eventCode === g.eventCode);
    if (j < 0) {
      note('unexpected', { ...base, kind: 'unexpected', juminhyoCode: g.juminhyoCode, ...(g.personId ? { personId: g.personId } : {}), detail: `${where.file}:${g.line}: code ${g.juminhyoCode} event ${g.eventCode} is not expected` });
      return;
    }
    const w = missing.splice(j, 1)[0]!;
    const differ = fields.filter((f) => g[f] !== w[f]);
    note('value', {
      ...base, kind: 'value', juminhyoCode: w.juminhyoCode, personId: w.personId, field: differ.join(','),
      detail: `${where.file}:${g.line}: ${differ.join(', ')} differ from the record of person ${w.personId} (${w.origin})`,
    });
  });
  for (const w of missing) {
    note('missing', { ...base, kind: 'missing', juminhyoCode: w.juminhyoCode, personId: w.personId, detail: `${where.file}: lacks code ${w.juminhyoCode} event ${w.eventCode} of person ${w.personId} (${w.origin})` });
  }
  for (const kind of ['value', 'unexpected', 'missing'] as const) {
    if (reported[kind] > PER_KIND) out.push({ ...base, kind, detail: `${where.file}: ${reported[kind] - PER_KIND} more of kind ${kind}` });
  }

  // The order of the records both sides hold.
  const gotCommon = got.filter((_, i) => gotMatched[i]);
  const wantCommon = want.filter((_, i) => wantMatched[i]);
  const at = gotCommon.findIndex((g, i) => key(g) !== key(wantCommon[i]!));
  if (at >= 0) {
    const g = gotCommon[at]!;
    const w = wantCommon[at]!;
    const misplaced = gotCommon.filter((x, i) => key(x) !== key(wantCommon[i]!)).length;
    out.push({
      ...base, kind: 'order', juminhyoCode: w.juminhyoCode, personId: w.personId,
      detail: `${where.file}:${g.line}: expected code ${w.juminhyoCode} event ${w.eventCode} of person ${w.personId} (${w.origin}) here, got code ${g.juminhyoCode} event ${g.eventCode}; ${misplaced} records out of place`,
    });
  }
  return out;
}
