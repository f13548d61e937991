// Outbound DingTalk against the fake open API: card instances, updates, robot messages,
// the token cache, error mapping and pacing.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeAction, type Card } from '../../cards/model.js';
import { DeliveryError } from '../../src/channels/channel.js';
import { createDingtalkChannel, type DingtalkChannel, type DingtalkChannelOptions } from '../../src/channels/dingtalk/index.js';
import { loadConfig } from '../../src/config.js';
import type { CardMessage } from '../../src/store/card-messages-repo.js';
import { channelDeps } from '../support/channel-deps.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeDingtalk, type FakeDingtalkServer } from '../fakes/dingtalk-server.js';
import { busiest } from '../fakes/rate-limits.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const basePrefix = `t-${process.pid}-${Math.random().toString(36).slice(2)}`;
let run = 0;

let api: FakeDingtalkServer;
let redis: Redis;

function makeChannel(env: Record<string, string> = {}, opts: DingtalkChannelOptions = {}, prefix = `${basePrefix}-${++run}`): DingtalkChannel {
  const config = loadConfig({
    DINGTALK_CLIENT_ID: FAKE_CLIENT_ID,
    DINGTALK_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    DINGTALK_BASE_URL: api.url,
    DINGTALK_MODE: 'stream',
    DINGTALK_CARD_TEMPLATE_APPROVAL: 'tpl-approval.schema',
    DINGTALK_CARD_TEMPLATE_NOTICE: 'tpl-notice.schema',
    ...env,
  });
  const deps = channelDeps(config, redis, prefix);
  return createDingtalkChannel(deps, opts);
}

const card: Card = {
  kind: 'approval',
  title: '活动申请 A-7｜季度团建',
  status: { text: '审批中 · 部门负责人', tone: 'pending' },
  fields: [{ label: '申请人', value: '李明（市场部）' }],
  markdown: '● 部门负责人：王芳',
  buttons: [
    { label: '同意', style: 'primary', action: { a: 'approve', r: 'req-7', s: 'st-1' } },
    { label: '驳回', style: 'danger', action: { a: 'reject', r: 'req-7', s: 'st-1' }, needsReason: true },
  ],
};

const row = (over: Partial<CardMessage>): CardMessage =>
  ({ id: 1, requestId: 'req-7', cardKind: 'approval', platform: 'dingtalk', targetType: 'chat', targetId: 'cid_east_approvals', messageId: null, trackId: null, responseCode: null, renderedVersion: 1, status: 'sent', ...over }) as CardMessage;

async function rejection(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  api = await startFakeDingtalk();
});

beforeEach(() => {
  api.clearFailures();
  expect(api.shapeErrors).toEqual([]);
});

