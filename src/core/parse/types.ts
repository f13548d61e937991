// Shared result types for the free-text parsers. Parsers never throw on user input: they
// return a result whose error is a short zh-CN sentence that names the expected format and
// gives an example, with an English rendering alongside.

import type { MessageKey } from '../i18n/types.js';
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string; errorEn: string };

export interface ParseContext {
  /** The reference instant ("now"); relative phrases such as 明天 are resolved against it. */
  now: Date;
  /** IANA time zone the user's wall-clock phrases are interpreted in, e.g. "Asia/Shanghai". */
  timezone: string;
  /** Accept instants before `now` (default false: a past time is an error). */
  allowPast?: boolean;
  /**
   * How to complete a day of the month given without its month ("15号", "3日"): 'future'
   * takes the next such day even where `allowPast` lets explicit past dates through (the
   * field is a future one, e.g. an event's time). Default: the next one without `allowPast`,
   * the nearer of the last and the next with it. (A month and day without a year keep the
   * nearest reading, so a slip such as "12月1日" on 12-20 is refused as past rather than read
   * as next year.)
   */
  prefer?: 'future' | 'nearest';
}

/**
 * Why a reading is not certain (a formula was worked out, items were told apart by spaces
 * only, a k/w shorthand was expanded …): a key of the message catalog (src/core/i18n) with its parameters.
 * A reading with any of these is shown back for confirmation (dialogs) or refused (card forms).
 */
export interface Unsure {
  key: MessageKey;
  params: Record<string, string | number>;
}

export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: string, errorEn: string): ParseResult<T> {
  return { ok: false, error, errorEn };
}

/** Without zero-width characters (spaces, joiners, BOM) that chat clients slip into pasted text. */
export const stripInvisible = (text: string): string => text.replace(/[\u200b-\u200d\ufeff]/g, '');

// Postgres refuses NUL in text and jsonb, and lone surrogates in jsonb (text mangles them).
/** C0 controls other than tab and line breaks, and DEL: what the API refuses and ingest removes. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** A UTF-16 surrogate without its pair. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Ingest also removes the C1 controls (U+0080–U+009F), which no keyboard types.
const UNSAFE = new RegExp(`${CONTROL_CHAR.source}|[\\u0080-\\u009f]|${LONE_SURROGATE.source}`, 'g');

/**
 * The one normaliser for text that comes in from outside (every string of an inbound event, API
 * bodies): controls removed, a lone surrogate replaced by U+FFFD, a stray BOM / zero-width space
 * dropped. Joiners (U+200C/U+200D) stay: they are part of emoji and some scripts; the parsers
 * strip them with `stripInvisible` where a value must be matched.
 */
export const sanitizeInput = (text: string): string =>
  SUSPECT.test(text) ? text.replace(UNSAFE, (c) => (c.charCodeAt(0) >= 0xd800 ? '\ufffd' : '')).replace(/[\u200b\ufeff]/g, '') : text;
// eslint-disable-next-line no-control-regex -- as above
const SUSPECT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ud800-\udfff\u200b\ufeff]/;

/**
 * Unicode NFKC folds full-width digits, letters and punctuation (１２：００, ￥, ，) to their
 * ASCII forms, which is what people on Chinese IMEs often type. Also collapses whitespace.
 */
export function normalizeInput(text: string): string {
  return stripInvisible(text.normalize('NFKC'))
    .replace(/[ \t\u00a0\u3000]+/g, ' ')
    .trim();
}
