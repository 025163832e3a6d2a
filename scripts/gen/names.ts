/**
 * Synthetic Japanese names and addresses. Some carry 髙 or 﨑 (CP932 extension characters that
 * plain Shift_JIS lacks), some kana are half-width, some addresses hold a comma or a double
 * quote — the things that break naive CSV and encoding code.
 */
import type { Rng } from './prng.ts';

type Entry = readonly [kanji: string, kana: string];

const SURNAMES: readonly Entry[] = [
  ['佐藤', 'サトウ'], ['鈴木', 'スズキ'], ['高橋', 'タカハシ'], ['田中', 'タナカ'], ['伊藤', 'イトウ'],
  ['渡辺', 'ワタナベ'], ['山本', 'ヤマモト'], ['中村', 'ナカムラ'], ['小林', 'コバヤシ'], ['加藤', 'カトウ'],
  ['吉田', 'ヨシダ'], ['山田', 'ヤマダ'], ['佐々木', 'ササキ'], ['山口', 'ヤマグチ'], ['松本', 'マツモト'],
  ['井上', 'イノウエ'], ['木村', 'キムラ'], ['林', 'ハヤシ'], ['斎藤', 'サイトウ'], ['清水', 'シミズ'],
  ['山崎', 'ヤマザキ'], ['宮崎', 'ミヤザキ'], ['森', 'モリ'], ['池田', 'イケダ'], ['橋本', 'ハシモト'],
  ['阿部', 'アベ'], ['石川', 'イシカワ'], ['長谷川', 'ハセガワ'], ['近藤', 'コンドウ'], ['後藤', 'ゴトウ'],
  ['藤田', 'フジタ'], ['小川', 'オガワ'], ['前田', 'マエダ'], ['岡田', 'オカダ'], ['村上', 'ムラカミ'],
  ['高木', 'タカギ'], ['岡崎', 'オカザキ'], ['野口', 'ノグチ'], ['松田', 'マツダ'], ['原', 'ハラ'],
];

/** Surnames written with an extension character; real registries keep these exactly. */
const SURNAMES_EXT: readonly Entry[] = [
  ['髙橋', 'タカハシ'], ['髙木', 'タカギ'], ['髙田', 'タカダ'], ['山﨑', 'ヤマザキ'], ['宮﨑', 'ミヤザキ'],
  ['岡﨑', 'オカザキ'], ['﨑山', 'サキヤマ'],
];

const GIVEN: Record<'1' | '2', readonly Entry[]> = {
  '1': [
    ['太郎', 'タロウ'], ['一郎', 'イチロウ'], ['健太', 'ケンタ'], ['翔太', 'ショウタ'], ['大輔', 'ダイスケ'],
    ['浩', 'ヒロシ'], ['誠', 'マコト'], ['隆', 'タカシ'], ['博之', 'ヒロユキ'], ['正雄', 'マサオ'],
    ['清', 'キヨシ'], ['茂', 'シゲル'], ['拓也', 'タクヤ'], ['蓮', 'レン'], ['大翔', 'ヒロト'],
    ['健一', 'ケンイチ'], ['修', 'オサム'], ['勇', 'イサム'], ['純平', 'ジュンペイ'], ['亮', 'リョウ'],
  ],
  '2': [
    ['花子', 'ハナコ'], ['陽子', 'ヨウコ'], ['恵子', 'ケイコ'], ['美咲', 'ミサキ'], ['さくら', 'サクラ'],
    ['由美', 'ユミ'], ['愛', 'アイ'], ['裕子', 'ユウコ'], ['久美子', 'クミコ'], ['結衣', 'ユイ'],
    ['陽菜', 'ヒナ'], ['千代', 'チヨ'], ['ハル', 'ハル'], ['智子', 'トモコ'], ['明美', 'アケミ'],
    ['美穂', 'ミホ'], ['涼子', 'リョウコ'], ['舞', 'マイ'], ['ちはる', 'チハル'], ['純子', 'ジュンコ'],
  ],
};

