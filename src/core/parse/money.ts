// Amounts of money in yuan: "¥2,000", "2000元", "2k", "1.5万", "两千五百元", "3,000.50",
// "RMB 500", "五百块", "三块五" (3.5), "贰仟元整". Returns yuan rounded to cents.

import { t } from '../messages.js';
import { parseNumberText } from './numbers.js';
import { fail, normalizeInput, ok, type ParseResult, type Unsure } from './types.js';

const EXAMPLE_ZH = '请输入金额（元），例如：2000、1.5万 或 ¥3,000.50';
const EXAMPLE_EN = 'Please enter an amount in yuan, e.g. 2000, 1.5万 or ¥3,000.50';
const MAX_YUAN = 1e12;

const CURRENCY_PREFIX = /^(?:¥|rmb|cny|人民币)/;
const CURRENCY_SUFFIX = /(?:元整|圆整|元|圆|块钱|块|rmb|cny|人民币)$/;
const JIAO_DIGIT = '[0-9零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖]';
// "3元5角2分", "三块五", "3块5毛" — the part after 元/块 is jiao (and fen).
const YUAN_JIAO = new RegExp(`^(.+?)(?:元|圆|块)(${JIAO_DIGIT})(?:角|毛)?(?:(${JIAO_DIGIT})分)?$`);

function digitValue(ch: string): number | null {
  return parseNumberText(ch === '零' || ch === '〇' ? '0' : ch);
}

/** Parse the numeric core (no currency words) into yuan, or null. */
function parseAmountCore(core: string): number | null {
  if (!core) return null;
  // Thousands separators only in correct groups: "3,000.50" yes, "30,00" no.
  if (core.includes(',')) {
    if (!/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(core)) return null;
    core = core.replace(/,/g, '');
  }
  // 2k / 2K / 1.5w / 1.5W
  const km = /^(\d+(?:\.\d+)?)(k|w)$/.exec(core);
  if (km?.[1]) return Number(km[1]) * (km[2] === 'k' ? 1000 : 10000);
  return parseNumberText(core);
}

export function parseMoney(text: string): ParseResult<number> {
  let s = normalizeInput(text).toLowerCase();
  if (!s) return fail(EXAMPLE_ZH, EXAMPLE_EN);
  if (/^(?:-|−|负)/.test(s) || /^(?:¥|rmb|cny|人民币)\s*-/.test(s)) {
    return fail('金额必须大于 0，例如：2000', 'The amount must be greater than 0, e.g. 2000');
  }
  s = s.replace(CURRENCY_PREFIX, '').trim();
  s = s.replace(CURRENCY_SUFFIX, '').trim();
  if (!s || /\s/.test(s)) return fail(EXAMPLE_ZH, EXAMPLE_EN);

  let value: number | null;
  const yj = YUAN_JIAO.exec(s);
  if (yj?.[1] && yj[2]) {
    const yuan = parseAmountCore(yj[1]);
    const jiao = digitValue(yj[2]);
    const fen = yj[3] ? digitValue(yj[3]) : 0;
    value = yuan === null || jiao === null || fen === null ? null : yuan + jiao / 10 + fen / 100;
  } else {
    value = parseAmountCore(s);
  }
  if (value === null || !Number.isFinite(value)) return fail(EXAMPLE_ZH, EXAMPLE_EN);
  if (value <= 0) return fail('金额必须大于 0，例如：2000', 'The amount must be greater than 0, e.g. 2000');
  if (value > MAX_YUAN) return fail('金额过大，请检查后重新输入，例如：2000', 'The amount is too large; please check it, e.g. 2000');
  const cents = Math.round(value * 100);
  if (Math.abs(value * 100 - cents) > 1e-6) {
    return fail('金额最多保留两位小数（精确到分），例如：3000.50', 'Amounts can have at most 2 decimal places (cents), e.g. 3000.50');
  }
  return ok(cents / 100);
}

/** 8700 → "8,700", 3.5 → "3.5": how an amount is read back to the person. */
export const formatYuan = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** A sum of money and whether it is certain. `unsure` is empty when the text was plain. */
export interface MoneyReading {
  value: number;
  unsure: Unsure[];
}

// "2k", "1.5w", "3K元": letters for 千/万 — common in chat, but a slip of one letter is a 10×
// error, so the reading is shown back.
const SHORTHAND = /\d\s*[kw](?![a-z])/i;

