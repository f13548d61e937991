// The time rules every entry path applies to planned times (card forms, the API, dialogs): not
// in the past, an end after its start. A leaf, so the datetime kind can use it too.
import { t, type Locale } from '../i18n/index.js';
import { displayDateTime } from './format.js';
import type { FieldSpec } from './types.js';

export interface RuleContext {
  now: Date;
  timezone: string;
  locale: Locale;
}

/** The current minute: a time typed as "now" (to the minute) is not in the past yet. */
export const currentMinute = (now: Date): number => Math.floor(now.getTime() / 60_000) * 60_000;

/** Whether an instant lies before the current minute. */
export const isPast = (at: Date | string, now: Date): boolean => (typeof at === 'string' ? Date.parse(at) : at.getTime()) < currentMinute(now);

/** The refusal of a planned time in the past. */
export const pastMessage = (iso: string, ctx: Omit<RuleContext, 'now'>): string => t(ctx.locale, 'field.datetime.past', { when: displayDateTime(iso, ctx.timezone, ctx.locale) });

/** The refusal of an end not after its start. */
export const endBeforeStartMessage = (end: string, start: string, endSpec: FieldSpec, ctx: Omit<RuleContext, 'now'>): string =>
  t(ctx.locale, 'field.datetime.end_before_start', {
    end: displayDateTime(end, ctx.timezone, ctx.locale),
    start: displayDateTime(start, ctx.timezone, ctx.locale),
    example: endSpec.example ?? '2026-12-05 17:00',
  });
