// Turns what people type (card form inputs, dialog answers, API strings) into a request's
// canonical payload, field by field, with the same parsers and messages everywhere.
import { parseBudgetItems, parseChoice, parseCount, parseDateTime, parseMoney, type ParseResult } from './parse/index.js';
import type { FieldSpec, Payload, RequestTypeDef } from './request-types.js';

export interface FieldContext {
  now: Date;
  timezone: string;
  locale: 'zh-CN' | 'en';
}

/** Parse one field's text. Empty text is "no value" (the schema decides if that is allowed). */
export function parseField(spec: FieldSpec, raw: string, ctx: FieldContext): ParseResult<unknown> | undefined {
  const text = raw.trim();
  if (!text) return undefined;
  switch (spec.kind) {
    case 'datetime': {
      // Browser datetime-local inputs send 2026-12-05T14:00, local to the organisation.
      const r = parseDateTime(text.replace(/^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/, '$1 $2'), { now: ctx.now, timezone: ctx.timezone, allowPast: true });
      return r.ok ? { ok: true, value: r.value.start.toISOString() } : r;
    }
    case 'money':
      return parseMoney(text);
    case 'count':
      return parseCount(text);
    case 'score': {
      const n = Number(text.replace(/分$/, ''));
      const max = spec.max ?? 100;
      return Number.isFinite(n) && n >= 0 && n <= max
        ? { ok: true, value: n }
        : { ok: false, error: `请输入 0 到 ${max} 之间的分数，例如 ${Math.round(max * 0.8)}`, errorEn: `Enter a score from 0 to ${max}` };
    }
    case 'choice':
      return parseChoice(text, spec.options ?? []);
    case 'budget':
      return parseBudgetItems(text);
    case 'requestRef':
      return { ok: true, value: text.toUpperCase() };
    default:
      return { ok: true, value: text };
  }
}

export interface FormErrors {
  [field: string]: string;
}

/** Parse a whole form. Returns the payload, or per-field errors in the reader's language. */
export function parseForm(def: RequestTypeDef, raw: Record<string, string | undefined>, ctx: FieldContext): { payload: Payload; errors: FormErrors } {
  const payload: Payload = {};
  const errors: FormErrors = {};
  for (const spec of def.fields) {
    const r = parseField(spec, raw[spec.key] ?? '', ctx);
    if (!r) {
      if (spec.required) errors[spec.key] = ctx.locale === 'en' ? `${spec.labelEn} is required` : `请填写${spec.label}`;
      continue;
    }
    if (r.ok) payload[spec.key] = r.value;
    else errors[spec.key] = ctx.locale === 'en' ? r.errorEn : r.error;
  }
  return { payload, errors };
}

