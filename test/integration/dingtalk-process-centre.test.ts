// DingTalk's process centre (OA 审批 三方流程) through the whole app against the fake DingTalk:
// a request's whole life mirrored (instance, a 待办 per approver due at the step's deadline,
// completed on each decision, cancel + create on a transfer, cancelled and terminated on a
// withdrawal), the concurrency and quota refusals retried without a duplicate task; and, with
// Feishu's approval centre configured too, a request approved from Feishu's centre leaves
// DingTalk's 待办 at once.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisions } from '../../src/store/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENT_FORM, simClient } from '../support/sim-client.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeDingtalk, type FakeDingtalkServer } from '../fakes/dingtalk-server.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-server.js';

let t: TestApp;
let dt: FakeDingtalkServer;
let fs: FakeFeishu;

beforeAll(async () => {
  dt = await startFakeDingtalk();
  fs = await startFakeFeishu({ appId: 'cli_00000000000bc001', appSecret: 's', botOpenId: 'ou_bot' });
  t = await startTestApp({
    SIMULATOR: 'on',
    PUBLIC_URL: 'https://qianpi.example.com',
    DINGTALK_CLIENT_ID: FAKE_CLIENT_ID,
    DINGTALK_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    DINGTALK_BASE_URL: dt.url,
    DINGTALK_MODE: 'http',
    DINGTALK_CARD_TEMPLATE_APPROVAL: 'tpl-approval.schema',
    DINGTALK_PROCESS_CENTRE: 'on',
    FEISHU_APP_ID: 'cli_00000000000bc001',
    FEISHU_APP_SECRET: 's',
    FEISHU_VERIFICATION_TOKEN: 'vt',
    FEISHU_BASE_URL: fs.url,
    FEISHU_APPROVAL_CENTRE: 'on',
    FEISHU_APPROVAL_CALLBACK_TOKEN: 'both-centres-token-01',
  });
});

afterAll(async () => {
  await t?.close();
  await dt?.close();
  await fs?.close();
});

async function submit(): Promise<string> {
  const r = await simClient(t.url).act('liming', null, { a: 'submit', t: 'event' }, EVENT_FORM);
  expect(r.body.status).toBe('accepted');
  await t.idle();
  const mine = [...dt.processCentre.instances.values()].at(-1)!;
  return mine.url.split('#/r/')[1]!;
}
const pc = () => dt.processCentre;
const instance = (id: string) => pc().instanceFor(id)!;
const tasksOf = (id: string) => pc().tasksOf(instance(id).processInstanceId);

describe('dingtalk process centre', () => {
  it('creates our template at start-up', () => {
    expect(pc().schemas.size).toBe(1);
  });

  it("mirrors a request's life: instance, a 待办 due at the deadline, completed on the decision", async () => {
    const id = await submit();
    const inst = instance(id);
    expect(inst).toMatchObject({ originatorUserId: 'dt_liming', status: 'RUNNING', url: `https://qianpi.example.com/console#/r/${id}` });
    const { request } = await simClient(t.url).request(id);
    const step = request.steps[request.current!]!;
    const lead = pc().todo('dt_liuyang').find((x) => x.processInstanceId === inst.processInstanceId)!;
    expect(lead).toMatchObject({ activityId: step.id, dueTimestamp: Date.parse(step.dueAt!) });

    const r = await t.app.approvals.act(id, { type: 'approve', stepId: step.id }, { personId: 'liuyang', platform: 'dingtalk' });
    expect(r.ok).toBe(true);
    await t.idle();
    expect(pc().tasks.get(lead.taskId)).toMatchObject({ status: 'COMPLETED', result: 'AGREE' });
    expect(pc().todo('dt_liuyang').some((x) => x.processInstanceId === inst.processInstanceId)).toBe(false);
    const after = (await simClient(t.url).request(id)).request;
    if (after.status === 'approved') expect(instance(id)).toMatchObject({ status: 'COMPLETED', result: 'agree' });
  });

  it('transfer is a cancel plus a create; withdraw cancels what is open and terminates the instance', async () => {
    const id = await submit();
    const { request } = await simClient(t.url).request(id);
    const step = request.steps[request.current!]!;
    expect((await t.app.approvals.act(id, { type: 'transfer', stepId: step.id, to: 'hanmei' }, { personId: 'liuyang', platform: 'dingtalk' })).ok).toBe(true);
    await t.idle();
    const tasks = tasksOf(id);
    expect(tasks.find((x) => x.userId === 'dt_liuyang')?.status).toBe('CANCELED');
    expect(tasks.find((x) => x.userId === 'dt_hanmei')?.status).toBe('RUNNING');

    expect((await t.app.approvals.act(id, { type: 'withdraw' }, { personId: 'liming', platform: 'local' })).ok).toBe(true);
    await t.idle();
    expect(tasksOf(id).every((x) => x.status !== 'RUNNING')).toBe(true);
    expect(instance(id).status).toBe('TERMINATED');
  });

  it('a refused concurrent change and a spent quota are retried later, and no task is created twice', async () => {
    const calls = (path: string) => dt.requests.filter((r) => r.method === 'POST' && r.path === `/v1.0/workflow/processCentres/${path}`).length;
    const before = { instances: calls('instances'), tasks: calls('tasks') };
    dt.fail('/v1.0/workflow/processCentres/tasks', 400, { code: 'integrated.concurrency.error', message: '并发操作同一实例' }, 1);
    dt.fail('/v1.0/workflow/processCentres/instances', 403, { code: 'Forbidden.AccessDenied.QpsLimitForApi', message: 'quota' }, 1);
    const id = await (async () => {
      const r = await simClient(t.url).act('liming', null, { a: 'submit', t: 'event' }, EVENT_FORM);
      expect(r.body.status).toBe('accepted');
      await t.idle(30_000);
      return [...pc().instances.values()].at(-1)!.url.split('#/r/')[1]!;
    })();
    const lead = tasksOf(id).filter((x) => x.userId === 'dt_liuyang');
    expect(lead).toHaveLength(1);
    expect(lead[0]!.status).toBe('RUNNING');
    expect([...pc().instances.values()].filter((i) => i.url.endsWith(id))).toHaveLength(1);
    // Each refusal was met once and retried: two calls of each, one instance and one task made.
    expect({ instances: calls('instances') - before.instances, tasks: calls('tasks') - before.tasks }).toEqual({ instances: 2, tasks: 2 });
  });

  it('done means: one application in both centres, approved from Feishu\'s centre, gone from DingTalk\'s 待办 at once', async () => {
    const id = await submit();
    const feishu = fs.approval.instances.get(id)!;
    expect(feishu.status).toBe('PENDING');
    const running = pc().todo('dt_liuyang').filter((x) => x.processInstanceId === instance(id).processInstanceId);
    expect(running).toHaveLength(1);

    const task = feishu.task_list.find((x) => x.open_id === 'ou_liuyang' && x.status === 'PENDING')!;
    expect((await fs.approval.act(t.url, id, task.task_id, 'APPROVE')).status).toBe(200);
    await t.idle();
    expect(await t.app.database.db.select().from(decisions).where(eq(decisions.requestId, id))).toHaveLength(1);
    expect(pc().tasks.get(running[0]!.taskId)).toMatchObject({ status: 'COMPLETED', result: 'AGREE' });
    expect(pc().todo('dt_liuyang').some((x) => x.processInstanceId === instance(id).processInstanceId)).toBe(false);
    expect(fs.approval.instances.get(id)!.task_list.find((x) => x.task_id === task.task_id)!.status).toBe('APPROVED');
  });
});
