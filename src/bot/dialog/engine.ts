// The dialog engine: a form filled in through conversation. Pure — no clock, no I/O of its
// own (the time and the one lookup it needs, checking a request number, come in `env`), so a
// whole transcript runs in a unit test. The steps are the request type's declared fields, in
// order: adding a field to a type adds a question.
//
//   ask ──answer/跳过/保留──► next unvisited field … ──► confirm ──确认/提交──► submit (caller)
//    ▲   返回 (previous field)                              │ 修改 <字段> / 返回
//    └─────────────────────────────────────────────────────┘
//   取消 anywhere ends it; the caller ends it after an idle timeout.
import { randomBytes } from 'node:crypto';
import { capabilitiesOf } from '../../channels/capabilities.js';
import { t, type MessageKey, type ParamValue } from '../../core/messages.js';
import { normalizeInput } from '../../core/parse/types.js';
import type { FieldSpec, RequestTypeDef } from '../../core/request-types.js';
import { addFile, fieldKind, type AttachmentRef } from '../../core/fields/index.js';
import { cardToken, confirmationCard, confirmationText, DIALOG_ACTION } from './card.js';
import { askedFields, clip, displayValue, findField, label, parseAnswer, question } from './fields.js';
import type { DialogEnv, DialogOut, DialogSession, EngineResult } from './types.js';
import type { ActionValue } from '../../../cards/model.js';

// Words the dialog itself understands (whole message, after trimming trailing punctuation).
const CANCEL = /^(取消|算了|不填了|退出|放弃|cancel|quit|exit|abort)$/i;
const BACK = /^(返回|上一步|上一项|上一个|后退|back|previous|prev)$/i;
const SKIP = /^(跳过|略过|skip|pass)$/i;
const NONE = /^(无|没有|暂无|不填|none|n\/a|-)$/i;
const KEEP = /^(保留|不变|不改|不修改|保持|keep|same)$/i;
const CONFIRM = /^(确认|确定|提交|确认提交|没问题|是|好的?|对|ok|yes|y|submit|confirm)$/i;
// The answer to "我理解为 …，对吗？".
const YES = /^(对|对的|是|是的|好|好的|行|可以|确认|确定|正确|没错|没问题|嗯|嗯嗯|ok|okay|yes|yep|y|right|correct)$/i;
const NO = /^(不对|不是|否|错了|不正确|不行|重填|重新填写?|no|nope|n|wrong)$/i;
const HELP = /^(帮助|help|\?|？)$/i;
const EDIT = /^(修改|更改|改|编辑|edit)(?:\s+(.+)|(.*))$/i;

const clean = (text: string) => normalizeInput(text).replace(/[。.!！~～]+$/, '').trim();

export interface BeginOptions {
  id?: string;
  mode?: 'new' | 'resubmit';
  requestId?: string;
  number?: string;
  /** Values known up front (a resubmission's payload, the event number given with the command). */
  prefill?: Record<string, unknown>;
  /** Fields to treat as answered (all of them for a resubmission). */
  visited?: string[];
  hints?: Record<string, string>;
  /** Replaces the default opening line. */
  intro?: string;
}

const touch = (s: DialogSession, env: DialogEnv): DialogSession => ({ ...s, rev: s.rev + 1, updatedAt: env.now.toISOString() });

function nextField(def: RequestTypeDef, s: DialogSession): FieldSpec | undefined {
  return askedFields(def).find((f) => !s.visited.includes(f.key));
}

function fieldOf(def: RequestTypeDef, s: DialogSession): FieldSpec | undefined {
  return def.fields.find((f) => f.key === s.field);
}

/** A catalog line in the person's language. */
const say = (env: DialogEnv, key: MessageKey, params: Record<string, ParamValue> = {}) => t(env.locale, key, params);

const text = (...parts: Array<string | undefined | false>): DialogOut => ({ text: parts.filter((p): p is string => !!p).join('\n') });

/** Ask `spec` next. */
function ask(def: RequestTypeDef, s: DialogSession, spec: FieldSpec, env: DialogEnv, lead: string[] = []): EngineResult {
  const session: DialogSession = { ...s, phase: 'ask', field: spec.key };
  return { session, out: [text(...lead, lead.length ? '' : undefined, question(def, spec, session, env))] };
}

