// Text commands (Chinese, with English aliases) and the entry to the dialogs that fill in
// forms through conversation (src/bot/dialog/). Every input gets an answer: a command's
// result, the next question of an open dialog, or a short help — never silence.
//
// In a group the bot only answers when mentioned (the router drops the rest); a form started
// there continues in the person's DM ("已私信你继续填写"), and personal lists go to the DM too.
import type { ActionValue } from '../../cards/model.js';
import { formatDateTime } from '../../cards/format.js';
import type { InboundCardAction, InboundEvent, InboundMessage } from '../channels/inbound.js';
import { awaiting, openStep } from '../core/lifecycle.js';
import { t, tAny, type Locale } from '../core/messages.js';
import type { MessageIntent, RequestState } from '../core/model.js';
import { normalizeInput } from '../core/parse/types.js';
import type { RequestTypeDef } from '../core/request-types.js';
import type { Directory } from '../org/directory.js';
import type { Person, Platform } from '../org/schema.js';
import type { Approvals } from '../services/approvals.js';
import type { Database } from '../store/db.js';
import { requestsWithCard } from '../store/card-messages-repo.js';
import { loadRequestByNumber, pendingFor, requestsOf, timeline, type TimelineEntry } from '../store/requests-repo.js';
import { clip, normaliseNumber } from './dialog/fields.js';
import type { Dialogs, DialogStep } from './dialog/index.js';
import type { Reply } from './dialog/types.js';
import { START_WORDS, startCommand } from './dialog/words.js';

export type { Reply } from './dialog/types.js';

export interface CommandDeps {
  database: Database;
  dir: Directory;
  locale: Locale;
  approvals: Approvals;
  dialogs: Dialogs;
  now: () => Date;
  /**
   * The daily digest of a manager, today (src/scheduler `digestFor`). Without it 日报 says the
   * digest is not available.
   */
  digestFor?: (personId: string) => Promise<string | undefined>;
  /**
   * 催办: remind the approvers still waiting (src/scheduler `nudge`, which checks who may and
   * how often); `ref` is the request id or its number (A-0001). Without it 催办 says it is not
   * available.
   */
  nudge?: (ref: string, personId: string, platform: Platform) => Promise<{ ok: boolean; message: MessageIntent }>;
}

type Command =
  | { kind: 'start'; def: RequestTypeDef; ref?: string }
  | { kind: 'no_workflow'; name: string }
  | { kind: 'unknown_type'; name: string }
  | { kind: 'resubmit'; number: string }
  | { kind: 'pending' }
  | { kind: 'mine' }
  | { kind: 'digest' }
  | { kind: 'help' }
  | { kind: 'status' | 'withdraw' | 'nudge'; number: string; rest?: string }
  | { kind: 'need_number'; example: string };

const NUMBER = String.raw`[A-Za-z]\s*-?\s*\d{1,6}`;
/** Start words of the built-in types, longest first, compiled once. */
const START_PATTERNS = Object.entries(START_WORDS)
  .flatMap(([id, words]) => words.map((word) => ({ id, len: word.length, re: new RegExp(String.raw`^${word}(?:\s*(${NUMBER}))?$`, 'i') })))
  .sort((a, b) => b.len - a.len);
const PENDING = /^(待办|我的待办|待审批|待我审批|pending|todo)$/i;
const MINE = /^(我的申请|我提交的|我的|mine|my requests)$/i;
const DIGEST = /^(日报|每日摘要|今日摘要|摘要|digest)$/i;
const HELP = /^(帮助|help|菜单|menu|功能|\?|？|你好|您好|hi|hello)$/i;
const STATUS = new RegExp(String.raw`^(进度|查询|状态|查看|status|progress)(?:\s*(${NUMBER}))?$`, 'i');
const WITHDRAW = new RegExp(String.raw`^(撤回|撤销|withdraw)(?:\s*(${NUMBER}))?(?:\s+(.*))?$`, 'i');
const NUDGE = new RegExp(String.raw`^(催办|催一下|催|nudge|remind)(?:\s*(${NUMBER}))?$`, 'i');
const RESUBMIT = new RegExp(String.raw`^(重新提交|修改|resubmit|edit)\s*(${NUMBER})$`, 'i');
const RESUBMIT_BARE = /^(重新提交|resubmit)$/i;
const GENERIC = /^(申请|发起|新建|apply|new)\s*(.+)$/i;
/** Dialog words typed when no dialog is open. */
const DIALOG_WORDS = /^(取消|确认|确定|提交|返回|跳过|保留|修改|cancel|confirm|submit|back|skip|keep)$/i;

