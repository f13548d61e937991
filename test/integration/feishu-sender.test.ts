// Outbound through the real SDK pointed at the fake Feishu: send / update / text, the uuid,
// the token cache and its refresh on 99991663, error mapping, and per-target pacing in Redis.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Card } from '../../cards/model.js';
import { DeliveryError } from '../../src/channels/channel.js';
import { createFeishuChannel, type FeishuChannel } from '../../src/channels/feishu/index.js';
import { BODY_LIMIT_BYTES, feishuUuid, RESEND_AFTER_MS } from '../../src/channels/feishu/sender.js';
import { actionFromName } from '../../src/channels/feishu/form-names.js';
import { loadConfig } from '../../src/config.js';
import { forEachLimit } from '../../src/util/for-each-limit.js';
import type { CardMessage } from '../../src/store/card-messages-repo.js';
import { channelDeps } from '../support/channel-deps.js';
import { FEISHU_BODY_LIMIT, startFakeFeishu, type FakeFeishu } from '../fakes/feishu-server.js';
import { busiest } from '../fakes/rate-limits.js';

const APP_ID = 'cli_0123456789abcdef';
const SECRET = 'app-secret';
const prefix = `t-${process.pid}-${Math.random().toString(36).slice(2)}`;

const card = (status: 'pending' | 'approved' = 'pending'): Card => ({
  kind: 'approval',
  title: '活动申请 EV-2026-0001｜春季团建',
  status: { text: status === 'pending' ? '审批中 · 部门负责人' : '已通过', tone: status },
  fields: [
    { label: '申请人', value: '陈杰（华东销售部）' },
    { label: '预算', value: '¥12,000.00' },
  ],
  markdown: '● 部门负责人：赵磊',
  buttons:
    status === 'pending'
      ? [
          { label: '同意', style: 'primary', action: { a: 'approve', r: 'req-1', s: 'step-1' } },
          { label: '驳回', style: 'danger', action: { a: 'reject', r: 'req-1', s: 'step-1' }, needsReason: true },
        ]
      : [],
  footer: '更新于 2026-05-01 10:00',
});

const row = (messageId: string | null, over: Partial<CardMessage> = {}): CardMessage => ({
  id: 1,
  requestId: '00000000-0000-0000-0000-000000000001',
  cardKind: 'approval',
  platform: 'feishu',
  targetType: 'user',
  targetId: 'ou_zhaolei',
  personId: 'zhaolei',
  roomId: null,
  messageId,
  trackId: null,
  responseCode: null,
  responseCodeAt: null,
  renderedVersion: 1,
  status: 'sent',
  lastError: null,
  createdAt: new Date(),
  updatedAt: new Date(),
  ...over,
});

let userSeq = 0;
/** Distinct targets keep the per-target pacer out of tests that are not about it. */
const uniqueUser = () => `ou_t${++userSeq}`;

const creates = (fake: FakeFeishu) => fake.apiRequests(/^\/open-apis\/im\/v1\/messages$/);

