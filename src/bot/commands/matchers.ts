// The matchers command modules are built from: the words of a command (either language), and
// what may follow them (nothing, a request number, free text).
import type { InboundMessage } from '../../channels/inbound.js';
import { normalizeInput } from '../../core/parse/types.js';
import { normaliseNumber } from '../dialog/fields.js';

/**
 * The words that name a command, as a regex literal of alternatives (/进度|查询|status/): what
 * people type, in either language. The word the help shows is a catalog entry of the command.
 */
export type Words = RegExp;

/** A request number as typed: A-0001, a1, A 12… */
export const NUMBER = String.raw`[A-Za-z]\s*-?\s*\d{1,6}`;

/** What a text is compared in: normalised, lower case, single spaces, without a closing 。！!. */
export const fold = (s: string) => normalizeInput(s).toLowerCase().replace(/\s+/g, ' ').replace(/[。！!]+$/, '').trim();

/** A list of words (START_WORDS) as Words. */
export const alternatives = (words: readonly string[]) => new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));

/** The whole text: one of the words, then `tail` (a regex source); the word is group 1. */
export const pattern = (words: Words, tail = '') => new RegExp(`^(${words.source})${tail}$`, 'i');

/** The text is one of the words, nothing more. */
export function exactly(words: Words): (text: string) => boolean {
  const re = pattern(words);
  return (text) => re.test(text);
}

export interface NumberArg {
  /** The word typed. */
  word: string;
  /** The number, normalised (A-0001); absent when only the word was typed. */
  number?: string;
  /** Free text after the number (with `rest`). */
  rest?: string;
}

/** One of the words, then optionally a request number, and with `rest` free text after it. */
export function argIsNumber(words: Words, opts: { rest?: boolean } = {}): (text: string) => NumberArg | undefined {
  const re = pattern(words, String.raw`(?:\s*(${NUMBER}))?${opts.rest ? String.raw`(?:\s+(.*))?` : ''}`);
  return (text) => {
    const m = re.exec(text);
    if (!m) return undefined;
    return { word: m[1]!, ...(m[2] ? { number: normaliseNumber(m[2])! } : {}), ...(m[3] ? { rest: m[3] } : {}) };
  };
}

/** The event came from a one-to-one chat with the bot (not a group). */
export const inDm = (e: InboundMessage) => e.chat.type === 'dm';
