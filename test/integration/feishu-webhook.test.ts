// The Feishu webhook route end to end through Fastify: payloads encrypted and signed here, with
// node:crypto and the documented algorithm, and fed to the real route with fastify.inject.
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IngestResult } from '../../src/channels/channel.js';
import { createFeishuChannel, type FeishuChannel } from '../../src/channels/feishu/index.js';
import { createWebhookHandler, FEISHU_BODY_LIMIT } from '../../src/channels/feishu/receiver.js';
import type { InboundCardAction, InboundEvent, InboundMessage } from '../../src/channels/inbound.js';
import { loadConfig } from '../../src/config.js';
import { createHttpServer } from '../../src/http/server.js';
import { channelDeps } from '../support/channel-deps.js';
import { feishuEncrypt, feishuSignHeaders, startFakeFeishu, type FakeFeishu } from '../fakes/feishu-server.js';

const APP_ID = 'cli_0123456789abcdef';
const SECRET = 'app-secret';
const TOKEN = 'verification-token-xyz';
const KEY = 'encrypt-key-123';
const PATH = '/webhooks/feishu';

const log = pino({ level: 'silent' });
const prefix = `t-${process.pid}-${Math.random().toString(36).slice(2)}`;

interface Harness {
  app: FastifyInstance;
  channel: FeishuChannel;
  events: InboundEvent[];
  next: { result: IngestResult };
}

async function harness(fake: FakeFeishu, redis: Redis, env: Record<string, string>): Promise<Harness> {
  const events: InboundEvent[] = [];
  const next = { result: { status: 'accepted' } as IngestResult };
  const config = loadConfig({ FEISHU_APP_ID: APP_ID, FEISHU_APP_SECRET: SECRET, FEISHU_VERIFICATION_TOKEN: TOKEN, FEISHU_BASE_URL: fake.url, ...env });
  const deps = channelDeps(config, redis, prefix, {
    ingest: async (e) => {
      events.push(e);
      return next.result;
    },
  });
  const channel = createFeishuChannel(deps);
  const app = createHttpServer(log);
  channel.registerRoutes!(app);
  // Another route on the same server: the raw-body parser must not leak onto it.
  app.post('/other', async (req) => ({ got: req.body }));
  await app.ready();
  await channel.start!();
  await channel.botIdentity();
  return { app, channel, events, next };
}

let eventSeq = 0;
const v2 = (type: string, event: Record<string, unknown>, header: Record<string, unknown> = {}) => ({
  schema: '2.0',
  header: { event_id: `ev-${++eventSeq}`, event_type: type, create_time: String(Date.now()), token: TOKEN, app_id: APP_ID, tenant_key: 'tk', ...header },
  event,
});

const textMessage = (text: string, opts: { chatType?: 'p2p' | 'group'; mentions?: unknown[]; sender?: string } = {}) => ({
  sender: { sender_id: { open_id: opts.sender ?? 'ou_chenjie', user_id: 'u1', union_id: 'on_1' }, sender_type: 'user', tenant_key: 'tk' },
  message: {
    message_id: 'om_in_1',
    chat_id: opts.chatType === 'group' ? 'oc_east_approvals' : 'oc_p2p_1',
    chat_type: opts.chatType ?? 'p2p',
    message_type: 'text',
    content: JSON.stringify({ text }),
    create_time: String(Date.now()),
    ...(opts.mentions ? { mentions: opts.mentions } : {}),
  },
});

const cardClick = (value: unknown, formValue?: Record<string, unknown>) => ({
  operator: { open_id: 'ou_zhaolei', user_id: 'u2', union_id: 'on_2', tenant_key: 'tk' },
  token: 'c-card-token',
  action: { value, tag: 'button', ...(formValue ? { form_value: formValue, name: 'btn_reject_1' } : {}) },
  host: 'im_message',
  context: { open_message_id: 'om_card_1', open_chat_id: 'oc_east_approvals' },
});