const WARDS = [
  '鶴見区', '神奈川区', '西区', '中区', '南区', '保土ケ谷区', '磯子区', '金沢区', '港北区',
  '戸塚区', '港南区', '旭区', '緑区', '瀬谷区', '栄区', '泉区', '青葉区', '都筑区',
];
const TOWNS = [
  '山下町', '本町', '元町', '髙島', '岡野', '浅間町', '弘明寺町', '日吉', '綱島東', '上大岡西',
  '二俣川', '長津田', '中山町', '戸塚町', '港南台', '磯子', '洋光台', '六浦', '瀬谷', '仲町台', '宮﨑町',
];
const BUILDINGS = ['メゾン', 'コーポ', 'ハイツ', 'グランドール', 'サンライズ', 'パークハウス'];

const FULL = 'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォャュョッー　';
const HALF = 'ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｬｭｮｯｰ ';
const VOICED = 'ガギグゲゴザジズゼゾダヂヅデドバビブベボ';
const VOICED_BASE = 'カキクケコサシスセソタチツテトハヒフヘホ';
const SEMI = 'パピプペポ';
const SEMI_BASE = 'ハヒフヘホ';

/** Half-width rendering of full-width katakana (voiced marks become separate characters). */
export function toHalfKana(s: string): string {
  let out = '';
  for (const ch of s) {
    let i = VOICED.indexOf(ch);
    if (i >= 0) {
      out += HALF[FULL.indexOf(VOICED_BASE[i]!)] + 'ﾞ';
      continue;
    }
    i = SEMI.indexOf(ch);
    if (i >= 0) {
      out += HALF[FULL.indexOf(SEMI_BASE[i]!)] + 'ﾟ';
      continue;
    }
    if (ch === 'ヴ') {
      out += 'ｳﾞ';
      continue;
    }
    i = FULL.indexOf(ch);
    out += i >= 0 ? HALF[i] : ch;
  }
  return out;
}

/** Options that force a flavour, so that scripted persons cover every awkward case. */
export interface NameFlavour {
  /** Use a surname with 髙 or 﨑. */
  readonly ext?: boolean;
  /** Write the kana half-width. */
  readonly halfKana?: boolean;
}

/** A surname as kanji and full-width kana. */
export function surname(rng: Rng, flavour: NameFlavour = {}): Entry {
  return flavour.ext || rng.chance(0.06) ? rng.pick(SURNAMES_EXT) : rng.pick(SURNAMES);
}

/** A given name for the sex code. */
export function givenName(rng: Rng, sex: '1' | '2'): Entry {
  return rng.pick(GIVEN[sex]);
}

/** Full name and kana of a surname and a given name; kana half-width when asked. */
export function fullName(sur: Entry, given: Entry, halfKana: boolean): { name: string; kana: string } {
  const kana = `${sur[1]}　${given[1]}`;
  return { name: `${sur[0]}　${given[0]}`, kana: halfKana ? toHalfKana(kana) : kana };
}

/** A Yokohama address; `kind` forces a comma or a double quote inside it. */
export function address(rng: Rng, kind?: 'comma' | 'quote'): string {
  const base = `横浜市${rng.pick(WARDS)}${rng.pick(TOWNS)}`;
  const block = rng.chance(0.5)
    ? `${rng.int(1, 6)}丁目${rng.int(1, 30)}番${rng.int(1, 25)}号`
    : `${rng.int(1, 6)}-${rng.int(1, 30)}-${rng.int(1, 25)}`;
  const k = kind ?? (rng.chance(0.02) ? 'comma' : rng.chance(0.01) ? 'quote' : undefined);
  const room = rng.int(1, 12) * 100 + rng.int(1, 9);
  if (k === 'comma') return `${base}${block},${rng.pick(BUILDINGS)}${rng.pick(TOWNS)} ${room}号室`;
  if (k === 'quote') return `${base}${block} ${rng.pick(BUILDINGS)}"${rng.pick(TOWNS)}"${room}`;
  return rng.chance(0.25) ? `${base}${block} ${rng.pick(BUILDINGS)}${rng.pick(TOWNS)}${room}` : `${base}${block}`;
}

/** A corrected spelling: 高→髙, 崎→﨑 (or back); null when the name has neither. */
export function variantSpelling(name: string): string | null {
  const swapped = name.replace(/[高髙崎﨑]/gu, (c) => ({ 高: '髙', 髙: '高', 崎: '﨑', 﨑: '崎' })[c]!);
  return swapped === name ? null : swapped;
}
