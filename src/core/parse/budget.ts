// Budget line items: "场地 3000, 物料 1200", "场地3000元；餐饮 2k",
// "1. 场地：3000\n2. 物料：1,200元". Each entry is a name followed by an amount (any form
// parseMoney accepts, or a formula such as "50元×30人"). An optional "合计/总计 …" entry is
// checked against the sum.
//
// Certain vs unsure. A reading is *certain* when the items are separated by the canonical
// separators (，,、；; 。 or a new line), each has one plain amount (digits, Chinese numerals,
// 万/千) and nothing in it had to be worked out. It is *unsure* — and comes back with the
// reasons, so a dialog shows it back for a yes/no and a card form refuses it — when:
//   - items were told apart by spaces only ("场地 3000 物料 1200 餐饮 4500");
//   - an amount is a formula ("餐饮 50*30", "50元×30人", "300元/晚×2晚") and no matching
//     "= total" was written;
//   - an amount uses the k/w letters ("2k", "1.5w");
//   - the name holds a quantity or a unit-price word ("场地 2天 3000", "餐饮每人 50"), so the
//     amount may be a unit price, or an amount-like number ("场地3000物料 1200").
//   - an item starts with 其中 / 含 / 包括 ("餐饮 3000，其中酒水 800"): it may be part of the
//     item before rather than one more to add.
// Amounts in another currency ("$500", "800港币") are refused.
// Text with more than one amount in an entry that cannot be told apart ("物料 1200 1500") is
// refused with an example.

import { t } from '../messages.js';
import { formatYuan, parseFormula, parseMoney } from './money.js';
import { fail, normalizeInput, ok, type ParseResult, type Unsure } from './types.js';

export interface BudgetItem {
  item: string;
  amount: number;
}

export interface BudgetReading {
  items: BudgetItem[];
  /** Why the reading is not certain; empty when it is. */
  unsure: Unsure[];
}

const EXAMPLE_ZH = '请按“项目 金额”逐项填写，用逗号、分号或换行分隔，例如：场地 3000，物料 1200';
const EXAMPLE_EN = 'Please list items as "name amount", separated by commas, semicolons or new lines, e.g. 场地 3000, 物料 1200';
const MAX_ITEMS = 100;
/**
 * Bounds that keep reading cheap on whatever is pasted into a chat: an entry (which may hold
 * several space-separated items) and the whole text.
 */
const MAX_ENTRY = 400;
const MAX_TEXT = 5000;
/** The payload schema's limit on an item name (src/core/request-types.ts). */
const NAME_MAX = 50;

// List markers: "1." "1、" "1)" "(1)" "（1）" "-" "*" "•" — only when followed by the name.
const LIST_MARKER = /^(?:\d{1,2}\s*[.、)]|[一二三四五六七八九十]{1,3}\s*、|\(\d{1,2}\)|[-*•·])\s*(?=\D)/;
const TOTAL_WORD = /^(?:合计|总计|共计|总共|总额|小计|total)\s*:?\s*/i;
// A quantity or a unit price inside a name: the amount next to it may be per unit.
const QUANTITY_IN_NAME = /\d\s*(?:个人|人次|人|位|名|桌|场|次|晚|天|间|套|张|件|箱|台|辆|小时)|每|单价|人均|\/\s*人/;
// An amount-like number inside a name ("场地3000物料 1200", "场地三千物料 一千二"): two items
// run together, or a number that belongs to the amount. Years, room and floor numbers are not.
const NUMBER_IN_NAME = /[\u4e00-\u9fff]\d{3,}(?![\d年号楼层室厅期届路栋座])|[一二两三四五六七八九十百][千万百]/;
// "餐饮 3000，其中酒水 800": a part of the item before, not one more item to add.
const PART_OF = /^(?:其中|含|包含|包括|另含|内含)/;
const FORMULA_CHAR = /[*×✕✖xX+=乘]/;
const AMOUNT_START = /^[\d¥零〇一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾每单人]|^rmb|^cny/i;

interface Split {
  item: string;
  amount: number;
  /** The formula the amount was worked out from, when it was one. */
  formula?: string;
  /** The text the amount was read from (the end of the entry). */
  amountText: string;
  unsure: Unsure[];
}

