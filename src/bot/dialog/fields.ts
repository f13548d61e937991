// Per-field pieces of a dialog, all derived from the request type's field declarations:
// the question (what is expected, with the field's example), the parsing of an answer (the
// same `parseField` the card forms use, plus the conversational extras: a range typed for a
// start fills the end too, an end with only a time takes the start's day, no past dates for
// plans) and the display of a value.
import { formatMoney, formatValue } from '../../../cards/format.js';
import { futureOnly, pairOf, readField, unsureRefusal } from '../../core/form-input.js';
import { t } from '../../core/messages.js';
import { formatYuan, parseDateTime, parseMultiline, unsureText, type Unsure } from '../../core/parse/index.js';
import { normalizeInput, stripInvisible } from '../../core/parse/types.js';
import { budgetTotal, type BudgetItem, type FieldSpec, type RequestTypeDef } from '../../core/request-types.js';
import type { DialogEnv, DialogSession } from './types.js';
import { localDateTime } from '../../core/time-zone.js';

const WEEKDAY_ZH = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const WEEKDAY_EN = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Limits of the payload schema (src/core/request-types.ts), checked here to ask again at once. */
export const TEXT_MAX = 200;
export const LONGTEXT_MAX = 5000;

export const label = (spec: FieldSpec, en: boolean) => (en ? spec.labelEn : spec.label);

/** 2026-12-05（周六）14:00 in the organisation's time zone: the weekday confirms "下周五". */
export function displayDateTime(iso: string, timezone: string, en: boolean): string {
  const local = localDateTime(iso, timezone);
  if (!local) return iso;
  return en ? `${local.date} (${WEEKDAY_EN[local.weekday]}) ${local.time}` : `${local.date}（${WEEKDAY_ZH[local.weekday]}）${local.time}`;
}

/** A value as the person should read it back (card and acknowledgements). */
export function displayValue(spec: FieldSpec, value: unknown, timezone: string, en: boolean): string {
  if (value === undefined || value === null || value === '') return en ? '— (not filled)' : '—（未填）';
  switch (spec.kind) {
    case 'datetime':
      return displayDateTime(String(value), timezone, en);
    case 'score':
      return en ? `${String(value)} pts` : `${String(value)} 分`;
    case 'count':
      return en ? String(value) : formatValue(spec, value, timezone);
    case 'budget': {
      const items = value as BudgetItem[];
      if (!en) return formatValue(spec, value, timezone);
      return `${items.map((i) => `${i.item} ${formatMoney(i.amount)}`).join(', ')} (total ${formatMoney(budgetTotal(items))})`;
    }
    default:
      return formatValue(spec, value, timezone);
  }
}

export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

// ---- start / end pairs (shared with the card forms)

export { futureOnly, pairOf, type Pair } from '../../core/form-input.js';

// A phrase without any of these has no date: an end of "17:00" is on the start's day.
const DATE_WORDS =
  /\d\s*[年月日号/.-]\s*\d|\d\s*[月日号]|[今明后昨前]天|[今明昨][早晚]|周|星期|礼拜|全天|整天|下个?月|today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\b(?:mon|tue|wed|thu|fri|sat|sun)\b|next|week/i;

export const hasDate = (text: string) => DATE_WORDS.test(normalizeInput(text));

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

