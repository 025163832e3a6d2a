import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReferenceDaily } from './support/reference-daily.ts';
import type { DailyOptions } from './support/reference-daily.ts';
import { replayDaily } from './support/replay-daily.ts';
import type { DailyReplayResult } from './support/replay-daily.ts';
import { formatReplay } from './support/replay.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// Five persons and an id the registry never knew, over the setup and two days:
//  P1 0000000001 unlisted: a move after as_of (03), a move on D1 (sent; the address has a comma)
//  P2 0000000002 listed at the setup: a 34 on D1 (held, previous code from the state); withdraws
//     on D2, releasing its setup entry and the 34 in held order
//  P3 0000000003 requests on D1 at 11:00 (23 sent, 13 held) and changes its name in the same
//     second (held after the 13)
//  P4 0000000004 withdraws on D2 without being listed (not_listed), then moves (sent)
//  P5 0000000005 listed at the setup; requests again on D1 (duplicate_request). Its code sorts
//     before P2's, so the held order is not the person order.
//  0000000099 requests on D1: listed, nothing sent or held
const HISTORY_HEADER = 'seq,person_id,juminhyo_code,event_code,event_date,processed_at,name,name_kana,birth_date,sex,address';
const cp932 = (rows: string[]): Buffer => iconv.encode([HISTORY_HEADER, ...rows].join('\r\n') + '\r\n', 'cp932');
const INPUTS: Record<string, string | Buffer> = {
  'history.csv': cp932([
    '5,0000000005,20000000052,12,4130405,2001-04-05 10:00:00,中村　愛,ナカムラ　アイ,3450700,2,"横浜市栄区本郷台1-1 コーポ""さくら""101"',
    '1,0000000001,10000000014,12,4130401,2001-04-01 10:00:00,鈴木　一郎,スズキ　イチロウ,3350412,1,横浜市中区本町1-2-3',
    '6,0000000001,10000000014,31,4140901,2002-09-01 10:00:00,鈴木　一郎,スズキ　イチロウ,3350412,1,横浜市西区岡野2-3-4',
    '3,0000000003,40000000037,12,4130403,2001-04-03 10:00:00,髙橋　太郎,ﾀｶﾊｼ ﾀﾛｳ,1450730,1,横浜市鶴見区鶴見1-1-1',
    '2,0000000002,30000000023,12,4130402,2001-04-02 10:00:00,佐藤　花子,サトウ　ハナコ,4010108,2,横浜市港北区日吉5-6-7',
    '4,0000000004,50000000040,12,4130404,2001-04-04 10:00:00,山﨑　清,ヤマザキ　キヨシ,1400000,1,横浜市南区弘明寺町3-3-3',
  ]),
  'non_notification.csv': '\uFEFFperson_id,requested_on\r\n0000000005,2002-07-02\r\n0000000002,2002-07-01\r\n',
  'D1/changes.csv': cp932([
    '9,0000000003,40000000037,32,4150410,2003-04-10 11:00:00,田中　太郎,ﾀﾅｶ ﾀﾛｳ,1450730,1,横浜市鶴見区鶴見1-1-1',
    '7,0000000002,30000000090,34,4150410,2003-04-10 09:00:00,佐藤　花子,サトウ　ハナコ,4010108,2,横浜市港北区日吉5-6-7',
    '8,0000000001,10000000014,31,4150409,2003-04-10 10:00:00,鈴木　一郎,スズキ　イチロウ,3350412,1,"横浜市港北区日吉1-1-1,コーポ日吉101"',
  ]),
  'D1/list_events.csv':
    'person_id,event,at\n0000000005,request,2003-04-10 12:00:00\n0000000003,request,2003-04-10 11:00:00\n0000000099,request,2003-04-10 09:30:00\n',
  'D2/changes.csv': cp932(['10,0000000004,50000000040,31,4150411,2003-04-11 15:00:00,山﨑　清,ヤマザキ　キヨシ,1400000,1,横浜市金沢区六浦1-1-1']),
  'D2/list_events.csv': 'person_id,event,at\n0000000004,withdraw,2003-04-11 10:30:00\n0000000002,withdraw,2003-04-11 10:00:00\n',
};

