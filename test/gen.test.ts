import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../scripts/gen/generate.ts';
import { EVENT_CLASS, readHistory, readList, readListEvents } from './support/csv-files.ts';
import type { HistoryRow, ListEventRow, ListRow } from './support/csv-files.ts';
import { runDay } from './support/daily-model.ts';
import type { DailyState, DayOutcome } from './support/daily-model.ts';
import { isValidJuminhyoCode } from './support/juminhyo-code.ts';
import { loadDay, loadSetupState } from './support/reference-daily.ts';
import { expectSetup, processingOrder } from './support/registry-model.ts';
import { warekiToIso } from './support/wareki.ts';

const AS_OF = '2002-08-05 00:00:00';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function gen(persons: number, seed: string, more: { days?: number; until?: string } = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'etl-gen-'));
  dirs.push(dir);
  await generate({ persons, seed, outDir: dir, ...more });
  return dir;
}
const bytes = (dir: string, name: string): Buffer => readFileSync(join(dir, name));

describe('generator determinism', () => {
  const FILES = ['history.csv', 'non_notification.csv', ...[1, 2, 3].flatMap((n) => [`D${n}/changes.csv`, `D${n}/list_events.csv`])];

  it('gives identical bytes for the same seed and different ones for another', async () => {
    const [a, b, c] = await Promise.all([gen(300, 's1', { days: 3 }), gen(300, 's1', { days: 3 }), gen(300, 's2', { days: 3 })]);
    for (const f of FILES) {
      expect(bytes(a, f).equals(bytes(b, f)), f).toBe(true);
      // Day 2 records no change and day 3 takes no list event: those two files are only a header.
      if (f !== 'D2/changes.csv' && f !== 'D3/list_events.csv') expect(bytes(a, f).equals(bytes(c, f)), f).toBe(false);
    }
  });

  it('writes the same setup files whatever the number of days', async () => {
    const [a, b] = await Promise.all([gen(300, 's1'), gen(300, 's1', { days: 3 })]);
    for (const f of ['history.csv', 'non_notification.csv']) expect(bytes(a, f).equals(bytes(b, f)), f).toBe(true);
    expect(readdirSync(a).sort()).toEqual(['history.csv', 'non_notification.csv']);
    expect(readdirSync(b).sort()).toEqual(['D1', 'D2', 'D3', 'history.csv', 'non_notification.csv']);
  });

  it('gives the same bytes from the command line as in-process, and a summary with the days', async () => {
    const dir = await gen(120, 'cli', { days: 3, until: '2003-06-01 00:00:00' });
    const out = join(dir, 'cli');
    const stdout = execFileSync('npx', ['tsx', 'scripts/gen.ts', '--persons', '120', '--seed', 'cli', '--out', out, '--days', '3', '--until', '2003-06-01 00:00:00'], { encoding: 'utf8', stdio: 'pipe' });
    for (const f of FILES) expect(bytes(out, f).equals(bytes(dir, f)), f).toBe(true);
    const summary = JSON.parse(stdout);
    expect(summary.until).toBe('2003-06-01 00:00:00');
    expect(summary.days.map((d: { folder: string; until: string }) => [d.folder, d.until])).toEqual([
      ['D1', '2003-06-02 00:00:00'], ['D2', '2003-06-03 00:00:00'], ['D3', '2003-06-04 00:00:00'],
    ]);
    const [history, d1] = await Promise.all([readHistory(join(out, 'history.csv')), readHistory(join(out, 'D1/changes.csv'))]);
    expect(summary.historyRows).toBe(history.length);
    expect(summary.days[0].changes).toBe(d1.length);
    expect(summary.days[0].listEvents).toBe(readListEvents(join(out, 'D1/list_events.csv')).length);
  });

  it.each([
    [['--persons', 'many'], 'gen: --persons must be an integer from 1 to 99999999'],
    [['--days', 'x'], 'gen: --days must be an integer from 0'],
    [['--days', '700'], 'gen: --days: the generated timeline ends 2004-12-31; at most 632 days after --until'],
    [['--until', '2003-02-30 00:00:00'], 'gen: --until must be a timestamp YYYY-MM-DD HH:MM:SS'],
    [['--until', '2002-11-30 23:59:59'], 'gen: --until must be from 2002-12-01 00:00:00 to 2004-12-31 23:59:59'],
  ])('refuses %j with exit 2', (args, message) => {
    const r = spawnSync('npx', ['tsx', 'scripts/gen.ts', ...args], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${message}\n`);
  });
});

describe('a generated registry of 3000 persons', () => {
  let dir: string;
  let history: HistoryRow[];
  let list: ListRow[];
  let ordered: HistoryRow[];
  beforeAll(async () => {
    dir = await gen(3000, 'shape');
    history = await readHistory(join(dir, 'history.csv'));
    list = readList(join(dir, 'non_notification.csv'));
    ordered = processingOrder(history);
  });

  it('is CP932 with CRLF line endings and the SPEC header', () => {
    const raw = bytes(dir, 'history.csv');
    const text = iconv.decode(raw, 'cp932');
    expect(text).not.toContain('\uFFFD');
    expect(iconv.encode(text, 'cp932').equals(raw)).toBe(true);
    expect(text.startsWith('seq,person_id,juminhyo_code,event_code,event_date,processed_at,name,name_kana,birth_date,sex,address\r\n')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/u);
    expect(text).toMatch(/髙/u);
    expect(text).toMatch(/﨑/u);
    expect(text).toMatch(/[ｦ-ﾟ]/u);
    expect(text).toMatch(/"[^"\r\n]*,[^"\r\n]*"/u);
    expect(text).toContain('""');
  });

  it('has rows shuffled, seq 1…n ascending with processed_at', () => {
    const seqs = history.map((r) => r.seq);
    expect(seqs).not.toEqual([...seqs].sort((a, b) => a - b));
    const bySeq = [...history].sort((a, b) => a.seq - b.seq);
    expect(bySeq.map((r) => r.seq)).toEqual(bySeq.map((_, i) => i + 1));
    expect(bySeq).toEqual(ordered);
  });

  it('has valid codes, never shared between persons, changed only by 34', () => {
    const owner = new Map<string, string>();
    const previous = new Map<string, HistoryRow>();
    for (const r of ordered) {
      expect(isValidJuminhyoCode(r.juminhyoCode)).toBe(true);
      expect(owner.get(r.juminhyoCode) ?? r.personId).toBe(r.personId);
      owner.set(r.juminhyoCode, r.personId);
      const p = previous.get(r.personId);
      if (p !== undefined) expect(r.juminhyoCode !== p.juminhyoCode, `seq ${r.seq}`).toBe(r.eventCode === '34');
      previous.set(r.personId, r);
    }
  });

  it('gives every person a life line that starts with an add and follows the classes', () => {
    const present = new Map<string, boolean>();
    for (const r of ordered) {
      const cls = EVENT_CLASS[r.eventCode];
      expect(cls === 'add', `seq ${r.seq}`).toBe(!present.get(r.personId));
      present.set(r.personId, cls !== 'remove');
      expect(/^\d{10}$/u.test(r.personId)).toBe(true);
    }
    expect([...present.keys()].some((p) => p.startsWith('0'))).toBe(true);
    // Persons who first appear after the cut-off are not in the history yet.
    expect(present.size).toBeGreaterThan(2500);
    expect(present.size).toBeLessThan(3000);
  });

  it('has valid wareki dates, event dates on or before processing', () => {
    for (const r of history) {
      expect(warekiToIso(r.eventDateWareki)).toBe(r.eventDate);
      expect(r.eventDate <= r.processedAt.slice(0, 10), `seq ${r.seq}`).toBe(true);
      expect(r.birthDate <= r.eventDate, `seq ${r.seq}`).toBe(true);
      expect(r.processedAt >= '1999-01-01' && r.processedAt < '2003-04-10 00:00:00').toBe(true);
    }
    const births = new Set(history.map((r) => r.birthDateWareki));
    for (const w of ['1450730', '2010730', '2151225', '3011225', '3640107', '4010108']) expect(births).toContain(w);
    expect([...births].some((w) => /^\d{3}\d\d00$/u.test(w) && !w.endsWith('0000'))).toBe(true);
    expect([...births].some((w) => w.endsWith('0000'))).toBe(true);
  });

  it('holds the cases SPEC §4.3 is careful about', () => {
    const at = (t: string) => history.filter((r) => r.processedAt === t);
    expect(at(AS_OF).length).toBeGreaterThan(0);
    const times = new Map<string, HistoryRow[]>();
    for (const r of history) times.set(r.processedAt, [...(times.get(r.processedAt) ?? []), r]);
    const ties = [...times.values()].filter((rs) => rs.length > 1);
    expect(ties.some((rs) => new Set(rs.map((r) => r.personId)).size < rs.length)).toBe(true);
    expect(ties.some((rs) => new Set(rs.map((r) => r.personId)).size > 1)).toBe(true);
    expect(history.some((r) => r.eventCode === '22' && r.processedAt >= AS_OF && r.eventDate < AS_OF.slice(0, 10))).toBe(true);
    expect(history.some((r) => r.eventCode === '34' && r.processedAt >= AS_OF)).toBe(true);
    const after = history.filter((r) => r.processedAt >= AS_OF).length / history.length;
    expect(after).toBeGreaterThan(0.08);
    expect(after).toBeLessThan(0.2);
    // Re-entry: an add after a move-out of the same person.
    const last = new Map<string, string>();
    let reentries = 0;
    for (const r of ordered) {
      if (last.get(r.personId) === '21' && EVENT_CLASS[r.eventCode] === 'add') reentries++;
      last.set(r.personId, r.eventCode);
    }
    expect(reentries).toBeGreaterThan(0);
  });

  it('lists about a quarter of the residents, with every kind of exception', () => {
    expect(bytes(dir, 'non_notification.csv').subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
    const want = expectSetup(history, list, AS_OF);
    const share = want.targets.length / want.snapshot.size;
    expect(share).toBeGreaterThan(0.18);
    expect(share).toBeLessThan(0.3);
    const reasons = new Set(want.exceptions.map((x) => x.reason));
    expect([...reasons].sort()).toEqual(['duplicate_request', 'not_resident_at_as_of', 'not_yet_resident', 'unknown_person']);
    const keys = list.map((l) => `${l.personId},${l.requestedOn}`);
    expect(new Set(keys).size).toBeLessThan(keys.length);
    expect(want.heldChanges.length).toBeGreaterThan(0);
    expect(want.outbound.length).toBeGreaterThan(want.heldChanges.length);
  });
});

describe.each([
  { persons: 3000, k: 10 },
  { persons: 60, k: 3 },
])('the days after the setup ($persons persons, $k days)', ({ persons, k }) => {
  const UNTIL = '2003-04-10 00:00:00';
  let dir: string;
  let history: HistoryRow[];
  let days: { until: string; from: string; changes: HistoryRow[]; events: ListEventRow[] }[];
  let outcomes: DayOutcome[];
  let setup: DailyState;
  beforeAll(async () => {
    dir = await gen(persons, 'days', { days: k });
    history = await readHistory(join(dir, 'history.csv'));
    days = [];
    for (let n = 1; n <= k; n++) {
      const from = n === 1 ? UNTIL : days[n - 2]!.until;
      const until = summaryUntil(n);
      days.push({ until, from, changes: await readHistory(join(dir, `D${n}/changes.csv`)), events: readListEvents(join(dir, `D${n}/list_events.csv`)) });
    }
    const options = { historyFile: join(dir, 'history.csv'), listFile: join(dir, 'non_notification.csv'), setupOutDir: '', days: [] };
    setup = await loadSetupState(options);
    outcomes = [];
    let state = setup;
    for (const d of days) {
      outcomes.push(runDay(state, { changes: d.changes, listEvents: d.events, until: d.until }));
      state = outcomes.at(-1)!.state;
    }
  });

  it('keeps the history before the cut-off and each day in its window', () => {
    expect(history.every((r) => r.processedAt < UNTIL)).toBe(true);
    for (const d of days) {
      expect(d.changes.every((r) => r.processedAt >= d.from && r.processedAt < d.until), d.until).toBe(true);
      expect(d.events.every((e) => e.at >= d.from && e.at < d.until), d.until).toBe(true);
    }
  });

  it('writes changes like the history and list events as UTF-8 with LF', () => {
    const changes = iconv.decode(bytes(dir, 'D1/changes.csv'), 'cp932');
    expect(changes.startsWith('seq,person_id,juminhyo_code,event_code,event_date,processed_at,name,name_kana,birth_date,sex,address\r\n')).toBe(true);
    expect(changes.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/u);
    const events = bytes(dir, 'D1/list_events.csv').toString('utf8');
    expect(events.startsWith('person_id,event,at\n')).toBe(true);
    expect(events).not.toContain('\r');
    expect(events.endsWith('\n')).toBe(true);
  });

  it('numbers seq 1…n across the history and the days, ascending with processed_at', () => {
    const all = [...history, ...days.flatMap((d) => d.changes)];
    const bySeq = [...all].sort((a, b) => a.seq - b.seq);
    expect(bySeq.map((r) => r.seq)).toEqual(bySeq.map((_, i) => i + 1));
    expect(bySeq).toEqual(processingOrder(all));
    // Shuffled like the history: not already in seq order.
    expect(days[0]!.changes.map((r) => r.seq)).not.toEqual(days[0]!.changes.map((r) => r.seq).sort((a, b) => a - b));
  });

  it('holds every case SPEC §7.3 is careful about', () => {
    const all = outcomes.flatMap((o, i) => o.trace.map((t) => ({ ...t, day: i + 1 })));
    const requests = (outcome: string) => all.filter((t) => t.kind === 'request' && t.outcome === outcome);
    // A request and a change of one person in the same second.
    expect(requests('present').some((r) => all.some((t) => t.kind === 'change' && t.personId === r.personId && t.at === r.at))).toBe(true);
    // Requests by a present person, a moved-out person, an id never seen.
    for (const outcome of ['present', 'absent', 'unknown']) expect(requests(outcome).length, outcome).toBeGreaterThan(0);
    // Duplicates: of a person listed at the setup, and of one listed on an earlier day.
    expect(requests('duplicate').some((r) => setup.listed.has(r.personId))).toBe(true);
    expect(requests('duplicate').some((r) => !setup.listed.has(r.personId) && requests('present').some((p) => p.personId === r.personId && p.day < r.day))).toBe(true);
    expect(all.some((t) => t.kind === 'withdraw' && t.outcome === 'not-listed')).toBe(true);
    // A withdrawal releasing records held at the setup and on an earlier day, a 34 and a 22 among them.
    const big = all.find((t) => t.kind === 'withdraw' && t.released.length >= 4);
    expect(big).toBeDefined();
    const origins = big!.kind === 'withdraw' ? big!.released : [];
    expect(origins.map((r) => r.eventCode)).toEqual(expect.arrayContaining(['13', '34', '22']));
    expect(origins.some((r) => r.origin === 'setup entry')).toBe(true);
    expect(origins.some((r) => r.origin.startsWith('changes.csv')) && big!.day > 1).toBe(true);
    // Request then withdrawal on one day; withdrawal then a new request.
    const accepted = all.filter((t) => (t.kind === 'request' && t.outcome !== 'duplicate') || (t.kind === 'withdraw' && t.outcome === 'accepted'));
    const pairs = accepted.slice(1).map((t, i) => [accepted.slice(0, i + 1).filter((u) => u.personId === t.personId).at(-1), t] as const);
    expect(pairs.some(([a, b]) => a?.kind === 'request' && b.kind === 'withdraw' && a.day === b.day)).toBe(true);
    expect(pairs.some(([a, b]) => a?.kind === 'withdraw' && b.kind === 'request')).toBe(true);
    // 34s whose previous code comes from the state (held and sent) and from a change of the day.
    const codeChanges = all.filter((t) => t.kind === 'change' && t.eventCode === '34');
    expect(codeChanges.some((t) => t.kind === 'change' && t.previousFrom === 'state' && t.outcome === 'held')).toBe(true);
    expect(codeChanges.some((t) => t.kind === 'change' && t.previousFrom === 'state' && t.outcome === 'sent')).toBe(true);
    expect(codeChanges.some((t) => t.kind === 'change' && t.previousFrom === 'day')).toBe(true);
    // A move-in of a listed person, held.
    expect(all.some((t) => t.kind === 'change' && t.eventCode === '12' && t.outcome === 'held')).toBe(true);
    // A day without list events, a day without changes.
    expect(days[1]!.changes).toEqual([]);
    expect(days[1]!.events.length).toBeGreaterThan(0);
    expect(days[2]!.events).toEqual([]);
    expect(days[2]!.changes.length).toBeGreaterThan(0);
    // Events at a window's first and last second, both kinds.
    const edges = days.map((d) => [d.from, d.until.slice(0, 10) > d.from.slice(0, 10) ? `${d.from.slice(0, 10)} 23:59:59` : ''] as const);
    expect(days.some((d, i) => d.changes.some((r) => r.processedAt === edges[i]![0]))).toBe(true);
    expect(days.some((d, i) => d.changes.some((r) => r.processedAt === edges[i]![1]))).toBe(true);
    expect(days.some((d, i) => d.events.some((e) => e.at === edges[i]![0]))).toBe(true);
    expect(days.some((d, i) => d.events.some((e) => e.at === edges[i]![1]))).toBe(true);
  });
});

/** The `until` of day `n` after the default cut-off. */
function summaryUntil(n: number): string {
  return new Date(Date.UTC(2003, 3, 10 + n)).toISOString().slice(0, 10) + ' 00:00:00';
}

describe('the days of 100,000 persons', () => {
  it('have random requests by residents and more withdrawals by listed persons, at about Yokohama\'s rate', async () => {
    const dir = await gen(100_000, 'volume', { days: 30 });
    const options = { historyFile: join(dir, 'history.csv'), listFile: join(dir, 'non_notification.csv'), setupOutDir: '', days: [] };
    let state = await loadSetupState(options);
    const counts = { present: 0, withdrawn: 0, other: 0, changes: 0 };
    for (let n = 1; n <= 30; n++) {
      const day = await loadDay({ dataDir: join(dir, `D${n}`), until: summaryUntil(n), outDir: '' });
      const outcome = runDay(state, day);
      for (const t of outcome.trace) {
        if (t.kind === 'change') counts.changes++;
        else if (t.kind === 'request' && t.outcome === 'present') counts.present++;
        else if (t.kind === 'withdraw' && t.outcome === 'accepted') counts.withdrawn++;
        else counts.other++;
      }
      state = outcome.state;
    }
    // At 4.5 M persons: about 3,700 changes and 300 list events a day (29 days with list events),
    // about twice as many withdrawals as requests.
    expect(counts.changes / 30).toBeGreaterThan(3_000 / 45);
    expect(counts.changes / 30).toBeLessThan(4_500 / 45);
    expect(counts.withdrawn).toBeGreaterThan(1.2 * counts.present);
    expect(counts.withdrawn).toBeLessThan(3 * counts.present);
    expect((counts.present + counts.withdrawn + counts.other) / 29).toBeGreaterThan(250 / 45);
    expect((counts.present + counts.withdrawn + counts.other) / 29).toBeLessThan(350 / 45);
  });
});
