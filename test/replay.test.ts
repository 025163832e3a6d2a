import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../scripts/gen/generate.ts';
import { isValidJuminhyoCode } from './support/juminhyo-code.ts';
import { writeReferenceSetup } from './support/reference-setup.ts';
import { formatReplay, replaySetup } from './support/replay.ts';
import type { ReplayResult } from './support/replay.ts';
import { warekiToIso } from './support/wareki.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'etl-replay-'));
  dirs.push(d);
  return d;
}

describe('warekiToIso', () => {
  it.each([
    ['4140805', '2002-08-05'], ['1450730', '1912-07-30'], ['2010730', '1912-07-30'], ['2151225', '1926-12-25'],
    ['3011225', '1926-12-25'], ['3640107', '1989-01-07'], ['4010108', '1989-01-08'], ['1060101', '1873-01-01'],
    ['4120229', '2000-02-29'], ['5010501', '2019-05-01'],
  ])('%s is %s', (w, iso) => expect(warekiToIso(w)).toBe(iso));

  it.each(['3640108', '4010107', '4130229', '1051231', '1450731', '2151226', '2010729', '4000101', '4131301', '4140800', '41408', 'x140805'])(
    '%s is not a full date',
    (w) => expect(warekiToIso(w)).toBeNull(),
  );

  it.each([
    ['3450700', '1970-07'], ['1400000', '1907'], ['3640100', '1989-01'], ['4010100', '1989-01'],
    ['1060000', '1873'], ['2010000', '1912'], ['1450000', '1912'],
  ])('partial %s is %s', (w, iso) => expect(warekiToIso(w, { partial: true })).toBe(iso));

  it.each(['3640200', '1050000', '1051200', '4011300', '0010000'])('partial %s is invalid', (w) =>
    expect(warekiToIso(w, { partial: true })).toBeNull(),
  );

  it('needs the partial option for unknown days', () => expect(warekiToIso('3450700')).toBeNull());
});

describe('isValidJuminhyoCode', () => {
  it('accepts the SPEC example and rejects a wrong check digit', () => {
    expect(isValidJuminhyoCode('12345678903')).toBe(true);
    expect(isValidJuminhyoCode('12345678904')).toBe(false);
    expect(isValidJuminhyoCode('1234567890')).toBe(false);
  });
});

