// The command registry: which command a typed text is, the help generated from the registry,
// a line in the timeline for every action of the core, who may follow a request, and when a
// message is for the bot.
import { describe, expect, it } from 'vitest';
import { commandContext } from '../../src/bot/commands/context.js';
import { matchCommand } from '../../src/bot/commands/registry.js';
import { describeEntry } from '../../src/bot/commands/timeline.js';
import type { CommandDeps } from '../../src/bot/commands/types.js';
import { addressedToBot } from '../../src/channels/inbound.js';
import { involved, participates } from '../../src/core/followers.js';
import type { Locale } from '../../src/core/messages.js';
import { exampleDir, submitted } from '../support/core-fixtures.js';

const dir = exampleDir();
const ctxOf = (locale: Locale) => commandContext({ dir, locale, now: () => new Date('2026-11-23T02:00:00Z') } as unknown as CommandDeps);
const zh = ctxOf('zh-CN');

/** A matched text, as one string: the command, or the dialog it opens. */
function what(text: string): string {
  const m = matchCommand(text, zh);
  if (!m) return '—';
  if (!('open' in m)) return m.personal ? `${m.command} (DM)` : m.command;
  return m.open.kind === 'start' ? `start ${m.open.def.id}${m.open.ref ? ` ${m.open.ref}` : ''}` : `resubmit ${m.open.number}`;
}

describe('the command registry', () => {
  it('matches each command by its words, in either language, with its number', () => {
    const cases: Array<[string, string]> = [
      ['帮助', 'help'],
      ['？', 'help'],
      ['Help!', 'help'],
      ['待办', 'pending (DM)'],
      ['my  requests', 'mine (DM)'],
      ['日报。', 'digest (DM)'],
      ['进度 a-1', 'status (DM)'],
      ['进度', 'need_number'],
      ['撤回 A-0001 不办了', 'withdraw'],
      ['撤回 不办了', '—'],
      ['催', 'need_number'],
      ['nudge A12', 'nudge'],
      ['重新提交', 'need_number'],
      ['修改', '—'],
      ['修改 A-1', 'resubmit A-0001'],
      ['edit a12', 'resubmit A-0012'],
      ['申请活动', 'start event'],
      ['提交总结 A-2', 'start summary a-2'],
      ['content review', 'start content_review'],
      ['申请 「内容审核」', 'start content_review'],
      ['申请 年会', 'unknown_type'],
      ['今天天气不错', '—'],
      ['委托 王芳 12月10日至12月20日', 'delegate (DM)'],
      ['委托王芳 到 12月20日', 'delegate (DM)'],
      ['delegate wangfang 3 working days', 'delegate (DM)'],
      ['取消委托', 'delegate_cancel (DM)'],
      ['Cancel delegation', 'delegate_cancel (DM)'],
      ['移交 刘洋 给 王芳', 'handover'],
      ['hand over liuyang to wangfang', 'handover'],
    ];
    expect(cases.map(([text]) => [text, what(text)])).toEqual(cases);
  });

  it('generates 帮助 and the short help from the registry, in both locales', () => {
    const help = zh.helpText().split('\n');
    expect(help).toContain('· 提交总结 [编号] — 填写活动总结');
    expect(help).toContain('· 进度 A-0001 — 审批状态、等待谁、最近动态');
    expect(zh.shortHelp()).toBe('你好，我是签批助手。可用命令：申请活动、提交总结、评分、报销、内容审核、待办、我的申请、进度 <编号>、撤回 <编号>、重新提交 <编号>、催办 <编号>、日报、委托、移交、帮助。');
    const en = ctxOf('en');
    expect(en.helpText().split('\n')).toContain('· nudge A-0001 — remind the approvers');
    expect(en.shortHelp()).toContain('status <no.>, withdraw <no.>');
    // Names and items join with the core's one list separator (list.separator) in each locale.
    expect([zh.list(['李明', '王芳']), en.list(['Li Ming', 'Wang Fang'])]).toEqual(['李明、王芳', 'Li Ming, Wang Fang']);
  });

  it('has a timeline line for every action of the core, and none for the machinery', () => {
    const core = [
      'submitted', 'resubmitted', 'step_opened', 'step_skipped', 'approved_step', 'consult_acknowledged', 'rejected', 'returned', 'withdrawn',
      'approved', 'commented', 'transferred', 'signer_added', 'fast_track', 'within_framework', 'over_budget', 'nudged', 'escalated',
      'auto_transferred', 'auto_approved', 'deadline_recalculated', 'lifecycle.event_ended', 'lifecycle.expired',
      'step_auto_approved', 'approver_assigned', 'task_handed_over', 'leaver_request_notice',
    ];
    const entry = (action: string) => ({ at: new Date(), actorId: 'liuyang', platform: 'local', action, stepId: null, detail: { name: '部门负责人审批', to: ['zhaolei'] } });
    for (const locale of ['zh-CN', 'en'] as const) {
      const missing = core.filter((a) => !describeEntry(ctxOf(locale), entry(a)));
      expect(missing).toEqual([]);
    }
    expect(describeEntry(zh, entry('approved_step'))).toBe('刘洋 同意（部门负责人审批）');
    expect(describeEntry(zh, entry('auto_transferred'))).toBe('超时转交给 赵磊');
    // A delegate's decision, and a hand-over, in the reader's words.
    expect(describeEntry(zh, { ...entry('approved_step'), actorId: 'wangfang', detail: { name: '部门负责人审批', onBehalfOf: 'liuyang' } })).toBe('王芳（代 刘洋） 同意（部门负责人审批）');
    expect(describeEntry(ctxOf('en'), { ...entry('task_handed_over'), actorId: null, detail: { from: 'liuyang', to: 'zhouqiang', reason: 'left' } })).toBe('task handed over from 刘洋 to 周强 (left the company)');
    // Empty steps and same approvers (审批人为空 / 去重), said without internal names.
    expect(describeEntry(zh, { ...entry('step_auto_approved'), actorId: null, detail: { name: '部门负责人', reason: 'same_approver' } })).toBe('「部门负责人」自动通过：审批人已在前序步骤同意');
    expect(describeEntry(zh, { ...entry('step_auto_approved'), actorId: null, detail: { name: '部门负责人', reason: 'no_approver' } })).toBe('「部门负责人」自动通过：审批人为空');
    expect(describeEntry(zh, { ...entry('approver_assigned'), actorId: null, detail: { name: '部门负责人', approvers: ['chenjie'] } })).toBe('「部门负责人」审批人为空，已转交 陈杰');
    expect(describeEntry(zh, { ...entry('leaver_request_notice'), actorId: null, detail: { person: 'liming', to: 'liuyang' } })).toBe('申请人已离职，已告知 刘洋');
    expect(['reminder_sent', 'delivery_failed', 'card_update_fallback', 'inbound_failed', 'card_resent'].map((a) => describeEntry(zh, entry(a)))).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('who follows a request', () => {
  const s = submitted(dir);
  it('participants (may comment) are the applicant and the approvers; followers (may read it) also the rooms and the copied', () => {
    expect(['liming', 'liuyang', 'hanmei', 'wangfang'].map((p) => participates(s, p))).toEqual([true, true, false, false]);
    expect(['liming', 'liuyang', 'hanmei', 'wangfang', 'someone-else'].map((p) => involved(s, p, dir))).toEqual([true, true, true, true, false]);
  });
});

describe('a message for the bot', () => {
  it('is every message of a DM, and in a group one that mentions it', () => {
    expect([addressedToBot('dm', false), addressedToBot('group', true), addressedToBot('group', false)]).toEqual([true, true, false]);
  });
});