const FEED = 'seq,juminhyo_code,previous_juminhyo_code,event_code,event_date,name,name_kana,birth_date,sex,address\n';
const HELD = 'seq,person_id,juminhyo_code,previous_juminhyo_code,event_code,event_date,name,name_kana,birth_date,sex,address\n';
const REGISTRY = 'person_id,present,juminhyo_code,name,name_kana,birth_date,sex,address\n';
const P1 = '鈴木　一郎,スズキ　イチロウ,1960-04-12,1';
const P2 = '佐藤　花子,サトウ　ハナコ,1989-01-08,2,横浜市港北区日吉5-6-7';
const P3 = 'ﾀｶﾊｼ ﾀﾛｳ,1912-07-30,1,横浜市鶴見区鶴見1-1-1';
const P4 = '山﨑　清,ヤマザキ　キヨシ,1907,1';
const P5 = '中村　愛,ナカムラ　アイ,1970-07,2,"横浜市栄区本郷台1-1 コーポ""さくら""101"';
const P5_ENTRY = `20000000052,,13,2003-04-10,${P5}`;
const P2_ENTRY = `30000000023,,13,2003-04-10,${P2}`;
const P2_34 = `30000000090,30000000023,34,2003-04-10,${P2}`;
const P3_ENTRY = `40000000037,,13,2003-04-10,髙橋　太郎,${P3}`;
const P3_32 = '40000000037,,32,2003-04-10,田中　太郎,ﾀﾅｶ ﾀﾛｳ,1912-07-30,1,横浜市鶴見区鶴見1-1-1';
const SETUP_HELD = `${FEED}1,${P5_ENTRY}\n2,${P2_ENTRY}\n`;
const D2_HELD = `${FEED}1,${P5_ENTRY}\n2,${P3_ENTRY}\n3,${P3_32}\n`;

