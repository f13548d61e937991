// Per-field pieces of a dialog, all derived from the request type's field declarations and
// their kinds (src/core/fields/): the question (what is expected, with the field's example),
// the reading of an answer (the kind's conversational reading, or the same `readField` the
// card forms use with an unsure reading read back for a yes/no) and the display of a value.
import { fieldKind, fieldLabel, readBackValue } from '../../core/fields/index.js';
import { readField, unsureRefusal } from '../../core/form-input.js';
import { t, type Locale } from '../../core/messages.js';
import { unsureText, type Unsure } from '../../core/parse/index.js';
import { normalizeInput } from '../../core/parse/types.js';
import type { FieldSpec, RequestTypeDef } from '../../core/request-types.js';
import type { DialogEnv, DialogSession } from './types.js';

export { normaliseNumber, pairOf, type Pair } from '../../core/fields/index.js';

const localeOf = (en: boolean): Locale => (en ? 'en' : 'zh-CN');

export const label = (spec: FieldSpec, en: boolean) => fieldLabel(spec, localeOf(en));

/** A value as the person should read it back (card and acknowledgements). */
export function displayValue(spec: FieldSpec, value: unknown, timezone: string, en: boolean): string {
  return readBackValue(spec, value, { locale: localeOf(en), timezone });
}

export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

// ---- finding a field by what the person typed after 修改

const fold = (s: string) =>
  normalizeInput(s)
    .toLowerCase()
    .replace(/[（(][^）)]*[）)]/g, '')
    .replace(/\s+/g, '');

export type FieldMatch = { spec: FieldSpec } | { ambiguous: FieldSpec[] } | undefined;

/** By number (1-based, as listed), key, label or English label; then a unique partial match. */
export function findField(def: RequestTypeDef, query: string): FieldMatch {
  const q = fold(query).replace(/^第/, '').replace(/[项个]$/, '');
  if (!q) return undefined;
  if (/^\d{1,2}$/.test(q)) {
    const spec = def.fields[Number(q) - 1];
    return spec ? { spec } : undefined;
  }
  const exact = def.fields.filter((f) => [f.key, f.label, f.labelEn].some((n) => fold(n) === q));
  if (exact.length === 1) return { spec: exact[0]! };
  const partial = def.fields.filter((f) => [f.label, f.labelEn].some((n) => fold(n).includes(q)) || (fold(f.label).length > 0 && q.includes(fold(f.label))));
  if (partial.length === 1) return { spec: partial[0]! };
  if (partial.length > 1) return { ambiguous: partial };
  return undefined;
}

// ---- questions

/**
 * The fields asked in turn: all but optional files fields, which are not a question of their
 * own — files sent at any point of the dialog go to them (engine `attach`), or 修改 <字段> asks.
 */
export function askedFields(def: RequestTypeDef): FieldSpec[] {
  return def.fields.filter((f) => f.required || !fieldKind(f.kind).files);
}

export function question(def: RequestTypeDef, spec: FieldSpec, session: DialogSession, env: DialogEnv): string {
  const loc = env.locale;
  const kind = fieldKind(spec.kind);
  const asked = askedFields(def);
  const list = asked.includes(spec) ? asked : def.fields;
  const head = t(loc, kind.choose ? 'field.ask.choose' : 'field.ask.enter', {
    n: list.indexOf(spec) + 1,
    total: list.length,
    name: fieldLabel(spec, loc),
    optional: spec.required ? '' : t(loc, 'field.ask.optional'),
  });
  const lines = [head];
  const hint = kind.hint(spec, def, loc);
  if (hint) lines.push(hint);
  const note = session.hints?.[spec.key];
  if (note) lines.push(note);
  if (session.values[spec.key] !== undefined) {
    lines.push(t(loc, 'field.ask.current', { value: clip(readBackValue(spec, session.values[spec.key], { locale: loc, timezone: env.timezone }), 200) }));
  }
  return lines.join('\n');
}

// ---- answers

export type Answer =
  /** `check`: the reading is not certain; show this and store `set` only after a yes. */
  | { ok: true; set: Record<string, unknown>; unset?: string[]; ack: string; check?: string }
  | { ok: false; error: string };

/** The longest read-back sent; WeCom, the strictest platform, cuts texts at 2048 bytes. */
const CHECK_MAX_BYTES = 1800;

/** "我理解为：场地 3000、物料 1200、餐饮 4500，合计 8,700 元，对吗？" with the reasons and how to answer. */
export function checkText(spec: FieldSpec, value: unknown, unsure: readonly Unsure[], env: DialogEnv): string {
  const loc = env.locale;
  const head = fieldKind(spec.kind).unsure?.readBack(value, loc) ?? '';
  return [head, t(loc, 'dialog.check.why', { reasons: unsureText(unsure, loc) }), t(loc, 'dialog.check.how')].join('\n');
}

export async function parseAnswer(def: RequestTypeDef, spec: FieldSpec, raw: string, session: DialogSession, env: DialogEnv): Promise<Answer> {
  const loc = env.locale;
  const shown = { locale: loc, timezone: env.timezone };
  const saved = (key: string, value: unknown) => {
    const s = def.fields.find((f) => f.key === key) ?? spec;
    return t(loc, 'field.saved', { name: fieldLabel(s, loc), value: clip(readBackValue(s, value, shown), 120) });
  };
  const kind = fieldKind(spec.kind);
  const ctx = { now: env.now, timezone: env.timezone, locale: loc, def, values: session.values, saved };
  if (kind.answer) {
    const answer = kind.answer(spec, raw, ctx);
    if (!answer.ok || !kind.refersToRequest) return answer;
    const problem = await env.checkRef?.(def, spec, String(answer.set[spec.key]));
    return problem ? { ok: false, error: problem } : answer;
  }
  const r = readField(spec, raw, ctx);
  if (!r) return { ok: false, error: t(loc, 'field.empty', { name: fieldLabel(spec, loc) }) };
  if (!r.ok) return { ok: false, error: loc === 'en' ? r.errorEn : r.error };
  const { value, unsure } = r.value;
  const one = { ok: true as const, set: { [spec.key]: value }, ack: saved(spec.key, value) };
  // Not certain (a formula, items apart by spaces only, 2k …): read it back for a yes/no
  // before anything is stored.
  if (unsure.length === 0) return one;
  const check = checkText(spec, value, unsure, env);
  // A read-back too long to be read in full (WeCom cuts texts at 2048 bytes) is no check:
  // ask for the certain form instead.
  if (Buffer.byteLength(check) > CHECK_MAX_BYTES) {
    const refusal = unsureRefusal(spec, unsure);
    return { ok: false, error: loc === 'en' ? refusal.errorEn : refusal.error };
  }
  return { ...one, check };
}
