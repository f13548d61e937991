// HTTP mode: robot messages and card callbacks POSTed to /webhooks/dingtalk, signed with
// timestamp + sign headers. Signatures are computed here from the documented algorithm.
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IngestResult } from '../../src/channels/channel.js';
import { createDingtalkChannel, type DingtalkChannel } from '../../src/channels/dingtalk/index.js';
import type { InboundEvent } from '../../src/channels/inbound.js';
import { loadConfig } from '../../src/config.js';
import { channelDeps } from '../support/channel-deps.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeDingtalk, type FakeDingtalkServer } from '../fakes/dingtalk-server.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `t-${process.pid}-${Math.random().toString(36).slice(2)}`;

let api: FakeDingtalkServer;
let redis: Redis;
let app: FastifyInstance;
let channel: DingtalkChannel;
const events: InboundEvent[] = [];
let answer: () => IngestResult = () => ({ status: 'accepted' });

const sign = (timestamp: string, secret = FAKE_CLIENT_SECRET) => createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');

function post(body: unknown, headers: Record<string, string | undefined>) {
  const clean = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return app.inject({
    method: 'POST',
    url: '/webhooks/dingtalk',
    headers: { 'content-type': 'application/json', ...clean },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const signed = () => {
  const timestamp = String(Date.now());
  return { timestamp, sign: sign(timestamp) };
};

const robotMessage = {
  conversationId: 'cid_east_approvals',
  conversationType: '1',
  msgId: 'http-msg-1',
  senderStaffId: 'dt_liming',
  senderNick: '李明',
  robotCode: FAKE_CLIENT_ID,
  msgtype: 'text',
  text: { content: '我的申请' },
  sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=x',
};

const reject = JSON.stringify({ a: 'reject', r: 'req-9', s: 'st-1' });
const cardContent = JSON.stringify({ cardPrivateData: { actionIds: ['form_submit'], params: { form: { decision: { index: 0, value: reject }, reason: '预算超标' } } } });
const cardCallback = { corpId: 'dingcorp', userId: 'dt_wangfang', userIdType: 1, type: 'actionCallback', outTrackId: 'qp-http-1', content: cardContent, value: cardContent };

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  api = await startFakeDingtalk();
  const config = loadConfig({
    DINGTALK_CLIENT_ID: FAKE_CLIENT_ID,
    DINGTALK_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    DINGTALK_BASE_URL: api.url,
    DINGTALK_MODE: 'http',
    PUBLIC_URL: 'https://qianpi.example.com',
  });
  const deps = channelDeps(config, redis, prefix, {
    ingest: async (e) => {
      events.push(e);
      return answer();
    },
  });
  channel = createDingtalkChannel(deps);
  app = Fastify();
  channel.registerRoutes!(app);
  await app.ready();
  await channel.start!();
});

beforeEach(() => {
  events.length = 0;
  answer = () => ({ status: 'accepted' });
});

afterAll(async () => {
  await channel.stop!();
  await app.close();
  await api.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('dingtalk HTTP mode', () => {
  it('registers the card callback URL on start', () => {
    const reg = api.requests.find((r) => r.path === '/v1.0/card/callbacks/register')!;
    expect(reg.body).toMatchObject({ callbackUrl: 'https://qianpi.example.com/webhooks/dingtalk', forceUpdate: true });
    expect(channel.health()).toMatchObject({ ok: true, detail: expect.stringContaining('/webhooks/dingtalk') });
  });

  it('warns at start that HTTP card callbacks use an undocumented signature, when cards have templates (stream is the default)', async () => {
    const lines: Array<{ msg: string; recommended?: string }> = [];
    const capture = { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string; recommended?: string }) };
    const make = (env: Record<string, string>) =>
      createDingtalkChannel(
        channelDeps(loadConfig({ DINGTALK_CLIENT_ID: FAKE_CLIENT_ID, DINGTALK_CLIENT_SECRET: FAKE_CLIENT_SECRET, DINGTALK_BASE_URL: api.url, PUBLIC_URL: 'https://qianpi.example.com', ...env }), redis, prefix, {
          log: pino({ level: 'warn' }, capture),
        }),
      );
    expect(loadConfig({ DINGTALK_CLIENT_ID: FAKE_CLIENT_ID, DINGTALK_CLIENT_SECRET: FAKE_CLIENT_SECRET }).DINGTALK_MODE).toBe('stream');
    await make({ DINGTALK_MODE: 'http', DINGTALK_CARD_TEMPLATE_APPROVAL: 'tpl.schema' }).start!();
    const warned = lines.filter((l) => l.msg.includes('use DINGTALK_MODE=stream for cards'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ recommended: 'DINGTALK_MODE=stream' });
    lines.length = 0;
    await make({ DINGTALK_MODE: 'http' }).start!(); // no templates: cards are markdown, nothing calls back
    expect(lines.filter((l) => l.msg.includes('DINGTALK_MODE=stream'))).toEqual([]);
  });

  it('accepts a signed robot message', async () => {
    const res = await post(robotMessage, signed());
    expect(res.statusCode).toBe(200);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'message', eventId: 'http-msg-1', chat: { type: 'dm' }, text: '我的申请' });
  });

  it('accepts a signed card callback and answers with the clicker toast', async () => {
    answer = () => ({ status: 'accepted', feedback: { text: '已驳回', tone: 'success' } });
    const res = await post(cardCallback, signed());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ userPrivateData: { cardParamMap: { toast: '已驳回', form_status: 'disabled' } } });
    expect(events[0]).toMatchObject({ kind: 'card_action', action: { a: 'reject', r: 'req-9', s: 'st-1' }, form: { reason: '预算超标' }, message: { trackId: 'qp-http-1' } });
  });

  it('refuses a forged signature', async () => {
    const timestamp = String(Date.now());
    const res = await post(robotMessage, { timestamp, sign: sign(timestamp, 'not-the-secret') });
    expect(res.statusCode).toBe(401);
    expect(events).toHaveLength(0);
  });

  it('refuses a stale timestamp even when correctly signed', async () => {
    const timestamp = String(Date.now() - 61 * 60_000);
    const res = await post(robotMessage, { timestamp, sign: sign(timestamp) });
    expect(res.statusCode).toBe(401);
    expect(events).toHaveLength(0);
  });

  it('refuses a request without signature headers', async () => {
    expect((await post(robotMessage, {})).statusCode).toBe(401);
    expect((await post(robotMessage, { timestamp: String(Date.now()) })).statusCode).toBe(401);
    expect(events).toHaveLength(0);
  });

  it('refuses malformed bodies with 400, never 5xx', async () => {
    expect((await post('{not json', signed())).statusCode).toBe(400);
    expect((await post('', signed())).statusCode).toBe(400);
    expect((await post({ hello: 'world' }, signed())).statusCode).toBe(400);
    expect((await post({ ...cardCallback, content: 'garbage', value: 'garbage' }, signed())).statusCode).toBe(400);
    const text = await app.inject({ method: 'POST', url: '/webhooks/dingtalk', headers: { 'content-type': 'text/plain', ...signed() }, payload: 'hi' });
    expect(text.statusCode).toBe(400);
    expect(events).toHaveLength(0);
  });

  it('answers a signed click on a card that is not ours (an old deployment\'s) with a toast, not an error', async () => {
    const foreign = JSON.stringify({ cardPrivateData: { actionIds: ['form_submit'], params: { form: { decision: { index: 0, value: '{"legacy":true}' } } } } });
    const res = await post({ ...cardCallback, outTrackId: 'old-card-1', content: foreign, value: foreign }, signed());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ userPrivateData: { cardParamMap: { toast: '该卡片已失效，请在最新的卡片上操作' } } });
    expect(events).toHaveLength(0);
  });

  it('answers 503 when the queue is down so DingTalk retries', async () => {
    answer = () => ({ status: 'unavailable' });
    expect((await post(robotMessage, signed())).statusCode).toBe(503);
  });

  it('refuses a correctly signed timestamp older than the window (5 minutes by default)', async () => {
    const timestamp = String(Date.now() - 6 * 60_000);
    const res = await post(robotMessage, { timestamp, sign: sign(timestamp) });
    expect(res.statusCode).toBe(401);
    expect(events).toHaveLength(0);
  });

  it('refuses a timestamp and sign pair already used with another body', async () => {
    const pair = signed();
    expect((await post({ ...robotMessage, msgId: 'replay-1' }, pair)).statusCode).toBe(200);
    const forged = await post({ ...robotMessage, msgId: 'replay-2', text: { content: '撤回 A-0001' } }, pair);
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toEqual({ error: 'signature already used' });
    expect(events.map((e) => e.eventId)).toEqual(['replay-1']);
    // The same request again (a platform retry) is let through; ingest drops it as a duplicate.
    expect((await post({ ...robotMessage, msgId: 'replay-1' }, pair)).statusCode).toBe(200);
  });

  it('answers an unsigned request before reading its body', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        // Announces a 60 KB body and sends none of it: the answer must not wait for it.
        socket.write(`POST /webhooks/dingtalk HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 60000\r\ntimestamp: ${Date.now()}\r\nsign: forged\r\n\r\n`);
      });
      let got = '';
      socket.on('data', (d) => (got += d.toString()));
      socket.on('close', () => resolve(got));
      socket.on('error', reject);
      setTimeout(() => reject(new Error(`no answer: ${got}`)), 5_000).unref();
    });
    expect(answer).toMatch(/^HTTP\/1.1 401/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(events).toHaveLength(0);
  });

  it('caps the body at 64 KB', async () => {
    const res = await post({ ...robotMessage, text: { content: 'x'.repeat(70 * 1024) } }, signed());
    expect(res.statusCode).toBe(413);
    expect(events).toHaveLength(0);
  });

  it('answers a duplicate with 200', async () => {
    answer = () => ({ status: 'duplicate' });
    const res = await post(cardCallback, signed());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ userPrivateData: { cardParamMap: { toast: expect.any(String) } } });
  });
});
