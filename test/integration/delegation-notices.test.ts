// Delegation (委托) in the whole app, on real Postgres and Redis through the simulator: the task
// notices of someone away — reminders, 催办, escalation, overdue notices — reach the delegate,
// worded "（代 刘洋）", like the task's card; the delegate's 待办 (command and API) lists the
// principal's tasks, marked; when the delegation ends, notices go to the principal again; and
// delegations survive a restart (issue 15).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestState } from '../../src/core/model.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabaseUrl } from '../support/db.js';
import { eventPayload, ok } from '../support/core-fixtures.js';
import { simClient } from '../support/sim-client.js';
import { fixed, orgFrom, sh } from './scheduler-harness.js';

let t: TestApp;
let sim: ReturnType<typeof simClient>;
let database: Awaited<ReturnType<typeof createTestDatabaseUrl>>;
const clock = fixed(sh('2026-11-23 10:00'));
const org = () =>
  orgFrom({
    workflows: [
      {
        requestType: 'event',
        rooms: ['east-approvals'],
        reminders: { before: ['50%'], overdueEvery: '10m', maxOverdue: 2 },
        steps: [{ id: 'dept-lead', name: '部门负责人审批', approvers: ['dept_lead'], due: '30m' }],
      },
    ],
  });
/** The app on this file's database (kept across a restart; dropped at the end). */
const start = async () => {
  t = await startTestApp({ DATABASE_URL: database.url }, { dir: org(), now: clock.now, scheduleDelay: clock.delayMs });
  sim = simClient(t.url);
};

beforeAll(async () => {
  database = await createTestDatabaseUrl();
  await start();
});
afterAll(async () => {
  await t?.close();
  await database?.drop();
});

type Msg = Awaited<ReturnType<typeof sim.history>>[number];
const dm = async (who: string) => (await sim.history(who)).filter((m: Msg) => m.conversation === `dm:${who}` && m.kind === 'text' && m.sender === 'bot').map((m) => m.text ?? '');
const cardsFor = async (who: string, requestId: string) =>
  (await sim.history(who)).filter((m: Msg) => m.conversation === `dm:${who}` && m.kind === 'card' && (m.card as { buttons?: Array<{ action: { r: string } }> }).buttons?.some((b) => b.action.r === requestId) === true);
const say = async (who: string, text: string) => {
  const before = (await dm(who)).length;
  expect((await sim.say(who, `dm:${who}`, text)).body.status).toBe('accepted');
  await t.idle();
  return (await dm(who)).slice(before).join('\n');
};
/** Move the app's clock and fire what fell due (the reconcile fires overdue timers directly). */
const at = async (time: string) => {
  clock.set(sh(time));
  await t.app.scheduler.reconcile({ full: true });
  await t.idle();
};
const submit = async (name: string): Promise<RequestState> => ok(await t.app.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload({ name }), platform: 'local' })).state;

