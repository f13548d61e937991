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
import { t } from '../../core/messages.js';
import { normalizeInput } from '../../core/parse/types.js';
import type { FieldSpec, RequestTypeDef } from '../../core/request-types.js';
import { cardToken, confirmationCard, confirmationText, DIALOG_ACTION } from './card.js';
import { clip, displayValue, findField, label, parseAnswer, question } from './fields.js';
import type { DialogEnv, DialogOut, DialogSession, EngineResult } from './types.js';
import type { ActionValue } from '../../../cards/model.js';
import type { Platform } from '../../org/schema.js';

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

/**
 * Platforms whose cards show every field (and buttons). WeCom template cards show at most six
 * short fields, so the confirmation comes with the full list as text too.
 */
const CARD_SHOWS_ALL: Record<Platform, boolean> = { local: true, feishu: true, dingtalk: true, wecom: false };

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
  return def.fields.find((f) => !s.visited.includes(f.key));
}

function fieldOf(def: RequestTypeDef, s: DialogSession): FieldSpec | undefined {
  return def.fields.find((f) => f.key === s.field);
}

const text = (...parts: Array<string | undefined | false>): DialogOut => ({ text: parts.filter((p): p is string => !!p).join('\n') });

/** Ask `spec` next. */
function ask(def: RequestTypeDef, s: DialogSession, spec: FieldSpec, env: DialogEnv, lead: string[] = []): EngineResult {
  const session: DialogSession = { ...s, phase: 'ask', field: spec.key };
  return { session, out: [text(...lead, lead.length ? '' : undefined, question(def, spec, session, env))] };
}

/** Everything is filled in: show the confirmation card. */
function confirm(def: RequestTypeDef, s: DialogSession, env: DialogEnv, lead: string[] = []): EngineResult {
  const en = env.locale === 'en';
  const { field: _field, returnTo: _returnTo, ...rest } = s;
  const session: DialogSession = { ...rest, phase: 'confirm' };
  const how = en
    ? `Please check everything below. Press "${session.mode === 'resubmit' ? 'Resubmit' : 'Submit'}" or reply "confirm" to submit; "edit <field>" to change something; "cancel" to drop it.`
    : `请核对以下内容：点「${session.mode === 'resubmit' ? '重新提交' : '提交'}」或回复「确认」提交；回复「修改 字段名」修改；回复「取消」放弃。`;
  const card = { card: confirmationCard(def, session, env) };
  if (CARD_SHOWS_ALL[env.platform]) return { session, out: [text(...lead, how), card] };
  const short = en ? 'Please check. Reply "confirm" to submit, "edit <field>", or "cancel".' : '请核对：回复「确认」提交，「修改 字段名」修改，「取消」放弃。';
  return { session, out: [text(...lead.map((l) => clip(l, 120)), short, confirmationText(def, session, env)), card] };
}

/**
 * Go on after a field was answered, skipped or kept. Normally the next question is the first
 * field not answered yet. After 返回 the person walks forward again one field at a time (each
 * shown with its value, 保留 keeps it) until they are back where they left off.
 */
function advance(def: RequestTypeDef, s: DialogSession, env: DialogEnv, lead: string[], from?: FieldSpec, filled: string[] = []): EngineResult {
  if (s.rewind && from && s.returnTo !== 'confirm') {
    const after = def.fields.slice(def.fields.indexOf(from) + 1).find((f) => !filled.includes(f.key));
    if (after) {
      const { rewind: _rewind, ...rest } = s;
      return ask(def, s.visited.includes(after.key) ? s : rest, after, env, lead);
    }
  }
  const { rewind: _rewind, ...rest } = s;
  const next = nextField(def, rest);
  return next ? ask(def, rest, next, env, lead) : confirm(def, rest, env, lead);
}

export function typeName(def: RequestTypeDef, env: DialogEnv): string {
  return env.locale === 'en' ? def.nameEn : def.name;
}

