// The WeCom callback URL end to end at the HTTP level: payloads are built here from the
// documented scheme (node:crypto), the ingest is a recording stub, Redis and Postgres are real.
import { randomUUID } from 'node:crypto';
import { connect, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IngestResult } from '../../src/channels/channel.js';
import type { InboundCardAction, InboundEvent, InboundMessage } from '../../src/channels/inbound.js';
import { createWecomChannel } from '../../src/channels/wecom/index.js';
import { encodeButtonKey } from '../../src/channels/wecom/keys.js';
import { loadConfig } from '../../src/config.js';
import { createHttpServer } from '../../src/http/server.js';
import { cardMessageById, recordCardMessage } from '../../src/store/card-messages-repo.js';
import { responseCodeStore } from '../../src/store/response-codes-repo.js';
import { channelDeps } from '../support/channel-deps.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { REDIS_URL } from '../support/env.js';
import { mulberry32 as rng } from '../support/random.js';
import { cardEventXml, FakeWecomServer, openReply, sealCallback, sealUrlCheck, textXml, wecomEncrypt, wecomSignature } from '../fakes/wecom-server.js';

const KEYS = { token: 'QianpiToken', encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', corpId: 'wwqianpitest0001' };
const AGENT = 1000002;
const RID = randomUUID();
const PATH = '/webhooks/wecom';
const HOLD_MS = 400;

let db: TestDatabase;
let redis: Redis;
let fake: FakeWecomServer;
let http: FastifyInstance;
const prefix = `t-${process.pid}-${Math.random().toString(36).slice(2)}`;
const events: InboundEvent[] = [];
let answer: (e: InboundEvent) => IngestResult = () => ({ status: 'accepted' });
const prechecked: InboundCardAction[] = [];
let precheckAnswer: (e: InboundCardAction) => IngestResult | undefined = () => ({ status: 'accepted', feedback: { text: '已驳回', tone: 'success' } });

beforeAll(async () => {
  db = await createTestDatabase();
  redis = new Redis(REDIS_URL);
  fake = await new FakeWecomServer({ corpId: KEYS.corpId, secret: 's3cret', agentId: AGENT }).start();
  const config = loadConfig({
    WECOM_CORP_ID: KEYS.corpId,
    WECOM_AGENT_ID: String(AGENT),
    WECOM_SECRET: 's3cret',
    WECOM_TOKEN: KEYS.token,
    WECOM_ENCODING_AES_KEY: KEYS.encodingAESKey,
    WECOM_BASE_URL: fake.url,
    LOG_LEVEL: 'silent',
  });
  const log = pino({ level: 'silent' });
  const deps = channelDeps(config, redis, prefix, {
    responseCodes: responseCodeStore(db.database.db),
    ingest: async (e) => {
      events.push(e);
      return answer(e);
    },
    precheck: async (e) => {
      prechecked.push(e);
      return precheckAnswer(e);
    },
  });
  http = createHttpServer(log);
  createWecomChannel(deps, { callbackHoldMs: HOLD_MS }).registerRoutes!(http);
  await http.ready();
});

afterAll(async () => {
  await http?.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await fake?.stop();
  await db?.drop();
});

beforeEach(() => {
  events.length = 0;
  prechecked.length = 0;
  answer = () => ({ status: 'accepted' });
  precheckAnswer = () => ({ status: 'accepted', feedback: { text: '已驳回', tone: 'success' } });
  fake.reset();
});

const post = (query: string, body: string, contentType = 'text/xml') =>
  http.inject({ method: 'POST', url: `${PATH}?${query}`, payload: body, headers: { 'content-type': contentType } });

let clock = Math.floor(Date.now() / 1000);
function click(from: string, action: Parameters<typeof encodeButtonKey>[0], taskId: string, opts: { needsReason?: boolean; code?: string; createTime?: number } = {}) {
  const xml = cardEventXml({
    corpId: KEYS.corpId,
    from,
    eventKey: encodeButtonKey(action, { index: 0, needsReason: opts.needsReason ?? false }),
    taskId,
    responseCode: opts.code ?? `rc-${Math.random().toString(36).slice(2)}`,
    agentId: AGENT,
    createTime: opts.createTime ?? ++clock,
  });
  return sealCallback(KEYS, xml, { agentId: AGENT });
}

describe('wecom URL verification', () => {
  it('answers the decrypted echostr as plain text', async () => {
    const res = await http.inject({ method: 'GET', url: `${PATH}?${sealUrlCheck(KEYS, 'echo-5837261')}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('echo-5837261');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('refuses a bad signature, another corp, and missing parameters', async () => {
    const good = sealUrlCheck(KEYS, 'x');
    const forged = good.replace(/msg_signature=([0-9a-f])/, (_, c: string) => `msg_signature=${c === 'a' ? 'b' : 'a'}`);
    expect((await http.inject({ method: 'GET', url: `${PATH}?${forged}` })).statusCode).toBe(401);
    expect((await http.inject({ method: 'GET', url: `${PATH}?${sealUrlCheck(KEYS, 'x', { receiveId: 'wwother' })}` })).statusCode).toBe(403);
    expect((await http.inject({ method: 'GET', url: `${PATH}?${good.replace(/&echostr=.*/, '')}` })).statusCode).toBe(400);
    expect((await http.inject({ method: 'GET', url: PATH })).statusCode).toBe(400);
  });
});

describe('wecom messages', () => {
  it('normalises a text message into a DM InboundMessage and answers an empty 200', async () => {
    const { query, body } = sealCallback(KEYS, textXml({ corpId: KEYS.corpId, from: 'ZhangWei', content: '待办', msgId: '7351234567890123456', agentId: AGENT }), { agentId: AGENT });
    const res = await post(query, body);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(events).toHaveLength(1);
    const e = events[0] as InboundMessage;
    expect(e).toMatchObject({ kind: 'message', platform: 'wecom', eventId: '7351234567890123456', senderId: 'ZhangWei', chat: { type: 'dm', id: 'ZhangWei' }, text: '待办', mentioned: true });
  });

  it('queue down: retries the enqueue, then leaves the callback unanswered past the hold (WeCom retries on its timeout); never a 503', async () => {
    answer = () => ({ status: 'unavailable' });
    const { query, body } = sealCallback(KEYS, textXml({ corpId: KEYS.corpId, from: 'ZhangWei', content: 'hi', msgId: '1', agentId: AGENT }));
    const started = Date.now();
    const err = await post(query, body).then((r) => r, (e: unknown) => e as { code?: string });
    expect(err).toMatchObject({ code: 'LIGHT_ECONNRESET' }); // the connection closes, no status at all
    expect(Date.now() - started).toBeGreaterThanOrEqual(HOLD_MS - 20);
    expect(events.length).toBeGreaterThan(1); // the enqueue was retried meanwhile
    expect(new Set(events.map((e) => e.eventId))).toEqual(new Set(['1']));
  });

  it('over a real socket: no status line at all, the connection just closes after the hold', async () => {
    answer = () => ({ status: 'unavailable' });
    await http.listen({ port: 0, host: '127.0.0.1' });
    const { port } = http.server.address() as AddressInfo;
    const { query, body } = sealCallback(KEYS, textXml({ corpId: KEYS.corpId, from: 'ZhangWei', content: 'hi', msgId: '4', agentId: AGENT }));
    const started = Date.now();
    const received = await new Promise<string>((resolve) => {
      const sock = connect(port, '127.0.0.1', () => {
        sock.write(`POST ${PATH}?${query} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      });
      let data = '';
      sock.on('data', (d) => (data += d.toString()));
      sock.on('close', () => resolve(data));
      sock.on('error', () => undefined);
    });
    expect(received).toBe('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(HOLD_MS - 20);
  });

  it('queue back within the hold: the retried enqueue succeeds and the answer is the usual empty 200', async () => {
    let calls = 0;
    answer = () => (++calls === 1 ? { status: 'unavailable' } : { status: 'accepted' });
    const msg = sealCallback(KEYS, textXml({ corpId: KEYS.corpId, from: 'ZhangWei', content: 'hi', msgId: '3', agentId: AGENT }));
    const res = await post(msg.query, msg.body);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(events).toHaveLength(2);
  });

  it('refuses forged signatures, another corp, stale timestamps, wrong agent — without calling ingest', async () => {
    const inner = textXml({ corpId: KEYS.corpId, from: 'ZhangWei', content: 'x', msgId: '2', agentId: AGENT });
    const ok = sealCallback(KEYS, inner);
    const forged = ok.query.replace(/msg_signature=[0-9a-f]{40}/, `msg_signature=${wecomSignature('other-token', '1', '2', ok.encrypt)}`);
    expect((await post(forged, ok.body)).statusCode).toBe(401);
    const otherCorp = sealCallback(KEYS, inner, { receiveId: 'wwanothercorp' });
    expect((await post(otherCorp.query, otherCorp.body)).statusCode).toBe(403);
    const otherTo = sealCallback(KEYS, inner, { toUser: 'wwanothercorp' });
    expect((await post(otherTo.query, otherTo.body)).statusCode).toBe(403);
    const stale = sealCallback(KEYS, inner, { timestamp: Math.floor(Date.now() / 1000) - 2 * 3600 });
    expect((await post(stale.query, stale.body)).statusCode).toBe(401);
    const wrongAgent = sealCallback(KEYS, inner, { agentId: 999 });
    expect((await post(wrongAgent.query, wrongAgent.body)).statusCode).toBe(403);
    expect((await post(ok.query, '')).statusCode).toBe(400);
    expect((await post(ok.query, '<xml><a>')).statusCode).toBe(400);
    expect((await post(ok.query, 'x'.repeat(70 * 1024))).statusCode).toBe(413);
    expect(events).toHaveLength(0);
    expect((await post(ok.query, ok.body)).statusCode).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('ignores other message and event types with an empty 200', async () => {
    const img = `<xml><ToUserName><![CDATA[${KEYS.corpId}]]></ToUserName><FromUserName><![CDATA[ZhangWei]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event><AgentID>${AGENT}</AgentID></xml>`;
    const { query, body } = sealCallback(KEYS, img);
    const res = await post(query, body);
    expect(res.statusCode).toBe(200);
    expect(events).toHaveLength(0);
  });
});

describe('wecom card clicks', () => {
  it('normalises template_card_event and keeps the clicker’s response code for their copy', async () => {
    const taskId = 'qp_task_click_1';
    const row = await recordCardMessage(db.database.db, {
      requestId: RID,
      cardKind: 'approval',
      platform: 'wecom',
      targetType: 'user',
      targetId: 'ZhangWei',
      trackId: taskId,
      responseCode: 'from-send',
      responseCodeAt: new Date(Date.now() - 3600_000),
    });
    const cb = click('ZhangWei', { a: 'approve', r: RID, s: 'lead' }, taskId, { code: 'from-click' });
    const res = await post(cb.query, cb.body);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    const e = events[0] as InboundCardAction;
    expect(e).toMatchObject({ kind: 'card_action', platform: 'wecom', senderId: 'ZhangWei', action: { a: 'approve', r: RID, s: 'lead' }, message: { trackId: taskId }, responseCode: 'from-click' });
    expect(e.eventId).toMatch(/^ZhangWei-\d+-[A-Za-z0-9_-]{16}$/);
    const after = await cardMessageById(db.database.db, row.id);
    expect(after?.responseCode).toBe('from-click');
    expect(Date.now() - after!.responseCodeAt!.getTime()).toBeLessThan(60_000);
  });

  it('a repeated delivery carries the same eventId (ingest dedupes on it)', async () => {
    const createTime = ++clock;
    const a = click('LiuYang', { a: 'approve', r: RID, s: 'lead' }, 'qp_task_dup', { code: 'c1', createTime });
    const b = click('LiuYang', { a: 'approve', r: RID, s: 'lead' }, 'qp_task_dup', { code: 'c1', createTime });
    answer = (e) => (events.filter((x) => x.eventId === e.eventId).length > 1 ? { status: 'duplicate' } : { status: 'accepted' });
    expect((await post(a.query, a.body)).statusCode).toBe(200);
    expect((await post(b.query, b.body)).statusCode).toBe(200);
    expect((await post(a.query, a.body)).statusCode).toBe(200);
    expect(events).toHaveLength(3);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(1);
    // A different click (another time) is another event.
    const c = click('LiuYang', { a: 'approve', r: RID, s: 'lead' }, 'qp_task_dup', { code: 'c1', createTime: createTime + 1 });
    await post(c.query, c.body);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(2);
  });

  it('a refused click gets an encrypted passive reply that changes only the clicker’s button, and records nothing', async () => {
    const taskId = 'qp_task_refused';
    const row = await recordCardMessage(db.database.db, { requestId: randomUUID(), cardKind: 'approval', platform: 'wecom', targetType: 'user', targetId: 'SunLi', trackId: taskId, responseCode: 'keep-me', responseCodeAt: new Date() });
    answer = () => ({ status: 'refused', feedback: { text: '你不是该申请的审批人', tone: 'error' } });
    const cb = click('SunLi', { a: 'approve', r: RID, s: 'lead' }, taskId, { code: 'refused-code' });
    const res = await post(cb.query, cb.body);
    expect(res.statusCode).toBe(200);
    const opened = openReply(KEYS, res.body);
    expect(opened.signatureOk).toBe(true);
    expect(opened.receiveId).toBe(KEYS.corpId);
    expect(opened.message).toContain('<MsgType><![CDATA[update_button]]></MsgType>');
    expect(opened.message).toContain('<ReplaceName><![CDATA[你不是该申请的审批人]]></ReplaceName>');
    expect(opened.message).toContain('<ToUserName><![CDATA[SunLi]]></ToUserName>');
    expect((await cardMessageById(db.database.db, row.id))?.responseCode).toBe('keep-me');
  });

  it('an unknown button key (an old card) is acknowledged, records nothing, and the button says the card is no longer valid', async () => {
    const xml = cardEventXml({ corpId: KEYS.corpId, from: 'ZhangWei', eventKey: 'SOMETHING_ELSE', taskId: 't', responseCode: 'c', agentId: AGENT, createTime: ++clock });
    const { query, body } = sealCallback(KEYS, xml);
    const res = await post(query, body);
    expect(res.statusCode).toBe(200);
    expect(events).toHaveLength(0);
    expect(openReply(KEYS, res.body).message).toContain('<ReplaceName><![CDATA[该卡片已失效，请在最新的卡片上操作]]></ReplaceName>');
  });
});

describe('wecom reason dialog (cards have no inputs)', () => {
  it('a reject click asks for the reason; the next text message carries it as form.reason', async () => {
    const taskId = 'qp_task_reason';
    const cb = click('WangFang', { a: 'reject', r: RID, s: 'lead' }, taskId, { needsReason: true });
    const res = await post(cb.query, cb.body);
    expect(res.statusCode).toBe(200);
    expect(events).toHaveLength(0);
    // WeCom retries the click: no second prompt.
    await post(cb.query, cb.body);
    await expect.poll(() => fake.calls('/cgi-bin/message/send').length, { timeout: 5000 }).toBe(1);
    const prompt = fake.calls('/cgi-bin/message/send')[0]!.body as { touser: string; msgtype: string; text: { content: string } };
    expect(prompt).toMatchObject({ touser: 'WangFang', msgtype: 'text' });
    expect(prompt.text.content).toContain('驳回的理由');

    answer = () => ({ status: 'accepted', feedback: { text: '已驳回', tone: 'success' } });
    const msg = sealCallback(KEYS, textXml({ corpId: KEYS.corpId, from: 'WangFang', content: '  预算超标 ', msgId: '88001', agentId: AGENT }));
    const r2 = await post(msg.query, msg.body);
    expect(r2.statusCode).toBe(200);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'card_action', eventId: 'reason-88001', senderId: 'WangFang', action: { a: 'reject', r: RID, s: 'lead' }, form: { reason: '预算超标' }, message: { trackId: taskId } });
    expect(openReply(KEYS, r2.body).message).toContain('<Content><![CDATA[已驳回]]></Content>');

    // The dialog is over: the next text is an ordinary message again.
    answer = () => ({ status: 'accepted' });
    const next = sealCallback(KEYS, textXml({ corpId: KEYS.corpId, from: 'WangFang', content: '待办', msgId: '88002', agentId: AGENT }));
    await post(next.query, next.body);
    expect(events[1]).toMatchObject({ kind: 'message', text: '待办' });
  });

  it('someone who may not act is told at once, not asked for a reason', async () => {
    precheckAnswer = () => ({ status: 'refused', feedback: { text: '你不是该申请的审批人', tone: 'error' } });
    const cb = click('SunLi', { a: 'reject', r: RID, s: 'lead' }, 'qp_task_bystander', { needsReason: true });
    const res = await post(cb.query, cb.body);
    expect(res.statusCode).toBe(200);
    expect(prechecked).toHaveLength(1);
    expect(prechecked[0]).toMatchObject({ senderId: 'SunLi', action: { a: 'reject', r: RID, s: 'lead' }, form: { reason: expect.any(String) } });
    expect(openReply(KEYS, res.body).message).toContain('<ReplaceName><![CDATA[你不是该申请的审批人]]></ReplaceName>');
    // No reason dialog: no prompt goes out, and the clicker's next text is an ordinary message.
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.calls('/cgi-bin/message/send')).toHaveLength(0);
    const next = sealCallback(KEYS, textXml({ corpId: KEYS.corpId, from: 'SunLi', content: '待办', msgId: '88010', agentId: AGENT }));
    await post(next.query, next.body);
    expect(events).toEqual([expect.objectContaining({ kind: 'message', text: '待办' })]);
  });

  it('「取消」 ends the dialog without an event', async () => {
    const cb = click('HanMei', { a: 'return', r: RID, s: 'lead' }, 'qp_task_cancel', { needsReason: true });
    await post(cb.query, cb.body);
    const msg = sealCallback(KEYS, textXml({ corpId: KEYS.corpId, from: 'HanMei', content: '取消', msgId: '88003', agentId: AGENT }));
    const res = await post(msg.query, msg.body);
    expect(openReply(KEYS, res.body).message).toContain('已取消');
    expect(events).toHaveLength(0);
  });
});