describe('feishu sender against the fake Feishu', () => {
  let fake: FakeFeishu;
  let redis: Redis;
  let channel: FeishuChannel;

  const build = (perTargetPerSecond?: number, env: Record<string, string> = {}) => {
    const config = loadConfig({ FEISHU_APP_ID: APP_ID, FEISHU_APP_SECRET: SECRET, FEISHU_VERIFICATION_TOKEN: 'vt', FEISHU_BASE_URL: `${fake.url}/`, ...env });
    const deps = channelDeps(config, redis, prefix);
    return createFeishuChannel(deps, perTargetPerSecond ? { perTargetPerSecond } : {});
  };

  beforeAll(async () => {
    fake = await startFakeFeishu({ appId: APP_ID, appSecret: SECRET });
    redis = new Redis('redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    // A fresh channel per test: a cold token cache each time.
    channel = build();
  });

  it('paces card PATCHes per message and per API, not per chat: the documented limits bind, and none is refused', async () => {
    // A fake that enforces Feishu's limits: 5/s per chat for sends, 5/s per message for PATCHes,
    // 50/s per API for the app (230020 / HTTP 429 99991400 beyond).
    const limited = await startFakeFeishu({ appId: APP_ID, appSecret: SECRET, realism: { limits: true } });
    try {
      const config = loadConfig({ FEISHU_APP_ID: APP_ID, FEISHU_APP_SECRET: SECRET, FEISHU_VERIFICATION_TOKEN: 'vt', FEISHU_BASE_URL: limited.url });
      const ch = createFeishuChannel(channelDeps(config, redis, `${prefix}:limits`));
      const patches = () => limited.requests.filter((r) => r.method === 'PATCH');
      const done = card('approved');
      // Ten cards in one room (sent at the room's 5/s), then all ten updated at once: the
      // per-chat send limit must not hold the PATCHes back, so more than 5 land within a second.
      const room = `oc_room_${Date.now()}`;
      const inRoom = await Promise.all(Array.from({ length: 10 }, (_, i) => ch.sendCard({ type: 'chat', id: room }, card(), { requestId: `r${i}`, idempotencyKey: `room-${room}-${i}` })));
      limited.reset();
      await Promise.all(inRoom.map((m, i) => ch.updateCard(row(m.messageId!, { id: 100 + i, targetType: 'chat', targetId: room }), done)));
      expect(patches()).toHaveLength(10);
      expect(busiest(patches().map((r) => r.at), 1000)).toBeGreaterThan(5);
      // One card updated eight times: at most 5 PATCHes of it in any second.
      limited.reset();
      await Promise.all(Array.from({ length: 8 }, () => ch.updateCard(row(inRoom[0]!.messageId!, { id: 100, targetType: 'chat', targetId: room }), done)));
      expect(busiest(patches().map((r) => r.at), 1000)).toBeLessThanOrEqual(5);
      // Sixty cards (to sixty people) updated by eight workers (the delivery queue's concurrency):
      // at most 50 PATCHes in any second for the app.
      const many = [];
      for (let i = 0; i < 60; i++) many.push(await ch.sendCard({ type: 'user', id: uniqueUser() }, card(), { requestId: `m${i}`, idempotencyKey: `many-${room}-${i}` }));
      limited.reset();
      await forEachLimit([...many.entries()], 8, async ([i, m]) => void (await ch.updateCard(row(m.messageId!, { id: 200 + i }), done)));
      expect(patches()).toHaveLength(60);
      expect(busiest(patches().map((r) => r.at), 1000)).toBeLessThanOrEqual(50);
      expect(busiest(patches().map((r) => r.at), 1000)).toBeGreaterThan(25);
      expect(limited.limits.refused).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  it('sends a card to a user by open_id with a uuid derived from the idempotency key', async () => {
    const sent = await channel.sendCard({ type: 'user', id: 'ou_zhaolei' }, card(), { requestId: 'req-1', idempotencyKey: 'card-req-1-feishu-user-ou_zhaolei' });
    expect(sent.messageId).toMatch(/^om_/);
    const [req] = creates(fake);
    expect(req!.query.receive_id_type).toBe('open_id');
    expect(req!.headers.authorization).toMatch(/^Bearer t-/);
    const b = req!.body as Record<string, string>;
    expect(b).toMatchObject({ receive_id: 'ou_zhaolei', msg_type: 'interactive', uuid: feishuUuid('card-req-1-feishu-user-ou_zhaolei') });
    expect(b.uuid!.length).toBeLessThanOrEqual(50);
    const content = JSON.parse(b.content!);
    expect(content).toMatchObject({ schema: '2.0', config: { update_multi: true } });
    expect(fake.messages.get(sent.messageId!)).toBeDefined();
  });

  it('is idempotent: the same key sends one message, another key a second one', async () => {
    const target = { type: 'chat' as const, id: 'oc_east_approvals' };
    const a = await channel.sendCard(target, card(), { requestId: 'r', idempotencyKey: 'k-1' });
    const b = await channel.sendCard(target, card(), { requestId: 'r', idempotencyKey: 'k-1' });
    const c = await channel.sendCard(target, card(), { requestId: 'r', idempotencyKey: 'k-2' });
    expect(b.messageId).toBe(a.messageId);
    expect(c.messageId).not.toBe(a.messageId);
    expect(creates(fake).map((r) => r.query.receive_id_type)).toEqual(['chat_id', 'chat_id', 'chat_id']);
  });

  it('updates a sent card in place with PATCH (for every viewer)', async () => {
    const { messageId } = await channel.sendCard({ type: 'user', id: 'ou_zhaolei' }, card(), { requestId: 'r', idempotencyKey: 'k-upd' });
    expect(await channel.updateCard(row(messageId!), card('approved'))).toEqual({});
    const patches = fake.apiRequests(/^\/open-apis\/im\/v1\/messages\/om_/);
    expect(patches).toHaveLength(1);
    expect(patches[0]!.method).toBe('PATCH');
    const updated = JSON.parse(fake.messages.get(messageId!)!.content);
    expect(updated.header.template).toBe('green');
    expect(JSON.stringify(updated)).not.toContain('"callback"');
  });

  it('refuses (permanently) to update a row without a message id', async () => {
    await expect(channel.updateCard(row(null), card())).rejects.toMatchObject({ name: 'DeliveryError', permanent: true });
  });

  it('sends text messages', async () => {
    await channel.sendText({ type: 'user', id: 'ou_chenjie' }, '你的申请已通过', { idempotencyKey: 'txt-1' });
    const b = creates(fake)[0]!.body as Record<string, string>;
    expect(b.msg_type).toBe('text');
    expect(JSON.parse(b.content!)).toEqual({ text: '你的申请已通过' });
    expect(b.uuid).toBe(feishuUuid('txt-1'));
  });

  it('caches the tenant token, with a single fetch for concurrent cold calls', async () => {
    const before = fake.tokensIssued;
    await Promise.all(Array.from({ length: 5 }, (_, i) => channel.sendText({ type: 'user', id: `ou_u${i}` }, 'x', { idempotencyKey: `c-${i}` })));
    await channel.sendText({ type: 'user', id: 'ou_u9' }, 'x', { idempotencyKey: 'c-9' });
    expect(fake.tokensIssued - before).toBe(1);
  });

  for (const status of [200, 400]) {
    it(`on 99991663 (HTTP ${status}) fetches a new token once and retries`, async () => {
      await channel.sendText({ type: 'user', id: uniqueUser() }, 'warm', { idempotencyKey: `w-${status}` });
      const before = fake.tokensIssued;
      fake.revokeTokens(status);
      const sent = await channel.sendCard({ type: 'user', id: uniqueUser() }, card(), { requestId: 'r', idempotencyKey: `after-revoke-${status}` });
      expect(sent.messageId).toMatch(/^om_/);
      expect(fake.tokensIssued - before).toBe(1);
      const tries = creates(fake).slice(-2);
      expect(tries.map((r) => r.headers.authorization)).toHaveLength(2);
      expect(tries[0]!.headers.authorization).not.toBe(tries[1]!.headers.authorization);
    });
  }

  it('gives up after one refresh when the token is still refused (transient)', async () => {
    await channel.sendText({ type: 'user', id: uniqueUser() }, 'warm', { idempotencyKey: 'w-twice' });
    fake.revokeTokens();
    fake.failNext({ method: 'POST', path: /^\/open-apis\/im\/v1\/messages$/ }, { status: 200, body: { code: 99991663, msg: 'invalid token' } });
    fake.failNext({ method: 'POST', path: /^\/open-apis\/im\/v1\/messages$/ }, { status: 200, body: { code: 99991663, msg: 'invalid token' } });
    const err = await channel.sendText({ type: 'user', id: uniqueUser() }, 'x', { idempotencyKey: 'twice' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ permanent: false, code: 99991663 });
  });

  const cases: Array<[string, Parameters<FakeFeishu['failNext']>[1], boolean, string | number]> = [
    ['HTTP 500', { status: 500, body: { code: 1000004, msg: 'internal error' } }, false, 1000004],
    ['HTTP 502 without a body', { status: 502, body: 'bad gateway' }, false, 'http_502'],
    ['app rate limit (429, 99991400)', { status: 429, body: { code: 99991400, msg: 'request trigger frequency limit' } }, false, 99991400],
    ['chat rate limit (400, 230020)', { status: 400, body: { code: 230020, msg: 'This operation triggers the frequency limit' } }, false, 230020],
    ['bot not in chat (400, 230002)', { status: 400, body: { code: 230002, msg: 'Bot can NOT be out of the chat.' } }, true, 230002],
    ['code != 0 with HTTP 200', { status: 200, body: { code: 230013, msg: 'Bot has NO availability to this user.' } }, true, 230013],
    ['a dropped connection', 'drop', false, 'ECONNRESET'],
  ];
  for (const [name, reply, permanent, code] of cases) {
    it(`maps ${name} to a ${permanent ? 'permanent' : 'transient'} DeliveryError`, async () => {
      await channel.sendText({ type: 'user', id: uniqueUser() }, 'warm', { idempotencyKey: `warm-${name}` });
      fake.failNext({ method: 'POST', path: /^\/open-apis\/im\/v1\/messages$/ }, reply);
      const err = (await channel.sendCard({ type: 'user', id: uniqueUser() }, card(), { requestId: 'r', idempotencyKey: `fail-${name}` }).catch((e: unknown) => e)) as DeliveryError;
      expect(err).toBeInstanceOf(DeliveryError);
      expect(err.permanent).toBe(permanent);
      if (code === 'ECONNRESET') expect(['ECONNRESET', 'ERR_NETWORK', 'socket hang up']).toContain(err.code);
      else expect(err.code).toBe(code);
    });
  }

  it('reports wrong app credentials as a permanent error with Feishu’s code', async () => {
    const bad = build(undefined, { FEISHU_APP_SECRET: 'wrong' });
    const err = (await bad.sendText({ type: 'user', id: uniqueUser() }, 'x', { idempotencyKey: 'bad' }).catch((e: unknown) => e)) as DeliveryError;
    expect(err).toMatchObject({ permanent: true, code: 10014 });
  });

  it('measures the request body, not the card: a card under 30 KB whose body is over is shortened and sent', async () => {
    // Quotes and backslashes are escaped once more in the body: this card is < 30 KB, its body > 30 KB.
    const quoted: Card = { ...card(), markdown: '● "引号"\\'.repeat(1700) };
    const json = JSON.stringify((await import('../../src/channels/feishu/render.js')).renderCard(quoted, { locale: 'zh-CN' }));
    expect(Buffer.byteLength(json)).toBeLessThan(30 * 1024);
    expect(Buffer.byteLength(JSON.stringify({ receive_id: 'ou_x', msg_type: 'interactive', content: json, uuid: 'u' }))).toBeGreaterThan(30 * 1024);
    const sent = await channel.sendCard({ type: 'user', id: uniqueUser() }, quoted, { requestId: 'r', idempotencyKey: 'quoted' });
    const [req] = creates(fake);
    expect(req!.bytes).toBeLessThanOrEqual(FEISHU_BODY_LIMIT);
    expect(fake.messages.get(sent.messageId!)!.content).toContain('内容较长，卡片已截短');
  });

  it('shortens a card too large for a PATCH body too, and sends a small card whole', async () => {
    const { messageId } = await channel.sendCard({ type: 'user', id: uniqueUser() }, card(), { requestId: 'r', idempotencyKey: 'small-then-huge' });
    expect(fake.messages.get(messageId!)!.content).not.toContain('内容较长');
    const huge: Card = { ...card('approved'), markdown: undefined, fields: Array.from({ length: 60 }, (_, i) => ({ label: `字段${i}`, value: '很长的内容'.repeat(200) })) };
    await channel.updateCard(row(messageId!), huge);
    const patch = fake.apiRequests(/^\/open-apis\/im\/v1\/messages\/om_/).at(-1)!;
    expect(patch.method).toBe('PATCH');
    expect(patch.bytes).toBeLessThanOrEqual(BODY_LIMIT_BYTES);
    expect(fake.messages.get(messageId!)!.content).toContain('内容较长，卡片已截短');
  });

  it('refuses permanently, without calling Feishu, a card that does not fit even shortened', async () => {
    const impossible: Card = { ...card(), title: '很长的标题'.repeat(3000) };
    await expect(channel.sendCard({ type: 'user', id: uniqueUser() }, impossible, { requestId: 'r', idempotencyKey: 'huge' })).rejects.toMatchObject({ permanent: true, code: 'card_too_large' });
    expect(creates(fake)).toHaveLength(0);
  });

  it('renders reject / send back as form buttons the fake (as strict as Feishu) accepts, and a click on one names its action', async () => {
    const { messageId } = await channel.sendCard({ type: 'chat', id: 'oc_forms' }, card(), { requestId: 'r', idempotencyKey: 'form-buttons' });
    const action = fake.clickAction(messageId!, (b) => (b.text as { content: string }).content === '驳回', { reason: '预算超标' });
    expect(action.value).toBeUndefined();
    expect(actionFromName(action.name)).toEqual({ a: 'reject', r: 'req-1', s: 'step-1' });
    expect(fake.clickAction(messageId!, (b) => (b.text as { content: string }).content === '同意').value).toEqual({ a: 'approve', r: 'req-1', s: 'step-1' });
  });

  it('renders a request form whose submit button the fake accepts and whose click names submit or resubmit', async () => {
    const form = (action: { a: string; r?: string; t: string }): Card => ({
      kind: 'form',
      title: '修改活动申请',
      fields: [],
      buttons: [],
      form: { inputs: [{ name: 'title', label: '活动名称', kind: 'text', required: true, value: '春季团建' }], submit: { label: '重新提交', action } },
    });
    for (const action of [{ a: 'submit', t: 'event' }, { a: 'resubmit', r: '0b4c2a4e-1f2d-4c3b-9a8e-7d6c5b4a3f21', t: 'event' }]) {
      const { messageId } = await channel.sendCard({ type: 'user', id: uniqueUser() }, form(action), { requestId: 'r', idempotencyKey: `form-${action.a}` });
      const click = fake.clickAction(messageId!, (b) => b.form_action_type === 'submit', { title: '秋季团建' });
      expect(click).toEqual({ tag: 'button', name: expect.any(String), form_value: { title: '秋季团建' } });
      expect(actionFromName(click.name)).toEqual(action);
    }
  });

  describe('the fake refuses what Feishu documents it refuses', () => {
    const formCard = (button: Record<string, unknown>) =>
      JSON.stringify({ schema: '2.0', config: { update_multi: true }, body: { elements: [{ tag: 'form', name: 'f', elements: [{ tag: 'input', name: 'reason' }, { tag: 'button', text: { tag: 'plain_text', content: '驳回' }, ...button }] }] } });
    const raw = (content: string) => channel.api.createMessage({ receiveIdType: 'open_id', receiveId: uniqueUser(), msgType: 'interactive', content, uuid: `raw-${Math.random()}` });

    it('a form button with behaviors, without a name or without form_action_type: 230099', async () => {
      for (const bad of [
        { name: 'b1', form_action_type: 'submit', behaviors: [{ type: 'callback', value: { a: 'reject' } }] },
        { form_action_type: 'submit' },
        { name: 'b1' },
      ]) {
        await expect(raw(formCard(bad))).rejects.toMatchObject({ permanent: true, code: 230099 });
      }
      await expect(raw(formCard({ name: 'b1', form_action_type: 'submit' }))).resolves.toMatchObject({ messageId: expect.stringMatching(/^om_/) });
    });

    it('a request body over 30 KB: 230025, on send and on PATCH', async () => {
      const big = JSON.stringify({ schema: '2.0', config: { update_multi: true }, body: { elements: [{ tag: 'markdown', content: 'x'.repeat(31 * 1024) }] } });
      await expect(raw(big)).rejects.toMatchObject({ permanent: true, code: 230025 });
      const { messageId } = await raw(formCard({ name: 'b1', form_action_type: 'submit' }));
      await expect(channel.api.patchMessage(messageId, big)).rejects.toMatchObject({ permanent: true, code: 230025 });
    });

    it('a PATCH of a message older than 14 days: 230031', async () => {
      const { messageId } = await raw(formCard({ name: 'b1', form_action_type: 'submit' }));
      fake.ageMessage(messageId, 14 * 24 * 3600_000 + 60_000);
      await expect(channel.api.patchMessage(messageId, formCard({ name: 'b1', form_action_type: 'submit' }))).rejects.toMatchObject({ permanent: true, code: 230031 });
    });
  });

  it('sends a fresh card when Feishu answers 230031 (older than 14 days), and reports it as the copy to update', async () => {
    const target = uniqueUser();
    const { messageId } = await channel.sendCard({ type: 'user', id: target }, card(), { requestId: 'r', idempotencyKey: 'old-card' });
    fake.ageMessage(messageId!, 15 * 24 * 3600_000);
    const result = await channel.updateCard(row(messageId!, { id: 77, targetId: target }), card('approved'));
    expect(result.replaced?.messageId).toMatch(/^om_/);
    expect(result.replaced!.messageId).not.toBe(messageId);
    expect(fake.messages.get(messageId!)!.patches).toHaveLength(0);
    const fresh = fake.messages.get(result.replaced!.messageId!)!;
    expect(fresh).toMatchObject({ receiveIdType: 'open_id', receiveId: target });
    expect(JSON.parse(fresh.content).header.template).toBe('green');
    // A retry of the same update (the record not yet written) does not send a third card.
    const again = await channel.updateCard(row(messageId!, { id: 77, targetId: target }), card('approved'));
    expect(again.replaced?.messageId).toBe(result.replaced!.messageId);
  });

  it('sends a fresh card without trying a PATCH when the recorded copy is close to 14 days old', async () => {
    const target = uniqueUser();
    const { messageId } = await channel.sendCard({ type: 'chat', id: `oc_${target}` }, card(), { requestId: 'r', idempotencyKey: 'nearly-old' });
    fake.reset();
    const old = new Date(Date.now() - RESEND_AFTER_MS - 60_000);
    const result = await channel.updateCard(row(messageId!, { id: 78, targetType: 'chat', targetId: `oc_${target}`, createdAt: old }), card('approved'));
    expect(result.replaced?.messageId).toMatch(/^om_/);
    expect(fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
    expect(creates(fake)[0]!.query.receive_id_type).toBe('chat_id');
    // A younger copy is PATCHed as before.
    expect(await channel.updateCard(row(result.replaced!.messageId!, { id: 78, targetType: 'chat', targetId: `oc_${target}` }), card('approved'))).toEqual({});
  });

  it('paces sends per target in Redis (here 2/s), leaving other targets alone', async () => {
    const paced = build(2);
    const t0 = Date.now();
    await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => paced.sendText({ type: 'chat', id: 'oc_busy' }, `m${i}`, { idempotencyKey: `busy-${i}` })),
      paced.sendText({ type: 'chat', id: 'oc_quiet' }, 'q', { idempotencyKey: 'quiet' }),
    ]);
    const busy = creates(fake).filter((r) => (r.body as { receive_id: string }).receive_id === 'oc_busy');
    const quiet = creates(fake).filter((r) => (r.body as { receive_id: string }).receive_id === 'oc_quiet');
    expect(busy).toHaveLength(6);
    const perSecond = new Map<number, number>();
    for (const r of busy) perSecond.set(Math.floor(r.at / 1000), (perSecond.get(Math.floor(r.at / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(2);
    expect(perSecond.size).toBeGreaterThanOrEqual(3);
    expect(quiet[0]!.at - t0).toBeLessThan(900);
  });
});
