// A point in time, stored as an ISO instant and shown in the organisation's time zone. Typed
// as people say it ("明天下午3点"); a start/end pair is read together (datetime-answer.ts).
import { z } from 'zod';
import { t, type Locale } from '../i18n/index.js';
import { parseDateTime } from '../parse/index.js';
import { localDateTime } from '../time-zone.js';
import { answerDateTime } from './datetime-answer.js';
import type { FieldKind } from './kind.js';
import { pairOf } from './pairs.js';
import { formatDateTime } from './format.js';

/** Browser datetime-local inputs send 2026-12-05T14:00, local to the organisation. */
export const fromDateTimeLocal = (text: string) => text.replace(/^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/, '$1 $2');

/** 2026-12-05（周六）14:00 in the organisation's time zone: the weekday confirms "下周五". */
export function displayDateTime(iso: string, timezone: string, locale: Locale): string {
  const local = localDateTime(iso, timezone);
  if (!local) return iso;
  const weekday = t(locale, 'field.datetime.weekdays').split(',')[local.weekday] ?? '';
  return t(locale, 'field.datetime.read_back', { date: local.date, weekday, time: local.time });
}

const SAMPLE = '2026-12-05 14:00';

export const datetime: FieldKind = {
  name: 'datetime',
  schema: () => z.iso.datetime({ offset: true }),
  read(_spec, text, ctx) {
    const r = parseDateTime(fromDateTimeLocal(text), {
      now: ctx.now,
      timezone: ctx.timezone,
      allowPast: true,
      ...(ctx.future ? { prefer: 'future' as const } : {}),
    });
    return r.ok ? { ok: true, value: { value: r.value.start.toISOString(), unsure: [] } } : r;
  },
  format: (_spec, value, ctx) => formatDateTime(String(value), ctx.timezone),
  readBack: (_spec, value, ctx) => displayDateTime(String(value), ctx.timezone, ctx.locale),
  input: 'datetime',
  wide: false,
  hint(spec, def, locale) {
    const pair = pairOf(def, spec.key);
    const key = pair?.start === spec ? 'field.datetime.hint_start' : pair?.end === spec ? 'field.datetime.hint_end' : 'field.datetime.hint';
    return t(locale, key, { example: spec.example ?? SAMPLE });
  },
  answer: answerDateTime,
};
