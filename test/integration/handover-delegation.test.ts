// Hand-over (移交), leavers and movers, and delegation (委托) in the whole app on real Postgres and
// Redis, through the simulator channel: cards, notices, audit and the API (issue 15, items 4, 7).
import { and, eq } from 'drizzle-orm';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { RequestState } from '../../src/core/model.js';
import type { Payload } from '../../src/core/request-types.js';
import { directoryFromText, EXAMPLE_ORG_FILE } from '../../src/org/load.js';
import type { OrgFile } from '../../src/org/schema.js';
import { decisions } from '../../src/store/schema.js';
import { openTasksOf } from '../../src/store/requests-repo.js';
import { syncOrganisation } from '../../src/store/org-sync.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventPayload, ok, sh } from '../support/core-fixtures.js';
import { simClient } from '../support/sim-client.js';
import { fixed } from './scheduler-harness.js';

const TOKEN = 'test-admin-token-0123456789';
let t: TestApp;
let sim: ReturnType<typeof simClient>;
let original: OrgFile;
const clock = fixed(sh('2026-09-29 10:00'));

beforeAll(async () => {
  const org = parse(readFileSync(EXAMPLE_ORG_FILE, 'utf8')) as Record<string, unknown> & { roles: Record<string, string[]> };
  org.roles.admin = ['chenjie'];
  org.workflows = [
    // The lead's step, then one that names 刘洋 (held by name: it stays with a mover).
    { requestType: 'event', rooms: ['east-approvals'], steps: [{ id: 'lead', name: '部门负责人审批', approvers: ['dept_lead'] }, { id: 'named', name: '市场经理复核', approvers: ['person:liuyang'] }] },
    { requestType: 'content_review', rooms: ['east-approvals'], steps: [{ id: 'supervisor', name: '部门主管审核', approvers: ['dept_lead'] }, { id: 'leader', name: '分管领导审核', approvers: ['parent_dept_lead'] }] },
  ];
  const dir = directoryFromText(stringify(org));
  original = dir.org;
  t = await startTestApp({ ADMIN_TOKEN: TOKEN }, { dir, now: clock.now, scheduleDelay: clock.delayMs });
  sim = simClient(t.url);
});
afterAll(() => t?.close());

type Btn = { action: { a: string; r: string; s: string } };
type Msg = Awaited<ReturnType<typeof sim.history>>[number];
const buttons = (m: Msg) => (m.card as { buttons: Btn[] }).buttons;
const markdown = (m: Msg) => (m.card as { markdown: string }).markdown;
/** What the bot said in a person's DM. */
const dmTexts = async (who: string) => (await sim.history(who)).filter((m) => m.conversation === `dm:${who}` && m.kind === 'text' && m.sender === 'bot').map((m) => m.text ?? '');
const cardsOf = async (who: string, conversation: string, requestId: string) =>
  (await sim.history(who)).filter((m) => m.conversation === conversation && m.kind === 'card' && buttons(m).some((b) => b.action.r === requestId) === true);
const approveOn = (m: Msg) => buttons(m).find((b) => b.action.a === 'approve')!.action;

const submit = async (applicantId: string, type: string, payload: Payload): Promise<RequestState> =>
  ok(await t.app.approvals.submit({ applicantId, type, payload, platform: 'local' })).state;