/** Everything is filled in: show the confirmation card. */
function confirm(def: RequestTypeDef, s: DialogSession, env: DialogEnv, lead: string[] = []): EngineResult {
  const { field: _field, returnTo: _returnTo, ...rest } = s;
  const session: DialogSession = { ...rest, phase: 'confirm' };
  const card = { card: confirmationCard(def, session, env) };
  if (capabilitiesOf(env.platform).cardShowsAllFields) {
    return { session, out: [text(...lead, say(env, session.mode === 'resubmit' ? 'dialog.confirm.how_resubmit' : 'dialog.confirm.how_submit')), card] };
  }
  return { session, out: [text(...lead.map((l) => clip(l, 120)), say(env, 'dialog.confirm.short'), confirmationText(def, session, env)), card] };
}

/**
 * Go on after a field was answered, skipped or kept. Normally the next question is the first
 * field not answered yet. After 返回 the person walks forward again one field at a time (each
 * shown with its value, 保留 keeps it) until they are back where they left off.
 */
function advance(def: RequestTypeDef, s: DialogSession, env: DialogEnv, lead: string[], from?: FieldSpec, filled: string[] = []): EngineResult {
  if (s.rewind && from && s.returnTo !== 'confirm') {
    const asked = askedFields(def);
    const after = asked.slice(asked.indexOf(from) + 1).find((f) => !filled.includes(f.key));
    if (after) {
      const { rewind: _rewind, ...rest } = s;
      return ask(def, s.visited.includes(after.key) ? s : rest, after, env, lead);
    }
  }
  const { rewind: _rewind, ...rest } = s;
  const next = nextField(def, rest);
  return next ? ask(def, rest, next, env, lead) : confirm(def, rest, env, lead);
}

export function typeName(def: RequestTypeDef, env: Pick<DialogEnv, 'locale'>): string {
  return env.locale === 'en' ? def.nameEn : def.name;
}

/** Start a dialog. With every field already visited (a resubmission) it opens on the confirmation. */
export function begin(def: RequestTypeDef, env: DialogEnv, opts: BeginOptions = {}): EngineResult {
  const now = env.now.toISOString();
  const session: DialogSession = {
    v: 1,
    id: opts.id ?? randomBytes(6).toString('base64url'),
    rev: 0,
    type: def.id,
    mode: opts.mode ?? 'new',
    ...(opts.requestId ? { requestId: opts.requestId } : {}),
    ...(opts.number ? { number: opts.number } : {}),
    values: { ...(opts.prefill ?? {}) },
    visited: [...(opts.visited ?? Object.keys(opts.prefill ?? {}))],
    phase: 'ask',
    back: [],
    ...(opts.hints ? { hints: opts.hints } : {}),
    startedAt: now,
    updatedAt: now,
  };
  const required = def.fields.filter((f) => f.required).length;
  const intro = opts.intro ?? say(env, 'dialog.intro', { type: typeName(def, env), fields: askedFields(def).length, required });
  return advance(def, session, env, [intro]);
}

function fieldList(def: RequestTypeDef, s: DialogSession, env: DialogEnv): string {
  const en = env.locale === 'en';
  const lines = def.fields.map((f, i) => say(env, 'dialog.edit.line', { n: i + 1, label: label(f, en), value: clip(displayValue(f, s.values[f.key], env.timezone, en), 24) }));
  return [say(env, 'dialog.edit.which'), ...lines].join('\n');
}

function cancelled(def: RequestTypeDef, env: DialogEnv): EngineResult {
  return { session: null, out: [text(say(env, 'dialog.cancelled', { type: typeName(def, env) }))] };
}

function help(def: RequestTypeDef, s: DialogSession, env: DialogEnv): EngineResult {
  const lines = [say(env, 'dialog.help', { type: typeName(def, env) })];
  const spec = fieldOf(def, s);
  if (s.phase === 'ask' && spec) return ask(def, s, spec, env, lines);
  return { session: s, out: [text(...lines)] };
}

/** The question being asked, in one line, for a reminder after a command that interrupted. */
export function reminder(def: RequestTypeDef, s: DialogSession, env: DialogEnv): string {
  const spec = fieldOf(def, s);
  const type = typeName(def, env);
  if (s.phase === 'ask' && spec) {
    const field = label(spec, env.locale === 'en');
    return say(env, s.pending?.field === spec.key ? 'dialog.check.reminder' : 'dialog.reminder.ask', { type, field });
  }
  return say(env, 'dialog.reminder.confirm', { type });
}