describe('task notices while the approver is away', () => {
  it('reminder, 催办, escalation reach the delegates as （代 …）; once it ended, the principal again', async () => {
    // 刘洋 (the lead who approves) is away until 10:25; 周强 (the escalation target) all day.
    const away = await t.app.delegations.create({ principal: 'liuyang', delegate: 'wangfang', startsAt: clock.now(), endsAt: sh('2026-11-23 10:25'), createdBy: 'liuyang' });
    expect(away.ok).toBe(true);
    expect((await t.app.delegations.create({ principal: 'zhouqiang', delegate: 'hanmei', startsAt: clock.now(), endsAt: sh('2026-11-23 17:00'), createdBy: 'zhouqiang' })).ok).toBe(true);
    const r = await submit('冬季试驾会');
    await t.idle();
    expect(await cardsFor('wangfang', r.id)).toHaveLength(1);
    expect(await cardsFor('liuyang', r.id)).toHaveLength(0);

    // 催办 by the applicant: the delegate is reminded, for 刘洋.
    clock.set(sh('2026-11-23 10:05'));
    expect(await t.app.scheduler.nudge(r.number, 'liming', 'local')).toEqual({ ok: true, message: { key: 'nudge.sent', params: { number: r.number, who: '王芳（代 刘洋）' } } });
    await t.idle();
    expect((await dm('wangfang')).filter((x) => x.includes(r.number) && x.includes('催办'))).toEqual([`（代 刘洋）李明 催办：申请 ${r.number}「冬季试驾会」在「部门负责人审批」等待你审批，剩余 25 分钟。`]);

    // The digests say it too: 刘洋's that 王芳 acts for him; 王芳's lists his task, marked.
    expect((await t.app.scheduler.digestFor('liuyang')).text).toContain('你已委托 王芳 代为审批，至 2026-11-23 10:25。');
    expect((await t.app.scheduler.digestFor('wangfang')).text).toContain(`· （代 刘洋）${r.number}「冬季试驾会」· 部门负责人审批`);

    // Half way (10:15): the reminder goes to the delegate, not to 刘洋.
    await at('2026-11-23 10:16');
    const reminders = (await dm('wangfang')).filter((x) => x.startsWith(`（代 刘洋）催办：申请 ${r.number}`));
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toMatch(/在「部门负责人审批」等待你审批，剩余 1\d 分钟（截止 2026-11-23 10:30）。$/);
    expect((await dm('liuyang')).filter((x) => x.includes(r.number))).toEqual([]);
    const sent = (await sim.request(r.id)).timeline.filter((e) => e.action === 'reminder_sent');
    expect(sent.map((e) => e.detail.delegates)).toEqual([{ liuyang: 'wangfang' }]);

    // 10:25: 刘洋 is back; his card comes back to him.
    clock.set(sh('2026-11-23 10:26'));
    expect(await t.app.delegations.announce()).toEqual({ started: 0, ended: 1 });
    await t.idle();
    expect(await cardsFor('liuyang', r.id)).toHaveLength(1);

    // The deadline (10:30): the escalation target 周强 is away, so 韩梅 is told, for him.
    await at('2026-11-23 10:31');
    expect((await dm('hanmei')).filter((x) => x.includes(r.number))).toEqual([`（代 周强）超时提醒：李明 的申请 ${r.number}「冬季试驾会」在「部门负责人审批」已过截止时间，仍待 刘洋 处理。`]);
    expect((await dm('zhouqiang')).filter((x) => x.includes(r.number))).toEqual([]);

    // Overdue (10:40): 刘洋's delegation has ended, so the notice is his, unmarked; 王芳 hears nothing more.
    await at('2026-11-23 10:41');
    expect((await dm('liuyang')).filter((x) => x.includes(r.number))).toEqual([expect.stringMatching(new RegExp(`^催办：申请 ${r.number}「冬季试驾会」在「部门负责人审批」已超时 1\\d 分钟`))]);
    expect((await dm('wangfang')).filter((x) => x.includes(r.number))).toHaveLength(2);
  });
});

/** The request of the 待办 test, still waiting on 刘洋 (through 王芳) at the restart. */
let r2: RequestState;

describe('待办 of a delegate', () => {
  it('lists the principal\'s tasks marked （代 刘洋）; the principal\'s own list says who holds them; the API too', async () => {
    clock.set(sh('2026-11-23 11:00'));
    expect((await t.app.delegations.create({ principal: 'liuyang', delegate: 'wangfang', startsAt: clock.now(), endsAt: sh('2026-11-23 17:00'), createdBy: 'liuyang' })).ok).toBe(true);
    r2 = await submit('冬季车友会');
    await t.idle();
    const mine = await say('wangfang', '待办');
    expect(mine).toContain(`${r2.number}｜活动申请｜冬季车友会｜部门负责人审批（代 刘洋）｜截止 2026-11-23 11:30`);
    expect(mine).toContain('张审批卡片已在本私信中');
    const his = await say('liuyang', '待办');
    expect(his).toContain(`${r2.number}｜活动申请｜冬季车友会｜部门负责人审批（已委托王芳代为审批）`);
    // He cannot act on it while it runs: no card is sent to him for it.
    expect(await cardsFor('liuyang', r2.id)).toHaveLength(0);
    const api = (await (await fetch(`${t.url}/api/people/wangfang/pending`)).json()) as { items: Array<{ number: string; onBehalfOf?: string }> };
    expect(api.items.find((i) => i.number === r2.number)).toMatchObject({ onBehalfOf: 'liuyang' });
    const own = (await (await fetch(`${t.url}/api/people/liuyang/pending`)).json()) as { items: Array<{ number: string; delegatedTo?: string }> };
    expect(own.items.find((i) => i.number === r2.number)).toMatchObject({ delegatedTo: 'wangfang' });
  });
});

describe('a restart', () => {
  it('keeps the delegation: the reminder, the 待办 and new tasks still go to the delegate', async () => {
    await t.app.stop();
    await start();
    expect((await t.app.delegations.live('liuyang')).map((d) => [d.principal, d.delegate])).toEqual([['liuyang', 'wangfang']]);
    await at('2026-11-23 11:16');
    expect((await dm('wangfang')).filter((x) => x.startsWith(`（代 刘洋）催办：申请 ${r2.number}`))).toHaveLength(1);
    expect((await dm('liuyang')).filter((x) => x.includes(`催办：申请 ${r2.number}`))).toEqual([]);
    expect(await say('wangfang', '待办')).toContain(`${r2.number}｜活动申请｜冬季车友会｜部门负责人审批（代 刘洋）`);
    const r3 = await submit('冬季试乘');
    await t.idle();
    expect(await cardsFor('wangfang', r3.id)).toHaveLength(1);
    expect(await cardsFor('liuyang', r3.id)).toHaveLength(0);
  });
});
