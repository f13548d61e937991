// Deadlines on real Postgres and Redis, with a warped clock (10 fake minutes per real second):
// reminders, escalation (each policy), nights and holidays, the post-event chain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestState } from '../../src/core/model.js';
import { uniqueName } from '../support/env.js';
import { eventPayload, ok } from '../support/core-fixtures.js';
import { messages, openStack, orgFrom, sh, sleep, waitFor, warp, type Node, type Stack } from './scheduler-harness.js';

let stack: Stack;
beforeAll(async () => {
  stack = await openStack();
});
afterAll(() => stack?.close());

const FAST = { before: ['50%'], overdueEvery: '10m', maxOverdue: 2 };
const steps = (n: 1 | 2) =>
  [
    { id: 'dept-lead', name: '部门负责人审批', approvers: ['dept_lead'], due: '30m' },
    { id: 'finance', name: '财务审核', approvers: ['role:finance'], due: '30m' },
  ].slice(0, n);
const eventWorkflow = (escalation: Record<string, unknown> | undefined, n: 1 | 2 = 1) => ({ requestType: 'event', rooms: ['east-approvals'], reminders: FAST, ...(escalation ? { escalation } : {}), steps: steps(n) });

async function nodeFor(wf: Record<string, unknown>, start = sh('2026-11-23 10:00'), organisation: Record<string, unknown> = {}): Promise<Node> {
  const node = stack.node(orgFrom({ workflows: [wf], organisation }), warp(start), { prefix: uniqueName('ts') });
  await node.start();
  return node;
}

const submitEvent = async (node: Node, over: { urgent?: boolean; payload?: Record<string, unknown> } = {}) =>
  ok(await node.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload(over.payload ?? {}), platform: 'local', ...(over.urgent ? { urgent: true } : {}) })).state;
const actions = async (id: string) =>
  (await stack.audit(id)).filter((a) => a.action !== 'within_framework').map((a) => (a.action === 'reminder_sent' ? `reminder_sent:${String(a.detail.point)}` : a.action));

