// The number of another request (A-0001): the event a summary, a scoring or a reimbursement
// follows up.
import { z } from 'zod';
import { t } from '../i18n/index.js';
import { normalizeInput } from '../parse/types.js';
import type { FieldKind } from './kind.js';

const REF = /^([A-Za-z])\s*-?\s*(\d{1,6})$/;

/** "a-1", "A1", "A-0001" → "A-0001"; undefined when it is not a request number. */
export function normaliseNumber(text: string): string | undefined {
  const m = REF.exec(normalizeInput(text));
  if (!m) return undefined;
  return `${m[1]!.toUpperCase()}-${m[2]!.padStart(4, '0')}`;
}

export const requestRef: FieldKind = {
  name: 'requestRef',
  schema: (_spec, locale) => z.string().trim().regex(/^[A-Z]-\d{4,}$/, t(locale, 'field.ref.schema')),
  read: (_spec, text) => ({ ok: true, value: { value: text.toUpperCase(), unsure: [] } }),
  format: (_spec, value) => String(value),
  input: 'text',
  wide: false,
  hint: (spec, _def, locale) => t(locale, 'field.ref.hint', { example: spec.example ?? 'A-0001' }),
  answer(spec, raw, ctx) {
    const number = normaliseNumber(raw);
    if (!number) return { ok: false, error: t(ctx.locale, 'field.ref.invalid', { example: spec.example ?? 'A-0001' }) };
    return { ok: true, set: { [spec.key]: number }, ack: ctx.saved(spec.key, number) };
  },
  refersToRequest: true,
};