/** One message from the person, in an open dialog. */
export async function reply(def: RequestTypeDef, s: DialogSession, input: string, env: DialogEnv): Promise<EngineResult> {
  const en = env.locale === 'en';
  const said = clean(input);
  if (CANCEL.test(said)) return cancelled(def, env);

  // A reading shown back for a yes/no: yes stores it, no asks again, anything else drops it
  // and is handled as usual (a corrected answer, 返回, 修改 …).
  if (s.pending) {
    const { pending, ...rest } = s;
    const spec = def.fields.find((f) => f.key === pending.field);
    if (spec && s.phase === 'ask' && s.field === pending.field) {
      if (YES.test(said)) return store(def, touch(rest, env), spec, { set: pending.set, ack: `${t(env.locale, 'dialog.check.kept')}${pending.ack}` }, env);
      if (NO.test(said)) return ask(def, touch(rest, env), spec, env, [t(env.locale, 'dialog.check.again')]);
    }
    s = rest;
  }
  if (HELP.test(said)) return help(def, s, env);

  const edit = EDIT.exec(said);
  if (edit) {
    const arg = (edit[2] ?? edit[3] ?? '').trim();
    // "修改后的流程…" is an answer, not a command: without a space the rest must name a field.
    const match = arg ? findField(def, arg) : undefined;
    if (!arg || edit[2] !== undefined || match) return editField(def, s, arg, env);
  }

  if (BACK.test(said)) {
    const back = [...s.back];
    const prev = back.pop();
    if (s.phase === 'confirm') {
      const last = def.fields.find((f) => f.key === prev) ?? def.fields[def.fields.length - 1]!;
      return ask(def, touch({ ...s, back, returnTo: 'confirm' }, env), last, env);
    }
    if (s.returnTo === 'confirm') return confirm(def, touch(s, env), env);
    const current = fieldOf(def, s);
    const target = def.fields.find((f) => f.key === prev);
    if (!target) return ask(def, s, current ?? def.fields[0]!, env, [say(env, 'dialog.first_field')]);
    return ask(def, touch({ ...s, back, rewind: true }, env), target, env);
  }

  if (s.phase === 'confirm') {
    if (CONFIRM.test(said)) return { session: s, out: [], submit: true };
    return {
      session: s,
      out: [text(say(env, 'dialog.confirm.expected'))],
    };
  }

  const spec = fieldOf(def, s) ?? nextField(def, s);
  if (!spec) return confirm(def, touch(s, env), env);
  const name = label(spec, en);

  if (SKIP.test(said) || (!spec.required && NONE.test(said))) {
    if (spec.required) return ask(def, s, spec, env, [say(env, 'dialog.required', { field: name })]);
    const values = { ...s.values };
    delete values[spec.key];
    const next = touch({ ...s, values, visited: [...new Set([...s.visited, spec.key])], back: [...s.back, spec.key] }, env);
    return advance(def, next, env, [say(env, 'dialog.skipped', { field: name })], spec);
  }

  if (KEEP.test(said) && s.values[spec.key] !== undefined) {
    const next = touch({ ...s, visited: [...new Set([...s.visited, spec.key])], back: [...s.back, spec.key] }, env);
    return advance(def, next, env, [say(env, 'dialog.kept', { field: name })], spec);
  }

  const answer = await parseAnswer(def, spec, input, s, env);
  if (!answer.ok) return ask(def, s, spec, env, [`❌ ${answer.error}`]);
  if (answer.check) {
    // Not stored until confirmed: the session keeps it aside with the question still open.
    const session: DialogSession = touch({ ...s, phase: 'ask', field: spec.key, pending: { field: spec.key, set: answer.set, ack: answer.ack } }, env);
    return { session, out: [text(answer.check)] };
  }
  return store(def, touch(s, env), spec, answer, env);
}

/**
 * A file the person sent (stored already by the receiver). Held on the files field being asked
 * until they say 好了; at any other point it is not wanted now.
 */
