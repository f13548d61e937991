// One line of text: a name, a place, a title.
import { z } from 'zod';
import { t } from '../i18n/index.js';
import { stripInvisible } from '../parse/types.js';
import type { FieldKind } from './kind.js';
import { fieldLabel } from './spec.js';

/** The longest value the schema takes; the dialog checks it to ask again at once. */
const TEXT_MAX = 200;

export const text: FieldKind = {
  name: 'text',
  schema: () => z.string().trim().min(1).max(TEXT_MAX),
  read: (_spec, value) => ({ ok: true, value: { value, unsure: [] } }),
  format: (_spec, value) => String(value),
  input: 'text',
  wide: false,
  hint: (spec, _def, locale) => (spec.example ? t(locale, 'field.example', { example: spec.example }) : ''),
  answer(spec, raw, ctx) {
    // One line; the person's own punctuation (，。) is kept as typed.
    const value = stripInvisible(raw).replace(/\s+/g, ' ').trim();
    const length = [...value].length;
    const name = fieldLabel(spec, ctx.locale);
    if (!length) return { ok: false, error: t(ctx.locale, 'field.empty', { name }) };
    if (length > TEXT_MAX) return { ok: false, error: t(ctx.locale, 'field.text.too_long', { name, max: TEXT_MAX, length }) };
    return { ok: true, set: { [spec.key]: value }, ack: ctx.saved(spec.key, value) };
  },
};
