// The dialog service and command handler on real Redis and Postgres with a fake clock, without
// the HTTP app: a retried inbound event replays its replies instead of answering twice, the
// per-person lock keeps concurrent messages from losing an update, the idle timeout is exact,
// Redis keys expire, and a confirmation retried by the platform creates one request.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommands, type Commands, type Reply } from '../../src/bot/commands/index.js';
import { createDialogs, createDialogStore, DIALOG_IDLE_MS, type DialogStore } from '../../src/bot/dialog/index.js';
import type { DialogSession } from '../../src/bot/dialog/types.js';
import type { InboundCardAction, InboundMessage } from '../../src/channels/inbound.js';
import { createApprovals, type Approvals } from '../../src/services/approvals.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { commandReads } from '../../src/store/command-reads.js';
import { syncOrganisation } from '../../src/store/org-sync.js';
import { requestReads, requestsOf } from '../../src/store/requests-repo.js';
import { exampleDir } from '../support/core-fixtures.js';
import { createTestDatabaseUrl } from '../support/db.js';
import { REDIS_URL, uniqueName } from '../support/env.js';

const dir = exampleDir();
const prefix = uniqueName('dlg');
let clock = new Date('2026-11-23T10:00:00+08:00');
const now = () => clock;
let database: Database;
let drop: () => Promise<void>;
let redis: Redis;
let store: DialogStore;
let approvals: Approvals;
let commands: Commands;

beforeAll(async () => {
  const t = await createTestDatabaseUrl();
  drop = t.drop;
  database = await openDatabase({ url: t.url, dataDir: '/tmp' });
  await syncOrganisation(database.db, dir);
  redis = new Redis(REDIS_URL);
  store = createDialogStore(redis, prefix, { idleMs: DIALOG_IDLE_MS });
  approvals = createApprovals({ database, dir, now });
  const dialogs = createDialogs({ store, requests: requestReads(database.db), dir, approvals, locale: 'zh-CN', now });
  commands = createCommands({ reads: commandReads(database.db), dir, locale: 'zh-CN', approvals, dialogs, now });
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await database?.close();
  await drop?.();
});

const message = (personId: string, text: string, eventId: string = randomUUID()): InboundMessage => ({
  kind: 'message',
  platform: 'local',
  eventId,
  receivedAt: clock.toISOString(),
  senderId: personId,
  chat: { type: 'dm', id: personId },
  text,
  mentioned: true,
});
const person = (id: string) => dir.person(id)!;
const say = (personId: string, text: string, eventId?: string) => commands.handle(message(personId, text, eventId), person(personId));
const textOf = (replies: Reply[]) => replies.flatMap((r) => ('text' in r ? [r.text] : 'lead' in r && r.lead ? [r.lead] : [])).join('\n');

const EVENT = ['答谢会', '1', '客户答谢会', '跳过', '12月20日 18:00-21:00', '杭州', '内容', '80', '老车主', '场地 8000', '回馈', '签到', '消防', '李明'];