type Failure = { ok: false; error: string; errorEn: string };
type SplitResult = Split | Failure | null;

/**
 * "场地3" + "000元" is not a split: the name may not end in the amount's digits; nor
 * "场地 1。" + "5万" (a Chinese IME types 。 for the decimal point).
 */
const runsOn = (item: string, amount: string) => /[\d.,]$|\d\s*。$/.test(item) && /^[\d.,]/.test(amount);

/**
 * Split "场地：3000元" into name and amount: a formula at the end (the longest), else the
 * longest suffix that is a valid amount. Null when there is none.
 */
function splitEntry(entry: string, amountFrom = 1): SplitResult {
  const chars = [...entry];
  const first = Math.max(1, amountFrom);
  const nameAt = (i: number) => chars.slice(0, i).join('').replace(/[\s:=]+$/, '').trim();
  if (FORMULA_CHAR.test(entry)) {
    for (let i = first; i < chars.length; i++) {
      const item = nameAt(i);
      const rest = chars.slice(i).join('').trim();
      if (!item || !AMOUNT_START.test(rest)) continue;
      if (runsOn(item, rest)) continue;
      const f = parseFormula(rest);
      if (!f) continue;
      if (!f.ok) return f;
      const name = item.replace(/\s*(?:每人|每位|人均|单价)$/, '') || item;
      const unsure: Unsure[] = [];
      if (!f.value.checked) unsure.push({ key: 'parse.unsure.formula', params: { formula: `${name} ${f.value.shown}`, amount: formatYuan(f.value.value) } });
      if (f.value.shorthand) unsure.push({ key: 'parse.unsure.shorthand', params: { text: f.value.shown, amount: formatYuan(f.value.value) } });
      return { item: name, amount: f.value.value, formula: f.value.shown, amountText: rest, unsure };
    }
  }
  for (let i = first; i < chars.length; i++) {
    const item = nameAt(i);
    const amountText = chars.slice(i).join('').trim();
    if (!item || !amountText) continue;
    if (runsOn(item, amountText)) continue;
    const m = parseMoney(amountText);
    if (!m.ok) continue;
    // "餐饮 *30", "餐饮 x 30": half a formula; reading it as "餐饮*" 30 would be a guess.
    if (/[*×✕✖+=]$|(?:^|[\s\d])[xX]$|乘以?$/.test(item)) return null;
    // "场地 $500": another currency; reading it as 500 yuan would be a silent misread.
    if (FOREIGN_CURRENCY.test(item)) return foreignCurrency(entry);
    const unsure: Unsure[] = [];
    if (/\d\s*[kw](?![a-z])/i.test(amountText)) unsure.push({ key: 'parse.unsure.shorthand', params: { text: amountText, amount: formatYuan(m.value) } });
    return { item, amount: m.value, amountText, unsure };
  }
  return null;
}

const isFailure = (r: SplitResult): r is Failure => !!r && 'ok' in r;

/** Whether a whitespace-separated word is an amount on its own ("1200", "2k", "50×30"). */
const isAmountWord = (word: string) => parseMoney(word).ok || parseFormula(word) !== null;

const FOREIGN_CURRENCY = /(?:[$€£₩₹]|\b(?:usd|eur|hkd|jpy|gbp))\s*$/i;
const FOREIGN_AMOUNT = /[$€£₩₹]\s*\d|\d\s*(?:美元|美金|欧元|英镑|日元|港币|港元|韩元|(?:usd|eur|hkd|jpy|gbp)(?![a-z]))/i;

function foreignCurrency(entry: string): Failure {
  const params = { entry };
  return { ok: false, error: t('zh-CN', 'parse.foreign_currency', params), errorEn: t('en', 'parse.foreign_currency', params) };
}

function manyAmounts(entry: string): Failure {
  const params = { entry };
  return { ok: false, error: t('zh-CN', 'parse.budget_many_amounts', params), errorEn: t('en', 'parse.budget_many_amounts', params) };
}

/**
 * One entry between canonical separators: usually one "name amount", but people also type
 * several separated by spaces only. Those are found left to right (each pair ends at the first
 * word that ends in an amount) and marked, so the reading is shown back.
 */
