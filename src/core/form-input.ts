// Turns what people type (card form inputs, dialog answers, API strings) into a request's
// canonical payload, field by field, with the same parsers and messages everywhere.
//
// Money and budget answers come with their certainty (src/core/parse/budget.ts): a card form
// cannot ask back, so parseField / parseForm refuse an unsure reading with the field's name,
// the reasons and an example of a certain form; the dialog (src/bot/dialog/) uses readField
// and shows an unsure reading back for a yes/no instead.
import { t } from './messages.js';
import { parseChoice, parseCount, parseDateTime, readBudget, readMoney, unsureText, type ParseResult, type Unsure } from './parse/index.js';
import type { FieldSpec, Payload, RequestTypeDef } from './request-types.js';

export interface FieldContext {
  now: Date;
  timezone: string;
  locale: 'zh-CN' | 'en';
  /**
   * The field is a future one (see futureOnly): a day of the month without its month
   * ("15号") is the next such day, not the nearer past one.
   */
  future?: boolean;
}

// ---- start / end pairs and future fields

export interface Pair {
  start: FieldSpec;
  end: FieldSpec;
}

/** `start`/`end`, or `<x>Start`/`<x>End`, both datetime fields of the type. */
export function pairOf(def: RequestTypeDef, key: string): Pair | undefined {
  const dt = (k: string) => def.fields.find((f) => f.key === k && f.kind === 'datetime');
  let startKey: string | undefined;
  let endKey: string | undefined;
  if (key === 'start' || key === 'end') [startKey, endKey] = ['start', 'end'];
  else if (key.endsWith('Start')) [startKey, endKey] = [key, `${key.slice(0, -5)}End`];
  else if (key.endsWith('End')) [startKey, endKey] = [`${key.slice(0, -3)}Start`, key];
  const start = startKey ? dt(startKey) : undefined;
  const end = endKey ? dt(endKey) : undefined;
  return start && end ? { start, end } : undefined;
}

/**
 * Whether a datetime field may lie in the past. The ends of a start/end pair (the event's
 * time) and planned times (计划…, 预计…) may not; other datetime fields (e.g. a date when
 * something happened) may.
 */
export function futureOnly(def: RequestTypeDef, spec: FieldSpec): boolean {
  return spec.kind === 'datetime' && (!!pairOf(def, spec.key) || /计划|预计|plann?ed/i.test(`${spec.label} ${spec.labelEn}`));
}

// ---- one field

export interface FieldReading {
  value: unknown;
  /** Why the reading is not certain (money and budget only); empty when it is. */
  unsure: Unsure[];
}

/**
 * Read one field's text, with the reasons a money or budget reading is not certain. Empty
 * text is "no value" (the schema decides if that is allowed).
 */
export function readField(spec: FieldSpec, raw: string, ctx: FieldContext): ParseResult<FieldReading> | undefined {
  const text = raw.trim();
  if (!text) return undefined;
  const certain = (r: ParseResult<unknown>): ParseResult<FieldReading> => (r.ok ? { ok: true, value: { value: r.value, unsure: [] } } : r);
  switch (spec.kind) {
    case 'datetime': {
      // Browser datetime-local inputs send 2026-12-05T14:00, local to the organisation.
      const r = parseDateTime(text.replace(/^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/, '$1 $2'), {
        now: ctx.now,
        timezone: ctx.timezone,
        allowPast: true,
        ...(ctx.future ? { prefer: 'future' as const } : {}),
      });
      return r.ok ? certain({ ok: true, value: r.value.start.toISOString() }) : r;
    }
    case 'money': {
      const r = readMoney(text);
      return r.ok ? { ok: true, value: { value: r.value.value, unsure: r.value.unsure } } : r;
    }
    case 'count':
      return certain(parseCount(text));
    case 'score': {
      const n = Number(text.replace(/分$/, ''));
      const max = spec.max ?? 100;
      return Number.isFinite(n) && n >= 0 && n <= max
        ? certain({ ok: true, value: n })
        : { ok: false, error: `请输入 0 到 ${max} 之间的分数，例如 ${Math.round(max * 0.8)}`, errorEn: `Enter a score from 0 to ${max}` };
    }
    case 'choice':
      return certain(parseChoice(text, spec.options ?? []));
    case 'budget': {
      const r = readBudget(text);
      return r.ok ? { ok: true, value: { value: r.value.items, unsure: r.value.unsure } } : r;
    }
    case 'requestRef':
      return certain({ ok: true, value: text.toUpperCase() });
    default:
      return certain({ ok: true, value: text });
  }
}

/** The refusal of an unsure reading where nobody can be asked back (card forms, the API). */
export function unsureRefusal(spec: FieldSpec, unsure: readonly Unsure[]): { ok: false; error: string; errorEn: string } {
  const key = spec.kind === 'budget' ? 'parse.unsure.card_budget' : 'parse.unsure.card_money';
  const example = spec.kind === 'budget' ? (spec.example ?? '场地 3000，物料 1200') : (spec.example ?? '2000');
  return {
    ok: false,
    error: t('zh-CN', key, { field: spec.label, reasons: unsureText(unsure, 'zh-CN'), example }),
    errorEn: t('en', key, { field: spec.labelEn, reasons: unsureText(unsure, 'en'), example }),
  };
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

/** Parse a whole form. Returns the payload, or per-field errors in the reader's language. */
export function parseForm(def: RequestTypeDef, raw: Record<string, string | undefined>, ctx: FieldContext): { payload: Payload; errors: FormErrors } {
  const payload: Payload = {};
  const errors: FormErrors = {};
  for (const spec of def.fields) {
    const r = parseField(spec, raw[spec.key] ?? '', { ...ctx, future: futureOnly(def, spec) });
    if (!r) {
      if (spec.required) errors[spec.key] = ctx.locale === 'en' ? `${spec.labelEn} is required` : `请填写${spec.label}`;
      continue;
    }
    if (r.ok) payload[spec.key] = r.value;
    else errors[spec.key] = ctx.locale === 'en' ? r.errorEn : r.error;
  }
  return { payload, errors };
}
