// Budget line items: "场地 3000, 物料 1200", "场地3000元；餐饮 2k",
// "1. 场地：3000\n2. 物料：1,200元". Each entry is a name followed by an amount (any form
// parseMoney accepts). An optional "合计/总计 …" entry is checked against the sum.

import { parseMoney } from './money.js';
import { fail, normalizeInput, ok, type ParseResult } from './types.js';

export interface BudgetItem {
  item: string;
  amount: number;
}

const EXAMPLE_ZH = '请按“项目 金额”逐项填写，用逗号、分号或换行分隔，例如：场地 3000，物料 1200';
const EXAMPLE_EN = 'Please list items as "name amount", separated by commas, semicolons or new lines, e.g. 场地 3000, 物料 1200';
const MAX_ITEMS = 100;

// List markers: "1." "1、" "1)" "(1)" "（1）" "-" "*" "•" — only when followed by the name.
const LIST_MARKER = /^(?:\d{1,2}\s*[.、)]|\(\d{1,2}\)|[-*•·])\s*(?=\D)/;
const TOTAL_WORD = /^(?:合计|总计|共计|总共|总额|小计|total)\s*:?\s*/i;

/** Split "场地：3000元" into name and amount: the longest suffix that is a valid amount. */
function splitEntry(entry: string): { item: string; amountText: string } | null {
  const chars = [...entry];
  for (let i = 1; i < chars.length; i++) {
    const item = chars.slice(0, i).join('').replace(/[\s:=]+$/, '').trim();
    const amountText = chars.slice(i).join('').trim();
    if (!item || !amountText) continue;
    // "场地3" + "000元" is not a split: the name may not end in the amount's digits.
    if (/[\d.,]$/.test(item) && /^[\d.,]/.test(amountText)) continue;
    if (parseMoney(amountText).ok) return { item, amountText };
  }
  return null;
}

export function parseBudgetItems(text: string): ParseResult<BudgetItem[]> {
  const s = normalizeInput(text).replace(/\r\n?/g, '\n');
  if (!s) return fail(EXAMPLE_ZH, EXAMPLE_EN);
  // Separators: newline, ; (NFKC folds ；), 、 and commas that are not thousands separators
  // (NFKC also folds the full-width ，, so "1,200" keeps its comma and "场地 3000，物料" splits).
  const entries = s
    // "1、场地" is a list marker, not a separator.
    .split(/\n|;|(?<!(?:^|\n)\s*\d{1,2}\s*)、|,(?!\d)/)
    .map((e) => e.trim().replace(/[。.]$/, '').trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0) return fail(EXAMPLE_ZH, EXAMPLE_EN);
  if (entries.length > MAX_ITEMS) return fail(`预算最多 ${MAX_ITEMS} 项`, `At most ${MAX_ITEMS} budget items`);

  const items: BudgetItem[] = [];
  let declaredTotal: number | null = null;
  for (const [index, raw] of entries.entries()) {
    const entry = raw.replace(LIST_MARKER, '').trim();
    const totalMatch = TOTAL_WORD.exec(entry);
    if (totalMatch) {
      const t = parseMoney(entry.slice(totalMatch[0].length));
      if (!t.ok) {
        return fail(`合计金额看不懂：“${entry}”。${EXAMPLE_ZH}`, `Could not read the total "${entry}". ${EXAMPLE_EN}`);
      }
      declaredTotal = t.value;
      continue;
    }
    const split = splitEntry(entry);
    if (!split) {
      const hasDigits = /[\d零一二两三四五六七八九十百千万]/.test(entry);
      const zh = hasDigits
        ? `第 ${index + 1} 项“${entry}”看不懂，请写成“项目 金额”，例如：场地 3000`
        : `第 ${index + 1} 项“${entry}”缺少金额，请写成“项目 金额”，例如：${entry} 1200`;
      const en = hasDigits
        ? `Item ${index + 1} ("${entry}") is not in the form "name amount", e.g. 场地 3000`
        : `Item ${index + 1} ("${entry}") has no amount; write "name amount", e.g. ${entry} 1200`;
      return fail(zh, en);
    }
    // "场地 -300": the sign was left on the name side of the split.
    if (/[-−负]$/.test(split.item)) {
      const item = split.item.replace(/[\s-−负]+$/, '');
      return fail(`“${item}”的金额必须大于 0，例如：${item} 3000`, `The amount for "${item}" must be greater than 0, e.g. ${item} 3000`);
    }
    const amount = parseMoney(split.amountText);
    if (!amount.ok) return amount;
    items.push({ item: split.item, amount: amount.value });
  }
  if (items.length === 0) return fail(EXAMPLE_ZH, EXAMPLE_EN);
  if (declaredTotal !== null) {
    const sumCents = items.reduce((acc, it) => acc + Math.round(it.amount * 100), 0);
    if (sumCents !== Math.round(declaredTotal * 100)) {
      const sum = sumCents / 100;
      return fail(
        `各项之和为 ${sum} 元，与填写的合计 ${declaredTotal} 元不一致，请核对`,
        `The items add up to ${sum} yuan, but the stated total is ${declaredTotal} yuan; please check`,
      );
    }
  }
  return ok(items);
}
