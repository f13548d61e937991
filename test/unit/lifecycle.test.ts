import { t } from '../../src/core/messages.js';
import { describe, expect, it } from 'vitest';
import { act } from '../../src/core/lifecycle.js';
import type { Action, RequestState } from '../../src/core/model.js';
import { submitOk, ctxFor, eventPayload, exampleDir, must, orgWith, submitted } from '../support/core-fixtures.js';

const dir = exampleDir();
const tryAct = (s: RequestState, action: Action, who: string, d = dir) => act(s, action, { personId: who, platform: 'feishu' }, ctxFor(d, s.type));
const stepOf = (s: RequestState) => s.steps[s.current!]!;

describe('submission and routing', () => {
  it('fast-tracks a regular event inside the framework standard (HQ marketing skipped)', () => {
    const s = submitted(dir);
    expect(s.status).toBe('pending');
    expect(s.steps.map((x) => [x.id, x.status])).toEqual([
      ['dept-lead', 'active'],
      ['hq-marketing', 'skipped'],
    ]);
    expect(stepOf(s).approvers).toEqual(['liuyang']);
  });

  it('sends an event over the framework standard through HQ marketing', () => {
    const s = submitted(dir, 'liming', eventPayload({ budget: [{ item: '场地', amount: 40000 }] }));
    expect(s.steps.map((x) => x.status)).toEqual(['active', 'waiting']);
  });

  it('adds the company leader for large budgets and pre-consultation for irregular events', () => {
    const big = submitted(dir, 'liming', eventPayload({ budget: [{ item: '展台', amount: 80000 }] }));
    expect(big.steps.map((x) => x.id)).toEqual(['dept-lead', 'hq-marketing', 'leader']);
    const irregular = submitted(dir, 'liming', eventPayload({ category: 'irregular', eventType: '车友节' }));
    expect(irregular.status).toBe('consulting');
    expect(irregular.steps.map((x) => x.id)).toEqual(['consult', 'dept-lead', 'hq-marketing', 'leader-irregular']);
    expect(stepOf(irregular).approvers).toEqual(['zhaolei', 'sunli']);
  });

  it('starts the formal chain only after HQ marketing acknowledges the consultation', () => {
    const s = submitted(dir, 'liming', eventPayload({ category: 'irregular', eventType: '车友节' }));
    const t = must(dir, s, { type: 'approve', stepId: 'consult' }, 'sunli');
    expect(t.state.status).toBe('pending');
    expect(stepOf(t.state).id).toBe('dept-lead');
    expect(t.audit.map((a) => a.action)).toContain('consult_acknowledged');
  });

  it('auto-approves when the policy says so', () => {
    const d = orgWith([{ requestType: 'event', fastTrack: { when: [{ fact: 'withinFramework', eq: true }], action: 'auto-approve' }, steps: [{ id: 'a', name: '审批', approvers: ['dept_lead'] }] }]);
    const s = submitted(d);
    expect(s.status).toBe('approved');
  });

  it('skips a step whose only approver is the applicant', () => {
    const d = orgWith([{ requestType: 'event', steps: [{ id: 'self', name: '自审', approvers: ['person:liming'] }, { id: 'lead', name: '部门', approvers: ['dept_lead'] }] }]);
    const s = submitted(d);
    expect(s.steps[0]).toMatchObject({ status: 'skipped', note: 'self' });
    expect(stepOf(s).id).toBe('lead');
  });

  it('posts the approval card to the approvers and the workflow rooms', () => {
    const t = submitOk(ctxFor(dir), { id: '00000000-0000-4000-a000-999999999999', number: 'A-9', type: 'event', title: 'x', applicantId: 'liming', payload: eventPayload() }, 'local');
    expect(t.effects).toContainEqual({ kind: 'post_approval_card', stepId: 'dept-lead', people: ['liuyang'], rooms: ['east-approvals'] });
    expect(t.audit.map((a) => a.action)).toEqual(['submitted', 'within_framework', 'step_skipped', 'fast_track', 'step_opened']);
  });
});

