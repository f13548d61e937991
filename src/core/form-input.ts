// Turns what people type (card form inputs, dialog answers, API strings) into a request's
// canonical payload, field by field, with the same parsers and messages everywhere: each
// field's kind reads its text (src/core/fields/).
//
// Money and budget answers come with their certainty (src/core/parse/budget.ts): a card form
// cannot ask back, so parseField / parseForm refuse an unsure reading with the field's name,
// the reasons and an example of a certain form; the dialog (src/bot/dialog/) uses readField
// and shows an unsure reading back for a yes/no instead.
import { fieldKind, fieldLabel, futureOnly, payloadProblems, type FieldContext, type FieldReading } from './fields/index.js';
import { t } from './messages.js';
import { unsureText, type ParseResult, type Unsure } from './parse/index.js';
import type { FieldSpec, Payload, RequestTypeDef } from './request-types.js';

export type { FieldContext, FieldReading } from './fields/index.js';

/**
 * Read one field's text, with the reasons a money or budget reading is not certain. Empty
 * text is "no value" (the schema decides if that is allowed).
 */
export function readField(spec: FieldSpec, raw: string, ctx: FieldContext): ParseResult<FieldReading> | undefined {
  const text = raw.trim();
  return text ? fieldKind(spec.kind).read(spec, text, ctx) : undefined;
}

/** The refusal of an unsure reading where nobody can be asked back (card forms, the API). */
export function unsureRefusal(spec: FieldSpec, unsure: readonly Unsure[]): { ok: false; error: string; errorEn: string } {
  const refusal = fieldKind(spec.kind).unsure?.refusal;
  if (!refusal) throw new Error(`field kind "${spec.kind}" reads nothing unsure`);
  return { ok: false, error: refusal(spec, unsureText(unsure, 'zh-CN'), 'zh-CN'), errorEn: refusal(spec, unsureText(unsure, 'en'), 'en') };
}

/**
 * Parse one field's text: certain readings only (an unsure money or budget reading is
 * refused, see unsureRefusal). Empty text is "no value".
 */
export function parseField(spec: FieldSpec, raw: string, ctx: FieldContext): ParseResult<unknown> | undefined {
  const r = readField(spec, raw, ctx);
  if (!r || !r.ok) return r;
  if (r.value.unsure.length > 0) return unsureRefusal(spec, r.value.unsure);
  return { ok: true, value: r.value.value };
}

export interface FormErrors {
  [field: string]: string;
}

/**
 * Parse a whole form. Returns the payload, or every field's error at once in the reader's
 * language: what could not be read, what is missing, and what the payload's rules refuse (a
 * value out of bounds, a planned time in the past, an end before its start).
 */
export function parseForm(def: RequestTypeDef, raw: Record<string, string | undefined>, ctx: FieldContext): { payload: Payload; errors: FormErrors } {
  const payload: Payload = {};
  const errors: FormErrors = {};
  for (const spec of def.fields) {
    const r = parseField(spec, raw[spec.key] ?? '', { ...ctx, future: futureOnly(def, spec) });
    if (!r) {
      if (spec.required) errors[spec.key] = t(ctx.locale, 'field.required', { name: fieldLabel(spec, ctx.locale) });
      continue;
    }
    if (r.ok) payload[spec.key] = r.value;
    else errors[spec.key] = ctx.locale === 'en' ? r.errorEn : r.error;
  }
  for (const [key, problem] of Object.entries(payloadProblems(def, payload, ctx))) errors[key] ??= problem;
  return { payload, errors };
}
