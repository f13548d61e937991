// The scheduler wired into the whole app (simulator channel, outbox relay, delivery workers):
// a reminder, an escalation and a 催办 arrive as chat messages; the timeline shows the deadline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENT_FORM, simClient } from '../support/sim-client.js';
import { localDateTime } from '../../src/core/time-zone.js';
import { orgFrom, sh, waitFor, warp } from './scheduler-harness.js';

let t: TestApp;
let sim: ReturnType<typeof simClient>;

beforeAll(async () => {
  const dir = orgFrom({
    workflows: [
      { requestType: 'event', rooms: ['east-approvals'], reminders: { before: ['50%'], overdueEvery: null, maxOverdue: 0 }, steps: [{ id: 'dept-lead', name: '部门负责人审批', approvers: ['dept_lead'], due: '30m' }] },
    ],
  });
  const clock = warp(sh('2026-11-23 10:00'));
  t = await startTestApp({}, { dir, now: clock.now, scheduleDelay: clock.delayMs });
  sim = simClient(t.url);
});

afterAll(() => t?.close());

const dm = async (who: string) => (await sim.history(who)).filter((m) => m.conversation === `dm:${who}` && m.kind === 'text').map((m) => m.text ?? '');

describe('scheduler in the app', () => {
  it('reminder, 催办 and escalation reach the simulator; the timeline carries the deadline', async () => {
    const r = await sim.act('liming', null, { a: 'submit', t: 'event' }, EVENT_FORM);
    expect(r.body.status).toBe('accepted');
    const submitted = await waitFor('the submission', async () => (await dm('liming')).find((t) => t.startsWith('已提交申请')));
    const number = /A-\d{4}/.exec(submitted)![0];

    // 催办 by the applicant: once, then "too soon".
    const first = await t.app.scheduler.nudge(number, 'liming', 'local');
    expect(first).toEqual({ ok: true, message: { key: 'nudge.sent', params: { number, who: '刘洋' } } });
    const again = await t.app.scheduler.nudge(number, 'liming', 'local');
    expect(again).toMatchObject({ ok: false, message: { key: 'nudge.too_soon_working' } });
    expect(await t.app.scheduler.nudge(number, 'hanmei', 'local')).toMatchObject({ ok: false, message: { key: 'refuse.not_applicant' } });
    await waitFor('the nudge', async () => (await dm('liuyang')).find((t) => t.startsWith(`李明 催办：申请 ${number}`)));

    // Half way (15 fake minutes after the submission, which the app's start-up may delay past
    // 10:00): the reminder with the working time left and the step's deadline.
    const dueAt = (await sim.request(number)).request.steps[0]!.dueAt!;
    const due = localDateTime(dueAt, 'Asia/Shanghai')!;
    expect(new Date(dueAt).getTime() - sh('2026-11-23 10:30').getTime()).toBeLessThan(60 * 60_000);
    const reminder = await waitFor('the reminder', async () => (await dm('liuyang')).find((t) => t.startsWith('催办：')));
    expect(reminder).toMatch(new RegExp(`^催办：申请 ${number}「冬季车主答谢会」在「部门负责人审批」等待你审批，剩余 1\\d 分钟（截止 ${due.date} ${due.time}）。$`));
    // The deadline (10:30 fake): the applicant's parent department lead is told.
    const escalation = await waitFor('the escalation', async () => (await dm('zhouqiang')).find((t) => t.startsWith('超时提醒：')));
    expect(escalation).toBe(`超时提醒：李明 的申请 ${number}「冬季车主答谢会」在「部门负责人审批」已过截止时间，仍待 刘洋 处理。`);

    const detail = await sim.request(number);
    const opened = detail.timeline.find((e) => e.action === 'step_opened')!;
    expect(opened.detail.dueAt).toBe(detail.request.steps[0]!.dueAt);
    expect(detail.timeline.map((e) => e.action)).toEqual(expect.arrayContaining(['nudged', 'reminder_sent', 'escalated']));
    const { text } = await t.app.scheduler.digestFor('liuyang');
    expect(text).toContain(`${number}「冬季车主答谢会」· 部门负责人审批`);
  });
});
