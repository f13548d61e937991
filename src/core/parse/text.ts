// Free text (descriptions, reasons): trimmed, line endings unified, newlines kept.

import { fail, ok, stripInvisible, type ParseResult } from './types.js';

export interface MultilineOptions {
  /** Minimum length in characters (code points) after trimming; default 1. */
  minLength?: number;
  /** Maximum length in characters (code points); default 2000. */
  maxLength?: number;
}

export function parseMultiline(text: string, opts: MultilineOptions = {}): ParseResult<string> {
  const minLength = Math.max(1, opts.minLength ?? 1);
  const maxLength = opts.maxLength ?? 2000;
  const value = stripInvisible(text.replace(/\r\n?/g, '\n'))
    .split('\n')
    .map((line) => line.replace(/[ \t\u3000]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n') // at most one blank line in a row
    .trim();
  const length = [...value].length;
  if (length === 0) return fail('内容不能为空，请输入文字说明，例如：年终客户答谢会', 'This cannot be empty; please enter some text, e.g. 年终客户答谢会');
  if (length < minLength) {
    return fail(`内容太短：至少需要 ${minLength} 个字（当前 ${length} 个字）`, `Too short: at least ${minLength} characters are needed (currently ${length})`);
  }
  if (length > maxLength) {
    return fail(`内容太长：最多 ${maxLength} 个字（当前 ${length} 个字），请精简后重新输入`, `Too long: at most ${maxLength} characters (currently ${length}); please shorten it`);
  }
  return ok(value);
}