describe('dialog service on Redis', () => {
  it('a retried event replays the same replies and applies the answer once', async () => {
    await say('liming', '申请活动');
    const first = await say('liming', '答谢会', 'evt-retry-1');
    const again = await say('liming', '答谢会', 'evt-retry-1');
    expect(again).toEqual(first);
    const s = await store.get('local', 'liming');
    expect(s?.values).toEqual({ name: '答谢会' });
    expect(s?.field).toBe('category');
    await say('liming', '取消');
  });

  it('the lock applies concurrent changes one after the other', async () => {
    const seed: DialogSession = { v: 1, id: 'x', rev: 0, type: 'event', mode: 'new', values: { n: 0 }, visited: [], phase: 'ask', back: [], startedAt: clock.toISOString(), updatedAt: clock.toISOString() };
    await store.transact('local', 'hanmei', async () => ({ record: { session: seed }, result: null }));
    const bump = () =>
      store.transact('local', 'hanmei', async (rec) => {
        const n = Number(rec.session!.values.n);
        await new Promise((r) => setTimeout(r, 20));
        return { record: { session: { ...rec.session!, values: { n: n + 1 } } }, result: n };
      });
    const seen = await Promise.all(Array.from({ length: 8 }, bump));
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect((await store.get('local', 'hanmei'))?.values.n).toBe(8);
    await store.clear('local', 'hanmei');
  });

  it('keys expire: an open form after the idle time plus a day, a finished one after a quarter of an hour', async () => {
    await say('zhouqiang', '内容审核');
    const key = store.key('local', 'zhouqiang');
    expect(await redis.ttl(key)).toBeGreaterThan((DIALOG_IDLE_MS + 24 * 3600_000) / 1000 - 10);
    await say('zhouqiang', '取消');
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(14 * 60);
    expect(ttl).toBeLessThanOrEqual(15 * 60);
  });

  it('the idle timeout counts from the last message, to the millisecond', async () => {
    await say('wangfang', '内容审核');
    clock = new Date(clock.getTime() + DIALOG_IDLE_MS);
    expect(textOf(await say('wangfang', '标题'))).toContain('（2/4）请填写「发布渠道」');
    clock = new Date(clock.getTime() + DIALOG_IDLE_MS);
    expect(textOf(await say('wangfang', '公众号'))).toContain('（3/4）请填写「内容」');
    clock = new Date(clock.getTime() + DIALOG_IDLE_MS + 1);
    expect(textOf(await say('wangfang', '正文'))).toBe('你之前填写的「内容审核」已超过 30 分钟没有回复，已自动关闭，内容没有提交。如需继续，请重新发送「内容审核」。');
    expect(await store.get('local', 'wangfang')).toBeNull();
    // The card of a form that timed out says so too.
    await say('wangfang', '内容审核');
    for (const a of ['标题', '公众号', '正文']) await say('wangfang', a);
    const confirm = await say('wangfang', '跳过');
    const card = confirm.find((r): r is Extract<Reply, { card: unknown }> => 'card' in r)!.card;
    clock = new Date(clock.getTime() + DIALOG_IDLE_MS + 1);
    const click: InboundCardAction = { kind: 'card_action', platform: 'local', eventId: randomUUID(), receivedAt: clock.toISOString(), senderId: 'wangfang', action: card.buttons[0]!.action };
    expect(textOf(await commands.press(click, person('wangfang')))).toContain('已超过 30 分钟没有回复');
    expect(await requestsOf(database.db, 'wangfang')).toEqual([]);
  });

  it('a confirmation the platform delivers twice creates one request', async () => {
    await say('liming', '申请活动');
    for (const a of EVENT) await say('liming', a);
    const confirm = message('liming', '确认', 'evt-confirm-1');
    const [a, b] = await Promise.all([commands.handle(confirm, person('liming')), commands.handle(confirm, person('liming'))]);
    expect(textOf(a)).toMatch(/^已提交申请 A-\d{4}，等待审批。$/);
    expect(b).toEqual(a);
    expect((await requestsOf(database.db, 'liming')).filter((r) => r.title === '答谢会')).toHaveLength(1);
    // A new message afterwards: no form is open.
    expect(textOf(await say('liming', '确认'))).toContain('现在没有正在填写的表单');
  });

  it('resubmission after a send-back through the service', async () => {
    const [r] = await requestsOf(database.db, 'liming');
    const s = (await approvals.load(r!.id))!;
    const ret = await approvals.act(s.id, { type: 'return', stepId: s.steps[s.current!]!.id, reason: '地点再确认' }, { personId: 'liuyang', platform: 'local' });
    expect(ret.ok).toBe(true);
    expect(textOf(await say('hanmei', `重新提交 ${s.number}`))).toBe('只有申请人可以进行此操作');
    const loaded = await say('liming', `重新提交 ${s.number.toLowerCase()}`);
    expect(textOf(loaded)).toContain(`已载入 ${s.number}「答谢会」的内容（刘洋退回修改：地点再确认）`);
    await say('liming', '修改 活动地点');
    await say('liming', '杭州西湖国宾馆');
    expect(textOf(await say('liming', '确认'))).toBe(`已重新提交申请 ${s.number}，等待审批。`);
    const after = (await approvals.load(s.id))!;
    expect(after).toMatchObject({ status: 'pending', round: 2, payload: { location: '杭州西湖国宾馆' } });
  });
});
