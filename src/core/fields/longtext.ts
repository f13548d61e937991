// Text of several lines: a description, a plan.
import { z } from 'zod';
import { t } from '../i18n/index.js';
import { parseMultiline } from '../parse/index.js';
import type { FieldKind } from './kind.js';

const LONGTEXT_MAX = 5000;

export const longtext: FieldKind = {
  name: 'longtext',
  schema: () => z.string().trim().min(1).max(LONGTEXT_MAX),
  read: (_spec, value) => ({ ok: true, value: { value, unsure: [] } }),
  format: (_spec, value) => String(value),
  input: 'textarea',
  wide: true,
  hint: (spec, _def, locale) => (spec.example ? t(locale, 'field.longtext.hint_example', { example: spec.example }) : t(locale, 'field.longtext.hint')),
  answer(spec, raw, ctx) {
    const r = parseMultiline(raw, { maxLength: LONGTEXT_MAX });
    if (!r.ok) return { ok: false, error: ctx.locale === 'en' ? r.errorEn : r.error };
    return { ok: true, set: { [spec.key]: r.value }, ack: ctx.saved(spec.key, r.value) };
  },
};