function readEntry(entry: string): { splits: Split[]; spaces: boolean } | Failure | null {
  // An amount in another currency anywhere in the entry: never read any of it as yuan.
  if (FOREIGN_AMOUNT.test(entry)) return foreignCurrency(entry);
  const words = entry.split(' ');
  if (words.length >= 2) {
    const splits: Split[] = [];
    let from = 0;
    for (let j = 0; j < words.length; j++) {
      const last = words[j] ?? '';
      const buffer = words.slice(from, j + 1).join(' ');
      // Only the last word can hold the amount: look for it there (keeps long text linear).
      const sp = splitEntry(buffer, [...buffer].length - [...last].length);
      if (!sp) continue;
      if (isFailure(sp)) return sp; // "餐饮 50*30=1600 物料 300": the wrong total is the answer
      // The amount must lie in the last word: "场地 2天 3000" ends at 3000, not inside 2天.
      if ([...sp.amountText].length > [...last].length) continue;
      // "场地 3000 / 物料 1200": the slash belongs to neither.
      splits.push({ ...sp, item: sp.item.replace(/^[/|\\·•-]+\s*/, '') || sp.item });
      from = j + 1;
    }
    if (from === words.length && splits.length >= 2) return { splits, spaces: true };
  }
  const sp = splitEntry(entry);
  if (isFailure(sp)) return sp;
  if (!sp && words.filter(isAmountWord).length < 2) return null;
  if (!sp) return manyAmounts(entry);
  // "物料 1200 1500": a second amount left in the name would be a silent misread.
  if (sp.item.split(' ').some(isAmountWord)) return manyAmounts(entry);
  return { splits: [sp], spaces: false };
}

/** Spaces around operators and between an amount and its unit, so each is one word. */
function glue(s: string): string {
  return s
    .replace(/ *([*×✕✖+=]) */g, '$1')
    .replace(/(?<=[\d元块])[ ]+(?:x|X|乘以|乘)[ ]+(?=[\d¥零一二两三四五六七八九十])/g, '×')
    .replace(/(\d)[ ]+(元整|元|圆|块钱|块|万|千)(?=[ ,;、\n]|$)/g, '$1$2')
    .replace(/(¥|rmb|cny|人民币)[ ]+(?=\d)/gi, '$1');
}

