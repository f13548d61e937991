// Picking one option from a list: by its number as shown to the user ("2", "第2个", "二"),
// by label or value (case-insensitive, full-width folded), or by a unique prefix of either.

import { parseNumberText } from './numbers.js';
import { fail, normalizeInput, ok, type ParseResult } from './types.js';

export interface ChoiceOption {
  value: string;
  label: string;
}

function fold(s: string): string {
  return normalizeInput(s).toLowerCase().replace(/\s+/g, ' ');
}

function listing(options: readonly ChoiceOption[]): string {
  return options.map((o, i) => `${i + 1}. ${o.label}`).join('  ');
}

function invalid(options: readonly ChoiceOption[], what?: string): ParseResult<string> {
  const first = options[0]?.label ?? '';
  const list = listing(options);
  const prefixZh = what ? `没有找到“${what}”。` : '';
  const prefixEn = what ? `"${what}" is not one of the options. ` : '';
  return fail(
    `${prefixZh}请回复选项编号或名称，例如：1 或 ${first}。可选：${list}`,
    `${prefixEn}Please reply with an option number or name, e.g. 1 or ${first}. Options: ${list}`,
  );
}

export function parseChoice(text: string, options: readonly ChoiceOption[]): ParseResult<string> {
  if (options.length === 0) return fail('当前没有可选项', 'There are no options to choose from');
  // Trailing sentence punctuation ("2。", "会议室A！") is not part of the answer.
  const q = fold(text).replace(/[。.!！?？,，;；]+$/, '').trim();
  if (!q) return invalid(options);

  // 1. Exact label or value wins, so an option literally labelled "2" is still reachable.
  const exact = options.filter((o) => fold(o.label) === q || fold(o.value) === q);
  const [onlyExact] = exact;
  if (onlyExact && exact.length === 1) return ok(onlyExact.value);

  // 2. Option number as displayed (1-based): "2", "2.", "(2)", "第2个", "第二项", "二".
  const num = /^(?:第\s*)?[(（]?\s*([0-9零〇一二两三四五六七八九十]+)\s*[)）]?\s*(?:个|项|号|条)?\s*[.、]?$/.exec(q);
  if (num?.[1]) {
    const n = parseNumberText(num[1]);
    if (n !== null && Number.isInteger(n)) {
      const picked = options[n - 1];
      if (picked) return ok(picked.value);
      return fail(
        `没有第 ${n} 项，请回复 1 到 ${options.length} 之间的编号。可选：${listing(options)}`,
        `There is no option ${n}; reply with a number from 1 to ${options.length}. Options: ${listing(options)}`,
      );
    }
  }

  // 3. Unique prefix of a label or value.
  const prefixed = options.filter((o) => fold(o.label).startsWith(q) || fold(o.value).startsWith(q));
  const [onlyPrefixed] = prefixed;
  if (onlyPrefixed && prefixed.length === 1) return ok(onlyPrefixed.value);
  if (prefixed.length > 1 || exact.length > 1) {
    const candidates = (prefixed.length > 1 ? prefixed : exact).map((o) => o.label).join('、');
    return fail(
      `“${q}”可以对应多个选项：${candidates}。请回复完整名称或编号，例如：1`,
      `"${q}" matches several options: ${candidates}. Reply with the full name or the number, e.g. 1`,
    );
  }
  return invalid(options, q);
}
