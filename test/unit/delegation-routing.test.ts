// Task notices follow a delegation like the task's card (src/core/delegation.ts routeNotices):
// reminders, 催办, escalations and recalculated deadlines reach the delegate, worded "（代 刘洋）".
import { describe, expect, it } from 'vitest';
import { activeAt, endOfDay, pendingWithDelegations, renderIntent, routeNotices, routeTasks, TASK_NOTICES, type Delegation } from '../../src/core/delegation.js';
import type { Effect, MessageIntent } from '../../src/core/model.js';
import { sh, shanghaiCalendar } from '../support/core-fixtures.js';

const NOW = sh('2026-10-02 10:00');
const d = (principal: string, delegate: string, mode: Delegation['mode'] = 'delegate_only'): Delegation => ({
  id: `${principal}-${delegate}`,
  principal,
  delegate,
  startsAt: sh('2026-10-01 00:00').toISOString(),
  endsAt: endOfDay(shanghaiCalendar, '2026-10-08').toISOString(),
  mode,
  createdBy: principal,
});
const NAMES: Record<string, string> = { liuyang: '刘洋', zhouqiang: '周强', hanmei: '韩梅' };
const names = (ids: string[]) => ids.map((p) => NAMES[p] ?? p).join('、');
const reminder: MessageIntent = { key: 'reminder.step', params: { number: 'A-0001', title: '国庆车展', step: '部门负责人审批', left: '1 个工作日', due: '2026-10-09 18:00' } };
const notify = (people: string[], message: MessageIntent = reminder, rooms?: string[]): Effect => ({ kind: 'notify', people, message, ...(rooms ? { rooms } : {}) });

describe('task notices while people are away', () => {
  it('delegate_only: the delegate is told instead, marked with the principal; others unchanged', () => {
    const active = activeAt([d('liuyang', 'wangfang')], NOW);
    expect(routeNotices([notify(['liuyang', 'zhouqiang'])], 'liming', active, names)).toEqual([
      notify(['zhouqiang']),
      notify(['wangfang'], { ...reminder, onBehalfOf: '刘洋' }),
    ]);
  });

  it('both: the principal and the delegate; two principals of one delegate: one notice naming both', () => {
    const active = activeAt([d('liuyang', 'wangfang', 'both'), d('hanmei', 'wangfang')], NOW);
    expect(routeNotices([notify(['liuyang', 'hanmei'])], 'liming', active, names)).toEqual([notify(['liuyang']), notify(['wangfang'], { ...reminder, onBehalfOf: '刘洋、韩梅' })]);
  });

  it('never on the delegate\'s own request; a delegate told in their own right is not told twice', () => {
    const active = activeAt([d('liuyang', 'wangfang')], NOW);
    expect(routeNotices([notify(['liuyang'])], 'wangfang', active, names)).toEqual([notify(['liuyang'])]);
    expect(routeNotices([notify(['liuyang', 'wangfang'])], 'liming', active, names)).toEqual([notify(['wangfang'])]);
  });

  it('only task notices move: the applicant\'s own news, 抄送 and comments stay; rooms stay', () => {
    const active = activeAt([d('liming', 'hanmei'), d('liuyang', 'wangfang')], NOW);
    const approved = notify(['liming'], { key: 'request.approved', params: { number: 'A-0001', title: '国庆车展' } });
    expect(routeNotices([approved], 'liming', active, names)).toEqual([approved]);
    const escalation: MessageIntent = { key: 'escalation.notify', params: { applicant: '李明', number: 'A-0001', title: '国庆车展', step: '部门负责人审批', waiting: '刘洋', to: '—' } };
    expect(routeNotices([notify(['liuyang'], escalation, ['east-approvals'])], 'liming', active, names)).toEqual([
      notify([], escalation, ['east-approvals']),
      notify(['wangfang'], { ...escalation, onBehalfOf: '刘洋' }),
    ]);
    for (const key of ['reminder.step', 'reminder.overdue', 'reminder.nudge', 'escalation.notify', 'deadline.recalculated', 'handover.to_you'] as const) expect(TASK_NOTICES.has(key)).toBe(true);
  });

  it('routeTasks moves the cards and the notices together; nothing in force changes nothing', () => {
    const active = activeAt([d('liuyang', 'wangfang')], NOW);
    const effects: Effect[] = [{ kind: 'post_approval_card', stepId: 's', people: ['liuyang'], rooms: ['east-approvals'] }, notify(['liuyang'])];
    expect(routeTasks(effects, 'liming', active, names)).toEqual([
      { kind: 'post_approval_card', stepId: 's', people: ['wangfang'], rooms: ['east-approvals'] },
      notify(['wangfang'], { ...reminder, onBehalfOf: '刘洋' }),
    ]);
    expect(routeTasks(effects, 'liming', activeAt([d('liuyang', 'wangfang')], sh('2026-10-09 00:00')), names)).toEqual(effects);
  });

  it('renders the marker in the reader\'s locale', () => {
    expect(renderIntent('zh-CN', { ...reminder, onBehalfOf: '刘洋' })).toBe('（代 刘洋）催办：申请 A-0001「国庆车展」在「部门负责人审批」等待你审批，剩余 1 个工作日（截止 2026-10-09 18:00）。');
    expect(renderIntent('en', { ...reminder, onBehalfOf: '刘洋' })).toMatch(/^\(for 刘洋\) /);
    expect(renderIntent('zh-CN', reminder)).not.toContain('代');
  });
});

describe('待办 with delegation', () => {
  const task = (id: string, applicantId = 'liming', due: string | null = '2026-10-09 18:00') => ({ id, stepId: 's', applicantId, dueAt: due ? sh(due) : null });
  it('the delegate: own tasks and the principals\' (marked), by deadline; never their own request, a shared step once', () => {
    const active = activeAt([d('liuyang', 'wangfang'), d('hanmei', 'zhouqiang')], NOW);
    const own = [task('mine', 'liming', null), task('shared')];
    const his = [task('a', 'liming', '2026-10-08 12:00'), task('shared'), task('hers', 'wangfang')];
    expect(pendingWithDelegations('wangfang', own, [{ principal: 'liuyang', rows: his }, { principal: 'hanmei', rows: [task('not-mine')] }], active)).toEqual([
      { ...task('a', 'liming', '2026-10-08 12:00'), onBehalfOf: 'liuyang' },
      task('shared'),
      task('mine', 'liming', null),
    ]);
  });
  it('the principal: delegate_only marks who holds the task (not on the delegate\'s own request); both marks nothing', () => {
    expect(pendingWithDelegations('liuyang', [task('a'), task('b', 'wangfang')], [], activeAt([d('liuyang', 'wangfang')], NOW))).toEqual([{ ...task('a'), delegatedTo: 'wangfang' }, task('b', 'wangfang')]);
    expect(pendingWithDelegations('liuyang', [task('a')], [], activeAt([d('liuyang', 'wangfang', 'both')], NOW))).toEqual([task('a')]);
    expect(pendingWithDelegations('liuyang', [task('a')], [], activeAt([d('liuyang', 'wangfang')], sh('2026-10-09 00:00')))).toEqual([task('a')]);
  });
});