export function attach(def: RequestTypeDef, s: DialogSession, file: AttachmentRef, env: DialogEnv): EngineResult {
  const current = s.phase === 'ask' ? (fieldOf(def, s) ?? nextField(def, s)) : undefined;
  if (current && fieldKind(current.kind).files) {
    const added = addFile(current, s.values[current.key], file, env.locale);
    if (!added.ok) return { session: s, out: [text(`❌ ${added.error}`)] };
    const session = touch({ ...s, phase: 'ask', field: current.key, values: { ...s.values, [current.key]: added.files } }, env);
    return { session, out: [text(say(env, 'field.attachments.received', { name: file.name, n: added.files.length }))] };
  }
  // Not asked for now: the first optional files field that takes it (a summary's photos).
  for (const spec of def.fields.filter((f) => !f.required && fieldKind(f.kind).files)) {
    const added = addFile(spec, s.values[spec.key], file, env.locale);
    if (!added.ok) continue;
    const session = touch({ ...s, values: { ...s.values, [spec.key]: added.files }, visited: [...new Set([...s.visited, spec.key])] }, env);
    const saved = say(env, 'field.attachments.added_to', { name: file.name, field: label(spec, env.locale === 'en'), n: added.files.length });
    return { session, out: [text(saved, reminder(def, session, env))] };
  }
  return { session: s, out: [text(say(env, 'field.attachments.not_now'), reminder(def, s, env))] };
}

/** Keep an answer (parsed, or confirmed after a read-back) and go on. */
function store(def: RequestTypeDef, s: DialogSession, spec: FieldSpec, answer: { set: Record<string, unknown>; unset?: string[]; ack: string }, env: DialogEnv): EngineResult {
  const values = { ...s.values, ...answer.set };
  let visited = [...new Set([...s.visited, ...Object.keys(answer.set)])];
  for (const key of answer.unset ?? []) {
    delete values[key];
    visited = visited.filter((k) => k !== key);
  }
  const next = { ...s, values, visited, back: [...s.back, spec.key] };
  return advance(def, next, env, [`✓ ${answer.ack}`], spec, Object.keys(answer.set));
}

function editField(def: RequestTypeDef, s: DialogSession, arg: string, env: DialogEnv): EngineResult {
  const en = env.locale === 'en';
  const list = fieldList(def, s, env);
  if (!arg) return { session: s, out: [text(list)] };
  const match = findField(def, arg);
  if (!match) return { session: s, out: [text(say(env, 'dialog.edit.unknown', { field: arg }), list)] };
  if ('ambiguous' in match) {
    const names = match.ambiguous.map((f) => label(f, en)).join(say(env, 'list.separator'));
    return { session: s, out: [text(say(env, 'dialog.edit.ambiguous', { field: arg, names }))] };
  }
  const { rewind: _rewind, ...rest } = s;
  const next = touch({ ...rest, ...(s.phase === 'confirm' || s.returnTo ? { returnTo: 'confirm' as const } : {}) }, env);
  return ask(def, next, match.spec, env);
}

/** A button of the confirmation card. */
export function press(def: RequestTypeDef, s: DialogSession, action: ActionValue, env: DialogEnv): EngineResult {
  if (action.a !== DIALOG_ACTION || action.t !== cardToken(s) || s.phase !== 'confirm') {
    return {
      session: s,
      out: [text(say(env, 'dialog.card_stale'), reminder(def, s, env))],
    };
  }
  if (action.s === 'submit') return { session: s, out: [], submit: true };
  if (action.s === 'cancel') return cancelled(def, env);
  return { session: s, out: [text(fieldList(def, s, env))] };
}

/** After the caller submitted: the dialog ends. */
export function submitted(s: DialogSession, number: string, env: DialogEnv): EngineResult {
  return { session: null, out: [text(say(env, s.mode === 'resubmit' ? 'dialog.resubmitted' : 'request.submitted', { number }))] };
}

/** The submit was refused (e.g. the event is not in a state that accepts a summary): stay on the confirmation. */
export function submitFailed(def: RequestTypeDef, s: DialogSession, problem: string, env: DialogEnv): EngineResult {
  return { session: s, out: [text(say(env, 'dialog.submit_failed', { problem }), say(env, 'dialog.submit_failed.how', { type: typeName(def, env) }))] };
}
