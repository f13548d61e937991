// Feishu's approval centre (三方审批) through the whole app against the fake Feishu, via the
// real SDK: the definition at start-up, every request mirrored as an external instance (created,
// each decision, transfer, withdraw), the centre's approve / reject callback deciding through the
// same core as a card click (every chat card PATCHed), a batch of 20 approved in one go, the
// documented errors (1395001, 429) retried, and external_instances/check reconciling.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardMessages, decisions } from '../../src/store/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENT_FORM, simClient } from '../support/sim-client.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-server.js';

const APP_ID = 'cli_00000000000ac001';
const SECRET = 'centre-secret';
const CB_TOKEN = 'centre-callback-token-0001';
const CB_KEY = 'centre-callback-key';

let t: TestApp;
let fake: FakeFeishu;

beforeAll(async () => {
  fake = await startFakeFeishu({ appId: APP_ID, appSecret: SECRET, botOpenId: 'ou_bot' });
  t = await startTestApp({
    SIMULATOR: 'on',
    FEISHU_APP_ID: APP_ID,
    FEISHU_APP_SECRET: SECRET,
    FEISHU_VERIFICATION_TOKEN: 'vt',
    FEISHU_BASE_URL: fake.url,
    PUBLIC_URL: 'https://qianpi.example.com',
    FEISHU_APPROVAL_CENTRE: 'on',
    FEISHU_APPROVAL_CALLBACK_TOKEN: CB_TOKEN,
    FEISHU_APPROVAL_CALLBACK_KEY: CB_KEY,
  });
});

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

async function submit(): Promise<string> {
  const before = new Set(fake.approval.instances.keys());
  const r = await simClient(t.url).act('liming', null, { a: 'submit', t: 'event' }, EVENT_FORM);
  expect(r.body.status).toBe('accepted');
  await t.idle();
  const id = [...fake.approval.instances.keys()].find((k) => !before.has(k));
  expect(id, 'the new request is an instance in the centre').toBeDefined();
  return id!;
}
const inst = (id: string) => fake.approval.instances.get(id)!;
const taskOf = (id: string, openId: string, status = 'PENDING') => inst(id).task_list.find((x) => x.open_id === openId && x.status === status);