describe('reminders and escalation', () => {
  it('reminds the approver half way, escalates at the deadline, reminds while overdue, then stops', async () => {
    const node = await nodeFor(eventWorkflow(undefined));
    const s = await submitEvent(node);
    // Step opened at 10:00 with its deadline in the timeline (audit) and on the step.
    const opened = (await stack.audit(s.id)).find((a) => a.action === 'step_opened');
    expect(opened?.detail.dueAt).toBe(s.steps[0]!.dueAt);
    expect(new Date(s.steps[0]!.dueAt!).getTime() - new Date(s.steps[0]!.activatedAt!).getTime()).toBe(30 * 60_000);

    await waitFor('two overdue reminders', async () => (await actions(s.id)).filter((a) => a === 'reminder_sent:overdue').length === 2);
    expect(await actions(s.id)).toEqual(['submitted', 'step_opened', 'reminder_sent:remind', 'escalated', 'reminder_sent:overdue', 'reminder_sent:overdue']);
    expect(messages(await stack.outbox(s.id)).filter((m) => !m.startsWith('request.'))).toEqual([
      'reminder.step → liuyang',
      'escalation.notify → zhouqiang',
      'reminder.overdue → liuyang',
      'reminder.overdue → liuyang',
    ]);
    const rows = await stack.timers(s.id);
    expect(rows.map((r) => r.kind)).toEqual(['remind', 'escalate', 'overdue', 'overdue']);
    // Each fired once, on time (in fake time: 10 fake minutes per real second, so 1 fake minute ≈ 100 ms).
    for (const r of rows) {
      expect(r.firedAt).not.toBeNull();
      expect(r.firedAt!.getTime() - r.fireAt.getTime()).toBeLessThan(5 * 60_000);
    }
    // The reminder says how much working time is left: 15 fake minutes at its time, less what it
    // was late by (within the 5 fake minutes, 500 ms, allowed above on a loaded machine).
    const reminder = (await stack.outbox(s.id)).find((o) => (o.payload as { message: { key: string } }).message?.key === 'reminder.step');
    expect(reminder?.payload).toMatchObject({ message: { params: { number: s.number, left: expect.stringMatching(/^1[0-5] 分钟$/) } } });
    // maxOverdue reached: nothing more is pending.
    expect(rows.every((r) => r.firedAt || r.cancelledAt)).toBe(true);
    await node.stop();
  });

  it('a decision before the first point cancels the chain; nothing fires afterwards', async () => {
    const node = await nodeFor(eventWorkflow(undefined));
    const s = await submitEvent(node);
    ok(await node.approvals.act(s.id, { type: 'approve', stepId: 'dept-lead' }, { personId: 'liuyang', platform: 'local' }));
    const rows = await stack.timers(s.id);
    expect(rows.filter((r) => r.kind === 'remind').map((r) => [r.firedAt, r.cancelledAt === null])).toEqual([[null, false]]);
    await sleep(3500); // past the escalation point
    expect((await actions(s.id)).filter((a) => a.startsWith('reminder') || a === 'escalated')).toEqual([]);
    await node.stop();
  });

  it('transfer: the target gets the step and the card, and is the one reminded from then on', async () => {
    const node = await nodeFor(eventWorkflow({ policy: 'transfer' }));
    const s = await submitEvent(node);
    await waitFor('an overdue reminder', async () => (await actions(s.id)).includes('reminder_sent:overdue'));
    const now = (await node.approvals.load(s.id))!;
    expect(now.steps[0]!.approvers).toEqual(['zhouqiang']);
    expect(messages(await stack.outbox(s.id)).filter((m) => !m.startsWith('request.'))).toEqual(
      expect.arrayContaining(['escalation.transfer → zhouqiang', 'reminder.overdue → zhouqiang']),
    );
    expect((await stack.outbox(s.id)).some((o) => o.kind === 'post_approval_card' && (o.payload as { people: string[] }).people.join() === 'zhouqiang')).toBe(true);
    const transferred = (await stack.audit(s.id)).find((a) => a.action === 'auto_transferred');
    expect(transferred).toMatchObject({ actorId: null, platform: 'system', detail: { from: ['liuyang'], to: ['zhouqiang'] } });
    ok(await node.approvals.act(s.id, { type: 'approve', stepId: 'dept-lead' }, { personId: 'zhouqiang', platform: 'local' }));
    expect((await node.approvals.load(s.id))!.status).toBe('approved');
    await node.stop();
  });

  it('approve: each overdue step is approved by rule; the next step gets its own deadline', async () => {
    const node = await nodeFor(eventWorkflow({ policy: 'approve' }, 2));
    const s = await submitEvent(node);
    await waitFor('the request approved', async () => (await node.approvals.load(s.id))!.status === 'approved');
    const a = await actions(s.id);
    expect(a.filter((x) => x !== 'reminder_sent:remind')).toEqual(['submitted', 'step_opened', 'escalated', 'auto_approved', 'step_opened', 'escalated', 'auto_approved', 'approved']);
    const final = (await node.approvals.load(s.id)) as RequestState;
    expect(final.steps.map((x) => [x.id, x.status, x.note])).toEqual([
      ['dept-lead', 'approved', 'auto_approved'],
      ['finance', 'approved', 'auto_approved'],
    ]);
    // The step chains are done; the approved event now waits for its notice and its end.
    expect((await stack.timers(s.id)).filter((r) => !r.firedAt && !r.cancelledAt).map((r) => r.kind)).toEqual(['pre_event']);
    await node.stop();
  });

  it('reject: 超时自动驳回, the applicant is told, nothing stays pending', async () => {
    const node = await nodeFor(eventWorkflow({ policy: 'reject' }));
    const s = await submitEvent(node);
    await waitFor('the request rejected', async () => (await node.approvals.load(s.id))!.status === 'rejected');
    const rejected = (await stack.audit(s.id)).find((a) => a.action === 'rejected');
    expect(rejected).toMatchObject({ actorId: null, platform: 'system', detail: { reason: '超时自动驳回', auto: true } });
    expect(messages(await stack.outbox(s.id))).toEqual(expect.arrayContaining(['escalation.reject → zhouqiang', 'request.auto_rejected → liming']));
    await sleep(1500); // past the first overdue point: cancelled with the step
    const rows = await stack.timers(s.id);
    expect(rows.map((r) => [r.kind, !!r.firedAt])).toEqual([
      ['remind', true],
      ['escalate', true],
    ]);
    await node.stop();
  });
});

describe('working hours', () => {
  it('a normal request is not reminded at night or on a holiday; an urgent one is', async () => {
    // Wednesday 20:00 before the National Day holiday (Oct 1–7), one hour to decide.
    const wf = { requestType: 'event', rooms: [], reminders: { before: ['50%'], overdueEvery: '10m', maxOverdue: 1 }, steps: [{ id: 'dept-lead', name: '部门负责人审批', approvers: ['dept_lead'], due: '1h' }] };
    const node = await nodeFor(wf, sh('2026-09-30 20:00'));
    const normal = await submitEvent(node);
    const urgent = await submitEvent(node, { urgent: true });
    await waitFor('the urgent reminder', async () => (await actions(urgent.id)).includes('reminder_sent:remind'), 10_000);
    await waitFor('the urgent escalation', async () => (await actions(urgent.id)).includes('escalated'), 10_000);
    await sleep(500);
    expect((await actions(normal.id)).filter((a) => a.startsWith('reminder') || a === 'escalated')).toEqual([]);
    // The normal request waits for the first working morning after the holiday.
    const pending = (await stack.timers(normal.id)).filter((r) => !r.firedAt && !r.cancelledAt);
    expect(pending.map((r) => [r.kind, r.fireAt.toISOString()])).toEqual([['escalate', sh('2026-10-08 09:00').toISOString()]]);
    // Half way through the urgent one's hour: at night, on time.
    const urgentRemind = (await stack.timers(urgent.id)).find((r) => r.kind === 'remind')!;
    expect(urgentRemind.fireAt.getTime() - new Date(urgent.steps[0]!.activatedAt!).getTime()).toBe(30 * 60_000);
    expect(urgentRemind.firedAt!.getTime()).toBeLessThan(sh('2026-09-30 21:00').getTime());
    await node.stop();
  });
});

