// Outbound WeCom against the fake server API: template cards, texts, app-chat notices, the
// access-token cache, errcode mapping, response-code spending (one code, one update, even under
// concurrency) with the text fallback, and per-recipient pacing. Redis and Postgres are real.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Card } from '../../cards/model.js';
import { DeliveryError, type Channel } from '../../src/channels/channel.js';
import { createWecomChannel, type WecomOptions } from '../../src/channels/wecom/index.js';
import { decodeButtonKey, TASK_ID_RE } from '../../src/channels/wecom/keys.js';
import { createPacer } from '../../src/channels/wecom/pacer.js';
import { loadConfig } from '../../src/config.js';
import { loadOrg } from '../../src/org/load.js';
import { cardMessageById, recordCardMessage, updateCardMessage, type CardMessage } from '../../src/store/card-messages-repo.js';
import { responseCodeStore } from '../../src/store/response-codes-repo.js';
import { channelDeps } from '../support/channel-deps.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { REDIS_URL } from '../support/env.js';
import { FakeWecomServer } from '../fakes/wecom-server.js';

const CORP = 'wwqianpisender01';
const SECRET = 'app-secret';
const AGENT = 1000007;
const USERS = new Set(['ZhangWei', 'LiuYang', 'WangFang', 'SunLi', 'HanMei', 'ChenJie']);
const CHATS = new Set(['wr_east_approvals']);

let db: TestDatabase;
let redis: Redis;
let fake: FakeWecomServer;
let prefix: string;
let channel: Channel;
const log = pino({ level: 'silent' });

function makeChannel(p = prefix, opts: WecomOptions = {}): Channel {
  const config = loadConfig({
    WECOM_CORP_ID: CORP,
    WECOM_AGENT_ID: String(AGENT),
    WECOM_SECRET: SECRET,
    WECOM_TOKEN: 'cb-token',
    WECOM_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
    WECOM_BASE_URL: fake.url,
    LOG_LEVEL: 'silent',
  });
  const deps = channelDeps(config, redis, p, { responseCodes: responseCodeStore(db.database.db) });
  return createWecomChannel(deps, opts);
}

const usedPrefixes: string[] = [];
const newPrefix = () => {
  const p = `t-${process.pid}-${Math.random().toString(36).slice(2)}`;
  usedPrefixes.push(p);
  return p;
};

beforeAll(async () => {
  db = await createTestDatabase();
  redis = new Redis(REDIS_URL);
  fake = await new FakeWecomServer({ corpId: CORP, secret: SECRET, agentId: AGENT, users: USERS, chats: CHATS }).start();
});

afterAll(async () => {
  for (const p of usedPrefixes) {
    const keys = await redis.keys(`${p}:*`);
    if (keys.length) await redis.del(...keys);
  }
  redis.disconnect();
  await fake?.stop();
  await db?.drop();
});

beforeEach(() => {
  prefix = newPrefix();
  channel = makeChannel();
  fake.reset();
  fake.expireTokens();
});

afterEach(() => {
  expect(fake.problems).toEqual([]);
});


function approvalCard(rid: string, decided = false): Card {
  return {
    kind: 'approval',
    title: `活动申请 A-0042｜季度团建`,
    status: decided ? { text: '已通过', tone: 'approved' } : { text: '审批中 · 部门负责人', tone: 'pending' },
    fields: [
      { label: '申请人', value: '张伟（市场部）' },
      { label: '预算', value: '¥12,000' },
    ],
    markdown: '● 部门负责人：刘洋\n○ 财务：王芳',
    buttons: decided
      ? []
      : [
          { label: '同意', style: 'primary', action: { a: 'approve', r: rid, s: 'lead' } },
          { label: '驳回', style: 'danger', action: { a: 'reject', r: rid, s: 'lead' }, needsReason: true },
        ],
    footer: '更新于 2025-03-01 10:00',
    link: `https://qianpi.example.com/console#/r/${rid}`,
  };
}