/** Start a dialog. With every field already visited (a resubmission) it opens on the confirmation. */
export function begin(def: RequestTypeDef, env: DialogEnv, opts: BeginOptions = {}): EngineResult {
  const en = env.locale === 'en';
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
  const intro =
    opts.intro ??
    (en
      ? `Let's fill in the ${def.nameEn} (${def.fields.length} fields, ${required} required). Any time: "back" for the previous field, "skip" for an optional one, "edit <field>", "cancel".`
      : `开始填写「${def.name}」，共 ${def.fields.length} 项（${required} 项必填）。随时可回复：返回（上一项）、跳过（选填项）、修改 字段名、取消。`);
  return advance(def, session, env, [intro]);
}

function fieldList(def: RequestTypeDef, s: DialogSession, env: DialogEnv): string {
  const en = env.locale === 'en';
  const lines = def.fields.map((f, i) => `${i + 1}. ${label(f, en)}${en ? ': ' : '：'}${clip(displayValue(f, s.values[f.key], env.timezone, en), 24)}`);
  return [en ? 'Which field? Reply "edit <name>" or "edit <number>":' : '要修改哪一项？回复「修改 字段名」或「修改 编号」：', ...lines].join('\n');
}

function cancelled(def: RequestTypeDef, env: DialogEnv): EngineResult {
  const en = env.locale === 'en';
  return { session: null, out: [text(en ? `Cancelled: the ${def.nameEn} was not submitted.` : `已取消「${def.name}」的填写，内容没有提交。`)] };
}

function help(def: RequestTypeDef, s: DialogSession, env: DialogEnv): EngineResult {
  const en = env.locale === 'en';
  const lines = en
    ? [
        `You are filling in the ${def.nameEn}. Reply with the answer to the question, or:`,
        'back — the previous field · skip — leave an optional field out · keep — keep the current value',
        'edit <field> — change a field (e.g. edit Expected headcount) · confirm — submit (at the end) · cancel — drop it',
      ]
    : [
        `你正在填写「${def.name}」。直接回复问题的答案，或回复：`,
        '返回 — 回到上一项 · 跳过 — 不填选填项 · 保留 — 保持当前内容',
        '修改 字段名 — 修改某一项（例如 修改 预计人数） · 确认 — 最后提交 · 取消 — 放弃',
      ];
  const spec = fieldOf(def, s);
  if (s.phase === 'ask' && spec) return ask(def, s, spec, env, lines);
  return { session: s, out: [text(...lines)] };
}

