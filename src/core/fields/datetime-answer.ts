// A datetime answered in a dialog, with what only a conversation has: a range typed for a
// start fills the end too, an end with only a time takes the start's day. Plans may not lie in
// the past and an end comes after its start: the rules every entry path applies (rules.ts).
import { t } from '../i18n/index.js';
import { parseDateTime } from '../parse/index.js';
import { normalizeInput } from '../parse/types.js';
import { displayDateTime, fromDateTimeLocal } from './format.js';
import { currentMinute, endBeforeStartMessage, isPast, pastMessage } from './time-rules.js';
import type { AnswerContext, FieldAnswer } from './kind.js';
import { futureOnly, pairOf } from './pairs.js';
import { fieldLabel } from './spec.js';
import type { FieldSpec } from './types.js';

// A phrase without any of these has no date: an end of "17:00" is on the start's day.
const DATE_WORDS =
  /\d\s*[年月日号/.-]\s*\d|\d\s*[月日号]|[今明后昨前]天|[今明昨][早晚]|周|星期|礼拜|全天|整天|下个?月|today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\b(?:mon|tue|wed|thu|fri|sat|sun)\b|next|week/i;

const hasDate = (text: string) => DATE_WORDS.test(normalizeInput(text));

export function answerDateTime(spec: FieldSpec, raw: string, ctx: AnswerContext): FieldAnswer {
  const { def, locale, timezone, saved } = ctx;
  const en = locale === 'en';
  const show = (iso: string) => displayDateTime(iso, timezone, locale);
  const text = fromDateTimeLocal(raw.trim());
  const pair = pairOf(def, spec.key);
  const future = futureOnly(def, spec);
  const pastError = (iso: string): FieldAnswer => ({ ok: false, error: pastMessage(iso, ctx) });
  const nowMinute = currentMinute(ctx.now);

  if (!pair) {
    const r = parseDateTime(text, { now: ctx.now, timezone, allowPast: !future });
    if (!r.ok) return { ok: false, error: en ? r.errorEn : r.error };
    const iso = r.value.start.toISOString();
    if (future && isPast(iso, ctx.now)) return pastError(iso);
    return { ok: true, set: { [spec.key]: iso }, ack: saved(spec.key, iso) };
  }

  const startValue = ctx.values[pair.start.key];
  const isEnd = spec === pair.end;
  // An end without a date ("17:00", "下午5点") is read on the start's day.
  const onStartDay = isEnd && typeof startValue === 'string' && !hasDate(text);
  const reference = onStartDay ? new Date(startValue) : ctx.now;
  // Past dates are let through to be refused with a clear message below, but a day of the
  // month alone ("15号") on a future field is the next 15th, not the last one.
  const r = parseDateTime(text, { now: reference, timezone, allowPast: true, ...(future && !onStartDay ? { prefer: 'future' as const } : {}) });
  if (!r.ok) return { ok: false, error: en ? r.errorEn : r.error };
  const v = r.value;

  // A range or a whole day ("12月5日 14:00-17:00", "周六全天") fills both ends, whichever was asked.
  if (v.end && (!isEnd || !v.allDay)) {
    // A whole day is past once it is over; a timed range once it has started.
    if (future && (v.allDay ? v.end.getTime() <= nowMinute : v.start.getTime() < nowMinute)) return pastError(v.start.toISOString());
    const start = v.start.toISOString();
    const end = v.end.toISOString();
    const ack = t(locale, 'field.datetime.range_saved', { saved: saved(pair.start.key, start), name: fieldLabel(pair.end, locale), end: show(end) });
    return { ok: true, set: { [pair.start.key]: start, [pair.end.key]: end }, ack };
  }

  if (!isEnd) {
    if (future && isPast(v.start, ctx.now)) return pastError(v.start.toISOString());
    const start = v.start.toISOString();
    const endValue = ctx.values[pair.end.key];
    // A new start at or after the end recorded before: the end has to be asked again.
    if (typeof endValue === 'string' && Date.parse(endValue) <= v.start.getTime()) {
      return { ok: true, set: { [spec.key]: start }, unset: [pair.end.key], ack: `${saved(spec.key, start)}\n${t(locale, 'field.datetime.end_cleared')}` };
    }
    return { ok: true, set: { [spec.key]: start }, ack: saved(spec.key, start) };
  }

  // The end: a date alone means the end of that day.
  const endAt = v.allDay && v.end ? v.end : v.start;
  const end = endAt.toISOString();
  if (typeof startValue === 'string' && endAt.getTime() <= Date.parse(startValue)) {
    return { ok: false, error: endBeforeStartMessage(end, startValue, pair.end, ctx) };
  }
  if (future && isPast(endAt, ctx.now)) return pastError(end);
  return { ok: true, set: { [spec.key]: end }, ack: saved(spec.key, end) };
}