/** What the setup and the two days must write (no manifests), written by hand from SPEC §4 and §7. */
const OUTPUTS: Record<string, string> = {
  'O0/01_deletions.csv': `${FEED}1,20000000052,,23,2003-04-10,${P5}\n2,30000000023,,23,2003-04-10,${P2}\n`,
  'O0/02_entries.csv': SETUP_HELD,
  'O0/03_outbound.csv': `${FEED}1,10000000014,,31,2002-09-01,${P1},横浜市西区岡野2-3-4\n`,
  'O0/04_held.csv': SETUP_HELD,
  'O0/exceptions.csv': 'person_id,requested_on,reason\n',
  'O0/state/window.csv': 'until\n2003-04-10 00:00:00\n',
  'O0/state/registry.csv':
    `${REGISTRY}0000000001,true,10000000014,${P1},横浜市西区岡野2-3-4\n0000000002,true,30000000023,${P2}\n` +
    `0000000003,true,40000000037,髙橋　太郎,${P3}\n0000000004,true,50000000040,${P4},横浜市南区弘明寺町3-3-3\n0000000005,true,20000000052,${P5}\n`,
  'O0/state/listed.csv': 'person_id,since\n0000000002,2002-07-01 00:00:00\n0000000005,2002-07-02 00:00:00\n',
  'O0/state/held.csv': `${HELD}1,0000000005,${P5_ENTRY}\n2,0000000002,${P2_ENTRY}\n`,

  'O1/outbound.csv': `${FEED}1,10000000014,,31,2003-04-09,${P1},"横浜市港北区日吉1-1-1,コーポ日吉101"\n2,40000000037,,23,2003-04-10,髙橋　太郎,${P3}\n`,
  'O1/exceptions.csv': 'person_id,event,at,reason\n0000000005,request,2003-04-10 12:00:00,duplicate_request\n',
  'O1/04_held.csv': `${FEED}1,${P5_ENTRY}\n2,${P2_ENTRY}\n3,${P2_34}\n4,${P3_ENTRY}\n5,${P3_32}\n`,
  'O1/state/window.csv': 'until\n2003-04-11 00:00:00\n',
  'O1/state/registry.csv':
    `${REGISTRY}0000000001,true,10000000014,${P1},"横浜市港北区日吉1-1-1,コーポ日吉101"\n0000000002,true,30000000090,${P2}\n` +
    `0000000003,true,40000000037,田中　太郎,ﾀﾅｶ ﾀﾛｳ,1912-07-30,1,横浜市鶴見区鶴見1-1-1\n0000000004,true,50000000040,${P4},横浜市南区弘明寺町3-3-3\n0000000005,true,20000000052,${P5}\n`,
  'O1/state/listed.csv':
    'person_id,since\n0000000002,2002-07-01 00:00:00\n0000000003,2003-04-10 11:00:00\n0000000005,2002-07-02 00:00:00\n0000000099,2003-04-10 09:30:00\n',
  'O1/state/held.csv':
    `${HELD}1,0000000005,${P5_ENTRY}\n2,0000000002,${P2_ENTRY}\n3,0000000002,${P2_34}\n4,0000000003,${P3_ENTRY}\n5,0000000003,${P3_32}\n`,

  'O2/outbound.csv': `${FEED}1,${P2_ENTRY}\n2,${P2_34}\n3,50000000040,,31,2003-04-11,${P4},横浜市金沢区六浦1-1-1\n`,
  'O2/exceptions.csv': 'person_id,event,at,reason\n0000000004,withdraw,2003-04-11 10:30:00,not_listed\n',
  'O2/04_held.csv': D2_HELD,
  'O2/state/window.csv': 'until\n2003-04-12 00:00:00\n',
  'O2/state/registry.csv':
    `${REGISTRY}0000000001,true,10000000014,${P1},"横浜市港北区日吉1-1-1,コーポ日吉101"\n0000000002,true,30000000090,${P2}\n` +
    `0000000003,true,40000000037,田中　太郎,ﾀﾅｶ ﾀﾛｳ,1912-07-30,1,横浜市鶴見区鶴見1-1-1\n0000000004,true,50000000040,${P4},横浜市金沢区六浦1-1-1\n0000000005,true,20000000052,${P5}\n`,
  'O2/state/listed.csv': 'person_id,since\n0000000003,2003-04-10 11:00:00\n0000000005,2002-07-02 00:00:00\n0000000099,2003-04-10 09:30:00\n',
  'O2/state/held.csv': `${HELD}1,0000000005,${P5_ENTRY}\n2,0000000003,${P3_ENTRY}\n3,0000000003,${P3_32}\n`,

  'O3/07_full_participation.csv': D2_HELD,
};
const PERSONAL = ['鈴木', '佐藤', '髙橋', '田中', '山﨑', '中村', '横浜', 'ﾀｶﾊｼ', 'サトウ', '1960-04-12', '1989-01-08', '1970-07'];