// A nine-person registry in which every row is there for a reason (seq order):
//  1 P2 add B (listed: target, then a held 34 B→B2)      9,10 P8 31 and 33 in one second: 33 wins
//  2,6 P6 add, move-out before as_of (listed twice)     11 P5 add exactly at as_of (listed: not yet resident)
//  3 P4 add; 13 a late death after as_of                12 P9 31 exactly at as_of (listed: held)
//  4 P1 add; 14 a move after as_of (outbound)           15,16 34s of P2 (held) and P3 (outbound), same second
//  5 P3 add (髙, half-width kana, 明治45年7月30日)      7 P9 add (大正15年12月25日, quote); 8 P8 (comma)
const HISTORY_ROWS = [
  // person_id,seq,juminhyo_code,event_code,event_date,processed_at,name,name_kana,birth_date,sex,address
  '0000000003,16,20000000141,34,4140910,2002-09-10 11:00:00,髙橋　太郎,ﾀｶﾊｼ ﾀﾛｳ,1450730,1,横浜市鶴見区鶴見1-1-1',
  '0000000008,10,30000000180,33,4140303,2002-03-03 10:00:00,中村　愛,ﾅｶﾑﾗ ｱｲ,3450700,2,"横浜市中区元町2-2-2,コーポ元町202"',
  '0000000002,1,50000000024,12,4120101,2000-01-01 09:00:00,佐藤　花子,サトウ　ハナコ,4010108,2,横浜市港北区日吉5-6-7',
  '0000000009,12,30000000074,31,4140804,2002-08-05 00:00:00,小林　茂,コバヤシ　シゲル,2151225,1,横浜市泉区中田1-1-1',
  '0000000006,2,70000000068,12,4120505,2000-05-05 10:00:00,伊藤　誠,イトウ　マコト,3101010,1,横浜市旭区二俣川5-5-5',
  '0000000004,13,40000000045,22,4140801,2002-08-06 10:00:00,山﨑　清,ヤマザキ　キヨシ,1400000,1,横浜市南区弘明寺町3-3-3',
  '0000000004,3,40000000045,12,4130101,2001-01-01 10:00:00,山﨑　清,ヤマザキ　キヨシ,1400000,1,横浜市南区弘明寺町3-3-3',
  '0000000001,4,10000000014,12,4130401,2001-04-01 10:00:00,鈴木　一郎,スズキ　イチロウ,3350412,1,横浜市中区本町1-2-3',
  '0000000008,9,30000000180,31,4140303,2002-03-03 10:00:00,中村　愛,ナカムラ　アイ,3450700,2,"横浜市中区元町2-2-2,コーポ元町202"',
  '0000000003,5,20000000036,12,4130402,2001-04-02 10:00:00,髙橋　太郎,ﾀｶﾊｼ ﾀﾛｳ,1450730,1,横浜市鶴見区鶴見1-1-1',
  '0000000006,6,70000000068,21,4130505,2001-05-05 10:00:00,伊藤　誠,イトウ　マコト,3101010,1,横浜市旭区二俣川5-5-5',
  '0000000009,7,30000000074,12,4130601,2001-06-01 10:00:00,小林　茂,コバヤシ　シゲル,2151225,1,"横浜市栄区本郷台1-1 コーポ""さくら""101"',
  '0000000008,8,30000000180,12,4130701,2001-07-01 10:00:00,中村　愛,ナカムラ　アイ,3450700,2,"横浜市中区山下町1-2,メゾン山下101"',
  '0000000005,11,60000000054,12,4140801,2002-08-05 00:00:00,田中　陽子,タナカ　ヨウコ,3640107,2,横浜市緑区長津田4-4-4',
  '0000000001,14,10000000014,31,4140901,2002-09-01 10:00:00,鈴木　一郎,スズキ　イチロウ,3350412,1,横浜市西区岡野2-3-4',
  '0000000002,15,50000000130,34,4140910,2002-09-10 11:00:00,佐藤　花子,サトウ　ハナコ,4010108,2,横浜市港北区日吉5-6-7',
];
const HISTORY =
  ['person_id,seq,juminhyo_code,event_code,event_date,processed_at,name,name_kana,birth_date,sex,address', ...HISTORY_ROWS].join('\r\n') + '\r\n';
const LIST =
  '\uFEFFperson_id,requested_on\r\n0000000002,2002-07-01\r\n0000000005,2002-07-02\r\n0000000006,2002-06-01\r\n' +
  '0000000006,2002-05-01\r\n0000000099,2002-07-03\r\n0000000009,2002-07-04\r\n';

const HEADER = 'seq,juminhyo_code,previous_juminhyo_code,event_code,event_date,name,name_kana,birth_date,sex,address';
const P9 = '小林　茂,コバヤシ　シゲル,1926-12-25,1,"横浜市栄区本郷台1-1 コーポ""さくら""101"';
const P2 = '佐藤　花子,サトウ　ハナコ,1989-01-08,2,横浜市港北区日吉5-6-7';
const OUTPUTS: Record<string, string> = {
  '01_deletions.csv': `${HEADER}\n1,30000000074,,23,2003-04-10,${P9}\n2,50000000024,,23,2003-04-10,${P2}\n`,
  '02_entries.csv': `${HEADER}\n1,30000000074,,13,2003-04-10,${P9}\n2,50000000024,,13,2003-04-10,${P2}\n`,
  '03_outbound.csv':
    `${HEADER}\n1,40000000045,,22,2002-08-01,山﨑　清,ヤマザキ　キヨシ,1907,1,横浜市南区弘明寺町3-3-3\n` +
    '2,10000000014,,31,2002-09-01,鈴木　一郎,スズキ　イチロウ,1960-04-12,1,横浜市西区岡野2-3-4\n' +
    '3,20000000141,20000000036,34,2002-09-10,髙橋　太郎,ﾀｶﾊｼ ﾀﾛｳ,1912-07-30,1,横浜市鶴見区鶴見1-1-1\n',
  '04_held.csv':
    `${HEADER}\n1,30000000074,,13,2003-04-10,${P9}\n2,50000000024,,13,2003-04-10,${P2}\n` +
    '3,60000000054,,12,2002-08-01,田中　陽子,タナカ　ヨウコ,1989-01-07,2,横浜市緑区長津田4-4-4\n' +
    '4,30000000074,,31,2002-08-04,小林　茂,コバヤシ　シゲル,1926-12-25,1,横浜市泉区中田1-1-1\n' +
    `5,50000000130,50000000024,34,2002-09-10,${P2}\n`,
  'exceptions.csv':
    'person_id,requested_on,reason\n0000000005,2002-07-02,not_yet_resident\n0000000006,2002-06-01,duplicate_request\n' +
    '0000000006,2002-05-01,not_resident_at_as_of\n0000000099,2002-07-03,unknown_person\n',
};
const PERSONAL = ['小林', '佐藤', '山﨑', '鈴木', '髙橋', '田中', '中村', '伊藤', '横浜', 'ｺﾊﾞﾔｼ', 'サトウ', '1926-12-25', '1960-04-12'];

