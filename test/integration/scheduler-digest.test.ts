// The daily digest on real Postgres: what each manager is told, once per manager and day (any
// number of runs and replicas), nothing on days off, the all-clear, the on-demand 日报.
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, digestsSent, outbox } from '../../src/store/schema.js';
import { eventPayload, ok } from '../support/core-fixtures.js';
import { uniqueName } from '../support/env.js';
import { fixed, openStack, orgFrom, sh, type Node, type Stack } from './scheduler-harness.js';

let stack: Stack;
const clock = fixed(sh('2027-03-08 10:00'));
const dir = orgFrom({ organisation: { summaryDue: '3wd' } });
let node: Node;
const ids: Record<string, string> = {};
const PROVISIONAL = '2027、2028 年的节假日按法定节假日推算，待国务院公布后校准。';

beforeAll(async () => {
  stack = await openStack();
  node = stack.node(dir, clock, { worker: false });
  const svc = node.approvals;
  const submit = async (key: string, applicantId: string, over: Record<string, unknown>) => {
    ids[key] = ok(await svc.submit({ applicantId, type: 'event', payload: eventPayload({ name: key, ...over }), platform: 'local' })).state.id;
  };
  const approve = (key: string) => svc.act(ids[key]!, { type: 'approve', stepId: 'dept-lead' }, { personId: 'liuyang', platform: 'local' });
  // Monday 03-08: B waits on 刘洋 (due 03-15 10:00: overdue by Wednesday 03-17); C, D, E too.
  await submit('B 老车主沙龙', 'liming', { start: '2027-04-01T02:00:00.000Z', end: '2027-04-01T04:00:00.000Z', location: '杭州' });
  await submit('C 车主讲堂', 'hanmei', { start: sh('2027-03-17 19:00').toISOString(), end: sh('2027-03-17 21:00').toISOString(), location: '杭州门店' });
  await submit('D 秋季答谢会', 'liming', { start: sh('2027-03-10 18:00').toISOString(), end: sh('2027-03-10 21:00').toISOString() });
  await submit('E 周末自驾游', 'hanmei', {});
  clock.set(sh('2027-03-09 10:00'));
  ok(await approve('C 车主讲堂'));
  ok(await approve('D 秋季答谢会'));
  clock.set(sh('2027-03-10 21:00'));
  ok(await svc.advance(ids['D 秋季答谢会']!, 'event_ended')); // summary due 03-15 18:00
  // Monday 03-15: A starts tomorrow (Thursday 03-18) and is not approved yet.
  clock.set(sh('2027-03-15 10:00'));
  await submit('A 试驾日', 'liming', { start: sh('2027-03-18 10:00').toISOString(), end: sh('2027-03-18 12:00').toISOString(), location: '宁波' });
  clock.set(sh('2027-03-16 15:00'));
  ok(await svc.act(ids['E 周末自驾游']!, { type: 'reject', stepId: 'dept-lead', reason: '时间冲突' }, { personId: 'liuyang', platform: 'local' }));
  // The audit clock is the database's; place yesterday's entries on the fake calendar.
  const at = (s: string) => sh(s);
  await stack.database.db.insert(auditLog).values([
    { at: at('2027-03-16 15:00'), requestId: ids['E 周末自驾游']!, action: 'rejected', detail: {} },
    { at: at('2027-03-16 10:00'), requestId: ids['A 试驾日']!, action: 'submitted', detail: {} },
    { at: at('2027-03-16 11:00'), requestId: ids['B 老车主沙龙']!, action: 'submitted', detail: {} },
    { at: at('2027-03-15 11:00'), requestId: ids['C 车主讲堂']!, action: 'submitted', detail: {} },
  ]);
  clock.set(sh('2027-03-17 08:30'));
});
afterAll(() => stack?.close());

const digestRows = async (day: string) =>
  (await stack.database.db.select().from(outbox).where(and(isNull(outbox.requestId), eq(outbox.kind, 'notify'))))
    .filter((r) => r.dedupeKey?.includes(`:${day}:`))
    .map((r) => {
      const p = r.payload as { people: string[]; message: { key: string; params: { text: string } } };
      return { to: p.people.join(), key: p.message.key, text: p.message.params.text };
    });