/** The question being asked, in one line, for a reminder after a command that interrupted. */
export function reminder(def: RequestTypeDef, s: DialogSession, env: DialogEnv): string {
  const en = env.locale === 'en';
  const spec = fieldOf(def, s);
  if (s.phase === 'ask' && spec && s.pending?.field === spec.key) {
    return t(env.locale, 'dialog.check.reminder', { type: en ? def.nameEn : def.name, field: label(spec, en) });
  }
  if (s.phase === 'ask' && spec) {
    return en ? `(You are filling in the ${def.nameEn}: please enter ${label(spec, en)}, or reply "cancel".)` : `（你正在填写「${def.name}」，请继续填写「${spec.label}」，或回复「取消」放弃。）`;
  }
  return en ? `(Your ${def.nameEn} is waiting for confirmation: reply "confirm" or "cancel".)` : `（你的「${def.name}」待确认：回复「确认」提交，或回复「取消」放弃。）`;
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
    if (!target) return ask(def, s, current ?? def.fields[0]!, env, [en ? 'This is the first field.' : '已经是第一项了。']);
    return ask(def, touch({ ...s, back, rewind: true }, env), target, env);
  }

  if (s.phase === 'confirm') {
    if (CONFIRM.test(said)) return { session: s, out: [], submit: true };
    return {
      session: s,
      out: [
        text(
          en
            ? 'Reply "confirm" to submit, "edit <field>" to change a field (e.g. edit Expected headcount), or "cancel".'
            : '请回复「确认」提交，「修改 字段名」修改某一项（例如 修改 预计人数），或「取消」放弃。',
        ),
      ],
    };
  }

  const spec = fieldOf(def, s) ?? nextField(def, s);
  if (!spec) return confirm(def, touch(s, env), env);
  const name = label(spec, en);

  if (SKIP.test(said) || (!spec.required && NONE.test(said))) {
    if (spec.required) return ask(def, s, spec, env, [en ? `${name} is required and cannot be skipped.` : `「${spec.label}」是必填项，不能跳过。`]);
    const values = { ...s.values };
    delete values[spec.key];
    const next = touch({ ...s, values, visited: [...new Set([...s.visited, spec.key])], back: [...s.back, spec.key] }, env);
    return advance(def, next, env, [en ? `Skipped ${name}.` : `已跳过「${spec.label}」。`], spec);
  }

  if (KEEP.test(said) && s.values[spec.key] !== undefined) {
    const next = touch({ ...s, visited: [...new Set([...s.visited, spec.key])], back: [...s.back, spec.key] }, env);
    return advance(def, next, env, [en ? `Kept ${name}.` : `「${spec.label}」保持不变。`], spec);
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
  if (!match) return { session: s, out: [text(en ? `There is no field "${arg}".` : `没有找到「${arg}」这一项。`, list)] };
  if ('ambiguous' in match) {
    const names = match.ambiguous.map((f) => label(f, en)).join(en ? ', ' : '、');
    return { session: s, out: [text(en ? `"${arg}" matches several fields: ${names}. Please use the full name.` : `「${arg}」对应多项：${names}，请写完整的名称。`)] };
  }
  const { rewind: _rewind, ...rest } = s;
  const next = touch({ ...rest, ...(s.phase === 'confirm' || s.returnTo ? { returnTo: 'confirm' as const } : {}) }, env);
  return ask(def, next, match.spec, env);
}

/** A button of the confirmation card. */
export function press(def: RequestTypeDef, s: DialogSession, action: ActionValue, env: DialogEnv): EngineResult {
  const en = env.locale === 'en';
  if (action.a !== DIALOG_ACTION || action.t !== cardToken(s) || s.phase !== 'confirm') {
    return {
      session: s,
      out: [text(en ? 'This confirmation card is out of date; please use the latest one.' : '这张确认卡片已过期，请以最新的确认卡片为准。', reminder(def, s, env))],
    };
  }
  if (action.s === 'submit') return { session: s, out: [], submit: true };
  if (action.s === 'cancel') return cancelled(def, env);
  return { session: s, out: [text(fieldList(def, s, env))] };
}

/** After the caller submitted: the dialog ends. */
export function submitted(s: DialogSession, number: string, env: DialogEnv): EngineResult {
  const en = env.locale === 'en';
  const line =
    s.mode === 'resubmit'
      ? en
        ? `Request ${number} resubmitted and awaiting approval.`
        : `已重新提交申请 ${number}，等待审批。`
      : en
        ? `Request ${number} submitted and awaiting approval.`
        : `已提交申请 ${number}，等待审批。`;
  return { session: null, out: [text(line)] };
}

/** The submit was refused (e.g. the event is not in a state that accepts a summary): stay on the confirmation. */
export function submitFailed(def: RequestTypeDef, s: DialogSession, problem: string, env: DialogEnv): EngineResult {
  const en = env.locale === 'en';
  return {
    session: s,
    out: [
      text(
        en ? `Not submitted: ${problem}` : `提交没有成功：${problem}`,
        en ? 'Reply "edit <field>" to correct it and then "confirm", or "cancel".' : `请回复「修改 字段名」更正后再回复「确认」，或回复「取消」放弃「${def.name}」。`,
      ),
    ],
  };
}