/** Writes the fixture with `edit` applied to the expected outputs, and replays it. */
async function replayFixture(edit: (files: Record<string, string>) => void = () => {}): Promise<ReplayResult> {
  const dir = tempDir();
  writeFileSync(join(dir, 'history.csv'), iconv.encode(HISTORY, 'cp932'));
  writeFileSync(join(dir, 'non_notification.csv'), LIST);
  const files = { ...OUTPUTS, '07_full_participation.csv': OUTPUTS['04_held.csv']! };
  edit(files);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const result = await replaySetup({
    historyFile: join(dir, 'history.csv'), listFile: join(dir, 'non_notification.csv'), outDir: dir,
    fullParticipationFile: join(dir, '07_full_participation.csv'),
  });
  // Whatever went wrong, the report must not carry a personal value.
  const report = JSON.stringify(result);
  for (const v of PERSONAL) expect(report).not.toContain(v);
  return result;
}

const checks = (r: ReplayResult): string[] => [...new Set(r.differences.map((d) => d.check))].sort();

describe('replaySetup on a hand-made registry', () => {
  it('accepts the correct outputs', async () => {
    const r = await replayFixture();
    expect(formatReplay(r)).toBe('');
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.counts).toMatchObject({ snapshot: 6, targets: 2, changes: 6, outbound: 3, held: 5, exceptions: 4, listedPersons: 5, fullParticipation: 5 });
  });

  it('agrees with the reference writer byte for byte', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'history.csv'), iconv.encode(HISTORY, 'cp932'));
    writeFileSync(join(dir, 'non_notification.csv'), LIST);
    const full = join(dir, '07.csv');
    await writeReferenceSetup({ historyFile: join(dir, 'history.csv'), listFile: join(dir, 'non_notification.csv'), outDir: dir, fullParticipationFile: full });
    for (const [name, text] of Object.entries(OUTPUTS)) expect(readFileSync(join(dir, name), 'utf8'), name).toBe(text);
    expect(readFileSync(full, 'utf8')).toBe(OUTPUTS['04_held.csv']);
  });

  it('reports a dropped outbound record', async () => {
    const r = await replayFixture((f) => (f['03_outbound.csv'] = f['03_outbound.csv']!.replace(/^2,10000000014,.*\n/mu, '').replace(/^3,/mu, '2,')));
    expect(r.ok).toBe(false);
    expect(checks(r)).toEqual(['outbound', 'reconciliation', 'replay-full', 'replay-setup']);
    expect(r.differences).toContainEqual(expect.objectContaining({ check: 'replay-setup', kind: 'value', juminhyoCode: '10000000014', field: 'address' }));
  });

  it('reports a 34 that re-keys from the wrong code', async () => {
    const r = await replayFixture((f) => (f['03_outbound.csv'] = f['03_outbound.csv']!.replace(',20000000141,20000000036,', ',20000000141,20000000035,')));
    expect(r.ok).toBe(false);
    expect(r.differences).toContainEqual(expect.objectContaining({ check: 'replay-setup', kind: 'unexpected', juminhyoCode: '20000000036' }));
    expect(r.differences).toContainEqual(expect.objectContaining({ check: 'outbound', field: 'previousJuminhyoCode' }));
    expect(r.warnings.join()).toContain('re-keys absent code 20000000035');
  });

  it('reports a 34 without its previous code', async () => {
    const r = await replayFixture((f) => (f['03_outbound.csv'] = f['03_outbound.csv']!.replace(',20000000141,20000000036,', ',20000000141,,')));
    expect(r.differences).toContainEqual(expect.objectContaining({ check: 'format', field: 'previous_juminhyo_code' }));
    expect(r.differences).toContainEqual(expect.objectContaining({ check: 'replay-setup', kind: 'unexpected', juminhyoCode: '20000000036' }));
  });

  it('reports a held change routed to the outbound feed', async () => {
    const r = await replayFixture((f) => {
      f['03_outbound.csv'] += '4,50000000130,50000000024,34,2002-09-10,' + P2 + '\n';
      f['04_held.csv'] = f['04_held.csv']!.replace(/^5,.*\n/mu, '');
    });
    expect(r.differences).toContainEqual(expect.objectContaining({ check: 'replay-setup', kind: 'unexpected', juminhyoCode: '50000000130' }));
    expect(r.differences).toContainEqual(expect.objectContaining({ check: 'held', kind: 'count' }));
  });

  it('reports a birth date in the wrong shape, by field, without the value', async () => {
    const r = await replayFixture((f) => (f['03_outbound.csv'] = f['03_outbound.csv']!.replace('1912-07-30', '1912-07-31')));
    const d = r.differences.find((x) => x.check === 'replay-setup');
    expect(d).toMatchObject({ kind: 'value', juminhyoCode: '20000000141', field: 'birthDate' });
  });

  it('reports a missing target, wrong exceptions and a broken reconciliation', async () => {
    const r = await replayFixture((f) => {
      f['01_deletions.csv'] = f['01_deletions.csv']!.replace(/^2,.*\n/mu, '');
      f['exceptions.csv'] = f['exceptions.csv']!.replace('unknown_person', 'not_yet_resident');
    });
    expect(checks(r)).toEqual(expect.arrayContaining(['deletions', 'exceptions', 'reconciliation', 'replay-setup']));
    expect(r.differences).toContainEqual(expect.objectContaining({ check: 'deletions', kind: 'missing', juminhyoCode: '50000000024' }));
    expect(r.differences).toContainEqual(expect.objectContaining({ check: 'exceptions', personId: '0000000099' }));
  });

  it('reports feed format errors: seq, order, event code, CRLF', async () => {
    const r = await replayFixture((f) => {
      const [h, a, b] = f['02_entries.csv']!.trimEnd().split('\n');
      f['02_entries.csv'] = [h, b!.replace(/^2/u, '1'), a!.replace(/^1/u, '2')].join('\r\n') + '\r\n';
      f['01_deletions.csv'] = f['01_deletions.csv']!.replace('2,50000000024,,23,', '3,50000000024,,13,');
    });
    expect(r.differences.filter((d) => d.check === 'format').map((d) => d.detail)).toEqual(
      expect.arrayContaining([
        '02_entries.csv: has a CR; sinks end lines with LF',
        '01_deletions.csv:3: seq is 3, expected 2',
        '01_deletions.csv:3: event_code 13, expected 23',
        '02_entries.csv:3: not in ascending juminhyo_code order',
      ]),
    );
  });

  it('reports a full-participation file that lost a record', async () => {
    const r = await replayFixture((f) => (f['07_full_participation.csv'] = f['07_full_participation.csv']!.replace(/^3,60000000054,.*\n/mu, '').replace(/^4,/mu, '3,').replace(/^5,/mu, '4,')));
    expect(checks(r)).toEqual(['full-participation', 'replay-full']);
    expect(r.differences).toContainEqual(expect.objectContaining({ check: 'replay-full', kind: 'missing', juminhyoCode: '60000000054' }));
  });
});

describe('replaySetup on generated registries', () => {
  it.each([
    [400, 'a'],
    [3000, 'b'],
  ])('%i persons, seed %s: the reference outputs replay exactly', async (persons, seed) => {
    const dir = tempDir();
    await generate({ persons, seed, outDir: dir });
    const options = { historyFile: join(dir, 'history.csv'), listFile: join(dir, 'non_notification.csv'), outDir: join(dir, 'out'), fullParticipationFile: join(dir, 'out', '07.csv') };
    await writeReferenceSetup(options);
    const r = await replaySetup(options);
    expect(formatReplay(r)).toBe('');
    expect(r.warnings).toEqual([]);
    expect(r.counts.targets).toBeGreaterThan(0);
    expect(r.counts.exceptions).toBeGreaterThan(0);
  });
});