describe('feishu approval centre', () => {
  it('defines our approval at start-up: callback URL, token, key, batch approval', () => {
    const def = fake.approval.definitions.get('qianpi-approval')!;
    expect(def).toBeDefined();
    expect(def.external).toMatchObject({
      action_callback_url: 'https://qianpi.example.com/webhooks/feishu/approval-centre',
      action_callback_token: CB_TOKEN,
      action_callback_key: CB_KEY,
      allow_batch_operate: true,
      enable_quick_operate: true,
    });
    expect(def.viewers).toEqual([{ viewer_type: 'TENANT' }]);
  });

  it("mirrors a request's life and takes the centre's approval like a card click", async () => {
    const id = await submit();
    expect(inst(id)).toMatchObject({ status: 'PENDING', title: '冬季车主答谢会' });
    const lead = taskOf(id, 'ou_liuyang')!;
    expect(lead).toBeDefined();
    expect(fake.approval.pendingFor('ou_liuyang').some((p) => p.instance.instance_id === id)).toBe(true);

    // 刘洋 approves in Feishu's centre (callback encrypted with the definition's key).
    const res = await fake.approval.act(t.url, id, lead.task_id, 'APPROVE', { reason: '同意，注意安全' });
    expect(res.status).toBe(200);
    await t.idle();
    const made = await t.app.database.db.select().from(decisions).where(eq(decisions.requestId, id));
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ personId: 'liuyang', decision: 'approve', platform: 'feishu' });
    // The same core as a card click: every Feishu chat copy of the card was PATCHed.
    const copies = (await t.app.database.db.select().from(cardMessages).where(eq(cardMessages.requestId, id))).filter((m) => m.platform === 'feishu');
    expect(copies.length).toBeGreaterThanOrEqual(2);
    for (const c of copies) expect(fake.messages.get(c.messageId!)!.patches.length, `${c.targetType} ${c.targetId}`).toBeGreaterThanOrEqual(1);
    // The centre shows the decision and the next step's task; the lead's list no longer has it.
    expect(taskOf(id, 'ou_liuyang', 'APPROVED')).toBeDefined();
    expect(fake.approval.pendingFor('ou_liuyang').some((p) => p.instance.instance_id === id)).toBe(false);
    const { request } = await simClient(t.url).request(id);
    if (request.status === 'pending') expect(inst(id).task_list.some((x) => x.status === 'PENDING' && x.open_id !== 'ou_liuyang')).toBe(true);
    else expect(inst(id).status, request.status).toBe('APPROVED');

    // The same callback again (Feishu's retry) changes nothing and is answered OK.
    const again = await fake.approval.act(t.url, id, lead.task_id, 'APPROVE').catch((e: Error) => e);
    expect(again).toBeInstanceOf(Error); // the centre no longer offers it
  });

  it('transfer closes the old task and opens one for the new approver; withdraw cancels the instance', async () => {
    const id = await submit();
    const { request } = await simClient(t.url).request(id);
    const step = request.steps[request.current!]!;
    const tr = await t.app.approvals.act(id, { type: 'transfer', stepId: step.id, to: 'hanmei' }, { personId: 'liuyang', platform: 'feishu' });
    expect(tr.ok).toBe(true);
    await t.app.relay.relay();
    await t.idle();
    expect(taskOf(id, 'ou_liuyang', 'TRANSFERRED')).toBeDefined();
    expect(taskOf(id, 'ou_hanmei')).toBeDefined();

    const w = await t.app.approvals.act(id, { type: 'withdraw' }, { personId: 'liming', platform: 'local' });
    expect(w.ok).toBe(true);
    await t.idle();
    expect(inst(id).status).toBe('CANCELED');
    expect(inst(id).task_list.every((x) => x.status !== 'PENDING')).toBe(true);
    expect(inst(id).history).toEqual(['PENDING', 'PENDING', 'CANCELED']);
  });

  it('a reject from the centre needs no chat: the reason is recorded and the instance ends REJECTED', async () => {
    const id = await submit();
    const lead = taskOf(id, 'ou_liuyang')!;
    expect((await fake.approval.act(t.url, id, lead.task_id, 'REJECT', { reason: '预算过高' })).status).toBe(200);
    await t.idle();
    const made = await t.app.database.db.select().from(decisions).where(eq(decisions.requestId, id));
    expect(made[0]).toMatchObject({ personId: 'liuyang', decision: 'reject' });
    expect(inst(id).status).toBe('REJECTED');
  });

  it('refuses a callback with the wrong token, and an unknown task', async () => {
    const id = await submit();
    const lead = taskOf(id, 'ou_liuyang')!;
    const bad = await fake.approval.act(t.url, id, lead.task_id, 'APPROVE', { token: 'not-the-token-at-all' });
    expect(bad.status).toBe(401);
    await t.idle();
    expect(await t.app.database.db.select().from(decisions).where(eq(decisions.requestId, id))).toHaveLength(0);
    expect(taskOf(id, 'ou_liuyang')).toBeDefined();
  });

  it('a batch of 20 approved from the centre in one go: 20 decisions, 20 instances moved on', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await submit());
    const answers = await Promise.all(ids.map((id) => fake.approval.act(t.url, id, taskOf(id, 'ou_liuyang')!.task_id, 'APPROVE')));
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
    await t.idle(30_000);
    for (const id of ids) {
      const made = await t.app.database.db.select().from(decisions).where(eq(decisions.requestId, id));
      expect(made, id).toHaveLength(1);
      expect(taskOf(id, 'ou_liuyang', 'APPROVED'), id).toBeDefined();
    }
    expect(fake.approval.pendingFor('ou_liuyang').filter((p) => ids.includes(p.instance.instance_id))).toHaveLength(0);
  });

  it('"synced too often" (1395001) and the 50/s limit (429) are retried until the centre has the change', async () => {
    fake.approval.tooOftenNext(1);
    fake.approval.rateLimitNext(1);
    const before = new Set(fake.approval.instances.keys());
    const r = await simClient(t.url).act('liming', null, { a: 'submit', t: 'event' }, EVENT_FORM);
    expect(r.body.status).toBe('accepted');
    await t.idle(30_000);
    const id = [...fake.approval.instances.keys()].find((k) => !before.has(k));
    expect(id).toBeDefined();
    expect(taskOf(id!, 'ou_liuyang')).toBeDefined();
  });

  it('external_instances/check finds an instance Feishu lost, and the reconcile syncs it again', async () => {
    const id = await submit();
    fake.approval.forget(id);
    await t.app.centres!.reconcile();
    await t.idle();
    expect(fake.approval.instances.get(id)?.status).toBe('PENDING');
    expect(fake.apiRequests(/external_instances\/check$/).length).toBeGreaterThanOrEqual(1);
  });
});