const event = (who: string, name: string) => submit(who, 'event', eventPayload({ name }));
const content = (who: string, title: string) => submit(who, 'content_review', { title, channel: '公众号', content: '国庆活动预告' });
const load = async (id: string) => (await t.app.approvals.load(id))!;
const say = async (who: string, text: string) => {
  const before = (await dmTexts(who)).length;
  expect((await sim.say(who, `dm:${who}`, text)).body.status).toBe('accepted');
  await t.idle();
  return (await dmTexts(who)).slice(before).join('\n');
};
const api = (method: string, path: string, body?: unknown, token: string | null = TOKEN) =>
  fetch(`${t.url}${path}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

/** The organisation after a directory change (people and departments rewritten). */
function orgWithout(change: (o: OrgFile) => OrgFile): OrgFile {
  return change(structuredClone(original));
}

describe('leavers and movers', () => {
  it('a leaver with three open tasks across two requests: handed to their lead, cards updated, each new approver told once, audited', async () => {
    const r1 = await event('liming', '年终答谢会'); // 刘洋: lead (active) + named (waiting)
    const r2 = await content('hanmei', '国庆海报'); // 刘洋: supervisor (active)
    const own = await content('liuyang', '经理周报'); // 刘洋's own request
    // 韩梅 had delegated to 刘洋: cancelled when he leaves.
    expect((await t.app.delegations.create({ principal: 'hanmei', delegate: 'liuyang', startsAt: clock.now(), endsAt: sh('2026-10-30 00:00'), createdBy: 'hanmei' })).ok).toBe(true);
    await t.idle();
    const roomCard = (await cardsOf('liming', 'room:east-approvals', r1.id))[0]!;
    expect(markdown(roomCard)).toContain('刘洋');

    // The new snapshot no longer lists 刘洋; his department has no lead now.
    t.app.dir.replace(orgWithout((o) => ({
      ...o,
      people: o.people.filter((p) => p.id !== 'liuyang'),
      departments: o.departments.map((d) => (d.id === 'east-marketing' ? { ...d, lead: undefined } : d)),
      rooms: o.rooms.map((r) => ({ ...r, members: r.members.filter((m) => m !== 'liuyang') })),
    })));
    const leaver = { personId: 'liuyang', dept: 'east-marketing', name: '刘洋' };
    const first = await t.app.handover.onPeopleChanged({ left: [leaver] });
    expect(first).toEqual({ handedOver: [{ personId: 'liuyang', to: 'zhouqiang', reason: 'left', tasks: 3, requests: 2 }], unassigned: [], notices: 1 });
    // The same event again (a second sync): nothing moves, nobody is told twice.
    expect(await t.app.handover.onPeopleChanged({ left: [leaver] })).toEqual({ handedOver: [{ personId: 'liuyang', to: 'zhouqiang', reason: 'left', tasks: 0, requests: 0 }], unassigned: [], notices: 0 });
    await t.idle();
    expect(await t.app.delegations.live('hanmei')).toEqual([]);

    expect((await load(r1.id)).steps.map((s) => s.approvers)).toEqual([['zhouqiang'], ['zhouqiang']]);
    expect((await load(r2.id)).steps.map((s) => s.approvers)).toEqual([['zhouqiang'], ['zhouqiang']]);
    // Every copy of the card shows the new approver.
    const updated = (await sim.history('liming')).find((m) => m.id === roomCard.id)!;
    expect(updated.version).toBeGreaterThan(roomCard.version);
    expect(markdown(updated)).toContain('周强');
    expect(markdown(updated)).not.toContain('刘洋');
    // 周强 is told once per active task, with a card for each; the waiting one comes when it opens.
    const told = (await dmTexts('zhouqiang')).filter((x) => x.startsWith('刘洋的审批任务已移交给你（离职）'));
    expect(told.sort()).toEqual([`刘洋的审批任务已移交给你（离职）：${r1.number}「年终答谢会」·部门负责人审批`, `刘洋的审批任务已移交给你（离职）：${r2.number}「国庆海报」·部门主管审核`].sort());
    expect(await cardsOf('zhouqiang', 'dm:zhouqiang', r1.id)).toHaveLength(1);
    expect(await cardsOf('zhouqiang', 'dm:zhouqiang', r2.id)).toHaveLength(1);
    // His own unfinished request: his lead is told, once.
    expect((await dmTexts('zhouqiang')).filter((x) => x.includes('刘洋已离职'))).toEqual([`刘洋已离职，其申请 ${own.number}「经理周报」仍未结束，请关注处理（撤回或跟进）。`]);
    const audit = (await sim.request(r1.id)).timeline.filter((e) => e.action === 'task_handed_over');
    expect(audit.map((e) => [e.platform, e.actorId, e.detail.from, e.detail.to, e.detail.reason])).toEqual([
      ['system', null, 'liuyang', 'zhouqiang', 'left'],
      ['system', null, 'liuyang', 'zhouqiang', 'left'],
    ]);
    // The new approver decides.
    const dmCard = (await cardsOf('zhouqiang', 'dm:zhouqiang', r1.id))[0]!;
    expect((await sim.act('zhouqiang', dmCard.id, approveOn(dmCard))).body.status).toBe('accepted');
    await t.idle();
    expect((await load(r1.id)).steps[0]!.status).toBe('approved');
    t.app.dir.replace(original);
  });

  it('a mover: tasks held as the old department\'s lead go to its new lead; tasks that name them stay', async () => {
    const r3 = await event('liming', '春季试驾日');
    await t.idle();
    t.app.dir.replace(orgWithout((o) => ({
      ...o,
      people: o.people.map((p) => (p.id === 'liuyang' ? { ...p, dept: 'east-branch' } : p)),
      departments: o.departments.map((d) => (d.id === 'east-marketing' ? { ...d, lead: 'hanmei' } : d)),
    })));
    const r = await t.app.handover.onPeopleChanged({ moved: [{ personId: 'liuyang', fromDept: 'east-marketing', toDept: 'east-branch' }] });
    expect(r.handedOver).toEqual([{ personId: 'liuyang', to: 'hanmei', reason: 'moved', tasks: 1, requests: 1 }]);
    await t.idle();
    expect((await load(r3.id)).steps.map((s) => s.approvers)).toEqual([['hanmei'], ['liuyang']]);
    expect((await dmTexts('hanmei')).some((x) => x.startsWith(`刘洋的审批任务已移交给你（调岗）：${r3.number}`))).toBe(true);
    t.app.dir.replace(original);
  });
});

describe('admin hand-over', () => {
  it('API: moves every open task, answers the count, a repeat moves nothing; the token is required', async () => {
    const before = (await openTasksOf(t.app.database.db, 'zhouqiang')).length;
    expect(before).toBeGreaterThanOrEqual(3);
    expect((await api('POST', '/api/admin/handover', { from: 'zhouqiang', to: 'wangfang' }, null)).status).toBe(401);
    const r = await api('POST', '/api/admin/handover', { from: 'zhouqiang', to: 'wangfang', by: 'chenjie' });
    expect(r).toMatchObject({ status: 200, body: { tasks: before } });
    expect(await openTasksOf(t.app.database.db, 'zhouqiang')).toEqual([]);
    expect((await api('POST', '/api/admin/handover', { from: 'zhouqiang', to: 'wangfang' })).body).toEqual({ tasks: 0, requests: 0 });
    expect((await api('POST', '/api/admin/handover', { from: 'zhouqiang', to: 'nobody' })).status).toBe(404);
    await t.idle();
    const entry = (await sim.request((await openTasksOf(t.app.database.db, 'wangfang'))[0]!.requestId)).timeline.find((e) => e.action === 'task_handed_over' && e.detail.to === 'wangfang')!;
    expect(entry).toMatchObject({ actorId: 'chenjie', platform: 'api', detail: { from: 'zhouqiang', reason: 'admin', by: 'chenjie' } });
  });

  it('command: 移交 A 给 B for admins only, with the count', async () => {
    const n = (await openTasksOf(t.app.database.db, 'wangfang')).length;
    expect(await say('hanmei', '移交 王芳 给 周强')).toBe('只有管理员可以移交待办。');
    expect(await say('chenjie', '移交 王芳 给 周强')).toBe(`已将王芳的 ${n} 项待办移交给周强。`);
    expect(await say('chenjie', 'hand over 周强 to wangfang')).toBe(`已将周强的 ${n} 项待办移交给王芳。`);
    expect(await say('chenjie', '移交 周强')).toBe('用法：移交 刘洋 给 王芳');
  });
});

describe('delegation', () => {
  it('across the National Day holiday: the delegate acts as 王芳（代 刘洋）, once; it ends by itself', async () => {
    clock.set(sh('2026-09-29 10:00'));
    expect(await say('liuyang', '委托 王芳 9月30日至10月8日')).toBe('已委托王芳代为审批：2026-09-30 00:00 至 2026-10-08。');
    expect(await say('wangfang', '委托 刘洋 10月2日至10月3日')).toBe('刘洋在这段时间已委托你代为审批，不能互相委托');
    expect(await say('liuyang', '委托 周强 10月5日至10月6日')).toBe('你在 2026-09-30 00:00 至 2026-10-08 已委托王芳，时间重叠；请先发送「取消委托」');
    const r5 = await event('liming', '国庆车展');
    await t.idle();
    const principalCard = (await cardsOf('liuyang', 'dm:liuyang', r5.id))[0]!;
    expect(await cardsOf('wangfang', 'dm:wangfang', r5.id)).toHaveLength(0);

    // It starts (the housekeeping announces it): the delegate gets the principal's open tasks.
    clock.set(sh('2026-10-02 10:00'));
    expect(await t.app.delegations.announce()).toEqual({ started: 1, ended: 0 });
    expect(await t.app.delegations.announce()).toEqual({ started: 0, ended: 0 });
    await t.idle();
    expect(await dmTexts('wangfang')).toContain('刘洋委托你代为审批（2026-09-30 00:00 至 2026-10-08），其待办已发给你。');
    const delegateCard = (await cardsOf('wangfang', 'dm:wangfang', r5.id))[0]!;

    // The principal has handed the pen over; a double tap of the delegate is one decision.
    const refused = await sim.act('liuyang', principalCard.id, approveOn(principalCard));
    expect(refused.body).toEqual({ status: 'refused', feedback: { text: '你已委托王芳代为审批；如需自己处理，请先发送「取消委托」', tone: 'error' } });
    const taps = await Promise.all(Array.from({ length: 5 }, () => sim.act('wangfang', delegateCard.id, approveOn(delegateCard), undefined, 'delegate-tap-0001')));
    expect(taps.filter((r) => r.body.status === 'accepted')).toHaveLength(1);
    expect(taps.filter((r) => r.body.status === 'duplicate')).toHaveLength(4);
    await t.idle();
    const rows = await t.app.database.db.select().from(decisions).where(and(eq(decisions.requestId, r5.id), eq(decisions.stepId, 'lead')));
    expect(rows.map((d) => [d.personId, d.delegateId, d.decision])).toEqual([['liuyang', 'wangfang', 'approve']]);
    const room = (await cardsOf('liming', 'room:east-approvals', r5.id))[0]!;
    expect(markdown(room)).toContain('王芳（代 刘洋）同意');
    const approved = (await sim.request(r5.id)).timeline.find((e) => e.action === 'approved_step')!;
    expect(approved).toMatchObject({ actorId: 'wangfang', detail: { onBehalfOf: 'liuyang' } });
    // 进度 says it the same way.
    expect(await say('liming', `进度 ${r5.number}`)).toContain('王芳（代 刘洋） 同意（部门负责人审批）');

    // A new task during the period goes to the delegate only.
    const r6 = await event('liming', '国庆试驾');
    await t.idle();
    expect(await cardsOf('wangfang', 'dm:wangfang', r6.id)).toHaveLength(1);
    expect(await cardsOf('liuyang', 'dm:liuyang', r6.id)).toHaveLength(0);

    // Midnight after the last day: it has ended by itself; the principal is the approver again.
    clock.set(sh('2026-10-09 00:00'));
    const late = (await cardsOf('wangfang', 'dm:wangfang', r6.id))[0]!;
    expect((await sim.act('wangfang', late.id, approveOn(late))).body).toMatchObject({ status: 'refused', feedback: { text: '你不是该申请的审批人' } });
    expect(await t.app.delegations.announce()).toEqual({ started: 0, ended: 1 });
    await t.idle();
    const back = (await cardsOf('liuyang', 'dm:liuyang', r6.id))[0]!;
    expect((await sim.act('liuyang', back.id, approveOn(back))).body.status).toBe('accepted');
    await t.idle();
    expect((await load(r6.id)).steps[0]!.decisions).toEqual([expect.objectContaining({ personId: 'liuyang' })]);
    expect((await load(r6.id)).steps[0]!.decisions[0]!.delegateId).toBeUndefined();
  });

  it('a delegate never approves their own request: it stays with the principal', async () => {
    clock.set(sh('2026-10-12 10:00'));
    expect(await say('liuyang', '委托 李明 到 10月14日')).toBe('已委托李明代为审批：2026-10-12 10:00 至 2026-10-14。');
    const r7 = await event('liming', '车主讲堂');
    await t.idle();
    expect(await cardsOf('liming', 'dm:liming', r7.id)).toHaveLength(0);
    const mine = (await cardsOf('liuyang', 'dm:liuyang', r7.id))[0]!;
    const room = (await cardsOf('liming', 'room:east-approvals', r7.id))[0]!;
    expect((await sim.act('liming', room.id, approveOn(room))).body).toMatchObject({ status: 'refused', feedback: { text: '你不是该申请的审批人' } });
    expect((await sim.act('liuyang', mine.id, approveOn(mine))).body.status).toBe('accepted');
    expect(await say('liuyang', '取消委托')).toBe('已取消委托李明代为审批。');
    expect(await say('liuyang', '取消委托')).toBe('你当前没有生效或待生效的委托。');
  });

  it('the 委托 card form: 委托 alone offers it; a refusal keeps it open; once set, the card shows what was set', async () => {
    clock.set(sh('2026-10-20 10:00'));
    const offered = await say('zhouqiang', '委托');
    expect(offered).toContain('你当前没有生效或待生效的委托。');
    const formCard = (await sim.history('zhouqiang')).filter((m) => m.conversation === 'dm:zhouqiang' && m.kind === 'card').at(-1)!;
    const form = formCard.card as { title: string; form: { inputs: Array<{ name: string; label: string }>; submit: { action: unknown } } };
    expect(form.title).toBe('委托代为审批');
    expect(form.form.inputs.map((i) => i.label)).toEqual(['受托人', '时间']);
    const submitWith = async (values: Record<string, string>) => {
      const before = (await dmTexts('zhouqiang')).length;
      expect((await sim.act('zhouqiang', formCard.id, form.form.submit.action, values)).body.status).toBe('accepted');
      await t.idle();
      return (await dmTexts('zhouqiang')).slice(before).join('\n');
    };
    expect(await submitWith({ delegate: '不存在的人', period: '3个工作日' })).toBe('找不到“不存在的人”');
    expect(await submitWith({ delegate: '韩梅', period: '下辈子' })).toMatch(/^没看懂时间“下辈子”/);
    expect(((await sim.history('zhouqiang')).find((m) => m.id === formCard.id)!.card as { form?: unknown }).form).toBeDefined();
    expect(await submitWith({ delegate: '韩梅', period: '10月21日至10月23日' })).toBe('已委托韩梅代为审批：2026-10-21 00:00 至 2026-10-23。');
    const settled = (await sim.history('zhouqiang')).find((m) => m.id === formCard.id)!.card as { form?: unknown; status: { text: string } };
    expect(settled.form).toBeUndefined();
    expect(settled.status.text).toBe('已委托韩梅代为审批：2026-10-21 00:00 至 2026-10-23。');
    expect(await say('zhouqiang', '委托')).toContain('已委托韩梅代为审批：2026-10-21 00:00 至 2026-10-23。');
    expect(await say('zhouqiang', '取消委托')).toBe('已取消委托韩梅代为审批。');
  });

  it('API: create (working days, calendar-aware), list, refuse an overlap, cancel', async () => {
    clock.set(sh('2026-09-30 10:00'));
    const created = await api('POST', '/api/delegations', { principal: 'zhaolei', delegate: 'sunli', period: '3个工作日' });
    expect(created.status).toBe(201);
    // 09-30, then the holiday, 10-08 and 10-09: it ends at midnight after 10-09.
    expect(created.body.delegation).toMatchObject({ principal: 'zhaolei', delegate: 'sunli', mode: 'delegate_only', endsAt: sh('2026-10-10 00:00').toISOString() });
    const overlap = await api('POST', '/api/delegations', { principal: 'zhaolei', delegate: 'chenjie', lastDay: '2026-10-08' });
    expect(overlap).toMatchObject({ status: 409, body: { code: 'overlap' } });
    const cycle = await api('POST', '/api/delegations', { principal: 'sunli', delegate: 'zhaolei', lastDay: '2026-10-01' });
    expect(cycle).toMatchObject({ status: 409, body: { code: 'cycle' } });
    expect((await api('POST', '/api/delegations', { principal: 'zhaolei', delegate: 'sunli' })).status).toBe(400);
    const list = await api('GET', '/api/delegations?person=sunli');
    expect((list.body.delegations as unknown[]).length).toBe(1);
    const id = (created.body.delegation as { id: string }).id;
    expect((await api('DELETE', `/api/delegations/${id}`)).body).toEqual({ cancelled: true });
    expect((await api('DELETE', `/api/delegations/${id}`)).body).toEqual({ cancelled: false });
    expect(((await api('GET', '/api/delegations?person=sunli')).body.delegations as unknown[]).length).toBe(0);
  });
});

describe('a leaver whose hand-over was cut short', () => {
  it('the housekeeping sweep hands their open tasks over, once, and leaves people in the organisation alone', async () => {
    const r = await event('liming', '冬季团建');
    expect((await load(r.id)).steps[0]!.approvers).toEqual(['liuyang']);
    // The directory changed and the mirror marked 刘洋 inactive, but the process died before the hand-over.
    t.app.dir.replace(orgWithout((o) => ({
      ...o,
      people: o.people.filter((p) => p.id !== 'liuyang'),
      departments: o.departments.map((d) => (d.id === 'east-marketing' ? { ...d, lead: undefined } : d)),
      rooms: o.rooms.map((x) => ({ ...x, members: x.members.filter((m) => m !== 'liuyang') })),
    })));
    await syncOrganisation(t.app.database.db, t.app.dir);
    try {
      const swept = await t.app.handover.sweepLeavers();
      expect(swept?.handedOver).toEqual([expect.objectContaining({ personId: 'liuyang', to: 'zhouqiang', reason: 'left' })]);
      expect((await load(r.id)).steps.map((s) => s.approvers)).toEqual([['zhouqiang'], ['zhouqiang']]);
      expect(await openTasksOf(t.app.database.db, 'liuyang')).toEqual([]);
      // Nothing left to sweep: a second run does nothing.
      expect(await t.app.handover.sweepLeavers()).toBeUndefined();
    } finally {
      t.app.dir.replace(original);
      await syncOrganisation(t.app.database.db, t.app.dir);
    }
    // Back in the organisation: an open task of an active person is never swept.
    const again = await event('liming', '春季团建');
    expect(await t.app.handover.sweepLeavers()).toBeUndefined();
    expect((await load(again.id)).steps[0]!.approvers).toEqual(['liuyang']);
  });
});