/** Encrypts and signs a payload the way Feishu does with an Encrypt Key. */
function sealed(payload: unknown, opts: { key?: string; signKey?: string; timestamp?: number } = {}) {
  const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify(payload), opts.key ?? KEY) });
  return { body, headers: { 'content-type': 'application/json; charset=utf-8', ...feishuSignHeaders(body, opts.signKey ?? KEY, opts) } };
}

const post = (h: Harness, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  h.app.inject({ method: 'POST', url: PATH, payload: body, headers });

describe('feishu webhook with an Encrypt Key', () => {
  let fake: FakeFeishu;
  let redis: Redis;
  let h: Harness;

  beforeAll(async () => {
    fake = await startFakeFeishu({ appId: APP_ID, appSecret: SECRET, botOpenId: 'ou_bot' });
    redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
    h = await harness(fake, redis, { FEISHU_ENCRYPT_KEY: KEY });
  });
  afterAll(async () => {
    await h.channel.stop?.();
    await h.app.close();
    redis.disconnect();
    await fake.close();
  });
  beforeEach(() => {
    h.events.length = 0;
    h.next.result = { status: 'accepted' };
  });

  it('answers an encrypted URL challenge (unsigned, checked by token)', async () => {
    const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify({ challenge: 'ch-1', token: TOKEN, type: 'url_verification' }), KEY) });
    const res = await post(h, body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ challenge: 'ch-1' });
  });

  it('refuses a body over the webhook limit with 413 before verifying it', async () => {
    const body = JSON.stringify({ encrypt: 'x'.repeat(FEISHU_BODY_LIMIT + 1) });
    expect((await post(h, body)).statusCode).toBe(413);
    expect(h.events).toHaveLength(0);
  });

  it('refuses a challenge with the wrong verification token', async () => {
    const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify({ challenge: 'ch-2', token: 'nope', type: 'url_verification' }), KEY) });
    expect((await post(h, body)).statusCode).toBe(403);
  });

  it('accepts a signed encrypted message and normalises it (DM)', async () => {
    const p = v2('im.message.receive_v1', textMessage('我的待办'));
    const { body, headers } = sealed(p);
    const res = await post(h, body, headers);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    expect(h.events).toHaveLength(1);
    const e = h.events[0] as InboundMessage;
    expect(e).toMatchObject({ kind: 'message', platform: 'feishu', eventId: 'om_in_1', senderId: 'ou_chenjie', chat: { type: 'dm', id: 'oc_p2p_1' }, text: '我的待办', mentioned: true });
  });

  it('dedupes messages on message_id: the same message redelivered under another event_id is the same event', async () => {
    for (const eventId of ['ev-first', 'ev-redelivered']) {
      const { body, headers } = sealed(v2('im.message.receive_v1', textMessage('我的待办'), { event_id: eventId }));
      expect((await post(h, body, headers)).statusCode).toBe(200);
    }
    expect(h.events.map((e) => e.eventId)).toEqual(['om_in_1', 'om_in_1']);
    // Clicks keep the event id as their key.
    const click = v2('card.action.trigger', cardClick({ a: 'approve', r: 'req-1', s: 'step-1' }));
    const { body, headers } = sealed(click);
    await post(h, body, headers);
    expect(h.events[2]!.eventId).toBe(click.header.event_id);
  });

  it('strips the bot mention in a group and keeps other mentions as @name', async () => {
    const mentions = [
      { key: '@_user_1', id: { open_id: 'ou_bot', union_id: 'on_b' }, name: '签批', tenant_key: 'tk' },
      { key: '@_user_2', id: { open_id: 'ou_sunli', user_id: 'u3', union_id: 'on_3' }, name: '孙丽', tenant_key: 'tk' },
    ];
    const { body, headers } = sealed(v2('im.message.receive_v1', textMessage('@_user_1 转交给 @_user_2', { chatType: 'group', mentions })));
    expect((await post(h, body, headers)).statusCode).toBe(200);
    expect(h.events[0]).toMatchObject({ chat: { type: 'group', id: 'oc_east_approvals' }, text: '转交给 @孙丽', mentioned: true });
  });

  it('ignores a group message that mentions someone else but not the bot', async () => {
    const mentions = [{ key: '@_user_1', id: { open_id: 'ou_sunli' }, name: '孙丽' }];
    const { body, headers } = sealed(v2('im.message.receive_v1', textMessage('@_user_1 你好', { chatType: 'group', mentions })));
    const res = await post(h, body, headers);
    expect(res.statusCode).toBe(200);
    expect(h.events).toHaveLength(0);
  });

  it('hashes the raw bytes: a body with odd spacing and key order still verifies', async () => {
    const enc = feishuEncrypt(JSON.stringify(v2('im.message.receive_v1', textMessage('hi'))), KEY);
    const body = `{ "encrypt" :  "${enc}" ,"x":1 }\n`;
    const res = await post(h, body, { 'content-type': 'application/json', ...feishuSignHeaders(body, KEY) });
    expect(res.statusCode).toBe(200);
    expect(h.events).toHaveLength(1);
  });

  it('refuses a forged signature', async () => {
    const { body, headers } = sealed(v2('im.message.receive_v1', textMessage('hi')), { signKey: 'wrong-key' });
    expect((await post(h, body, headers)).statusCode).toBe(401);
    expect(h.events).toHaveLength(0);
  });

  it('refuses a body changed after signing', async () => {
    const { body, headers } = sealed(v2('im.message.receive_v1', textMessage('hi')));
    expect((await post(h, body.replace('{"encrypt"', '{ "encrypt"'), headers)).statusCode).toBe(401);
  });

  it('refuses a stale timestamp (older than FEISHU_MAX_SKEW_SECONDS)', async () => {
    const { body, headers } = sealed(v2('im.message.receive_v1', textMessage('hi')), { timestamp: Math.floor(Date.now() / 1000) - 2 * 3600 });
    expect((await post(h, body, headers)).statusCode).toBe(401);
    expect(h.events).toHaveLength(0);
  });

  it('refuses an unsigned event', async () => {
    const { body } = sealed(v2('im.message.receive_v1', textMessage('hi')));
    expect((await post(h, body)).statusCode).toBe(401);
  });

  it('refuses a signed event carrying a bad verification token', async () => {
    const { body, headers } = sealed(v2('im.message.receive_v1', textMessage('hi'), { token: 'bad' }));
    expect((await post(h, body, headers)).statusCode).toBe(403);
  });

  it('refuses an event for another app id', async () => {
    const { body, headers } = sealed(v2('im.message.receive_v1', textMessage('hi'), { app_id: 'cli_ffffffffffffffff' }));
    expect((await post(h, body, headers)).statusCode).toBe(403);
  });

  it('refuses an undecryptable body', async () => {
    const body = JSON.stringify({ encrypt: feishuEncrypt('{"x":1}', 'another-key') });
    expect((await post(h, body, { 'content-type': 'application/json', ...feishuSignHeaders(body, KEY) })).statusCode).toBe(400);
    const junk = JSON.stringify({ encrypt: Buffer.from('not really encrypted at all, no').toString('base64') });
    expect((await post(h, junk, { 'content-type': 'application/json', ...feishuSignHeaders(junk, KEY) })).statusCode).toBe(400);
  });

  it('refuses malformed JSON and an empty body', async () => {
    const bad = '{"encrypt": ';
    expect((await post(h, bad, { 'content-type': 'application/json', ...feishuSignHeaders(bad, KEY) })).statusCode).toBe(400);
    expect((await post(h, '', { 'content-type': 'application/json' })).statusCode).toBe(400);
    expect((await h.app.inject({ method: 'POST', url: PATH })).statusCode).toBe(400);
    expect(h.events).toHaveLength(0);
  });

  it('normalises a card click with a reason and answers with the ingest toast', async () => {
    h.next.result = { status: 'accepted', feedback: { text: '已驳回', tone: 'success' } };
    const p = v2('card.action.trigger', cardClick({ a: 'reject', r: 'req-1', s: 'step-1' }, { reason: '预算超标', count: 3, tags: ['a', 'b'] }));
    const { body, headers } = sealed(p);
    const res = await post(h, body, headers);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ toast: { type: 'success', content: '已驳回' } });
    const e = h.events[0] as InboundCardAction;
    expect(e).toMatchObject({
      kind: 'card_action',
      platform: 'feishu',
      eventId: p.header.event_id,
      senderId: 'ou_zhaolei',
      action: { a: 'reject', r: 'req-1', s: 'step-1' },
      form: { reason: '预算超标', count: '3', tags: 'a,b' },
      message: { messageId: 'om_card_1', chatId: 'oc_east_approvals' },
    });
  });

  it('turns a date picker answer into the organisation’s local time', async () => {
    const p = v2('card.action.trigger', cardClick({ a: 'submit', t: 'event' }, { start: '2026-05-20 07:30 +0000', day: '2026-05-21 +0800' }));
    const { body, headers } = sealed(p);
    await post(h, body, headers);
    expect((h.events[0] as InboundCardAction).form).toMatchObject({ start: '2026-05-20 15:30', day: '2026-05-21' });
  });

  it('shows the refusal toast for a non-approver, and nothing for a duplicate', async () => {
    h.next.result = { status: 'refused', feedback: { text: '你不是该申请的审批人', tone: 'error' } };
    let { body, headers } = sealed(v2('card.action.trigger', cardClick({ a: 'approve', r: 'req-1', s: 'step-1' })));
    expect((await post(h, body, headers)).json()).toEqual({ toast: { type: 'error', content: '你不是该申请的审批人' } });
    h.next.result = { status: 'duplicate' };
    ({ body, headers } = sealed(v2('card.action.trigger', cardClick({ a: 'approve', r: 'req-1', s: 'step-1' }))));
    const res = await post(h, body, headers);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
  });

  it('answers 503 when ingest is unavailable, so Feishu retries', async () => {
    h.next.result = { status: 'unavailable' };
    const { body, headers } = sealed(v2('card.action.trigger', cardClick({ a: 'approve', r: 'req-1', s: 'step-1' })));
    expect((await post(h, body, headers)).statusCode).toBe(503);
  });

  it('a signed click whose value is not one of ours (an old card) gets 200 and a toast saying the card is no longer valid; nothing is ingested', async () => {
    for (const value of [{ foo: 'bar' }, 'not json', { a: 'approve', r: 'x'.repeat(100) }]) {
      const { body, headers } = sealed(v2('card.action.trigger', cardClick(value)));
      const res = await post(h, body, headers);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ toast: { type: 'info', content: '该卡片已失效，请在最新的卡片上操作' } });
    }
    expect(h.events).toHaveLength(0);
    // A click that fails verification is still refused with a 4xx.
    const { body } = sealed(v2('card.action.trigger', cardClick({ foo: 'bar' })));
    expect((await post(h, body, { 'content-type': 'application/json', ...feishuSignHeaders(body, 'wrong-key') })).statusCode).toBe(401);
  });

  it('refuses (400, not 500) a signed click whose form_value or value nests thousands deep, and ignores such a message', async () => {
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    const header = JSON.stringify({ event_id: 'ev-deep', event_type: 'card.action.trigger', create_time: String(Date.now()), token: TOKEN, app_id: APP_ID });
    const clickWith = (action: string) => `{"schema":"2.0","header":${header},"event":{"operator":{"open_id":"ou_zhaolei"},"action":${action}}}`;
    const value = JSON.stringify({ a: 'reject', r: 'req-1', s: 'step-1' });
    for (const plain of [clickWith(`{"value":${value},"form_value":{"reason":${deep}}}`), clickWith(`{"value":{"a":"approve","x":${deep}}}`)]) {
      const body = JSON.stringify({ encrypt: feishuEncrypt(plain, KEY) });
      const res = await post(h, body, { 'content-type': 'application/json', ...feishuSignHeaders(body, KEY) });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'card action value or form_value nested too deeply or too large' });
    }
    // A rich-text message nested as deep: not a message a person wrote, acked and ignored.
    const msgHeader = JSON.stringify({ event_id: 'ev-deep-msg', event_type: 'im.message.receive_v1', create_time: String(Date.now()), token: TOKEN, app_id: APP_ID });
    const content = JSON.stringify(`{"title":"t","content":[[{"tag":"text","text":${deep}}]]}`);
    const plain = `{"schema":"2.0","header":${msgHeader},"event":{"sender":{"sender_id":{"open_id":"ou_chenjie"},"sender_type":"user"},"message":{"message_id":"om_deep","chat_id":"oc_p2p_1","chat_type":"p2p","message_type":"post","content":${content}}}}`;
    const body = JSON.stringify({ encrypt: feishuEncrypt(plain, KEY) });
    expect((await post(h, body, { 'content-type': 'application/json', ...feishuSignHeaders(body, KEY) })).statusCode).toBe(200);
    expect(h.events).toHaveLength(0);
  });

  it('leaves other routes with the normal JSON parser', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/other', payload: { a: 1 } });
    expect(res.json()).toEqual({ got: { a: 1 } });
  });

  it('acks fast: latency of 200 signed, encrypted card clicks through fastify.inject', async () => {
    h.next.result = { status: 'accepted', feedback: { text: 'ok', tone: 'success' } };
    const payloads = Array.from({ length: 200 }, () => sealed(v2('card.action.trigger', cardClick({ a: 'approve', r: 'req-1', s: 'step-1' }))));
    const times: number[] = [];
    for (const { body, headers } of payloads) {
      const t0 = process.hrtime.bigint();
      const res = await post(h, body, headers);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      expect(res.statusCode).toBe(200);
    }
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length * 0.5)]!;
    const p99 = times[Math.floor(times.length * 0.99)]!;
    console.log(`feishu webhook ack latency over ${times.length} requests: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
    expect(p99).toBeLessThan(1000);
  });
});

describe('feishu webhook without an Encrypt Key (token only)', () => {
  let fake: FakeFeishu;
  let redis: Redis;
  let h: Harness;

  beforeAll(async () => {
    fake = await startFakeFeishu({ appId: APP_ID, appSecret: SECRET, botOpenId: 'ou_bot' });
    redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
    h = await harness(fake, redis, {});
  });
  afterAll(async () => {
    await h.app.close();
    redis.disconnect();
    await fake.close();
  });
  beforeEach(() => {
    h.events.length = 0;
  });

  it('answers a plain URL challenge', async () => {
    const res = await post(h, JSON.stringify({ challenge: 'plain-ch', token: TOKEN, type: 'url_verification' }));
    expect(res.json()).toEqual({ challenge: 'plain-ch' });
    expect((await post(h, JSON.stringify({ challenge: 'x', token: 'bad', type: 'url_verification' }))).statusCode).toBe(403);
  });

  it('accepts a plain v2 event with the right token, refuses one without', async () => {
    expect((await post(h, JSON.stringify(v2('im.message.receive_v1', textMessage('hello'))))).statusCode).toBe(200);
    expect(h.events).toHaveLength(1);
    const noToken = v2('im.message.receive_v1', textMessage('hello'));
    delete (noToken.header as Record<string, unknown>).token;
    expect((await post(h, JSON.stringify(noToken))).statusCode).toBe(403);
    expect(h.events).toHaveLength(1);
  });

  it('refuses an encrypted body it has no key for', async () => {
    const body = JSON.stringify({ encrypt: feishuEncrypt('{}', KEY) });
    expect((await post(h, body)).statusCode).toBe(400);
  });

  it('applies a replay window to unsigned events: a 2001 create_time, or one older than 12 h, or none at all is refused; a 6 h old retry is accepted', async () => {
    const at = (ms: number | undefined) => {
      const p = v2('im.message.receive_v1', textMessage('hello'));
      if (ms === undefined) delete (p.header as Record<string, unknown>).create_time;
      else p.header.create_time = String(ms);
      return JSON.stringify(p);
    };
    expect((await post(h, at(Date.parse('2001-09-09T01:46:40Z')))).statusCode).toBe(401);
    expect((await post(h, at(Date.now() - 13 * 3600_000))).statusCode).toBe(401);
    expect((await post(h, at(Date.now() + 2 * 3600_000))).statusCode).toBe(401);
    expect((await post(h, at(undefined))).statusCode).toBe(400);
    expect(h.events).toHaveLength(0);
    // Feishu's own redeliveries keep the original create_time (15 s, 5 min, 1 h, 6 h later).
    expect((await post(h, at(Date.now() - 6 * 3600_000 - 60_000))).statusCode).toBe(200);
    const v1Old = { uuid: 'v1-old', token: TOKEN, ts: '1000000000.5', type: 'event_callback', event: { type: 'message', chat_type: 'private', msg_type: 'text', open_chat_id: 'oc_x', open_id: 'ou_wangfang', text: 'hi' } };
    expect((await post(h, JSON.stringify(v1Old))).statusCode).toBe(401);
    expect(h.events).toHaveLength(1);
  });

  it('warns at start that running without the Encrypt Key is weaker (and does not with one)', () => {
    const lines: string[] = [];
    const capture = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const base = { verificationToken: TOKEN, appId: APP_ID, maxSkewSeconds: 3600, log: capture, ingest: async () => ({ status: 'accepted' as const }), context: () => ({ timezone: 'Asia/Shanghai' }) };
    createWebhookHandler(base);
    expect(lines.join('')).toContain('FEISHU_ENCRYPT_KEY is not set');
    lines.length = 0;
    createWebhookHandler({ ...base, encryptKey: KEY });
    expect(lines).toEqual([]);
  });

  it('normalises a v1 envelope message (eventId = the message id)', async () => {
    const v1 = {
      uuid: 'v1-uuid-1',
      token: TOKEN,
      ts: String(Date.now() / 1000),
      type: 'event_callback',
      event: { type: 'message', app_id: APP_ID, chat_type: 'group', is_mention: true, msg_type: 'text', open_chat_id: 'oc_hq_review', open_id: 'ou_wangfang', open_message_id: 'om_v1', text: '@签批 我的申请', text_without_at_bot: ' 我的申请' },
    };
    expect((await post(h, JSON.stringify(v1))).statusCode).toBe(200);
    expect(h.events[0]).toMatchObject({ kind: 'message', eventId: 'om_v1', senderId: 'ou_wangfang', chat: { type: 'group', id: 'oc_hq_review' }, text: '我的申请', mentioned: true });
  });

  it('extracts the text of a rich-text (post) message', async () => {
    const ev = textMessage('');
    ev.message.message_type = 'post';
    ev.message.content = JSON.stringify({ title: '', content: [[{ tag: 'text', text: '查询 ' }, { tag: 'text', text: 'EV-2026-0001' }]] });
    await post(h, JSON.stringify(v2('im.message.receive_v1', ev)));
    expect((h.events[0] as InboundMessage).text).toBe('查询 EV-2026-0001');
  });

  it('acks and ignores event types it does not handle', async () => {
    const res = await post(h, JSON.stringify(v2('im.chat.member.user.added_v1', { chat_id: 'oc_x' })));
    expect(res.statusCode).toBe(200);
    expect(h.events).toHaveLength(0);
  });
});