afterAll(async () => {
  await api.close();
  const keys = await redis.keys(`${basePrefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('dingtalk sending', () => {
  it('delivers an approval card to a group as a card instance with string params', async () => {
    const ch = makeChannel();
    const sent = await ch.sendCard({ type: 'chat', id: 'cid_east_approvals' }, card, { requestId: 'req-7', idempotencyKey: 'card-req-7-dingtalk-chat-cid' });
    expect(sent.trackId).toMatch(/^qp[0-9a-f]{40}$/);
    const req = api.requests.filter((r) => r.path === '/v1.0/card/instances/createAndDeliver').at(-1)!;
    expect(req.headers['x-acs-dingtalk-access-token']).toMatch(/^tok-/);
    expect(req.body).toMatchObject({
      cardTemplateId: 'tpl-approval.schema',
      outTrackId: sent.trackId,
      callbackType: 'STREAM',
      openSpaceId: 'dtv1.card//IM_GROUP.cid_east_approvals',
      imGroupOpenDeliverModel: { robotCode: FAKE_CLIENT_ID },
    });
    const instance = api.cards.get(sent.trackId!)!;
    expect(Object.values(instance.params).every((v) => typeof v === 'string')).toBe(true);
    const buttons = JSON.parse(instance.params.buttons!) as Array<{ action: string }>;
    expect(decodeAction(buttons[0]!.action)).toEqual({ a: 'approve', r: 'req-7', s: 'st-1' });
    expect(api.shapeErrors).toEqual([]);
  });

  it('delivers to a person through the robot DM space', async () => {
    const ch = makeChannel();
    const sent = await ch.sendCard({ type: 'user', id: 'dt_wangfang' }, card, { requestId: 'req-7', idempotencyKey: 'card-req-7-dingtalk-user-dt_wangfang' });
    expect(api.cards.get(sent.trackId!)).toMatchObject({ openSpaceId: 'dtv1.card//IM_ROBOT.dt_wangfang' });
    const req = api.requests.filter((r) => r.path === '/v1.0/card/instances/createAndDeliver').at(-1)!;
    expect(req.body.imRobotOpenDeliverModel).toMatchObject({ spaceType: 'IM_ROBOT' });
  });

  it('a retried send returns the same outTrackId without delivering twice', async () => {
    const ch = makeChannel();
    const o = { requestId: 'req-8', idempotencyKey: 'card-req-8-dingtalk-user-dt_zhaolei' };
    const a = await ch.sendCard({ type: 'user', id: 'dt_zhaolei' }, card, o);
    const count = api.requests.filter((r) => r.path === '/v1.0/card/instances/createAndDeliver').length;
    const b = await ch.sendCard({ type: 'user', id: 'dt_zhaolei' }, card, o);
    expect(b.trackId).toBe(a.trackId);
    expect(api.requests.filter((r) => r.path === '/v1.0/card/instances/createAndDeliver').length).toBe(count);
  });

  it('a retry after a lost reply finds the card the first attempt created', async () => {
    const ch = makeChannel();
    const o = { requestId: 'req-lost', idempotencyKey: 'card-req-lost' };
    const target = { type: 'chat' as const, id: 'cid_lost' };
    api.fail('/v1.0/card/instances/createAndDeliver', 502, { code: 'BadGateway' }, 1, { after: true });
    expect(await rejection(ch.sendCard(target, card, o))).toMatchObject({ permanent: false });
    expect(api.cards.size).toBeGreaterThan(0);
    const again = await ch.sendCard(target, card, o);
    expect(api.cards.get(again.trackId!)).toMatchObject({ openSpaceId: 'dtv1.card//IM_GROUP.cid_lost' });
    // A genuinely bad request is still a permanent failure on its retry.
    api.fail('/v1.0/card/instances/createAndDeliver', 400, { code: 'param.invalid' }, 2);
    const bad = { requestId: 'req-bad', idempotencyKey: 'card-req-bad' };
    expect(await rejection(ch.sendCard(target, card, bad))).toMatchObject({ permanent: true });
    expect(await rejection(ch.sendCard(target, card, bad))).toMatchObject({ permanent: true, code: 'param.invalid' });
  });

  it('uses the notice template for a card without actions', async () => {
    const ch = makeChannel();
    const sent = await ch.sendCard({ type: 'chat', id: 'cid_hq_review' }, { ...card, buttons: [] }, { requestId: 'req-7', idempotencyKey: 'notice-1' });
    expect(api.cards.get(sent.trackId!)!.cardTemplateId).toBe('tpl-notice.schema');
  });

  it('updates a card for everyone with one PUT by outTrackId', async () => {
    const ch = makeChannel();
    const sent = await ch.sendCard({ type: 'chat', id: 'cid_east_approvals' }, card, { requestId: 'req-9', idempotencyKey: 'card-req-9' });
    await ch.updateCard(row({ trackId: sent.trackId! }), { ...card, status: { text: '已通过', tone: 'approved' }, buttons: [] });
    const put = api.requests.filter((r) => r.method === 'PUT' && r.path === '/v1.0/card/instances').at(-1)!;
    expect(put.body).toMatchObject({ outTrackId: sent.trackId, cardUpdateOptions: { updateCardDataByKey: true } });
    const instance = api.cards.get(sent.trackId!)!;
    expect(instance.updates).toBe(1);
    expect(instance.params).toMatchObject({ status: '已通过', hasButtons: 'false', buttons: '[]', hasForm: 'false' });
  });

  it('sends text to groups and people as sampleMarkdown robot messages', async () => {
    const ch = makeChannel();
    await ch.sendText({ type: 'chat', id: 'cid_east_approvals' }, '第一行\n第二行', { idempotencyKey: 'txt-1' });
    await ch.sendText({ type: 'user', id: 'dt_liming' }, '你的申请已通过', { idempotencyKey: 'txt-2' });
    await ch.sendText({ type: 'user', id: 'dt_liming' }, '你的申请已通过', { idempotencyKey: 'txt-2' }); // a retry
    expect(api.groupMessages.at(-1)).toMatchObject({ robotCode: FAKE_CLIENT_ID, openConversationId: 'cid_east_approvals', msgKey: 'sampleMarkdown' });
    expect(JSON.parse(api.groupMessages.at(-1)!.msgParam as string)).toEqual({ title: '第一行', text: '第一行  \n第二行' });
    expect(api.userMessages.filter((m) => (m.userIds as string[])[0] === 'dt_liming')).toHaveLength(1);
  });

  it('without a template, posts the card as markdown and reports the update as a fallback', async () => {
    const ch = makeChannel({ DINGTALK_CARD_TEMPLATE_APPROVAL: '', DINGTALK_CARD_TEMPLATE_NOTICE: '' });
    const sent = await ch.sendCard({ type: 'chat', id: 'cid_hq_review' }, card, { requestId: 'req-10', idempotencyKey: 'card-req-10' });
    expect(sent).toEqual({});
    expect(JSON.parse(api.groupMessages.at(-1)!.msgParam as string).text).toContain('季度团建');
    const result = await ch.updateCard(row({ targetId: 'cid_hq_review' }), { ...card, status: { text: '已通过', tone: 'approved' }, buttons: [] });
    expect(result).toEqual({ fellBack: true });
    expect(JSON.parse(api.groupMessages.at(-1)!.msgParam as string).text).toContain('已通过');
  });

  it('caches the access token in Redis across channel instances', async () => {
    const prefix = `${basePrefix}-shared`;
    const issued = api.tokensIssued;
    await makeChannel({}, {}, prefix).sendText({ type: 'chat', id: 'cid_a' }, 'a', { idempotencyKey: 'tok-1' });
    await makeChannel({}, {}, prefix).sendText({ type: 'chat', id: 'cid_a' }, 'b', { idempotencyKey: 'tok-2' });
    expect(api.tokensIssued - issued).toBe(1);
  });

  it('fetches the token once for concurrent calls', async () => {
    const ch = makeChannel();
    const issued = api.tokensIssued;
    await Promise.all([1, 2, 3, 4, 5].map((i) => ch.sendText({ type: 'chat', id: `cid_c${i}` }, 'x', { idempotencyKey: `c-${i}` })));
    expect(api.tokensIssued - issued).toBe(1);
  });

  it('refetches a revoked token once and retries the call', async () => {
    const ch = makeChannel();
    await ch.sendText({ type: 'chat', id: 'cid_r' }, 'before', { idempotencyKey: 'r-1' });
    api.revokeTokens();
    const issued = api.tokensIssued;
    await ch.sendText({ type: 'chat', id: 'cid_r' }, 'after', { idempotencyKey: 'r-2' });
    expect(api.tokensIssued - issued).toBe(1);
    expect(JSON.parse(api.groupMessages.at(-1)!.msgParam as string).text).toBe('after');
  });

  it('maps DingTalk errors: 5xx and throttling transient, other 4xx permanent', async () => {
    const ch = makeChannel();
    const target = { type: 'chat' as const, id: 'cid_err' };
    api.fail('/v1.0/robot/groupMessages/send', 500, { code: 'ServiceUnavailable', message: 'busy' });
    expect(await rejection(ch.sendText(target, 'x', { idempotencyKey: 'e-1' }))).toMatchObject({ permanent: false, code: 'ServiceUnavailable' });
    api.fail('/v1.0/robot/groupMessages/send', 403, { code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', message: 'qps' });
    expect(await rejection(ch.sendText(target, 'x', { idempotencyKey: 'e-2' }))).toMatchObject({ permanent: false, code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi' });
    api.fail('/v1.0/card/instances/createAndDeliver', 400, { code: 'param.invalid', message: 'bad template' });
    expect(await rejection(ch.sendCard(target, card, { requestId: 'r', idempotencyKey: 'e-3' }))).toMatchObject({ permanent: true, code: 'param.invalid' });
    api.invalidStaff.add('dt_gone');
    expect(await rejection(ch.sendText({ type: 'user', id: 'dt_gone' }, 'x', { idempotencyKey: 'e-4' }))).toMatchObject({ permanent: true, code: 'invalid_staff_id' });
    expect(await rejection(ch.sendCard({ type: 'user', id: 'dt_gone' }, card, { requestId: 'r', idempotencyKey: 'e-5' }))).toMatchObject({ permanent: true, code: 'deliver_failed' });
    api.flowControlled.add('dt_busy');
    expect(await rejection(ch.sendText({ type: 'user', id: 'dt_busy' }, 'x', { idempotencyKey: 'e-6' }))).toMatchObject({ permanent: false, code: 'flow_controlled' });
    expect(await rejection(ch.updateCard(row({ trackId: 'qp-unknown' }), card))).toMatchObject({ permanent: true, code: 'param.cardNotExist' });
  });

  it('paces sends per target and fails transiently when the next slot is far', async () => {
    const ch = makeChannel({}, { pace: { capacity: 2, perMinute: 2, maxWaitMs: 100 } });
    const target = { type: 'chat' as const, id: 'cid_paced' };
    await ch.sendText(target, '1', { idempotencyKey: 'p-1' });
    await ch.sendText(target, '2', { idempotencyKey: 'p-2' });
    expect(await rejection(ch.sendText(target, '3', { idempotencyKey: 'p-3' }))).toMatchObject({ permanent: false, code: 'paced' });
    // Another target has its own bucket.
    await ch.sendText({ type: 'chat', id: 'cid_other' }, '1', { idempotencyKey: 'p-4' });
  });

  it('paces each API at 20 calls per second for the app: a burst of card updates is never refused', async () => {
    // A fake that enforces DingTalk's limit (403 QpsLimitForAppkeyAndApi beyond 20/s per API).
    const limited = await startFakeDingtalk({ realism: { limits: true } });
    try {
      const ch = makeChannel({ DINGTALK_BASE_URL: limited.url });
      const sent = await Promise.all(Array.from({ length: 30 }, (_, i) => ch.sendCard({ type: 'user', id: `dt_burst${i}` }, card, { requestId: `req-b${i}`, idempotencyKey: `burst-${i}` })));
      const done = { ...card, status: { text: '已通过', tone: 'approved' as const }, buttons: [] };
      await Promise.all(sent.map((s, i) => ch.updateCard(row({ id: i + 1, trackId: s.trackId! }), done)));
      expect(limited.limits.refused).toEqual([]);
      const puts = limited.requests.filter((r) => r.method === 'PUT' && r.path === '/v1.0/card/instances');
      expect(puts.length).toBeGreaterThanOrEqual(30);
      expect([...limited.cards.values()].filter((c) => c.params.status === '已通过')).toHaveLength(30);
      // Without pacing all 30 would go at once; the documented 20/s is what holds them back.
      expect(busiest(puts.map((r) => r.at), 1000)).toBeLessThanOrEqual(20);
    } finally {
      await limited.close();
    }
  });
});