// A formula: factors joined by × (or * x X ✕ ✖ 乘 乘以), terms joined by +, an optional
// "= total". A factor may carry the words of a unit price or a quantity: "50元/人", "30人",
// "每桌800", "3晚".
const MUL = /[*×✕✖xX]|乘以|乘/;
const COUNTER = '(?:个人|人次|人|位|名|个|份|桌|场|次|晚|天|日|间|套|张|件|箱|台|辆|小时|h|期|周|月|批|本|瓶|盒|包|把)';
const FACTOR_PREFIX = new RegExp(`^(?:¥|rmb|cny|人民币)?\\s*(?:每${COUNTER}?|单价|人均)?\\s*(?:¥|rmb|cny|人民币)?`, 'i');
const FACTOR_SUFFIX = new RegExp(`(?:(?:元|块)?\\s*(?:\\/|每)\\s*${COUNTER}|元整|元|圆|块钱|块|${COUNTER})$`, 'i');

function parseFactor(text: string): { value: number; shorthand: boolean } | null {
  const core = text.trim().replace(FACTOR_PREFIX, '').replace(FACTOR_SUFFIX, '').trim();
  if (!core || /\s/.test(core)) return null;
  const value = parseAmountCore(core.toLowerCase());
  return value === null || !Number.isFinite(value) || value <= 0 ? null : { value, shorthand: /[kw]$/i.test(core) };
}

const MAX_OPERATORS = 8;

export interface Formula {
  /** The formula as read, e.g. "50元×30人". */
  shown: string;
  value: number;
  /** A "= total" was written and matches: the reading is certain. */
  checked: boolean;
  shorthand: boolean;
}

/**
 * "50*30", "50元×30人", "300元/晚×2晚×3间", "1200+300", "50×30=1500". Null when the text is
 * not a formula (no operator, or a part that is not a number); a failure when it is one that
 * does not add up or gives an amount that is not valid.
 */
export function parseFormula(text: string): ParseResult<Formula> | null {
  const s = normalizeInput(text).replace(/\s*([*×✕✖+=])\s*/g, '$1').replace(/(?<=[\d元块])\s+(?:x|X|乘以|乘)\s+(?=[\d¥零一二两三四五六七八九十])/g, '×');
  const sides = s.split('=');
  if (sides.length > 2) return null;
  const [left = '', right] = sides;
  const terms = left.split('+').map((term) => term.split(new RegExp(MUL.source, 'g')));
  const operators = terms.reduce((n, f) => n + f.length - 1, terms.length - 1);
  // No formula has dozens of operators; stop early so long text stays cheap to scan.
  if (operators === 0 || operators > MAX_OPERATORS) return null;
  let value = 0;
  let shorthand = false;
  for (const factors of terms) {
    let product = 1;
    for (const f of factors) {
      const factor = parseFactor(f);
      if (!factor) return null;
      product *= factor.value;
      shorthand ||= factor.shorthand;
    }
    value += product;
  }
  const shown = terms.map((factors) => factors.map((f) => f.trim()).join('×')).join(' + ');
  const cents = Math.round(value * 100);
  if (Math.abs(value * 100 - cents) > 1e-6 || cents <= 0 || value > MAX_YUAN) {
    return fail(
      `“${shown}”算出来是 ${value}，不是有效的金额（最多两位小数），请直接写出金额，例如：1500`,
      `"${shown}" makes ${value}, which is not a valid amount (at most 2 decimal places); please write the amount, e.g. 1500`,
    );
  }
  let checked = false;
  if (right !== undefined) {
    const stated = parseMoney(right);
    if (!stated.ok) return null;
    if (Math.round(stated.value * 100) !== cents) {
      const params = { formula: shown, computed: formatYuan(cents / 100), stated: formatYuan(stated.value) };
      return fail(t('zh-CN', 'parse.formula_mismatch', params), t('en', 'parse.formula_mismatch', params));
    }
    checked = true;
  }
  return ok({ shown, value: cents / 100, checked, shorthand });
}

/**
 * An amount with its certainty: plain amounts ("3000", "¥3,000.50", "两千五", "1.5万") are
 * certain; a formula ("50元×30人") is worked out and a k/w shorthand expanded, and either is
 * marked unsure so the caller shows the reading back (or refuses it where it cannot ask).
 */
export function readMoney(text: string): ParseResult<MoneyReading> {
  const formula = parseFormula(text);
  if (formula) {
    if (!formula.ok) return formula;
    const f = formula.value;
    const unsure: Unsure[] = f.checked ? [] : [{ key: 'parse.unsure.formula', params: { formula: f.shown, amount: formatYuan(f.value) } }];
    if (f.shorthand && f.checked) unsure.push({ key: 'parse.unsure.shorthand', params: { text: f.shown, amount: formatYuan(f.value) } });
    return ok({ value: f.value, unsure });
  }
  const r = parseMoney(text);
  if (!r.ok) return r;
  const shown = normalizeInput(text);
  return ok({ value: r.value, unsure: SHORTHAND.test(shown) ? [{ key: 'parse.unsure.shorthand', params: { text: shown, amount: formatYuan(r.value) } }] : [] });
}