async function sentCopy(userId = 'LiuYang', ch = channel): Promise<{ row: CardMessage; code: string; rid: string }> {
  const rid = randomUUID();
  const sent = await ch.sendCard({ type: 'user', id: userId }, approvalCard(rid), { requestId: rid, idempotencyKey: `card-${rid}-${userId}` });
  const row = await recordCardMessage(db.database.db, {
    requestId: rid,
    cardKind: 'approval',
    platform: 'wecom',
    targetType: 'user',
    targetId: userId,
    trackId: sent.trackId ?? null,
    messageId: sent.messageId ?? null,
    responseCode: sent.responseCode ?? null,
    responseCodeAt: new Date(),
    renderedVersion: 1,
  });
  return { row, code: sent.responseCode!, rid };
}

const texts = () => fake.calls('/cgi-bin/message/send').filter((r) => r.body?.msgtype === 'text');

describe('wecom sendCard', () => {
  it('sends a button_interaction template card to the member and returns task_id and response_code', async () => {
    const rid = randomUUID();
    const sent = await channel.sendCard({ type: 'user', id: 'LiuYang', personId: 'liuyang' }, approvalCard(rid), { requestId: rid, idempotencyKey: `card-${rid}` });
    const [call] = fake.calls('/cgi-bin/message/send');
    const body = call!.body as { touser: string; msgtype: string; agentid: number; template_card: { task_id: string; button_list: Array<{ key: string; text: string }> } };
    expect(body).toMatchObject({ touser: 'LiuYang', msgtype: 'template_card', agentid: AGENT });
    expect(body.template_card.task_id).toMatch(TASK_ID_RE);
    expect(sent.trackId).toBe(body.template_card.task_id);
    expect(sent.responseCode).toBe(call!.reply.response_code);
    expect(sent.messageId).toBe(call!.reply.msgid);
    expect(body.template_card.button_list.map((b) => decodeButtonKey(b.key)?.action.a)).toEqual(['approve', 'reject']);
  });

  it('gets the access token once for many sends, across channel instances sharing Redis', async () => {
    for (let i = 0; i < 5; i++) await channel.sendText({ type: 'user', id: 'ZhangWei' }, `第 ${i} 条`, { idempotencyKey: `k${i}` });
    await makeChannel(prefix).sendText({ type: 'user', id: 'ZhangWei' }, 'other replica', { idempotencyKey: 'k-other' });
    expect(fake.calls('/cgi-bin/gettoken')).toHaveLength(1);
    expect(texts()).toHaveLength(6);
  });

  it('concurrent first calls share one gettoken', async () => {
    await Promise.all(['ZhangWei', 'LiuYang', 'WangFang', 'SunLi'].map((u) => channel.sendText({ type: 'user', id: u }, 'hi', { idempotencyKey: `c-${u}` })));
    expect(fake.calls('/cgi-bin/gettoken')).toHaveLength(1);
  });

  it('refreshes the token once on an invalid-token errcode and retries the call', async () => {
    await channel.sendText({ type: 'user', id: 'ZhangWei' }, 'one', { idempotencyKey: 'r1' });
    fake.expireTokens(); // 42001 for the cached token
    await channel.sendText({ type: 'user', id: 'ZhangWei' }, 'two', { idempotencyKey: 'r2' });
    expect(fake.calls('/cgi-bin/gettoken')).toHaveLength(2);
    expect(fake.calls('/cgi-bin/message/send').map((r) => r.reply.errcode)).toEqual([0, 42001, 0]);
    fake.failNext('/cgi-bin/message/send', 40014);
    await channel.sendText({ type: 'user', id: 'ZhangWei' }, 'three', { idempotencyKey: 'r3' });
    expect(fake.calls('/cgi-bin/gettoken')).toHaveLength(3);
    // A second invalid-token answer in a row is not retried again: transient, for the queue.
    fake.failNext('/cgi-bin/message/send', 42001, 2);
    const err = await channel.sendText({ type: 'user', id: 'ZhangWei' }, 'four', { idempotencyKey: 'r4' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).permanent).toBe(false);
  });

  it('maps errcodes: busy and throttled are transient, unknown users permanent', async () => {
    const attempt = async () => channel.sendText({ type: 'user', id: 'ZhangWei' }, 'x', { idempotencyKey: randomUUID() }).then(() => undefined, (e: unknown) => e as DeliveryError);
    for (const [code, permanent] of [[-1, false], [45009, false], [60111, true], [40058, true]] as const) {
      fake.failNext('/cgi-bin/message/send', code);
      const err = await attempt();
      expect(err, String(code)).toBeInstanceOf(DeliveryError);
      expect(err?.permanent, String(code)).toBe(permanent);
      expect(err?.code).toBe(code);
    }
    const unknown = await channel.sendCard({ type: 'user', id: 'Nobody' }, approvalCard(randomUUID()), { requestId: randomUUID(), idempotencyKey: 'n' }).catch((e: unknown) => e as DeliveryError);
    expect(unknown).toMatchObject({ permanent: true, code: 81013 });
    for (const id of ['@all', 'ZhangWei|LiuYang', '']) {
      await expect(channel.sendText({ type: 'user', id }, 'x', { idempotencyKey: randomUUID() })).rejects.toMatchObject({ permanent: true });
    }
    expect(fake.calls('/cgi-bin/message/send').some((c) => ['@all', 'ZhangWei|LiuYang'].includes(String(c.body?.touser)))).toBe(false);
  });

  it('a wrong secret is a permanent failure with gettoken’s errcode', async () => {
    const config = loadConfig({ WECOM_CORP_ID: CORP, WECOM_AGENT_ID: String(AGENT), WECOM_SECRET: 'wrong', WECOM_TOKEN: 't', WECOM_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', WECOM_BASE_URL: fake.url });
    const ch = createWecomChannel({ config, log, redis, redisPrefix: newPrefix(), responseCodes: responseCodeStore(db.database.db), dir: loadOrg(undefined), ingest: async () => ({ status: 'accepted' }) });
    const err = await ch.sendText({ type: 'user', id: 'ZhangWei' }, 'x', { idempotencyKey: 'x' }).catch((e: unknown) => e as DeliveryError);
    expect(err).toMatchObject({ permanent: true, code: 40001 });
    expect(await ch.health()).toMatchObject({ ok: false });
  });

  it('posts a markdown notice with the link to an app chat (no template cards there)', async () => {
    const rid = randomUUID();
    const sent = await channel.sendCard({ type: 'chat', id: 'wr_east_approvals', roomId: 'east' }, approvalCard(rid), { requestId: rid, idempotencyKey: 'c' });
    expect(sent).toEqual({});
    const [call] = fake.calls('/cgi-bin/appchat/send');
    expect(call!.body).toMatchObject({ chatid: 'wr_east_approvals', msgtype: 'markdown' });
    expect((call!.body as { markdown: { content: string } }).markdown.content).toContain(`/console#/r/${rid}`);
    const err = await channel.sendText({ type: 'chat', id: 'wr_unknown' }, 'x', { idempotencyKey: 'u' }).catch((e: unknown) => e as DeliveryError);
    expect(err).toMatchObject({ permanent: true, code: 86003 });
  });

  it('a send retried after a lost reply: WeCom refuses the task_id (42014), so the card is recorded as sent', async () => {
    const rid = randomUUID();
    const target = { type: 'user' as const, id: 'SunLi' };
    const opts = { requestId: rid, idempotencyKey: `card-${rid}-SunLi` };
    fake.loseNextReply('/cgi-bin/message/send');
    const lost = await channel.sendCard(target, approvalCard(rid), opts).catch((e: unknown) => e as DeliveryError);
    expect(lost).toMatchObject({ permanent: false });
    const sent = await channel.sendCard(target, approvalCard(rid), opts);
    const calls = fake.calls('/cgi-bin/message/send');
    expect(calls.map((c) => c.reply.errcode)).toEqual([0, 42014]);
    const taskId = (calls[0]!.body as { template_card: { task_id: string } }).template_card.task_id;
    expect(sent).toEqual({ trackId: taskId });
    // Recorded like any copy: the first click brings a code, which updates the card in place.
    const row = await recordCardMessage(db.database.db, { requestId: rid, cardKind: 'approval', platform: 'wecom', targetType: 'user', targetId: 'SunLi', trackId: sent.trackId ?? null, renderedVersion: 1 });
    const keep = await responseCodeStore(db.database.db).keepClickCode(taskId, 'SunLi', fake.issueCode('SunLi', taskId), new Date());
    expect(keep).toBeTruthy();
    expect(await channel.updateCard(row, approvalCard(rid, true))).toEqual({});
    expect(fake.calls('/cgi-bin/message/update_template_card').map((c) => c.reply.errcode)).toEqual([0]);
    // A copy without any code yet falls back to a result text instead of failing.
    const rid2 = randomUUID();
    fake.loseNextReply('/cgi-bin/message/send');
    await channel.sendCard(target, approvalCard(rid2), { requestId: rid2, idempotencyKey: 'k2' }).catch(() => undefined);
    const again = await channel.sendCard(target, approvalCard(rid2), { requestId: rid2, idempotencyKey: 'k2' });
    const row2 = await recordCardMessage(db.database.db, { requestId: rid2, cardKind: 'approval', platform: 'wecom', targetType: 'user', targetId: 'SunLi', trackId: again.trackId ?? null, renderedVersion: 1 });
    expect(await channel.updateCard(row2, approvalCard(rid2, true))).toEqual({ fellBack: true });
  });

  it('a card with nothing to click: text_notice with the link, or a text without one (never button_list [] or replace_text)', async () => {
    const rid = randomUUID();
    const decided = approvalCard(rid, true);
    const notice = await channel.sendCard({ type: 'user', id: 'HanMei' }, decided, { requestId: rid, idempotencyKey: 'n1' });
    const [call] = fake.calls('/cgi-bin/message/send');
    const tc = (call!.body as { template_card: Record<string, unknown> }).template_card;
    expect(tc).toMatchObject({ card_type: 'text_notice', card_action: { type: 1, url: decided.link } });
    expect(tc.button_list).toBeUndefined();
    expect(tc.replace_text).toBeUndefined();
    expect(notice.trackId).toBe(tc.task_id);
    expect(notice.responseCode).toBeUndefined(); // text_notice cards get no response_code
    const plainCard = { ...decided, link: undefined };
    expect(await channel.sendCard({ type: 'user', id: 'HanMei' }, plainCard, { requestId: rid, idempotencyKey: 'n2' })).toEqual({});
    expect(await channel.sendCard({ type: 'user', id: 'HanMei' }, plainCard, { requestId: rid, idempotencyKey: 'n2' })).toEqual({});
    expect(texts()).toHaveLength(1);
    expect((texts()[0]!.body as { text: { content: string } }).text.content).toContain('状态：已通过');
  });

  it('the fake refuses what WeCom refuses: a reused task_id, button_interaction without buttons, text_notice without card_action', async () => {
    const token = (await fetch(`${fake.url}/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`).then((r) => r.json())) as { access_token: string };
    const send = (template_card: Record<string, unknown>) =>
      fetch(`${fake.url}/cgi-bin/message/send?access_token=${token.access_token}`, { method: 'POST', body: JSON.stringify({ touser: 'ZhangWei', agentid: AGENT, msgtype: 'template_card', template_card }) }).then((r) => r.json()) as Promise<{ errcode: number }>;
    const title = { title: '测试' };
    expect((await send({ card_type: 'button_interaction', main_title: title, task_id: 'fake_t1', button_list: [{ text: '同意', style: 1, key: 'k' }] })).errcode).toBe(0);
    expect((await send({ card_type: 'button_interaction', main_title: title, task_id: 'fake_t1', button_list: [{ text: '同意', style: 1, key: 'k' }] })).errcode).toBe(42014);
    expect((await send({ card_type: 'button_interaction', main_title: title, task_id: 'fake_t2', button_list: [] })).errcode).toBe(40058);
    expect((await send({ card_type: 'text_notice', main_title: title, task_id: 'fake_t3' })).errcode).toBe(40058);
    expect(fake.problems).toEqual([]);
    await send({ card_type: 'text_notice', main_title: title, card_action: { type: 1, url: 'https://x' }, replace_text: 'x', horizontal_content_list: [{ keyname: '活动开始时间', value: 'x' }] });
    expect(fake.problems).toEqual([
      'message/send: horizontal_content_list.keyname longer than 5 characters (the client cuts it)',
      'message/send: replace_text is not a field of message/send (update_template_card only)',
    ]);
    fake.problems.length = 0;
  });

  it('sendText is idempotent per key', async () => {
    await channel.sendText({ type: 'user', id: 'HanMei' }, '你的申请已通过', { idempotencyKey: 'same' });
    await channel.sendText({ type: 'user', id: 'HanMei' }, '你的申请已通过', { idempotencyKey: 'same' });
    await channel.sendText({ type: 'chat', id: 'wr_east_approvals' }, '群通知', { idempotencyKey: 'chat-1' });
    expect(texts()).toHaveLength(1);
    expect(fake.calls('/cgi-bin/appchat/send')[0]!.body).toMatchObject({ chatid: 'wr_east_approvals', msgtype: 'text', text: { content: '群通知' } });
  });
});

describe('wecom updateCard', () => {
  it('spends the stored code on update_template_card and clears it', async () => {
    const { row, code, rid } = await sentCopy();
    const result = await channel.updateCard(row, approvalCard(rid, true));
    expect(result).toEqual({});
    const [call] = fake.calls('/cgi-bin/message/update_template_card');
    expect(call!.body).toMatchObject({ userids: ['LiuYang'], agentid: AGENT, response_code: code, template_card: { task_id: row.trackId, replace_text: '已通过', button_list: [] } });
    expect((await cardMessageById(db.database.db, row.id))?.responseCode).toBeNull();
  });

  it('20 concurrent updates of one copy spend its one code exactly once; the rest fall back', async () => {
    const { row, code, rid } = await sentCopy('WangFang');
    const results = await Promise.all(Array.from({ length: 20 }, () => channel.updateCard(row, approvalCard(rid, true))));
    const updates = fake.calls('/cgi-bin/message/update_template_card');
    expect(updates).toHaveLength(1);
    expect(updates[0]!.body?.response_code).toBe(code);
    expect(updates[0]!.reply.errcode).toBe(0);
    expect(results.filter((r) => !r.fellBack)).toHaveLength(1);
    expect(results.filter((r) => r.fellBack)).toHaveLength(19);
    // The fallback says the outcome once, not nineteen times.
    expect(texts().filter((t) => t.body?.touser === 'WangFang')).toHaveLength(1);
  });

  it('a click’s newer code is used when the send code was spent', async () => {
    const { row, rid } = await sentCopy('SunLi');
    await channel.updateCard(row, approvalCard(rid));
    const clickCode = fake.issueCode('SunLi', row.trackId!);
    await updateCardMessage(db.database.db, row.id, { responseCode: clickCode, responseCodeAt: new Date() });
    expect(await channel.updateCard(row, approvalCard(rid, true))).toEqual({});
    expect(fake.calls('/cgi-bin/message/update_template_card').map((c) => c.body?.response_code).at(-1)).toBe(clickCode);
  });

  it('a code WeCom reports as used falls back to a result text', async () => {
    const { row, code, rid } = await sentCopy('ChenJie');
    fake.useCode(code);
    const result = await channel.updateCard(row, approvalCard(rid, true));
    expect(result).toEqual({ fellBack: true });
    expect(fake.calls('/cgi-bin/message/update_template_card')[0]!.reply.errcode).toBe(42022);
    const [text] = texts();
    expect(text!.body).toMatchObject({ touser: 'ChenJie', msgtype: 'text' });
    expect((text!.body as { text: { content: string } }).text.content).toContain('状态：已通过');
  });

  it('a code older than 72 h is not tried: result text', async () => {
    const { row, rid } = await sentCopy('HanMei');
    await updateCardMessage(db.database.db, row.id, { responseCodeAt: new Date(Date.now() - 73 * 3600_000) });
    expect(await channel.updateCard(row, approvalCard(rid, true))).toEqual({ fellBack: true });
    expect(fake.calls('/cgi-bin/message/update_template_card')).toHaveLength(0);
    expect(texts()).toHaveLength(1);
    expect((await cardMessageById(db.database.db, row.id))?.responseCode).toBeNull();
  });

  it('no code left: result text; the same status is not texted twice', async () => {
    const { row, rid } = await sentCopy('ZhangWei');
    await channel.updateCard(row, approvalCard(rid));
    expect(await channel.updateCard(row, approvalCard(rid, true))).toEqual({ fellBack: true });
    expect(await channel.updateCard(row, approvalCard(rid, true))).toEqual({ fellBack: true });
    expect(texts()).toHaveLength(1);
  });

  it('WeCom busy during an update: transient error, and the code is kept for the retry', async () => {
    const { row, code, rid } = await sentCopy('LiuYang');
    fake.failNext('/cgi-bin/message/update_template_card', -1);
    const err = await channel.updateCard(row, approvalCard(rid, true)).catch((e: unknown) => e as DeliveryError);
    expect(err).toMatchObject({ permanent: false, code: -1 });
    expect((await cardMessageById(db.database.db, row.id))?.responseCode).toBe(code);
    expect(await channel.updateCard(row, approvalCard(rid, true))).toEqual({});
  });

  it('app-chat copies: nothing while open, one outcome notice once decided', async () => {
    const rid = randomUUID();
    const row = await recordCardMessage(db.database.db, { requestId: rid, cardKind: 'approval', platform: 'wecom', targetType: 'chat', targetId: 'wr_east_approvals' });
    expect(await channel.updateCard(row, approvalCard(rid))).toEqual({});
    expect(await channel.updateCard(row, approvalCard(rid, true))).toEqual({ fellBack: true });
    expect(fake.calls('/cgi-bin/appchat/send')).toHaveLength(1);
    expect(fake.calls('/cgi-bin/message/update_template_card')).toHaveLength(0);
  });
});

describe('wecom pacing', () => {
  it('a full window makes the next send wait for a free slot instead of dropping it', async () => {
    const p = newPrefix();
    const pacer = createPacer(redis, p, { limits: [{ windowMs: 400, max: 3 }] });
    expect(await pacer.reserve('user:A')).toBe(0);
    expect(await pacer.reserve('user:A')).toBe(0);
    expect(await pacer.reserve('user:A')).toBe(0);
    const wait = await pacer.reserve('user:A');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(401);
    expect(await pacer.reserve('user:B')).toBe(0); // per recipient
    const t0 = Date.now();
    await pacer.acquire('user:A');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(wait - 20);
    const impatient = createPacer(redis, p, { limits: [{ windowMs: 60_000, max: 1 }], maxWaitMs: 50 });
    await impatient.acquire('user:C');
    await expect(impatient.acquire('user:C')).rejects.toMatchObject({ permanent: false, code: 'paced' });
  });

  it('the channel paces sends per member', async () => {
    const ch = makeChannel(newPrefix(), { paceLimits: [{ windowMs: 600, max: 2 }] });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) await ch.sendText({ type: 'user', id: 'SunLi' }, `m${i}`, { idempotencyKey: `p${i}` });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect(texts()).toHaveLength(3);
  });
});