describe('daily digest', () => {
  it('each manager gets what waits on them, what is late in their departments, events, summaries, decisions and counts', async () => {
    const { date, sent } = await node.scheduler.runDigest();
    expect(date).toBe('2027-03-17');
    // 王芳 (finance) and 赵磊 (HQ marketing) have nothing to hear about today: nothing is sent to them.
    expect(sent).toEqual(['chenjie', 'zhouqiang', 'liuyang']);
    const rows = await digestRows('2027-03-17');
    expect(rows.map((r) => [r.to, r.key])).toEqual([
      ['chenjie', 'digest.message'],
      ['zhouqiang', 'digest.message'],
      ['liuyang', 'digest.message'],
    ]);
    const liuyang = rows.find((r) => r.to === 'liuyang')!.text.split('\n');
    expect(liuyang[0]).toBe('每日摘要 · 2027-03-17');
    expect(liuyang).toContain('【待你审批（2）】');
    expect(liuyang.find((l) => l.includes('B 老车主沙龙'))).toMatch(/^· A-\d{4}「B 老车主沙龙」· 部门负责人审批 · 已等 6 个工作日 8 小时 · 截止 2027-03-15 10:00 · 已超时$/);
    expect(liuyang.find((l) => l.includes('「A 试驾日」· 部门负责人审批'))).toMatch(/· 已等 1 个工作日 8 小时 · 截止 2027-03-22 10:00$/);
    expect(liuyang).toContain('【今天的活动（1）】');
    expect(liuyang.find((l) => l.includes('C 车主讲堂'))).toMatch(/· 19:00 · 杭州门店 · 韩梅$/);
    expect(liuyang.find((l) => l.includes('「A 试驾日」· 10:00'))).toMatch(/· 宁波 · 李明 · 尚未审批通过$/);
    expect(liuyang).toContain('【活动总结逾期（1）】');
    expect(liuyang.find((l) => l.includes('D 秋季答谢会'))).toMatch(/· 李明 · 逾期 1 个工作日$/);
    expect(liuyang).toContain('【昨日办结（1）】');
    expect(liuyang.find((l) => l.includes('E 周末自驾游'))).toMatch(/· 已驳回$/);
    expect(liuyang.at(-3)).toBe('部门在办 2 件（其中超时 1）；昨日新增 2（↑ 前一工作日 1），昨日办结 1（↑ 前一工作日 0）');
    // Neither 2027 nor 2028 has an official arrangement here (chinese-days lacks them): one line says so.
    expect(liuyang.slice(-2)).toEqual(['', PROVISIONAL]);
    // 周强 manages the branch: B is late in his departments (waiting for 刘洋), nothing waits on him.
    const zhouqiang = rows.find((r) => r.to === 'zhouqiang')!.text;
    expect(zhouqiang).not.toContain('待你审批');
    expect(zhouqiang).toMatch(/【部门超时未办（1）】\n· A-\d{4}「B 老车主沙龙」· 部门负责人审批 · 待 刘洋 · 超时 1 个工作日 8 小时$/m);
  });

  it('the on-demand 日报 is the same digest, and sends nothing', async () => {
    const before = (await digestRows('2027-03-17')).length;
    const { digest, text } = await node.scheduler.digestFor('liuyang');
    expect(digest.waiting).toHaveLength(2);
    expect(text).toBe((await digestRows('2027-03-17')).find((r) => r.to === 'liuyang')!.text);
    expect((await digestRows('2027-03-17')).length).toBe(before);
    const nobody = await node.scheduler.digestFor('wangfang');
    expect(nobody).toMatchObject({ digest: { empty: true }, text: `每日摘要 · 2027-03-17：今天没有待你处理或需要关注的事项。\n${PROVISIONAL}` });
  });

  it('once per manager and day: again, and from two replicas at once', async () => {
    expect((await node.scheduler.runDigest()).sent).toEqual([]);
    clock.set(sh('2027-03-18 08:30'));
    const other = stack.node(dir, clock, { worker: false });
    const runs = await Promise.all([node.scheduler.runDigest(), other.scheduler.runDigest(), node.scheduler.runDigest(), other.scheduler.runDigest()]);
    const all = runs.flatMap((r) => r.sent).sort();
    expect(all).toEqual(['chenjie', 'liuyang', 'zhouqiang']);
    expect((await digestRows('2027-03-18')).map((r) => r.to).sort()).toEqual(all);
    const marks = await stack.database.db.select().from(digestsSent).where(eq(digestsSent.day, '2027-03-18'));
    expect(marks).toHaveLength(3);
    await other.stop();
  });

  it('nothing on a day off', async () => {
    clock.set(sh('2027-03-20 08:30')); // Saturday
    expect(await node.scheduler.runDigest()).toEqual({ date: '2027-03-20', sent: [] });
  });

  it('allClear: a one-line all-clear to those with nothing to hear about', async () => {
    clock.set(sh('2027-03-19 08:30'));
    const clear = stack.node(orgFrom({ organisation: { summaryDue: '3wd', digest: { time: '08:30', allClear: true } } }), clock, { worker: false });
    const { sent } = await clear.scheduler.runDigest();
    expect(sent).toEqual(['chenjie', 'zhaolei', 'wangfang', 'zhouqiang', 'liuyang']);
    const rows = await digestRows('2027-03-19');
    expect(rows.find((r) => r.to === 'wangfang')!.text).toBe(`每日摘要 · 2027-03-19：今天没有待你处理或需要关注的事项。\n${PROVISIONAL}`);
    await clear.stop();
  });

  it('a BullMQ job scheduler at organisation.digest.time in the org time zone; a late start catches up', async () => {
    clock.set(sh('2027-03-22 09:15')); // Monday, after 08:30: the worker was down at digest time
    const worker = stack.node(dir, clock, { prefix: uniqueName('ts') });
    await worker.start();
    const scheduler = await worker.scheduler.queue.getJobScheduler('digest');
    expect(scheduler).toMatchObject({ pattern: '30 8 * * *', tz: 'Asia/Shanghai' });
    expect(await worker.scheduler.queue.getJobScheduler('reconcile')).toMatchObject({ every: 60_000 });
    const marks = await stack.database.db.select().from(digestsSent).where(eq(digestsSent.day, '2027-03-22'));
    expect(marks.map((m) => m.managerId).sort()).toEqual(['chenjie', 'liuyang', 'zhouqiang']);
    await worker.stop();
  });
});