const fold = (s: string) => normalizeInput(s).toLowerCase().replace(/\s+/g, ' ').replace(/[。！!]+$/, '').trim();

export function createCommands(deps: CommandDeps) {
  const { dir, locale, dialogs } = deps;
  const en = locale === 'en';
  const db = deps.database.db;
  const msg = (m: MessageIntent) => t(locale, m.key, m.params);
  const typeName = (def: RequestTypeDef | undefined, fallback: string) => (def ? (en ? def.nameEn : def.name) : fallback);
  const statusText = (s: { status: string }, step?: string) => `${tAny(locale, `status.${s.status}`)}${step ? ` · ${step}` : ''}`;
  const fmt = (d: Date | string) => formatDateTime(d, dir.timezone);

  // ---- parsing

  function parse(raw: string): Command | undefined {
    const s = fold(raw);
    if (!s) return undefined;
    if (HELP.test(s)) return { kind: 'help' };
    if (PENDING.test(s)) return { kind: 'pending' };
    if (MINE.test(s)) return { kind: 'mine' };
    if (DIGEST.test(s)) return { kind: 'digest' };
    const resubmit = RESUBMIT.exec(s);
    if (resubmit) return { kind: 'resubmit', number: normaliseNumber(resubmit[2]!)! };
    if (RESUBMIT_BARE.test(s)) return { kind: 'need_number', example: en ? 'resubmit A-0001' : '重新提交 A-0001' };
    for (const [re, kind, example] of [
      [STATUS, 'status', en ? 'status A-0001' : '进度 A-0001'],
      [WITHDRAW, 'withdraw', en ? 'withdraw A-0001' : '撤回 A-0001'],
      [NUDGE, 'nudge', en ? 'nudge A-0001' : '催办 A-0001'],
    ] as const) {
      const m = re.exec(s);
      if (!m) continue;
      if (!m[2]) return m[3] ? undefined : { kind: 'need_number', example };
      return { kind, number: normaliseNumber(m[2])!, ...(m[3] ? { rest: m[3] } : {}) };
    }
    for (const { re, id } of START_PATTERNS) {
      const m = re.exec(s);
      if (!m) continue;
      const def = dir.requestType(id);
      if (!def || !dir.workflowFor(id)) return { kind: 'no_workflow', name: typeName(def, id) };
      return { kind: 'start', def, ...(m[1] ? { ref: m[1] } : {}) };
    }
    const generic = GENERIC.exec(s);
    if (generic) {
      const name = fold(generic[2]!).replace(/^[「“"]|[」”"]$/g, '');
      const def = dir.submittableTypes().find((d) => [d.id, d.name, d.nameEn].some((n) => fold(n) === name));
      return def ? { kind: 'start', def } : { kind: 'unknown_type', name: generic[2]! };
    }
    return undefined;
  }

  // ---- texts

  function helpText(): string {
    const types = dir.submittableTypes().map((d) => {
      const refHint = d.fields.some((f) => f.kind === 'requestRef') ? (en ? ' [no.]' : ' [编号]') : '';
      return en ? `· ${startCommand(d, locale)}${refHint} — fill in a ${d.nameEn}` : `· ${startCommand(d, locale)}${refHint} — 填写${d.name}`;
    });
    return en
      ? [
          'I am the Qianpi bot. Fill in and follow requests right here:',
          ...types,
          '· pending — requests waiting for you, with their cards',
          '· mine — your requests',
          '· status A-0001 — status, who is waiting, latest steps',
          '· withdraw A-0001 — withdraw a pending request',
          '· resubmit A-0001 — edit and resubmit a request sent back to you',
          '· nudge A-0001 — remind the approvers',
          '· digest — the daily digest (managers)',
          'While filling in: back, skip, edit <field>, cancel. In a group, @ me; forms continue in a DM.',
        ].join('\n')
      : [
          '我是签批助手，可以直接在聊天里填写和跟进申请：',
          ...types,
          '· 待办 — 待我审批的申请（附审批卡片）',
          '· 我的申请 — 我提交的申请',
          '· 进度 A-0001 — 审批状态、等待谁、最近动态',
          '· 撤回 A-0001 — 撤回审批中的申请',
          '· 重新提交 A-0001 — 修改被退回的申请后重新提交',
          '· 催办 A-0001 — 提醒审批人',
          '· 日报 — 每日摘要（管理者）',
          '填写时可回复：返回、跳过、修改 字段名、取消。在群里请 @我，填写会转到私信进行。',
        ].join('\n');
  }

  const shortHelp = (said: string): Reply => ({
    text: `${en ? `Sorry, I did not understand "${clip(said, 20)}".` : `没看懂「${clip(said, 20)}」。`}${t(locale, 'bot.help')}`,
  });

  // ---- commands that do not open a dialog

  function involved(s: RequestState, personId: string): boolean {
    if (s.applicantId === personId) return true;
    if (s.steps.some((st) => st.approvers.includes(personId) || st.decisions.some((d) => d.personId === personId))) return true;
    if (dir.managedDepartments(personId).includes(s.deptId)) return true;
    const wf = dir.workflowFor(s.type);
    if (!wf) return false;
    if (wf.rooms.some((r) => dir.rooms.get(r)?.members.includes(personId))) return true;
    return dir.resolveApprovers(wf.cc, s.applicantId).includes(personId);
  }

  /**
   * The list, and the approval cards in the DM. A card already in this DM (approvers get one
   * when a step opens) is tracked and kept current in place — there is one copy per chat — so
   * only the missing ones are sent, and the list says where the others are.
   */
  async function pending(e: InboundEvent, person: Person): Promise<Reply[]> {
    const rows = await pendingFor(db, person.id);
    if (!rows.length) return [{ text: en ? 'Nothing is waiting for you.' : '没有待你审批的申请。' }];
    const target = dir.platformIdOf(person.id, e.platform) ?? e.senderId;
    const shown = rows.slice(0, 10);
    const carded = await requestsWithCard(db, shown.map((r) => r.id), { cardKind: 'approval', platform: e.platform, targetType: 'user', targetId: target });
    const inDm = shown.map((r) => carded.has(r.id));
    const lines = shown.map((r, i) => {
      const due = r.dueAt ? `｜${en ? 'due' : '截止'} ${fmt(r.dueAt)}${r.dueAt.getTime() < deps.now().getTime() ? (en ? ' (overdue)' : '（已超时）') : ''}` : '';
      return `${i + 1}. ${r.number}｜${typeName(dir.requestType(r.type), r.type)}｜${r.title}｜${r.stepName}${due}`;
    });
    const send = shown.filter((_, i) => !inDm[i]).slice(0, 5);
    const already = inDm.filter(Boolean).length;
    const parts: string[] = [];
    if (send.length) parts.push(en ? `${send.length} approval card(s) follow below` : `下面发来 ${send.length} 张审批卡片`);
    if (already) parts.push(en ? `${already} card(s) are already in this chat, always up to date` : `${already} 张审批卡片已在本私信中（随进度自动更新）`);
    const rest = rows.length - send.length - already;
    if (rest > 0) parts.push(en ? `"status <no.>" shows the other ${rest}` : `其余 ${rest} 项可回复「进度 编号」查看`);
    const tail = `${parts.join(en ? '; ' : '；')}${en ? '.' : '，可直接点按钮处理。'}`;
    const head = en ? `Waiting for you (${rows.length}):` : `待你审批（${rows.length}）：`;
    return [{ text: [head, ...lines, tail].join('\n') }, ...send.map((r): Reply => ({ approvalCard: r.id }))];
  }

  async function mine(person: Person): Promise<Reply[]> {
    const rows = await requestsOf(db, person.id, 10);
    if (!rows.length) return [{ text: en ? 'You have no requests yet.' : '你还没有提交过申请。' }];
    const lines = rows.map((r) => `${r.number}｜${typeName(dir.requestType(r.type), r.type)}｜${r.title}｜${tAny(locale, `status.${r.status}`)}`);
    const tail = en ? 'Reply "status <no.>" for details.' : '回复「进度 编号」查看详情。';
    return [{ text: [en ? 'Your latest requests:' : '你最近的申请：', ...lines, tail].join('\n') }];
  }

  function describeEntry(e: TimelineEntry): string | undefined {
    const who = e.actorId ? dir.personName(e.actorId) : en ? 'System' : '系统';
    const d = e.detail;
    const name = typeof d.name === 'string' ? d.name : '';
    const reason = typeof d.reason === 'string' ? d.reason : '';
    const zh: Record<string, string> = {
      submitted: `${who} 提交了申请`,
      resubmitted: `${who} 修改后重新提交`,
      step_opened: `进入「${name}」`,
      step_skipped: `跳过「${name}」`,
      approved_step: `${who} 同意（${name}）`,
      consult_acknowledged: `${who} 确认已沟通`,
      rejected: `${who} 驳回：${reason}`,
      returned: `${who} 退回修改：${reason}`,
      withdrawn: `${who} 撤回了申请`,
      approved: '审批通过',
      commented: `${who} 评论：${typeof d.text === 'string' ? clip(d.text, 40) : ''}`,
      transferred: `${who} 转交给 ${typeof d.to === 'string' ? dir.personName(d.to) : ''}`,
      signer_added: `${who} 加签`,
      fast_track: '符合框架标准，快速审批',
      within_framework: '符合框架标准',
      over_budget: '超出已批预算',
      nudged: `${who} 催办`,
    };
    const english: Record<string, string> = {
      submitted: `${who} submitted`,
      resubmitted: `${who} resubmitted`,
      step_opened: `"${name}" opened`,
      step_skipped: `"${name}" skipped`,
      approved_step: `${who} approved (${name})`,
      consult_acknowledged: `${who} acknowledged`,
      rejected: `${who} rejected: ${reason}`,
      returned: `${who} sent it back: ${reason}`,
      withdrawn: `${who} withdrew it`,
      approved: 'Approved',
      commented: `${who} commented`,
      transferred: `${who} transferred it`,
      signer_added: `${who} added a signer`,
      fast_track: 'Fast-tracked (framework standard)',
      within_framework: 'Within the framework standard',
      over_budget: 'Over the approved budget',
      nudged: `${who} nudged`,
    };
    if (e.action.startsWith('lifecycle.')) return tAny(locale, e.action);
    return (en ? english : zh)[e.action];
  }

  const noSuchRequest = (number: string): Reply[] => [{ text: en ? `There is no request ${number}.` : `找不到申请 ${number}，请检查编号（例如 A-0001）。` }];

  async function status(person: Person, number: string): Promise<Reply[]> {
    const s = await loadRequestByNumber(db, number);
    if (!s) return noSuchRequest(number);
    if (!involved(s, person.id)) return [{ text: msg({ key: 'refuse.not_involved', params: {} }) }];
    const def = dir.requestType(s.type);
    const step = openStep(s);
    const lines = [`${s.number}「${s.title}」（${typeName(def, s.type)}）`, `${en ? 'Status' : '状态'}：${statusText(s, step?.name)}`];
    if (step) {
      const waiting = awaiting(s).map((p) => dir.personName(p)).join('、') || '—';
      const due = step.dueAt ? `，${en ? 'due' : '截止'} ${fmt(step.dueAt)}${Date.parse(step.dueAt) < deps.now().getTime() ? (en ? ' (overdue)' : '（已超时）') : ''}` : '';
      lines.push(`${en ? 'Waiting for' : '等待'}：${waiting}${due}`);
    }
    const dept = dir.departments.get(s.deptId)?.name ?? s.deptId;
    lines.push(`${en ? 'Applicant' : '申请人'}：${dir.personName(s.applicantId)}（${dept}）· ${en ? 'submitted' : '提交于'} ${fmt(s.createdAt)}`);
    const entries = (await timeline(db, s.id))
      .map((e) => ({ at: e.at, text: describeEntry(e) }))
      .filter((e): e is { at: Date; text: string } => !!e.text)
      .slice(-5);
    if (entries.length) lines.push(en ? 'Latest:' : '最近动态：', ...entries.map((e) => `· ${fmt(e.at).slice(5)} ${e.text}`));
    if (s.status === 'returned' && s.applicantId === person.id) lines.push(en ? `Reply "resubmit ${s.number}" to edit and resubmit it.` : `回复「重新提交 ${s.number}」修改后重新提交。`);
    return [{ text: lines.join('\n') }];
  }

  async function withdraw(e: InboundEvent, person: Person, number: string, reason?: string): Promise<Reply[]> {
    const s = await loadRequestByNumber(db, number);
    if (!s) return noSuchRequest(number);
    const r = await deps.approvals.act(s.id, { type: 'withdraw', ...(reason ? { reason } : {}) }, { personId: person.id, platform: e.platform }, `${e.platform}:${e.eventId}`);
    if (!r.ok) return [{ text: msg(r.message) }];
    return [{ text: en ? `Request ${s.number} withdrawn.` : `已撤回申请 ${s.number}「${s.title}」。` }];
  }

  async function nudge(e: InboundEvent, person: Person, number: string): Promise<Reply[]> {
    if (!deps.nudge) return [{ text: en ? 'Reminders are not available.' : '催办功能未开通。' }];
    // The scheduler looks the request up by number, under its lock; the rule lives in the core.
    const r = await deps.nudge(number, person.id, e.platform);
    if (!r.ok && r.message.key === 'refuse.unknown_request') return noSuchRequest(number);
    return [{ text: msg(r.message) }];
  }

  async function digest(person: Person): Promise<Reply[]> {
    const manager = dir.managers().includes(person.id);
    if (!manager) return [{ text: en ? 'The daily digest is for department leads and managers.' : '每日摘要只提供给部门负责人和管理者。' }];
    if (!deps.digestFor) return [{ text: en ? 'The daily digest is not available.' : '每日摘要功能未开通。' }];
    const text = await deps.digestFor(person.id);
    return [{ text: text ?? (en ? 'Nothing needs your attention today.' : '今天没有需要你关注的事项。') }];
  }

  /** A command that does not open a dialog. */
  async function run(cmd: Command, e: InboundEvent, person: Person): Promise<Reply[]> {
    switch (cmd.kind) {
      case 'help':
        return [{ text: helpText() }];
      case 'pending':
        return pending(e, person);
      case 'mine':
        return mine(person);
      case 'digest':
        return digest(person);
      case 'status':
        return status(person, cmd.number);
      case 'withdraw':
        return withdraw(e, person, cmd.number, cmd.rest);
      case 'nudge':
        return nudge(e, person, cmd.number);
      case 'need_number':
        return [{ text: en ? `Please add the request number, e.g. ${cmd.example}` : `请带上申请编号，例如：${cmd.example}` }];
      case 'no_workflow':
        return [{ text: msg({ key: 'refuse.no_workflow', params: { type: cmd.name } }) }];
      case 'unknown_type': {
        const names = dir.submittableTypes().map((d) => (en ? d.nameEn : d.name)).join(en ? ', ' : '、');
        return [{ text: en ? `There is no request type "${cmd.name}". You can apply for: ${names}.` : `没有「${cmd.name}」这种申请。可以申请：${names}。` }];
      }
      case 'start':
      case 'resubmit':
        return [];
    }
  }

  /**
   * Adjacent texts for the same place become one message, and a text just before a card rides
   * with it: delivery jobs run concurrently, and one job keeps its parts in order.
   */
  function compact(replies: Reply[], group: boolean): Reply[] {
    const place = (r: Reply) => (!group || ('dm' in r && r.dm) ? 'dm' : 'chat');
    const out: Reply[] = [];
    for (const r of replies) {
      const prev = out.at(-1);
      if (prev && 'text' in prev) {
        if ('text' in r && place(r) === place(prev)) {
          out[out.length - 1] = { ...prev, text: `${prev.text}\n\n${r.text}` };
          continue;
        }
        if ('card' in r && !r.lead && place(prev) === 'dm') {
          out[out.length - 1] = { card: r.card, lead: prev.text };
          continue;
        }
      }
      out.push(r);
    }
    return out;
  }

  const opens = (cmd: Command | undefined): cmd is Extract<Command, { kind: 'start' | 'resubmit' }> => cmd?.kind === 'start' || cmd?.kind === 'resubmit';
  const toDm = (replies: Reply[]): Reply[] => replies.map((r) => ('text' in r || 'key' in r ? { ...r, dm: true } : r));
  const PERSONAL = new Set<Command['kind']>(['pending', 'mine', 'status', 'digest']);

  async function open(cmd: Extract<Command, { kind: 'start' | 'resubmit' }>, e: InboundEvent, person: Person, lead: string[]): Promise<DialogStep> {
    return cmd.kind === 'start' ? dialogs.begin(e, person, cmd.def, { ...(cmd.ref ? { ref: cmd.ref } : {}), lead }) : prepend(lead, await dialogs.resume(e, person, cmd.number));
  }

  const prepend = (lead: string[], step: DialogStep): DialogStep => (lead.length ? { ...step, replies: [{ text: lead.join('\n'), dm: true }, ...step.replies] } : step);

  /** In a group (mentioned): forms and personal answers go to the DM; the group is told so. */
  async function inGroup(e: InboundMessage, person: Person, cmd: Command | undefined, said: string): Promise<Reply[]> {
    if (!cmd) return [shortHelp(said)];
    if (opens(cmd)) {
      return dialogs.transact(e, person, async ({ active, expired }) => {
        if (active) {
          return { replies: [{ text: en ? 'You have an unfinished form; I sent you a DM.' : '你还有一份未完成的表单，已私信你。' }, dialogs.busy(active, e, person)] };
        }
        const step = await open(cmd, e, person, expired ? [dialogs.expired(expired, false)] : []);
        if (!step.session) return { session: null, replies: step.replies.map((r) => ('dm' in r ? { ...r, dm: false } : r)) };
        const name = cmd.kind === 'start' ? typeName(cmd.def, cmd.def.id) : cmd.number;
        const note = en ? `I sent you a DM to continue the ${name} there.` : `已私信你继续填写「${name}」。`;
        return { session: step.session, replies: [{ text: note }, ...step.replies] };
      });
    }
    const replies = await run(cmd, e, person);
    if (!PERSONAL.has(cmd.kind)) return replies;
    return [{ text: en ? 'I sent you the answer in a DM.' : '已私信你。' }, ...toDm(replies)];
  }

  return {
    async handle(e: InboundMessage, person: Person): Promise<Reply[]> {
      const said = e.text.trim();
      const cmd = parse(said);
      if (e.chat.type === 'group') return compact(await inGroup(e, person, cmd, said), true);
      const replies = await dialogs.transact(e, person, async ({ active, expired }): Promise<DialogStep> => {
        if (active) {
          if (opens(cmd)) return { replies: [dialogs.busy(active, e, person)] };
          // Other commands are answered and the dialog goes on; 帮助 is the dialog's own help.
          if (cmd && cmd.kind !== 'help') return { replies: [...(await run(cmd, e, person)), { text: dialogs.reminder(active, e, person), dm: true }] };
          return dialogs.answer(active, e, person, said);
        }
        const notice = expired ? [dialogs.expired(expired, !cmd)] : [];
        if (opens(cmd)) return open(cmd, e, person, notice);
        if (cmd) return { replies: [...notice.map((text): Reply => ({ text })), ...(await run(cmd, e, person))] };
        if (notice.length) return { replies: notice.map((text): Reply => ({ text })) };
        if (DIALOG_WORDS.test(fold(said))) {
          return { replies: [{ text: en ? 'No form is open right now. Send "apply" to start one, or "help".' : '现在没有正在填写的表单。发送「申请活动」开始填写，或发送「帮助」查看全部命令。' }] };
        }
        return { replies: [shortHelp(said)] };
      });
      return compact(replies, false);
    },

    /** A button of a dialog's confirmation card. */
    async press(e: InboundCardAction, person: Person): Promise<Reply[]> {
      const action: ActionValue = e.action;
      const replies = await dialogs.transact(e, person, async ({ active, expired }) => {
        if (!active && expired) return { replies: [{ text: dialogs.expired(expired, true), dm: true }] };
        return dialogs.press(active, e, person, action);
      });
      return compact(replies, false);
    },
  };
}

export type Commands = ReturnType<typeof createCommands>;
