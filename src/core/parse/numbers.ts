// Numbers as people type them: Arabic ("1200", "1.5"), Chinese ("两千五百", "十五"),
// financial capitals ("贰仟伍佰"), mixtures ("1.5万", "1万2千") and the colloquial
// shorthand where a trailing digit scales to the next smaller unit ("两千五" = 2500,
// "一万二" = 12000, "三百五" = 350).
//
// nzh's decoder is not used here: it silently returns 0 for text it does not understand,
// does not know 两, and reads "一万二" as 10002, so it cannot tell us when to say "I did not
// understand" — which a form parser must do.

import { fail, normalizeInput, ok, type ParseResult } from './types.js';

const DIGIT: Readonly<Record<string, number>> = {
  零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9,
  壹: 1, 贰: 2, 貳: 2, 叁: 3, 參: 3, 肆: 4, 伍: 5, 陆: 6, 陸: 6, 柒: 7, 捌: 8, 玖: 9,
};
const SMALL_UNIT: Readonly<Record<string, number>> = { 十: 10, 拾: 10, 百: 100, 佰: 100, 千: 1000, 仟: 1000 };
const BIG_UNIT: Readonly<Record<string, number>> = { 万: 1e4, 萬: 1e4, 亿: 1e8, 億: 1e8 };


type Token =
  | { kind: 'num'; value: number; singleDigit: boolean }
  | { kind: 'small'; value: number }
  | { kind: 'big'; value: number }
  | { kind: 'zero' };

function tokenize(s: string): Token[] | null {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const rest = s.slice(i);
    const arabic = /^\d+(?:\.\d+)?/.exec(rest);
    if (arabic) {
      tokens.push({ kind: 'num', value: Number(arabic[0]), singleDigit: /^\d$/.test(arabic[0]) });
      i += arabic[0].length;
      continue;
    }
    const ch = s.charAt(i);
    // Chinese decimal point: "一点五" = 1.5 (a run of digits after 点 is the fraction).
    if (ch === '点') {
      const prev = tokens[tokens.length - 1];
      const frac = /^点([零〇一二三四五六七八九]+)/.exec(rest);
      if (!prev || prev.kind !== 'num' || !frac?.[1]) return null;
      const fracDigits = [...frac[1]].map((c) => DIGIT[c] ?? 0).join('');
      prev.value = Number(`${Math.trunc(prev.value)}.${fracDigits}`);
      prev.singleDigit = false;
      i += frac[0].length;
      continue;
    }
    const digit = DIGIT[ch];
    if (digit !== undefined) {
      if (digit === 0) tokens.push({ kind: 'zero' });
      else tokens.push({ kind: 'num', value: digit, singleDigit: true });
      i += 1;
      continue;
    }
    const small = SMALL_UNIT[ch];
    if (small !== undefined) {
      tokens.push({ kind: 'small', value: small });
      i += 1;
      continue;
    }
    const big = BIG_UNIT[ch];
    if (big !== undefined) {
      tokens.push({ kind: 'big', value: big });
      i += 1;
      continue;
    }
    return null;
  }
  return tokens;
}

/**
 * Parse a (possibly Chinese, possibly mixed) number. Returns null when the text is not a
 * well-formed number. No sign handling: callers reject "-" / 负 themselves.
 */
export function parseNumberText(input: string): number | null {
  const s = input.replace(/\s+/g, '');
  if (!s) return null;
  if (/^\d+(?:\.\d+)?$/.test(s)) return Number(s);
  const tokens = tokenize(s);
  if (!tokens || tokens.length === 0) return null;

  let total = 0; // completed 万/亿 sections
  let section = 0; // value below the current big unit
  let pending: { value: number; singleDigit: boolean } | null = null;
  let lastSmall = Infinity; // small units must descend within a section: 千 > 百 > 十
  let lastBig = Infinity;
  let lastUnit = 0; // the unit just before `pending`, for the "两千五" shorthand
  let zeroSince = false; // a 零 after the last unit disables the shorthand ("一百零五")
  let sawAny = false;

  for (const t of tokens) {
    switch (t.kind) {
      case 'num':
        if (pending) return null; // "一二", "12 3"
        pending = { value: t.value, singleDigit: t.singleDigit };
        sawAny = true;
        break;
      case 'zero':
        if (pending) return null;
        zeroSince = true;
        sawAny = true;
        break;
      case 'small': {
        if (t.value >= lastSmall) return null;
        // A leading 十 means 一十 ("十五" = 15); any other unit needs a number before it.
        const n = pending ? pending.value : t.value === 10 && section === 0 && !zeroSince ? 1 : null;
        if (n === null) return null;
        section += n * t.value;
        lastSmall = t.value;
        lastUnit = t.value;
        pending = null;
        zeroSince = false;
        sawAny = true;
        break;
      }
      case 'big': {
        if (t.value >= lastBig) return null;
        const sectionValue = section + (pending ? pending.value : 0);
        if (sectionValue === 0) return null;
        total += sectionValue * t.value;
        lastBig = t.value;
        lastUnit = t.value;
        section = 0;
        lastSmall = Infinity;
        pending = null;
        zeroSince = false;
        break;
      }
    }
  }
  if (!sawAny && total === 0) return null;
  if (pending) {
    // Colloquial shorthand: a bare digit right after a unit scales to the next unit down.
    const shorthand = pending.singleDigit && !zeroSince && lastUnit >= 100;
    section += shorthand ? pending.value * (lastUnit / 10) : pending.value;
  }
  const value = total + section;
  return Number.isFinite(value) ? value : null;
}

const COUNT_EXAMPLE_ZH = '请输入人数（正整数），例如：50 或 五十人';
const COUNT_EXAMPLE_EN = 'Please enter a headcount (a whole number), e.g. 50 or 五十人';
const MAX_COUNT = 1_000_000;

/** Headcount: "50", "50人", "五十人", "约80人", "80人左右", "共12位", "1,200名". */
export function parseCount(text: string): ParseResult<number> {
  let s = normalizeInput(text).replace(/\s+/g, '');
  if (!s) return fail(COUNT_EXAMPLE_ZH, COUNT_EXAMPLE_EN);
  s = s.replace(/^(?:大约|大概|预计|约|共计|一共|总共|共|合计)/, '');
  s = s.replace(/(?:左右)$/, '');
  s = s.replace(/(?:个人|人|位|名)$/, '');
  s = s.replace(/(?:左右)$/, '');
  if (/^(?:-|负)/.test(s)) return fail('人数必须大于 0，例如：50', 'The headcount must be greater than 0, e.g. 50');
  if (/^\d{1,3}(?:,\d{3})+$/.test(s)) s = s.replace(/,/g, '');
  const n = parseNumberText(s);
  if (n === null) return fail(COUNT_EXAMPLE_ZH, COUNT_EXAMPLE_EN);
  if (!Number.isInteger(n)) return fail('人数需为整数，例如：50', 'The headcount must be a whole number, e.g. 50');
  if (n <= 0) return fail('人数必须大于 0，例如：50', 'The headcount must be greater than 0, e.g. 50');
  if (n > MAX_COUNT) return fail(`人数过大（最多 ${MAX_COUNT} 人），例如：50`, `The headcount is too large (at most ${MAX_COUNT}), e.g. 50`);
  return ok(n);
}
