/** Serialising generated rows: CSV quoting and the two input files' row formats. */
import { isoDate, isoTimestamp, wareki } from './calendar.ts';
import type { LifeEvent } from './person.ts';

/** The `history.csv` header (SPEC §4.1). */
export const HISTORY_HEADER =
  'seq,person_id,juminhyo_code,event_code,event_date,processed_at,name,name_kana,birth_date,sex,address';

/** The `non_notification.csv` header (SPEC §4.2). */
export const LIST_HEADER = 'person_id,requested_on';

/** RFC 4180 quoting, only where a field needs it. */
export function csvField(s: string): string {
  return /[",\r\n]/u.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A history row without its leading `seq` (assigned once the global order is known). */
export function historyTail(personId: string, e: LifeEvent): string {
  const r = e.rec;
  return [
    personId, r.code, String(e.code), wareki(e.eventDay), isoTimestamp(e.at),
    csvField(r.name), csvField(r.kana), r.birth, r.sex, csvField(r.address),
  ].join(',');
}

/** A list row. */
export function listRow(personId: string, requestedOnDay: number): string {
  return `${personId},${isoDate(requestedOnDay)}`;
}