export function question(def: RequestTypeDef, spec: FieldSpec, session: DialogSession, env: DialogEnv): string {
  const en = env.locale === 'en';
  const n = def.fields.indexOf(spec) + 1;
  const name = label(spec, en);
  const optional = spec.required ? '' : en ? ' (optional — reply "skip" to leave it out)' : '（选填，可回复「跳过」）';
  const verb = spec.kind === 'choice' ? (en ? 'Choose' : '请选择') : en ? 'Enter' : '请填写';
  const head = en ? `(${n}/${def.fields.length}) ${verb} ${name}${optional}` : `（${n}/${def.fields.length}）${verb}「${name}」${optional}`;
  const lines = [head];
  const eg = spec.example;
  const pair = pairOf(def, spec.key);
  switch (spec.kind) {
    case 'text':
      if (eg) lines.push(en ? `e.g. ${eg}` : `例如：${eg}`);
      break;
    case 'longtext':
      lines.push(en ? `Several lines are fine.${eg ? ` e.g. ${eg}` : ''}` : `可以分多行写。${eg ? `例如：${eg}` : ''}`);
      break;
    case 'datetime': {
      const sample = eg ?? '2026-12-05 14:00';
      if (pair?.start === spec) {
        lines.push(
          en
            ? `e.g. ${sample}, 明天下午3点, 下周五上午. You may give both ends at once: 12月5日 14:00-17:00 or 周六全天`
            : `例如：${sample}、明天下午3点、下周五上午；也可以一次写明起止：12月5日 14:00-17:00 或 周六全天`,
        );
      } else if (pair?.end === spec) {
        lines.push(en ? `e.g. ${sample}; a time alone (17:00) is on the start's day` : `例如：${sample}；只写时间（如 17:00）表示与开始时间同一天`);
      } else lines.push(en ? `e.g. ${sample}, 明天下午3点, 下周五上午` : `例如：${sample}、明天下午3点、下周五上午`);
      break;
    }
    case 'money':
      // Certain forms only: "2k" or "50×30" would be read back before they are kept.
      lines.push(en ? `e.g. ${eg ?? '2000元'}, ¥2,000, 两千, 1.5万` : `例如：${eg ?? '2000元'}、¥2,000、两千、1.5万`);
      break;
    case 'count':
      lines.push(en ? `A number, e.g. ${eg ?? '80'}` : `写一个数字，例如：${eg ?? '80'}`);
      break;
    case 'score': {
      const max = spec.max ?? 100;
      lines.push(en ? `0 to ${max}, e.g. ${eg ?? Math.round(max * 0.8)}` : `0 到 ${max} 分，例如：${eg ?? Math.round(max * 0.8)}`);
      break;
    }
    case 'choice':
      lines.push(en ? 'Reply with the number or the name:' : '回复编号或名称：');
      for (const [i, o] of (spec.options ?? []).entries()) lines.push(`${i + 1}. ${o.label}`);
      break;
    case 'budget':
      lines.push(
        en
          ? `One "item amount" per entry, separated by commas, 、 or new lines, e.g. ${eg ?? '场地 3000, 物料 1200'}`
          : `按“项目 金额”逐项写，用逗号、顿号或换行分隔，例如：${eg ?? '场地 3000, 物料 1200'}`,
      );
      break;
    case 'requestRef':
      lines.push(en ? `A request number, e.g. ${eg ?? 'A-0001'}` : `填写申请编号，例如：${eg ?? 'A-0001'}`);
      break;
  }
  const hint = session.hints?.[spec.key];
  if (hint) lines.push(hint);
  if (session.values[spec.key] !== undefined) {
    const current = clip(displayValue(spec, session.values[spec.key], env.timezone, en), 200);
    lines.push(en ? `Current: ${current} (reply "keep" to leave it)` : `当前：${current}（回复「保留」不修改）`);
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
  const en = loc === 'en';
  const head =
    spec.kind === 'budget'
      ? t(loc, 'dialog.check.budget', {
          // Items as typed (3000), the total grouped (8,700), as people write them.
          items: (value as BudgetItem[]).map((i) => `${i.item} ${String(i.amount)}`).join(en ? ', ' : '、'),
          total: formatYuan(budgetTotal(value)),
        })
      : t(loc, 'dialog.check.money', { amount: formatYuan(Number(value)) });
  return [head, t(loc, 'dialog.check.why', { reasons: unsureText(unsure, loc) }), t(loc, 'dialog.check.how')].join('\n');
}

const REF = /^([A-Za-z])\s*-?\s*(\d{1,6})$/;

/** "a-1", "A1", "A-0001" → "A-0001"; undefined when it is not a request number. */
export function normaliseNumber(text: string): string | undefined {
  const m = REF.exec(normalizeInput(text));
  if (!m) return undefined;
  return `${m[1]!.toUpperCase()}-${m[2]!.padStart(4, '0')}`;
}

export async function parseAnswer(def: RequestTypeDef, spec: FieldSpec, raw: string, session: DialogSession, env: DialogEnv): Promise<Answer> {
  const en = env.locale === 'en';
  const name = label(spec, en);
  const saved = (key: string, value: unknown) => {
    const s = def.fields.find((f) => f.key === key) ?? spec;
    const shown = clip(displayValue(s, value, env.timezone, en), 120);
    return en ? `Saved ${label(s, en)}: ${shown}` : `已记录「${s.label}」：${shown}`;
  };
  const fail = (r: { error: string; errorEn: string }): Answer => ({ ok: false, error: en ? r.errorEn : r.error });
  const one = (value: unknown): Answer & { ok: true } => ({ ok: true, set: { [spec.key]: value }, ack: saved(spec.key, value) });

  switch (spec.kind) {
    case 'text': {
      // One line; the person's own punctuation (，。) is kept as typed.
      const value = stripInvisible(raw).replace(/\s+/g, ' ').trim();
      const length = [...value].length;
      if (!length) return { ok: false, error: en ? `${name} cannot be empty` : `「${name}」不能为空` };
      if (length > TEXT_MAX) {
        return { ok: false, error: en ? `${name} may be at most ${TEXT_MAX} characters (now ${length})` : `「${name}」最多 ${TEXT_MAX} 个字（当前 ${length} 个字），请精简后重新输入` };
      }
      return one(value);
    }
    case 'longtext': {
      const r = parseMultiline(raw, { maxLength: LONGTEXT_MAX });
      return r.ok ? one(r.value) : fail(r);
    }
    case 'requestRef': {
      const number = normaliseNumber(raw);
      if (!number) return { ok: false, error: en ? `Please enter a request number, e.g. ${spec.example ?? 'A-0001'}` : `请填写申请编号，例如：${spec.example ?? 'A-0001'}` };
      const problem = await env.checkRef?.(def, spec, number);
      return problem ? { ok: false, error: problem } : one(number);
    }
    case 'datetime':
      return parseDateAnswer(def, spec, raw, session, env, saved);
    default: {
      const r = readField(spec, raw, { now: env.now, timezone: env.timezone, locale: env.locale });
      if (!r) return { ok: false, error: en ? `${name} cannot be empty` : `「${name}」不能为空` };
      if (!r.ok) return fail(r);
      const { value, unsure } = r.value;
      // Not certain (a formula, items apart by spaces only, 2k …): read it back for a yes/no
      // before anything is stored.
      if (unsure.length === 0) return one(value);
      const check = checkText(spec, value, unsure, env);
      // A read-back too long to be read in full (WeCom cuts texts at 2048 bytes) is no check:
      // ask for the certain form instead.
      return Buffer.byteLength(check) > CHECK_MAX_BYTES ? fail(unsureRefusal(spec, unsure)) : { ...one(value), check };
    }
  }
}

function parseDateAnswer(
  def: RequestTypeDef,
  spec: FieldSpec,
  raw: string,
  session: DialogSession,
  env: DialogEnv,
  saved: (key: string, value: unknown) => string,
): Answer {
  const en = env.locale === 'en';
  const text = raw.trim().replace(/^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/, '$1 $2');
  const pair = pairOf(def, spec.key);
  const future = futureOnly(def, spec);
  const pastError = (iso: string): Answer => ({
    ok: false,
    error: en
      ? `${displayDateTime(iso, env.timezone, en)} is in the past; please enter a future time, e.g. tomorrow 3pm`
      : `${displayDateTime(iso, env.timezone, en)}已经过去了，请输入将来的时间，例如：明天下午3点`,
  });
  const nowMinute = Math.floor(env.now.getTime() / 60_000) * 60_000;

  if (!pair) {
    const r = parseDateTime(text, { now: env.now, timezone: env.timezone, allowPast: !future });
    if (!r.ok) return { ok: false, error: en ? r.errorEn : r.error };
    const iso = r.value.start.toISOString();
    return { ok: true, set: { [spec.key]: iso }, ack: saved(spec.key, iso) };
  }

  const startValue = session.values[pair.start.key];
  const isEnd = spec === pair.end;
  // An end without a date ("17:00", "下午5点") is read on the start's day.
  const onStartDay = isEnd && typeof startValue === 'string' && !hasDate(text);
  const reference = onStartDay ? new Date(startValue) : env.now;
  // Past dates are let through to be refused with a clear message below, but a day of the
  // month alone ("15号") on a future field is the next 15th, not the last one.
  const r = parseDateTime(text, { now: reference, timezone: env.timezone, allowPast: true, ...(future && !onStartDay ? { prefer: 'future' as const } : {}) });
  if (!r.ok) return { ok: false, error: en ? r.errorEn : r.error };
  const v = r.value;

  // A range or a whole day ("12月5日 14:00-17:00", "周六全天") fills both ends, whichever was asked.
  if (v.end && (!isEnd || !v.allDay)) {
    // A whole day is past once it is over; a timed range once it has started.
    if (future && (v.allDay ? v.end.getTime() <= nowMinute : v.start.getTime() < nowMinute)) return pastError(v.start.toISOString());
    const start = v.start.toISOString();
    const end = v.end.toISOString();
    const ack = en
      ? `${saved(pair.start.key, start)}; ${label(pair.end, en)}: ${displayDateTime(end, env.timezone, en)}`
      : `${saved(pair.start.key, start)}，「${pair.end.label}」：${displayDateTime(end, env.timezone, en)}`;
    return { ok: true, set: { [pair.start.key]: start, [pair.end.key]: end }, ack };
  }

  if (!isEnd) {
    if (future && v.start.getTime() < nowMinute) return pastError(v.start.toISOString());
    const start = v.start.toISOString();
    const endValue = session.values[pair.end.key];
    // A new start at or after the end recorded before: the end has to be asked again.
    if (typeof endValue === 'string' && Date.parse(endValue) <= v.start.getTime()) {
      const note = en ? `The end time recorded before is no longer after the start; please enter it again.` : `原来的结束时间早于新的开始时间，需要重新填写。`;
      return { ok: true, set: { [spec.key]: start }, unset: [pair.end.key], ack: `${saved(spec.key, start)}\n${note}` };
    }
    return { ok: true, set: { [spec.key]: start }, ack: saved(spec.key, start) };
  }

  // The end: a date alone means the end of that day.
  const endAt = v.allDay && v.end ? v.end : v.start;
  const end = endAt.toISOString();
  if (typeof startValue === 'string' && endAt.getTime() <= Date.parse(startValue)) {
    const a = displayDateTime(startValue, env.timezone, en);
    const b = displayDateTime(end, env.timezone, en);
    return {
      ok: false,
      error: en
        ? `The end (${b}) must be after the start (${a}); e.g. ${pair.end.example ?? '2026-12-05 17:00'}`
        : `结束时间（${b}）需晚于开始时间（${a}），例如：${pair.end.example ?? '2026-12-05 17:00'}`,
    };
  }
  if (future && endAt.getTime() < nowMinute) return pastError(end);
  return { ok: true, set: { [spec.key]: end }, ack: saved(spec.key, end) };
}