describe('wecom callback fuzz', () => {
  it('a few hundred malformed, oversized and garbage requests: never a 5xx', async () => {
    const rand = rng(20250301);
    const int = (n: number) => Math.floor(rand() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
    const chars = '<>/![]CDATA&;"\'=xml Encrypt ToUserName 你好 \u0000\uffff%+';
    const junk = (n: number) => Array.from({ length: n }, () => chars[int(chars.length)]).join('');
    const inner = [
      textXml({ corpId: KEYS.corpId, from: 'ZhangWei', content: 'hi', msgId: '9', agentId: AGENT }),
      cardEventXml({ corpId: KEYS.corpId, from: 'ZhangWei', eventKey: encodeButtonKey({ a: 'approve', r: RID }, { index: 0 }), taskId: 't', responseCode: 'c', agentId: AGENT, createTime: 1 }),
      '<xml><MsgType>text</MsgType></xml>',
      '<xml><MsgType><![CDATA[event]]></MsgType><Event>template_card_event</Event><FromUserName>x</FromUserName><CreateTime>1</CreateTime><EventKey>q1|0|R|reject|||</EventKey></xml>',
      '<xml></xml>',
      '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><xml><Content>&a;&a;</Content></xml>',
    ];
    const contentTypes = ['text/xml', 'application/xml', 'application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', ''];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const base = sealCallback(KEYS, pick(inner), { agentId: AGENT });
      let query = base.query;
      let body: string | Buffer = base.body;
      switch (int(12)) {
        case 0:
          body = bytes(int(4096));
          break;
        case 1:
          body = junk(int(2000));
          break;
        case 2:
          body = `<xml><Encrypt>${junk(int(300))}</Encrypt></xml>`;
          break;
        case 3:
          body = 'A'.repeat(64 * 1024 + int(64 * 1024));
          break;
        case 4: {
          // A valid signature over random base64: decrypts to noise.
          const enc = bytes(16 * (1 + int(20))).toString('base64');
          const ts = String(Math.floor(Date.now() / 1000));
          query = `msg_signature=${wecomSignature(KEYS.token, ts, '1', enc)}&timestamp=${ts}&nonce=1`;
          body = `<xml><ToUserName>${KEYS.corpId}</ToUserName><Encrypt>${enc}</Encrypt></xml>`;
          break;
        }
        case 5: {
          // Correctly sealed garbage inner documents.
          const enc = wecomEncrypt(KEYS.encodingAESKey, pick([junk(int(500)), bytes(int(300)).toString('latin1'), '<xml><MsgType>text</MsgType><FromUserName>a</FromUserName></xml>']), KEYS.corpId);
          const ts = String(Math.floor(Date.now() / 1000));
          query = `msg_signature=${wecomSignature(KEYS.token, ts, '7', enc)}&timestamp=${ts}&nonce=7`;
          body = `<xml><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`;
          break;
        }
        case 6:
          query = pick(['', 'msg_signature=zz', `msg_signature=${'a'.repeat(40)}&timestamp=abc&nonce=1`, `${query}&nonce=${'n'.repeat(500)}`, 'msg_signature=%E0%A4%A&timestamp=1', `timestamp=${'9'.repeat(30)}`]);
          break;
        case 7: {
          // Flip one character of the ciphertext.
          const at = int(base.encrypt.length);
          const flipped = base.encrypt.slice(0, at) + (base.encrypt[at] === 'A' ? 'B' : 'A') + base.encrypt.slice(at + 1);
          body = base.body.replace(base.encrypt, flipped);
          break;
        }
        case 8:
          body = base.body.slice(0, int(base.body.length));
          break;
        case 9:
          body = `<xml>${'<a>'.repeat(int(2000))}</xml>`;
          break;
        default:
          break;
      }
      const headers: Record<string, string> = {};
      const ct = pick(contentTypes);
      if (ct) headers['content-type'] = ct;
      const method = int(10) === 0 ? 'GET' : 'POST';
      const res = await http.inject({ method, url: `${PATH}?${query}`, ...(method === 'POST' ? { payload: body } : {}), headers });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode, `case ${i}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
    }
    if (process.env.WECOM_FUZZ_DEBUG) console.log(Object.fromEntries(statuses));
    // The server is still healthy and the refusals were 4xx.
    const ok = sealCallback(KEYS, textXml({ corpId: KEYS.corpId, from: 'ZhangWei', content: 'after', msgId: '99999', agentId: AGENT }));
    expect((await post(ok.query, ok.body)).statusCode).toBe(200);
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
  });
});
