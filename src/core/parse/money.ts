// Amounts of money in yuan: "¥2,000", "2000元", "2k", "1.5万", "两千五百元", "3,000.50",
// "RMB 500", "五百块", "三块五" (3.5), "贰仟元整". Returns yuan rounded to cents.

import { parseNumberText } from './numbers.js';
import { fail, normalizeInput, ok, type ParseResult } from './types.js';

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
