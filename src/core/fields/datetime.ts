// A point in time, stored as an ISO instant and shown in the organisation's time zone. Typed
// as people say it ("明天下午3点"); a start/end pair is read together (datetime-answer.ts).
import { z } from 'zod';
import { t } from '../i18n/index.js';
import { parseDateTime } from '../parse/index.js';
import { answerDateTime } from './datetime-answer.js';
import { displayDateTime, formatInstant, fromDateTimeLocal } from './format.js';
import type { FieldKind } from './kind.js';
import { pairOf } from './pairs.js';

const SAMPLE = '2026-12-05 14:00';
/** The end of a start/end pair (`end`, `<x>End`): at midnight it reads as 24:00 of its last day. */
const isEnd = (key: string) => key === 'end' || key.endsWith('End');

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
  format: (spec, value, ctx) => formatInstant(String(value), ctx.timezone, isEnd(spec.key)),
  readBack: (spec, value, ctx) => displayDateTime(String(value), ctx.timezone, ctx.locale, isEnd(spec.key)),
  input: 'datetime',
  wide: false,
  hint(spec, def, locale) {
    const pair = pairOf(def, spec.key);
    const key = pair?.start === spec ? 'field.datetime.hint_start' : pair?.end === spec ? 'field.datetime.hint_end' : 'field.datetime.hint';
    return t(locale, key, { example: spec.example ?? SAMPLE });
  },
  answer: answerDateTime,
};
