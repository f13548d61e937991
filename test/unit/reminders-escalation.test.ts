// Escalation at the deadline, in the pure core: advance(state, 'deadline_passed') tells the
// target and applies the workflow's policy (notify, transfer, approve, reject).
import { describe, expect, it } from 'vitest';
import { advance, type CoreContext } from '../../src/core/lifecycle.js';
import type { RequestState, TransitionOk } from '../../src/core/model.js';
import type { Directory } from '../../src/org/directory.js';
import { submitOk, eventPayload, orgWith, sh, shanghaiCalendar } from '../support/core-fixtures.js';

const calendar = shanghaiCalendar;
const OPENED = sh('2026-11-23 10:00');
const LATE = sh('2026-11-30 10:00'); // 5 working days later

function setup(escalation?: Record<string, unknown>, steps?: unknown[]) {
  const dir = orgWith([
    {
      requestType: 'event',
      rooms: ['east-approvals'],
      ...(escalation ? { escalation } : {}),
      steps: steps ?? [
        { id: 'dept-lead', name: '部门负责人审批', approvers: ['dept_lead'], due: '5wd' },
        { id: 'finance', name: '财务审核', approvers: ['role:finance'], due: '5wd' },
      ],
    },
  ]);
  const ctx = (now: Date): CoreContext => ({ dir, wf: dir.workflowFor('event')!, now, dueAt: (spec, from) => calendar.dueAt(spec, from) });
  const s = submitOk(ctx(OPENED), { id: '00000000-0000-4000-a000-0000000000e1', number: 'A-0009', type: 'event', title: '冬季车主答谢会', applicantId: 'liming', payload: eventPayload() }, 'local').state;
  return { dir, ctx, s };
}

const must = (t: ReturnType<typeof advance>): TransitionOk => {
  if (!t.ok) throw new Error(`refused: ${t.message.key}`);
  return t;
};
const notified = (t: TransitionOk) => t.effects.filter((e) => e.kind === 'notify').map((e) => (e.kind === 'notify' ? [e.people, e.message.key] : []));

describe('escalation at the deadline', () => {
  it('is refused before the deadline, and for a request no longer open', () => {
    const { s, ctx } = setup();
    expect(advance(s, 'deadline_passed', ctx(sh('2026-11-30 09:59')))).toMatchObject({ ok: false, message: { key: 'refuse.not_due' } });
    const rejected: RequestState = { ...s, status: 'rejected', current: null };
    expect(advance(rejected, 'deadline_passed', ctx(LATE))).toMatchObject({ ok: false, code: 'wrong_state' });
  });

  it('notify (the default): the applicant’s parent department lead is told; nothing else changes', () => {
    const { s, ctx } = setup();
    const t = must(advance(s, 'deadline_passed', ctx(LATE)));
    // liming is in east-marketing (lead liuyang); its parent east-branch is led by zhouqiang.
    expect(notified(t)).toEqual([[['zhouqiang'], 'escalation.notify']]);
    expect(t.state.status).toBe('pending');
    expect(t.state.steps[0]).toMatchObject({ status: 'active', approvers: ['liuyang'] });
    expect(t.audit).toEqual([
      { action: 'escalated', actorId: null, platform: 'system', stepId: 'dept-lead', detail: { name: '部门负责人审批', dueAt: s.steps[0]!.dueAt, policy: 'notify', to: ['zhouqiang'], waiting: ['liuyang'] } },
    ]);
    expect(t.state.version).toBe(s.version + 1);
  });

  it('transfer: the step goes to the target, who gets the card', () => {
    const { s, ctx } = setup({ policy: 'transfer' });
    const t = must(advance(s, 'deadline_passed', ctx(LATE)));
    expect(t.state.steps[0]).toMatchObject({ status: 'active', approvers: ['zhouqiang'] });
    expect(t.effects).toContainEqual({ kind: 'post_approval_card', stepId: 'dept-lead', people: ['zhouqiang'], rooms: [] });
    expect(notified(t)).toEqual([[['zhouqiang'], 'escalation.transfer']]);
    expect(t.audit.map((a) => a.action)).toEqual(['escalated', 'auto_transferred']);
    expect(t.audit[1]).toMatchObject({ platform: 'system', detail: { from: ['liuyang'], to: ['zhouqiang'] } });
  });

  it('transfer to someone already deciding falls back to a notification', () => {
    const { s, ctx } = setup({ policy: 'transfer', to: ['dept_lead'] });
    const t = must(advance(s, 'deadline_passed', ctx(LATE)));
    expect(t.state.steps[0]!.approvers).toEqual(['liuyang']);
    expect(t.audit[0]!.detail).toMatchObject({ policy: 'notify' });
  });

  it('approve: the step is approved by rule and the next one opens with its own deadline', () => {
    const { s, ctx } = setup({ policy: 'approve' });
    const t = must(advance(s, 'deadline_passed', ctx(LATE)));
    expect(t.state.steps.map((x) => [x.id, x.status, x.note ?? null])).toEqual([
      ['dept-lead', 'approved', 'auto_approved'],
      ['finance', 'active', null],
    ]);
    expect(t.state.steps[1]!.dueAt).toBe(calendar.dueAt('5wd', LATE).toISOString());
    expect(t.effects.map((e) => e.kind)).toEqual(expect.arrayContaining(['step_closed', 'step_opened', 'post_approval_card', 'refresh_cards']));
    expect(notified(t)).toEqual([
      [['zhouqiang'], 'escalation.approve'],
      [['liming'], 'request.auto_approved_step'],
    ]);
    expect(t.audit.map((a) => a.action)).toEqual(['escalated', 'auto_approved', 'step_opened']);
    expect(t.decisions).toEqual([]); // nobody decided: the audit log says the system did
  });

  it('approve on the last step approves the request', () => {
    const { s, ctx } = setup({ policy: 'approve' }, [{ id: 'dept-lead', name: '部门负责人审批', approvers: ['dept_lead'], due: '5wd' }]);
    const t = must(advance(s, 'deadline_passed', ctx(LATE)));
    expect(t.state.status).toBe('approved');
    expect(notified(t).map((n) => n[1])).toEqual(['escalation.approve', 'request.approved']);
  });

  it('reject: 超时自动驳回, the applicant is told why', () => {
    const { s, ctx } = setup({ policy: 'reject' });
    const t = must(advance(s, 'deadline_passed', ctx(LATE)));
    expect(t.state.status).toBe('rejected');
    expect(t.state.current).toBeNull();
    expect(t.state.steps.map((x) => x.status)).toEqual(['rejected', 'cancelled']);
    expect(t.audit[1]).toMatchObject({ action: 'rejected', actorId: null, platform: 'system', detail: { reason: '超时自动驳回', auto: true } });
    expect(notified(t)).toEqual([
      [['zhouqiang'], 'escalation.reject'],
      [['liming'], 'request.auto_rejected'],
    ]);
    const msg = t.effects.find((e) => e.kind === 'notify' && e.people[0] === 'liming');
    expect(msg).toMatchObject({ message: { params: { reason: '超时自动驳回', step: '部门负责人审批' } } });
  });

  it('a target nobody resolves to is recorded, and nobody is messaged', () => {
    const { s, ctx } = setup({ policy: 'notify', to: ['role:finance'] });
    const dir: Directory = ctx(LATE).dir;
    expect(dir.roleMembers('finance')).toEqual(['wangfang']);
    const t = must(advance({ ...s, applicantId: 'wangfang' }, 'deadline_passed', ctx(LATE)));
    expect(t.audit[0]!.detail).toMatchObject({ to: [] });
    expect(notified(t)).toEqual([]);
  });
});