function _write(dir: string, files: Record<string, string | Buffer>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

function _options(dir: string): DailyOptions {
  return {
    historyFile: join(dir, 'history.csv'), listFile: join(dir, 'non_notification.csv'), setupOutDir: join(dir, 'O0'),
    days: [
      { dataDir: join(dir, 'D1'), until: '2003-04-11 00:00:00', outDir: join(dir, 'O1') },
      { dataDir: join(dir, 'D2'), until: '2003-04-12 00:00:00', outDir: join(dir, 'O2') },
    ],
    fullParticipationFile: join(dir, 'O3/07_full_participation.csv'),
  };
}

/** Writes the scenario with `edit` applied to the expected outputs, and replays it. */
async function replayScenario(edit: (files: Record<string, string>) => void = () => {}): Promise<DailyReplayResult> {
  const dir = mkdtempSync(join(tmpdir(), 'etl-daily-replay-'));
  dirs.push(dir);
  const outputs = { ...OUTPUTS };
  edit(outputs);
  _write(dir, { ...INPUTS, ...outputs });
  const result = await replayDaily(_options(dir));
  // Whatever went wrong, the report must not carry a personal value.
  const report = JSON.stringify(result);
  for (const v of PERSONAL) expect(report).not.toContain(v);
  return result;
}

/** Removes line `n` (1-based, the header is line 1) of a feed file and renumbers `seq`. */
function dropLine(text: string, n: number): string {
  const lines = text.trimEnd().split('\n');
  lines.splice(n - 1, 1);
  return lines.map((l, i) => (i === 0 ? l : l.replace(/^\d+,/u, `${i},`))).join('\n') + '\n';
}

const checks = (r: DailyReplayResult): string[] => [...new Set(r.differences.map((d) => `D${d.day}:${d.check}`))].sort();

describe('replayDaily on a hand-written scenario', () => {
  it('accepts the correct files', async () => {
    const r = await replayScenario();
    expect(formatReplay(r)).toBe('');
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.days).toEqual([
      { changes: 3, changesSent: 1, changesHeld: 2, deletions: 1, entries: 1, released: 0, listEvents: 3, requestsAccepted: 2, withdrawalsAccepted: 0, exceptions: 1 },
      { changes: 1, changesSent: 1, changesHeld: 0, deletions: 0, entries: 0, released: 2, listEvents: 2, requestsAccepted: 0, withdrawalsAccepted: 1, exceptions: 1 },
    ]);
  });

  it('agrees with the reference writer byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'etl-daily-reference-'));
    dirs.push(dir);
    _write(dir, INPUTS);
    await writeReferenceDaily(_options(dir));
    for (const [name, text] of Object.entries(OUTPUTS)) expect(readFileSync(join(dir, name), 'utf8'), name).toBe(text);
  });

  it('reports a wrong record by code, person and field', async () => {
    const r = await replayScenario((f) => (f['O1/outbound.csv'] = f['O1/outbound.csv']!.replace('日吉1-1-1,コーポ', '日吉1-1-2,コーポ')));
    // The network keeps the wrong value: every later comparison sees it too.
    expect(checks(r)).toEqual(['D1:outbound', 'D1:replay', 'D1:replay-held', 'D2:replay', 'D2:replay-full', 'D2:replay-held']);
    expect(r.differences).toContainEqual(expect.objectContaining({ day: 1, check: 'outbound', kind: 'value', juminhyoCode: '10000000014', personId: '0000000001', field: 'address' }));
    expect(r.differences).toContainEqual(expect.objectContaining({ day: 1, check: 'replay', kind: 'value', juminhyoCode: '10000000014', field: 'address' }));
  });

  it('reports a missing release', async () => {
    const r = await replayScenario((f) => (f['O2/outbound.csv'] = dropLine(f['O2/outbound.csv']!, 3)));
    expect(r.differences).toContainEqual(expect.objectContaining({ day: 2, check: 'outbound', kind: 'missing', juminhyoCode: '30000000090', personId: '0000000002' }));
    expect(r.differences).toContainEqual(expect.objectContaining({ day: 2, check: 'outbound', kind: 'count' }));
    // The network keeps P2 under its old code: the new one is missing, the old one unexpected.
    expect(r.differences).toContainEqual(expect.objectContaining({ day: 2, check: 'replay', kind: 'missing', juminhyoCode: '30000000090' }));
    expect(r.differences).toContainEqual(expect.objectContaining({ day: 2, check: 'replay', kind: 'unexpected', juminhyoCode: '30000000023' }));
    expect(checks(r)).toEqual(['D2:outbound', 'D2:replay', 'D2:replay-full', 'D2:replay-held']);
  });

  it('reports released records out of held order', async () => {
    const r = await replayScenario((f) => {
      const [h, a, b, c] = f['O2/outbound.csv']!.trimEnd().split('\n');
      f['O2/outbound.csv'] = [h, b!.replace(/^2,/u, '1,'), a!.replace(/^1,/u, '2,'), c].join('\n') + '\n';
    });
    expect(r.differences).toContainEqual(expect.objectContaining({ day: 2, check: 'outbound', kind: 'order', juminhyoCode: '30000000023', personId: '0000000002' }));
    expect(r.differences.filter((d) => d.check === 'outbound').map((d) => d.kind)).toEqual(['order']);
    // The 34 re-keys a code the network does not hold yet; the entry then adds the old code back.
    expect(r.warnings).toEqual(['D2/outbound.csv:2: 34 re-keys absent code 30000000023']);
    expect(r.differences).toContainEqual(expect.objectContaining({ day: 2, check: 'replay', kind: 'unexpected', juminhyoCode: '30000000023' }));
  });

  it('reports a listed person leaked to the outbound feed', async () => {
    const r = await replayScenario((f) => {
      f['O1/outbound.csv'] += `3,${P3_32}\n`;
      f['O1/04_held.csv'] = dropLine(f['O1/04_held.csv']!, 6);
    });
    expect(r.differences).toContainEqual(expect.objectContaining({ day: 1, check: 'outbound', kind: 'unexpected', juminhyoCode: '40000000037' }));
    expect(r.differences).toContainEqual(expect.objectContaining({ day: 1, check: 'held', kind: 'missing', juminhyoCode: '40000000037', personId: '0000000003' }));
    // P3 is listed: the network must not hold it, whatever its values.
    expect(r.differences).toContainEqual(expect.objectContaining({ day: 1, check: 'replay', kind: 'unexpected', juminhyoCode: '40000000037' }));
  });

  it('reports wrong state files and exceptions by person and field', async () => {
    const r = await replayScenario((f) => {
      f['O1/state/listed.csv'] = f['O1/state/listed.csv']!.replace('0000000099,2003-04-10 09:30:00\n', '');
      f['O2/state/registry.csv'] = f['O2/state/registry.csv']!.replace('0000000004,true,', '0000000004,false,');
      f['O2/state/window.csv'] = 'until\n2003-04-11 00:00:00\n';
      f['O2/exceptions.csv'] = f['O2/exceptions.csv']!.replace('not_listed', 'duplicate_request');
    });
    expect(r.differences).toEqual([
      expect.objectContaining({ day: 1, check: 'state', kind: 'missing', personId: '0000000099', detail: 'state/listed.csv: lacks person 0000000099' }),
      expect.objectContaining({ day: 2, check: 'exceptions', kind: 'value', personId: '0000000004', field: 'reason' }),
      expect.objectContaining({ day: 2, check: 'state', kind: 'value', field: 'until' }),
      expect.objectContaining({ day: 2, check: 'state', kind: 'value', personId: '0000000004', field: 'present', detail: 'state/registry.csv:5: person 0000000004: present differ' }),
    ]);
  });

  it('reports a day file with CRLF line endings and a wrong seq', async () => {
    const r = await replayScenario((f) => {
      f['O1/04_held.csv'] = f['O1/04_held.csv']!.replaceAll('\n', '\r\n');
      f['O2/state/held.csv'] = f['O2/state/held.csv']!.replace('\n3,0000000003,', '\n4,0000000003,');
    });
    expect(r.differences.map((d) => `D${d.day}: ${d.check}: ${d.detail}`)).toEqual([
      'D1: format: 04_held.csv: has a CR; sinks end lines with LF',
      'D2: state: state/held.csv:4: seq is 4, expected 3',
    ]);
  });
});