/** The budget as read, with the reasons it is not certain (see the head of this file). */
export function readBudget(text: string): ParseResult<BudgetReading> {
  const s = glue(normalizeInput(text).replace(/\r\n?/g, '\n'));
  if (!s) return fail(EXAMPLE_ZH, EXAMPLE_EN);
  if ([...s].length > MAX_TEXT) return fail(`预算内容太长（最多 ${MAX_TEXT} 个字），请精简后重新输入。${EXAMPLE_ZH}`, `The budget is too long (at most ${MAX_TEXT} characters). ${EXAMPLE_EN}`);
  // Separators: newline, ; (NFKC folds ；), 、 and commas that are not thousands separators
  // (NFKC also folds the full-width ，). A comma is a thousands separator only inside a
  // well-formed group ("1,200", "1,234,567.5"): "场地 3000，3楼会议室 800" splits after 3000.
  const THOUSANDS = '\u0001';
  const entries = s
    .replace(/(?<![\d.])\d{1,3}(?:,\d{3})+(?!\d)/g, (m) => m.replace(/,/g, THOUSANDS))
    // "1、场地" / "一、场地" is a list marker, not a separator.
    // 。 ends an item, except between digits, where a Chinese IME typed it for the decimal
    // point ("1。5万" is then refused as unreadable rather than split).
    .split(/\n|;|(?<!(?:^|\n)\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*)、|,|(?<!\d)。|。(?!\d)/)
    .map((e) => e.replaceAll(THOUSANDS, ','))
    .map((e) => e.trim().replace(/[。.]$/, '').trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0) return fail(EXAMPLE_ZH, EXAMPLE_EN);
  if (entries.length > MAX_ITEMS) return fail(`预算最多 ${MAX_ITEMS} 项`, `At most ${MAX_ITEMS} budget items`);

  const items: BudgetItem[] = [];
  const unsure: Unsure[] = [];
  let spaces = false;
  let declaredTotal: number | null = null;
  for (const [index, raw] of entries.entries()) {
    const entry = raw.replace(LIST_MARKER, '').trim();
    const totalMatch = TOTAL_WORD.exec(entry);
    if (totalMatch && !/\s/.test(entry.slice(totalMatch[0].length).trim())) {
      const total = parseMoney(entry.slice(totalMatch[0].length));
      if (!total.ok) {
        return fail(`合计金额看不懂：“${entry}”。${EXAMPLE_ZH}`, `Could not read the total "${entry}". ${EXAMPLE_EN}`);
      }
      declaredTotal = total.value;
      continue;
    }
    const read = [...entry].length > MAX_ENTRY ? null : readEntry(entry);
    if (!read) {
      const hasDigits = /[\d零一二两三四五六七八九十百千万]/.test(entry);
      const zh = hasDigits
        ? `第 ${index + 1} 项“${entry}”看不懂，请写成“项目 金额”，例如：场地 3000`
        : `第 ${index + 1} 项“${entry}”缺少金额，请写成“项目 金额”，例如：${entry} 1200`;
      const en = hasDigits
        ? `Item ${index + 1} ("${entry}") is not in the form "name amount", e.g. 场地 3000`
        : `Item ${index + 1} ("${entry}") has no amount; write "name amount", e.g. ${entry} 1200`;
      return fail(zh, en);
    }
    if ('ok' in read) return read;
    spaces ||= read.spaces;
    for (const split of read.splits) {
      // "场地 -300": the sign was left on the name side of the split.
      if (/[-−负]$/.test(split.item)) {
        const item = split.item.replace(/[\s-−负]+$/, '');
        return fail(`“${item}”的金额必须大于 0，例如：${item} 3000`, `The amount for "${item}" must be greater than 0, e.g. ${item} 3000`);
      }
      // A "合计 4200" among space-separated pairs.
      if (TOTAL_WORD.test(split.item) && split.item.replace(TOTAL_WORD, '') === '') {
        declaredTotal = split.amount;
        continue;
      }
      unsure.push(...split.unsure);
      if (!split.formula && QUANTITY_IN_NAME.test(split.item)) {
        unsure.push({ key: 'parse.unsure.quantity', params: { item: split.item, amount: formatYuan(split.amount) } });
      } else if (PART_OF.test(split.item)) {
        unsure.push({ key: 'parse.unsure.part_of', params: { item: split.item, amount: formatYuan(split.amount) } });
      } else if (NUMBER_IN_NAME.test(split.item)) {
        unsure.push({ key: 'parse.unsure.number_in_name', params: { item: split.item, amount: formatYuan(split.amount) } });
      }
      const named = split.formula ? `${split.item}（${split.formula}）` : split.item;
      items.push({ item: [...named].length <= NAME_MAX ? named : split.item, amount: split.amount });
    }
  }
  if (items.length === 0) return fail(EXAMPLE_ZH, EXAMPLE_EN);
  if (items.length > MAX_ITEMS) return fail(`预算最多 ${MAX_ITEMS} 项`, `At most ${MAX_ITEMS} budget items`);
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
  if (spaces) unsure.unshift({ key: 'parse.unsure.spaces', params: {} });
  return ok({ items, unsure });
}

/** The reasons as one sentence in the reader's language. */
export function unsureText(unsure: readonly Unsure[], locale: 'zh-CN' | 'en'): string {
  // Three are enough to say what to change; the example that follows must still fit a message.
  const shown = unsure.slice(0, 3).map((u) => t(locale, u.key, u.params));
  if (unsure.length > 3) shown.push(t(locale, 'parse.unsure.more', { n: unsure.length - 3 }));
  return shown.join(locale === 'en' ? '; ' : '；');
}

/**
 * Certain readings only: an unsure one is refused with the reasons and an example of a
 * certain form (for callers that cannot ask back, e.g. card forms).
 */
export function parseBudgetItems(text: string): ParseResult<BudgetItem[]> {
  const r = readBudget(text);
  if (!r.ok) return r;
  if (r.value.unsure.length > 0) {
    const p = (locale: 'zh-CN' | 'en') => ({ field: locale === 'en' ? 'The budget' : '预算', reasons: unsureText(r.value.unsure, locale), example: '场地 3000，物料 1200' });
    return fail(t('zh-CN', 'parse.unsure.card_budget', p('zh-CN')), t('en', 'parse.unsure.card_budget', p('en')));
  }
  return ok(r.value.items);
}
