// The pure rules of delegation (src/core/delegation.ts) and hand-over (src/core/handover.ts).
import { describe, expect, it } from 'vitest';
import { act } from '../../src/core/lifecycle.js';
import { activeAt, actingSlot, checkNew, endAfterWorkingDays, endOfDay, readPeriod, routeCards, type Delegation } from '../../src/core/delegation.js';
import { handOver, handToTarget, heldAsLead } from '../../src/core/handover.js';
import type { RequestState } from '../../src/core/model.js';
import { ctxFor, exampleDir, orgWith, sh, shanghaiCalendar, submitted } from '../support/core-fixtures.js';

const dir = exampleDir();
const NOW = sh('2026-10-02 10:00');
const d = (principal: string, delegate: string, from: string, until: string, mode: Delegation['mode'] = 'delegate_only'): Delegation => ({
  id: `${principal}-${delegate}-${from}`,
  principal,
  delegate,
  startsAt: sh(`${from} 00:00`).toISOString(),
  endsAt: endOfDay(shanghaiCalendar, until).toISOString(),
  mode,
  createdBy: principal,
});

describe('delegation rules', () => {
  it('refuses a delegation to oneself, an empty period, an overlap of one principal and a two-way pair', () => {
    const existing = [d('liuyang', 'wangfang', '2026-09-30', '2026-10-08')];
    expect(checkNew(d('liuyang', 'liuyang', '2026-10-10', '2026-10-11'), existing)).toEqual({ code: 'self' });
    expect(checkNew({ ...d('liuyang', 'zhouqiang', '2026-10-10', '2026-10-11'), endsAt: sh('2026-10-10 00:00').toISOString() }, existing)).toEqual({ code: 'empty_period' });
    expect(checkNew(d('liuyang', 'zhouqiang', '2026-10-08', '2026-10-12'), existing)).toMatchObject({ code: 'overlap' });
    expect(checkNew(d('wangfang', 'liuyang', '2026-10-02', '2026-10-03'), existing)).toMatchObject({ code: 'cycle' });
    // After the first one ends, both are fine; a chain A→B, B→C is allowed (it is cut when acting).
    expect(checkNew(d('liuyang', 'zhouqiang', '2026-10-09', '2026-10-12'), existing)).toBeUndefined();
    expect(checkNew(d('wangfang', 'liuyang', '2026-10-09', '2026-10-10'), existing)).toBeUndefined();
    expect(checkNew(d('wangfang', 'zhouqiang', '2026-10-02', '2026-10-03'), existing)).toBeUndefined();
    // A cancelled one is no obstacle.
    expect(checkNew(d('liuyang', 'zhouqiang', '2026-10-02', '2026-10-03'), [{ ...existing[0]!, cancelledAt: NOW.toISOString() }])).toBeUndefined();
  });

  it('is in force from its start to the end of its last day (Shanghai), across the National Day holiday', () => {
    const x = d('liuyang', 'wangfang', '2026-09-30', '2026-10-08');
    expect(x.endsAt).toBe('2026-10-08T16:00:00.000Z');
    expect(activeAt([x], sh('2026-09-29 23:59')).size).toBe(0);
    expect(activeAt([x], sh('2026-10-08 23:59')).get('liuyang')?.delegate).toBe('wangfang');
    expect(activeAt([x], sh('2026-10-09 00:00')).size).toBe(0);
  });

  it('counts working days with the calendar: holidays skipped, the 调休 Saturday counted', () => {
    const from = sh('2026-09-30 10:00');
    // 09-30, then 10-01..07 off, 10-08 and 10-09: the third working day ends at midnight after 10-09.
    expect(endAfterWorkingDays(shanghaiCalendar, from, 3)).toEqual(sh('2026-10-10 00:00'));
    // 10-10 (a Saturday) is a make-up working day, 10-11 is not.
    expect(endAfterWorkingDays(shanghaiCalendar, from, 4)).toEqual(sh('2026-10-11 00:00'));
    expect(endAfterWorkingDays(shanghaiCalendar, from, 5)).toEqual(sh('2026-10-13 00:00'));
    // Starting on a holiday, today does not count.
    expect(endAfterWorkingDays(shanghaiCalendar, sh('2026-10-03 10:00'), 1)).toEqual(sh('2026-10-09 00:00'));
  });

  it('reads a period as typed', () => {
    const ctx = { now: sh('2026-12-05 10:00'), timezone: 'Asia/Shanghai', calendar: shanghaiCalendar };
    expect(readPeriod('12月10日至12月20日', ctx)).toEqual({ ok: true, startsAt: sh('2026-12-10 00:00'), endsAt: sh('2026-12-21 00:00') });
    expect(readPeriod('到 12月20日', ctx)).toEqual({ ok: true, startsAt: ctx.now, endsAt: sh('2026-12-21 00:00') });
    expect(readPeriod('until 12月20日', ctx)).toEqual({ ok: true, startsAt: ctx.now, endsAt: sh('2026-12-21 00:00') });
    // 12-05 is a Saturday: the working days are Mon 12-07, Tue 12-08, Wed 12-09.
    expect(readPeriod('3个工作日', ctx)).toEqual({ ok: true, startsAt: ctx.now, endsAt: sh('2026-12-10 00:00') });
    expect(readPeriod('2 working days', ctx)).toMatchObject({ ok: true, endsAt: sh('2026-12-09 00:00') });
    expect(readPeriod('下辈子', ctx)).toEqual({ ok: false, text: '下辈子' });
  });

  const step = (approvers: string[], decided: string[] = []) => ({
    id: 's', name: 'S', kind: 'approval' as const, mode: 'any' as const, approvers, status: 'active' as const,
    decisions: decided.map((p) => ({ personId: p, decision: 'approve' as const, at: NOW.toISOString(), platform: 'local' as const })),
  });

  it('lets the delegate fill the principal\'s slot, never transitively and never on their own request', () => {
    const active = activeAt([d('liuyang', 'wangfang', '2026-09-30', '2026-10-08'), d('wangfang', 'zhouqiang', '2026-09-30', '2026-10-08')], NOW);
    expect(actingSlot(step(['liuyang']), 'wangfang', 'liming', active)).toEqual({ ok: true, slot: 'liuyang', delegate: 'wangfang' });
    // Chains are cut: zhouqiang acts for wangfang, not for liuyang.
    expect(actingSlot(step(['liuyang']), 'zhouqiang', 'liming', active)).toBeUndefined();
    // delegate_only: the principal hands the pen over…
    expect(actingSlot(step(['liuyang']), 'liuyang', 'liming', active)).toMatchObject({ ok: false, delegatedTo: { delegate: 'wangfang' } });
    // …except on the delegate's own request, which stays with the principal.
    expect(actingSlot(step(['liuyang']), 'wangfang', 'wangfang', active)).toBeUndefined();
    expect(actingSlot(step(['liuyang']), 'liuyang', 'wangfang', active)).toEqual({ ok: true, slot: 'liuyang' });
    // both: either may act.
    const both = activeAt([d('liuyang', 'wangfang', '2026-09-30', '2026-10-08', 'both')], NOW);
    expect(actingSlot(step(['liuyang']), 'liuyang', 'liming', both)).toEqual({ ok: true, slot: 'liuyang' });
    expect(routeCards([{ kind: 'post_approval_card', stepId: 's', people: ['liuyang', 'zhouqiang'], rooms: ['r'] }], 'liming', both)).toEqual([
      { kind: 'post_approval_card', stepId: 's', people: ['liuyang', 'wangfang', 'zhouqiang'], rooms: ['r'] },
    ]);
    expect(routeCards([{ kind: 'post_approval_card', stepId: 's', people: ['liuyang'], rooms: [] }], 'liming', active)[0]).toMatchObject({ people: ['wangfang'] });
    expect(routeCards([{ kind: 'post_approval_card', stepId: 's', people: ['liuyang'], rooms: [] }], 'wangfang', active)[0]).toMatchObject({ people: ['liuyang'] });
  });

  it('records a delegate\'s approval as the principal\'s decision, with who took it, once', () => {
    const s = submitted(dir);
    const delegations = activeAt([d('liuyang', 'wangfang', '2026-09-30', '2026-12-31')], NOW);
    const ctx = { ...ctxFor(dir, 'event', NOW), delegations };
    const t = act(s, { type: 'approve', stepId: 'dept-lead' }, { personId: 'wangfang', platform: 'local' }, ctx);
    expect(t.ok).toBe(true);
    if (!t.ok) return;
    expect(t.decisions).toEqual([expect.objectContaining({ personId: 'liuyang', delegateId: 'wangfang', stepId: 'dept-lead' })]);
    expect(t.audit.find((a) => a.action === 'approved_step')).toMatchObject({ actorId: 'wangfang', detail: { onBehalfOf: 'liuyang' } });
    expect(t.state.status).toBe('approved');
    const again = act(t.state, { type: 'approve', stepId: 'dept-lead' }, { personId: 'wangfang', platform: 'local' }, ctx);
    expect(again).toMatchObject({ ok: false, code: 'already_decided' });
    const byPrincipal = act(s, { type: 'approve', stepId: 'dept-lead' }, { personId: 'liuyang', platform: 'local' }, ctx);
    expect(byPrincipal).toMatchObject({ ok: false, code: 'not_approver', message: { key: 'delegation.refuse_delegated_away', params: { who: '王芳' } } });
    // Without the delegation in force, the delegate is a bystander again.
    expect(act(s, { type: 'approve', stepId: 'dept-lead' }, { personId: 'wangfang', platform: 'local' }, ctxFor(dir, 'event', NOW))).toMatchObject({ ok: false, code: 'not_approver' });
  });
});