describe('after the event', () => {
  it('notice before the start, summary prompt at the end, reminders and escalation until the summary, then scoring and reimbursement prompts', async () => {
    const node = await nodeFor(
      { requestType: 'event', rooms: ['east-approvals'], reminders: { before: ['50%'], overdueEvery: '10m', maxOverdue: 1 }, steps: [{ id: 'dept-lead', name: '部门负责人审批', approvers: ['dept_lead'] }] },
      sh('2026-11-23 10:00'),
      { preEventNotice: '10m', summaryDue: '30m', summaryEscalateAfter: '40m' },
    );
    const s = await submitEvent(node, { payload: { start: sh('2026-11-23 10:10').toISOString(), end: sh('2026-11-23 10:20').toISOString() } });
    ok(await node.approvals.act(s.id, { type: 'approve', stepId: 'dept-lead' }, { personId: 'liuyang', platform: 'local' }));
    // Notice (late, but before the start), end → summary_due, 50% reminder, due, overdue + escalation at 11:00.
    await waitFor('the summary escalation', async () => (await actions(s.id)).includes('summary_escalated'), 15_000);
    expect((await node.approvals.load(s.id))!.status).toBe('summary_due');
    expect(messages(await stack.outbox(s.id))).toEqual([
      'request.approved → liming',
      'event.pre_notice → liming,#east-approvals',
      'form:summary prompt.summary → liming',
      'summary.reminder → liming',
      'summary.overdue → liming',
      'summary.overdue → liming',
      'summary.escalation → liuyang',
    ]);
    const ended = (await stack.audit(s.id)).find((a) => a.action === 'lifecycle.event_ended');
    expect(ended).toMatchObject({ actorId: null });

    const summary = {
      eventRef: s.number,
      overview: '顺利',
      attendance: 76,
      results: '意向 12 台',
      feedback: '满意',
      problems: '签到慢',
      lessons: '提前备场',
      safetyReview: '无事故',
      actualSpend: [{ item: '场地', amount: 8000 }],
    };
    ok(await node.approvals.submit({ applicantId: 'liming', type: 'summary', payload: summary, platform: 'local' }));
    expect((await node.approvals.load(s.id))!.status).toBe('summary_submitted');
    expect((await stack.timers(s.id)).every((r) => r.firedAt || r.cancelledAt)).toBe(true);
    const scoring = ok(await node.approvals.submit({ applicantId: 'liuyang', type: 'scoring', payload: { eventRef: s.number, qualitative: 34, quantitative: 52, comments: '组织有序' }, platform: 'local' })).state;
    const step = scoring.steps[scoring.current!]!;
    ok(await node.approvals.act(scoring.id, { type: 'approve', stepId: step.id }, { personId: step.approvers[0]!, platform: 'local' }));
    const prompts = messages(await stack.outbox(s.id)).filter((m) => m.startsWith('form:'));
    expect(prompts).toEqual(['form:summary prompt.summary → liming', expect.stringMatching(/^form:scoring prompt.scoring → /), 'form:reimbursement prompt.reimbursement → liming']);
    await node.stop();
  });

  it('a summary is refused before the end (saying when); one filed after the end but before the timer fired: the end changes nothing', async () => {
    // The scheduler is down (not started) while the event ends, so the summary comes in first.
    const node = stack.node(
      orgFrom({ workflows: [{ requestType: 'event', rooms: [], steps: [{ id: 'dept-lead', name: '部门负责人审批', approvers: ['dept_lead'] }] }], organisation: { preEventNotice: null } }),
      warp(sh('2026-11-23 10:00')),
      { prefix: uniqueName('ts') },
    );
    const s = await submitEvent(node, { payload: { start: sh('2026-11-23 10:05').toISOString(), end: sh('2026-11-23 10:10').toISOString() } });
    ok(await node.approvals.act(s.id, { type: 'approve', stepId: 'dept-lead' }, { personId: 'liuyang', platform: 'local' }));
    const summary = { eventRef: s.number, overview: '会后', attendance: 10, results: '-', feedback: '-', problems: '-', lessons: '-', safetyReview: '-', actualSpend: [{ item: '场地', amount: 1 }] };
    expect(await node.approvals.submit({ applicantId: 'liming', type: 'summary', payload: summary, platform: 'local' })).toMatchObject({
      ok: false,
      message: { key: 'refuse.summary_before_end', params: { number: s.number, end: '2026-11-23 10:10' } },
    });
    await waitFor('the event to end', async () => node.approvals.now() > sh('2026-11-23 10:11'));
    ok(await node.approvals.submit({ applicantId: 'liming', type: 'summary', payload: summary, platform: 'local' }));
    await node.start();
    await sleep(1500);
    expect((await actions(s.id)).filter((a) => a.startsWith('lifecycle.'))).toEqual(['lifecycle.summary_submitted']);
    expect((await stack.timers(s.id)).map((r) => [r.kind, !!r.cancelledAt])).toEqual([['event_end', true]]);
    await node.stop();
  });
});
