import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../scripts/gen/generate.ts';
import { EVENT_CLASS, readHistory, readList } from './support/csv-files.ts';
import type { HistoryRow, ListRow } from './support/csv-files.ts';
import { isValidJuminhyoCode } from './support/juminhyo-code.ts';
import { expectSetup, processingOrder } from './support/registry-model.ts';
import { warekiToIso } from './support/wareki.ts';

const AS_OF = '2002-08-05 00:00:00';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function gen(persons: number, seed: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'etl-gen-'));
  dirs.push(dir);
  await generate({ persons, seed, outDir: dir });
  return dir;
}
const bytes = (dir: string, name: string): Buffer => readFileSync(join(dir, name));

describe('generator determinism', () => {
  it('gives identical bytes for the same seed and different ones for another', async () => {
    const [a, b, c] = await Promise.all([gen(300, 's1'), gen(300, 's1'), gen(300, 's2')]);
    for (const f of ['history.csv', 'non_notification.csv']) {
      expect(bytes(a, f).equals(bytes(b, f)), f).toBe(true);
      expect(bytes(a, f).equals(bytes(c, f)), f).toBe(false);
    }
  });

  it('gives the same bytes from the command line as in-process', async () => {
    const dir = await gen(120, 'cli');
    const out = join(dir, 'cli');
    execFileSync('npx', ['tsx', 'scripts/gen.ts', '--persons', '120', '--seed', 'cli', '--out', out], { stdio: 'pipe' });
    expect(bytes(out, 'history.csv').equals(bytes(dir, 'history.csv'))).toBe(true);
    expect(bytes(out, 'non_notification.csv').equals(bytes(dir, 'non_notification.csv'))).toBe(true);
  });

  it('refuses a bad --persons with exit 2', () => {
    const r = spawnSync('npx', ['tsx', 'scripts/gen.ts', '--persons', 'many'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--persons');
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
    expect(present.size).toBe(3000);
  });

  it('has valid wareki dates, event dates on or before processing', () => {
    for (const r of history) {
      expect(warekiToIso(r.eventDateWareki)).toBe(r.eventDate);
      expect(r.eventDate <= r.processedAt.slice(0, 10), `seq ${r.seq}`).toBe(true);
      expect(r.birthDate <= r.eventDate, `seq ${r.seq}`).toBe(true);
      expect(r.processedAt >= '1999-01-01' && r.processedAt <= '2004-12-31 23:59:59').toBe(true);
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
    expect(after).toBeGreaterThan(0.2);
    expect(after).toBeLessThan(0.45);
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