describe('actions', () => {
  it('approve: the or-sign step closes on the first approval and the request completes', () => {
    const s = submitted(dir);
    const t = must(dir, s, { type: 'approve', stepId: 'dept-lead', comment: '同意' }, 'liuyang');
    expect(t.state.status).toBe('approved');
    expect(t.decisions).toHaveLength(1);
    expect(t.effects.map((e) => e.kind)).toEqual(expect.arrayContaining(['refresh_cards', 'notify']));
    expect(t.state.version).toBe(s.version + 1);
  });

  it('refuses a non-approver, a second decision, a stale step and unknown people', () => {
    const s = submitted(dir);
    expect(tryAct(s, { type: 'approve', stepId: 'dept-lead' }, 'hanmei')).toMatchObject({ ok: false, code: 'not_approver' });
    expect(tryAct(s, { type: 'approve', stepId: 'dept-lead' }, 'nobody')).toMatchObject({ ok: false, code: 'unknown_person' });
    const after = must(dir, s, { type: 'approve', stepId: 'dept-lead' }, 'liuyang').state;
    expect(tryAct(after, { type: 'approve', stepId: 'dept-lead' }, 'liuyang')).toMatchObject({ ok: false, code: 'already_decided' });
    const big = submitted(dir, 'liming', eventPayload({ budget: [{ item: '场地', amount: 40000 }] }));
    expect(tryAct(big, { type: 'approve', stepId: 'hq-marketing' }, 'zhaolei')).toMatchObject({ ok: false, code: 'step_closed' });
  });

  it('or-sign: a second approver tapping after the first is told it is decided', () => {
    const d = orgWith([{ requestType: 'event', steps: [{ id: 'hq', name: '总部', approvers: ['role:hq_marketing'], mode: 'any' }, { id: 'fin', name: '财务', approvers: ['role:finance'] }] }]);
    const s = submitted(d);
    const t = must(d, s, { type: 'approve', stepId: 'hq' }, 'zhaolei');
    expect(stepOf(t.state).id).toBe('fin');
    expect(tryAct(t.state, { type: 'approve', stepId: 'hq' }, 'sunli', d)).toMatchObject({ ok: false, code: 'step_closed' });
  });

  it('countersign: needs every approver; any rejection ends it', () => {
    const d = orgWith([{ requestType: 'event', steps: [{ id: 'hq', name: '总部会签', approvers: ['role:hq_marketing'], mode: 'all' }] }]);
    const s = submitted(d);
    const one = must(d, s, { type: 'approve', stepId: 'hq' }, 'zhaolei');
    expect(one.state.status).toBe('pending');
    expect(one.feedback.key).toBe('feedback.approved_waiting_others');
    expect(must(d, one.state, { type: 'approve', stepId: 'hq' }, 'sunli').state.status).toBe('approved');
    const rej = must(d, one.state, { type: 'reject', stepId: 'hq', reason: '预算不清' }, 'sunli');
    expect(rej.state.status).toBe('rejected');
  });

  it('reject and send back need a reason', () => {
    const s = submitted(dir);
    expect(tryAct(s, { type: 'reject', stepId: 'dept-lead', reason: '  ' }, 'liuyang')).toMatchObject({ ok: false, code: 'reason_required' });
    expect(tryAct(s, { type: 'return', stepId: 'dept-lead', reason: '' }, 'liuyang')).toMatchObject({ ok: false, code: 'reason_required' });
    const r = must(dir, s, { type: 'reject', stepId: 'dept-lead', reason: '时间冲突' }, 'liuyang');
    expect(r.state.status).toBe('rejected');
    expect(r.effects).toContainEqual(expect.objectContaining({ kind: 'notify', people: ['liming'], message: expect.objectContaining({ key: 'request.rejected' }) }));
  });

  it('send back → resubmit restarts the chain at the configured step in a new round', () => {
    const s = submitted(dir, 'liming', eventPayload({ budget: [{ item: '场地', amount: 40000 }] }));
    const passed = must(dir, s, { type: 'approve', stepId: 'dept-lead' }, 'liuyang').state;
    const back = must(dir, passed, { type: 'return', stepId: 'hq-marketing', reason: '补充流程' }, 'zhaolei').state;
    expect(back.status).toBe('returned');
    expect(tryAct(back, { type: 'resubmit', payload: eventPayload() }, 'hanmei')).toMatchObject({ ok: false, code: 'not_applicant' });
    const again = must(dir, back, { type: 'resubmit', payload: eventPayload({ budget: [{ item: '场地', amount: 35000 }] }) }, 'liming').state;
    expect(again.round).toBe(2);
    expect(again.status).toBe('pending');
    expect(stepOf(again).id).toBe('dept-lead');
    expect(stepOf(again).decisions).toEqual([]);
  });

  it('a restart step later in the chain skips the earlier steps of the new round', () => {
    const d = orgWith([{ requestType: 'event', restartAt: 'hq', steps: [{ id: 'lead', name: '部门', approvers: ['dept_lead'] }, { id: 'hq', name: '总部', approvers: ['role:hq_marketing'] }] }]);
    const s = submitted(d);
    const passed = must(d, s, { type: 'approve', stepId: 'lead' }, 'liuyang').state;
    const back = must(d, passed, { type: 'return', stepId: 'hq', reason: '补充' }, 'zhaolei').state;
    const t = must(d, back, { type: 'resubmit', payload: eventPayload() }, 'liming');
    expect(t.state.steps.map((x) => [x.id, x.status, x.note])).toEqual([
      ['lead', 'skipped', 'restart'],
      ['hq', 'active', undefined],
    ]);
    expect(t.effects).toContainEqual({ kind: 'post_approval_card', stepId: 'hq', people: ['zhaolei', 'sunli'], rooms: [] });
    expect(t.audit.filter((a) => a.action === 'step_opened').map((a) => a.stepId)).toEqual(['hq']);
  });

  it('transfer hands the step to another person, who may then approve', () => {
    const s = submitted(dir);
    expect(tryAct(s, { type: 'transfer', stepId: 'dept-lead', to: 'ghost' }, 'liuyang')).toMatchObject({ ok: false, code: 'invalid' });
    const t = must(dir, s, { type: 'transfer', stepId: 'dept-lead', to: 'zhouqiang' }, 'liuyang');
    expect(stepOf(t.state).approvers).toEqual(['zhouqiang']);
    expect(t.effects).toContainEqual({ kind: 'post_approval_card', stepId: 'dept-lead', people: ['zhouqiang'], rooms: [] });
    expect(tryAct(t.state, { type: 'approve', stepId: 'dept-lead' }, 'liuyang')).toMatchObject({ ok: false, code: 'not_approver' });
    expect(must(dir, t.state, { type: 'approve', stepId: 'dept-lead' }, 'zhouqiang').state.status).toBe('approved');
  });

  it('add signer before: the signer decides first, then the step reopens', () => {
    const s = submitted(dir);
    const t = must(dir, s, { type: 'add_signer', stepId: 'dept-lead', signers: ['wangfang'], position: 'before' }, 'liuyang');
    expect(stepOf(t.state)).toMatchObject({ id: 'signer-1', approvers: ['wangfang'] });
    const signed = must(dir, t.state, { type: 'approve', stepId: 'signer-1' }, 'wangfang').state;
    expect(stepOf(signed).id).toBe('dept-lead');
    expect(must(dir, signed, { type: 'approve', stepId: 'dept-lead' }, 'liuyang').state.status).toBe('approved');
  });

  it('add signer after: the request waits for the signer after the step', () => {
    const s = submitted(dir);
    const t = must(dir, s, { type: 'add_signer', stepId: 'dept-lead', signers: ['wangfang'], position: 'after' }, 'liuyang');
    const a = must(dir, t.state, { type: 'approve', stepId: 'dept-lead' }, 'liuyang').state;
    expect(a.status).toBe('pending');
    expect(stepOf(a).id).toBe('signer-1');
  });

  it('withdraw: only the applicant, only while open', () => {
    const s = submitted(dir);
    expect(tryAct(s, { type: 'withdraw' }, 'liuyang')).toMatchObject({ ok: false, code: 'not_applicant' });
    const w = must(dir, s, { type: 'withdraw' }, 'liming').state;
    expect(w.status).toBe('withdrawn');
    expect(tryAct(w, { type: 'approve', stepId: 'dept-lead' }, 'liuyang')).toMatchObject({ ok: false, code: 'step_closed' });
    expect(tryAct(w, { type: 'withdraw' }, 'liming')).toMatchObject({ ok: false, code: 'wrong_state', message: { key: 'refuse.withdraw_ended' } });
  });

  it('withdraw after approval says why not and what to do instead', () => {
    const approved = must(dir, submitted(dir), { type: 'approve', stepId: 'dept-lead' }, 'liuyang').state;
    expect(approved.status).toBe('approved');
    const r = tryAct(approved, { type: 'withdraw' }, 'liming');
    expect(r).toMatchObject({ ok: false, code: 'wrong_state', message: { key: 'refuse.withdraw_approved', params: { number: approved.number, who: '刘洋' } } });
    expect(!r.ok && t('zh-CN', r.message.key, r.message.params)).toContain('请在申请详情里评论告知 刘洋');
  });

  it('comment: by people involved, notifies the others', () => {
    const s = submitted(dir);
    expect(tryAct(s, { type: 'comment', text: '看看' }, 'chenjie')).toMatchObject({ ok: false, code: 'not_approver' });
    const c = must(dir, s, { type: 'comment', text: '预算再细化一下' }, 'liuyang');
    expect(c.effects).toContainEqual(expect.objectContaining({ kind: 'notify', people: ['liming'] }));
    expect(c.audit[0]).toMatchObject({ action: 'commented', actorId: 'liuyang', platform: 'local' });
  });

  it('CC on completion goes to finance', () => {
    const s = submitted(dir);
    const t = must(dir, s, { type: 'approve', stepId: 'dept-lead' }, 'liuyang');
    expect(t.effects).toContainEqual(expect.objectContaining({ kind: 'notify', people: ['wangfang'], message: expect.objectContaining({ key: 'request.cc_complete' }) }));
  });
});