describe('hand-over rules', () => {
  const wfDir = orgWith([
    { requestType: 'event', rooms: ['east-approvals'], steps: [
      { id: 'lead', name: '部门负责人审批', approvers: ['dept_lead'] },
      { id: 'joint', name: '会签', approvers: ['dept_lead', 'role:finance'], mode: 'all' },
      { id: 'named', name: '指定审批', approvers: ['person:liuyang'] },
    ] },
  ]);
  const input = { from: 'liuyang', to: 'zhouqiang', reason: 'left' as const, by: null, platform: 'system' as const };

  it('moves every undecided slot of X on active and waiting steps to Y, audited, Y told for the active one', () => {
    const s = submitted(wfDir);
    const t = handOver(s, input, ctxFor(wfDir));
    expect(t.ok).toBe(true);
    if (!t.ok) return;
    expect(t.state.steps.map((x) => x.approvers)).toEqual([['zhouqiang'], ['zhouqiang', 'wangfang'], ['zhouqiang']]);
    expect(t.audit.map((a) => [a.action, a.stepId, a.platform, a.detail.reason])).toEqual([
      ['task_handed_over', 'lead', 'system', 'left'],
      ['task_handed_over', 'joint', 'system', 'left'],
      ['task_handed_over', 'named', 'system', 'left'],
    ]);
    expect(t.effects.filter((e) => e.kind === 'post_approval_card')).toEqual([{ kind: 'post_approval_card', stepId: 'lead', people: ['zhouqiang'], rooms: [] }]);
    expect(t.effects.filter((e) => e.kind === 'notify').map((e) => e.kind === 'notify' && e.people)).toEqual([['zhouqiang']]);
    expect(t.effects.at(-1)).toEqual({ kind: 'refresh_cards' });
    // Nothing left to move: refused, so a repeat writes nothing.
    expect(handOver(t.state, input, ctxFor(wfDir)).ok).toBe(false);
  });

  it('only drops X where Y already approves, and completes an all-mode step that then has every approval', () => {
    let s: RequestState = submitted(wfDir);
    s = { ...s, steps: s.steps.map((x) => (x.id === 'lead' ? { ...x, status: 'approved' as const } : x.id === 'joint' ? { ...x, status: 'active' as const, decisions: [{ personId: 'wangfang', decision: 'approve' as const, at: NOW.toISOString(), platform: 'local' as const }] } : x)), current: 1 };
    const t = handOver(s, { ...input, to: 'wangfang' }, ctxFor(wfDir));
    expect(t.ok).toBe(true);
    if (!t.ok) return;
    expect(t.state.steps[1]).toMatchObject({ approvers: ['wangfang'], status: 'approved' });
    expect(t.state.steps[2]).toMatchObject({ approvers: ['wangfang'], status: 'active' });
    expect(t.state.current).toBe(2);
  });

  it('follows the self-approval rule: a task handed to the applicant goes to their lead', () => {
    const s = submitted(wfDir, 'liming');
    const t = handOver(s, { ...input, to: 'liming' }, ctxFor(wfDir));
    expect(t.ok && t.state.steps[0]!.approvers).toEqual(['zhouqiang']);
    expect(t.ok && t.audit[0]!.detail).toMatchObject({ to: 'zhouqiang', asked: 'liming', selfApproval: true });
  });

  it('picks the leaver\'s target up the tree, then the role admin; a mover keeps what names them', () => {
    const parentOf = (x: string) => wfDir.departments.get(x)?.parent;
    expect(handToTarget(wfDir, 'dept_lead', 'liuyang', 'east-marketing', parentOf)).toBe('zhouqiang');
    expect(handToTarget(wfDir, 'person:wangfang', 'liuyang', 'east-marketing', parentOf)).toBe('wangfang');
    expect(handToTarget(wfDir, 'role:hq_marketing', 'liuyang', 'east-marketing', parentOf)).toBe('zhaolei');
    expect(handToTarget(wfDir, 'dept_lead', 'chenjie', 'hq', parentOf)).toBe('wangfang'); // no lead above hq: the role admin
    const wf = wfDir.workflowFor('event')!;
    const s = submitted(wfDir);
    expect(s.steps.map((x) => heldAsLead(wfDir, wf, x, 'liuyang'))).toEqual([true, true, false]);
    expect(heldAsLead(wfDir, wf, s.steps[1]!, 'wangfang')).toBe(false);
  });
});

