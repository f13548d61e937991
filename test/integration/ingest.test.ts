// Ingest on real Redis and Postgres, as a web replica (no worker drains the inbound queue, so
// what was enqueued can be read back): group commit, dedupe, the click pre-check, and what
// happens when Redis cannot take the events.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { InboundCardAction, InboundEvent, InboundMessage } from '../../src/channels/inbound.js';
import { createIngest, type IngestDeps } from '../../src/bot/ingest.js';
import type { Approvals } from '../../src/services/approvals.js';
import { QUEUE_NAMES, type InboundJob } from '../../src/queue/jobs.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventPayload } from '../support/core-fixtures.js';
import { EVENT_FORM } from '../support/sim-client.js';
import { waitFor } from '../support/wait.js';

let t: TestApp;
let requestId: string;
let stepId: string;
beforeAll(async () => {
  t = await startTestApp({ PROCESS_ROLE: 'web' });
  const sub = await t.app.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload(), platform: 'local' });
  if (!sub.ok) throw new Error(sub.code);
  requestId = sub.state.id;
  stepId = sub.state.steps[sub.state.current!]!.id;
});
afterAll(() => t?.close());

let seq = 0;
const id = (tag: string) => `${tag}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
const message = (senderId = 'ou_liming', eventId = id('m')): InboundMessage => ({
  kind: 'message', platform: 'feishu', eventId, receivedAt: new Date().toISOString(), senderId, chat: { type: 'dm', id: 'oc_dm' }, text: '待办', mentioned: false,
});
const click = (senderId: string, a = 'approve', eventId = id('c')): InboundCardAction => ({
  kind: 'card_action', platform: 'feishu', eventId, receivedAt: new Date().toISOString(), senderId, action: { a, r: requestId, s: stepId },
});

/** Every event id held by the queue's waiting jobs, and how many jobs hold them. */
async function queued(): Promise<{ jobs: number; ids: string[]; items: InboundJob['events'] }> {
  const jobs = await t.app.queues.inbound.getJobs(['waiting', 'delayed', 'prioritized']);
  const items = jobs.flatMap((j) => j.data.events);
  return { jobs: jobs.length, ids: items.map((x) => x.event.eventId), items };
}
const dedupeKey = (e: InboundEvent) => `${t.prefix}:dedupe:${e.platform}:${e.eventId}`;

describe('ingest', () => {
  it('a burst shares round trips: 60 events at once → every one queued once, in a handful of jobs', async () => {
    await t.app.queues.inbound.obliterate({ force: true });
    const events = Array.from({ length: 60 }, () => message());
    const results = await Promise.all(events.map((e) => t.app.ingest(e)));
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    const q = await queued();
    expect(q.ids.sort()).toEqual(events.map((e) => e.eventId).sort());
    // The first calls run alone (nothing in flight yet); the rest wait and go together.
    expect(q.jobs).toBeGreaterThan(1);
    expect(q.jobs).toBeLessThanOrEqual(10);
  });

  it('the same event id delivered 5 times at once and once later → accepted once, queued once', async () => {
    await t.app.queues.inbound.obliterate({ force: true });
    const e = message();
    const results = await Promise.all(Array.from({ length: 5 }, () => t.app.ingest({ ...e })));
    expect(results.map((r) => r.status).sort()).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect((await t.app.ingest({ ...e })).status).toBe('duplicate');
    expect((await queued()).ids).toEqual([e.eventId]);
    expect(await t.app.redis.ttl(dedupeKey(e))).toBeGreaterThan(7 * 3600);
  });

  it("clicks in one batch: the approver's is queued with its toast; a bystander's and a stranger's are refused and queued nowhere", async () => {
    await t.app.queues.inbound.obliterate({ force: true });
    const approver = click('ou_liuyang');
    const bystander = click('ou_wangfang');
    const stranger = click('ou_nobody');
    const [a, b, s] = await Promise.all([approver, bystander, stranger].map((e) => t.app.ingest(e)));
    expect(a).toEqual({ status: 'accepted', feedback: { text: '已同意', tone: 'success' } });
    expect(b).toEqual({ status: 'refused', feedback: { text: '你不是该申请的审批人', tone: 'error' } });
    expect(s?.status).toBe('refused');
    expect(s?.feedback?.text).toContain('组织');
    const q = await queued();
    expect(q.ids).toEqual([approver.eventId]);
    expect(q.items[0]!.ackKey).toBe('feedback.approved');
    // A refused click leaves no dedupe key: the same click id may be valid later.
    expect(await t.app.redis.exists(dedupeKey(bystander), dedupeKey(stranger))).toBe(0);
    expect(await t.app.redis.exists(dedupeKey(approver))).toBe(1);
  });

  it('a card form submitted on a platform is said to be submitting, never submitted: the worker judges it, the result goes to the DM', async () => {
    const form: InboundCardAction = { kind: 'card_action', platform: 'feishu', eventId: id('f'), receivedAt: new Date().toISOString(), senderId: 'ou_liming', action: { a: 'submit', t: 'event' }, form: EVENT_FORM };
    expect(await t.app.ingest(form)).toEqual({ status: 'accepted', feedback: { text: '已收到，正在提交；结果会发到私聊', tone: 'success' } });
    expect((await queued()).ids).toContain(form.eventId);
  });

  it('a card form whose fields are wrong is refused at once with the form to show again (errors beside fields, values kept) and queued nowhere', async () => {
    await t.app.queues.inbound.obliterate({ force: true });
    const form: InboundCardAction = { kind: 'card_action', platform: 'feishu', eventId: id('f'), receivedAt: new Date().toISOString(), senderId: 'ou_liming', action: { a: 'submit', t: 'event' }, form: { name: '答谢会', headcount: '0' } };
    const result = await t.app.ingest(form);
    expect(result.status).toBe('refused');
    const inputs = result.card!.form!.inputs;
    const errors = inputs.filter((i) => i.error);
    expect(result.feedback).toEqual({ text: `有 ${errors.length} 处需要修改，请看各项下方的提示；已填的内容都还在`, tone: 'error' });
    expect(inputs.find((i) => i.name === 'name')).toMatchObject({ value: '答谢会' });
    expect(inputs.find((i) => i.name === 'name')!.error).toBeUndefined();
    expect(inputs.find((i) => i.name === 'headcount')).toMatchObject({ value: '0', error: expect.any(String) });
    expect(inputs.find((i) => i.name === 'location')!.error).toBeTruthy();
    expect((await queued()).jobs).toBe(0);
    expect(await t.app.redis.exists(dedupeKey(form))).toBe(0);
  });

  it('precheck tells what a click would get and records, queues and dedupes nothing', async () => {
    await t.app.queues.inbound.obliterate({ force: true });
    const bystander = { ...click('ou_wangfang', 'reject'), form: { reason: '…' } };
    const approver = { ...click('ou_liuyang', 'reject'), form: { reason: '…' } };
    expect(await t.app.ingest.precheck(bystander)).toEqual({ status: 'refused', feedback: { text: '你不是该申请的审批人', tone: 'error' } });
    expect((await t.app.ingest.precheck(approver))?.status).toBe('accepted');
    expect((await queued()).jobs).toBe(0);
    expect(await t.app.redis.exists(dedupeKey(bystander), dedupeKey(approver))).toBe(0);
  });

  it('Redis refusing the job → unavailable (the receiver answers 5xx) and the dedupe keys are released for the retry', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on('error', () => {});
    const inbound = new Queue<InboundJob>(QUEUE_NAMES.inbound, { connection: dead, prefix: `${t.prefix}dead` });
    inbound.on('error', () => {});
    const ingest = createIngest({ redis: t.app.redis, prefix: t.prefix, inbound, approvals: t.app.approvals, dir: t.app.dir, locale: 'zh-CN', log: pino({ level: 'silent' }) });
    const events = [message(), message(), click('ou_liuyang')];
    const results = await Promise.all(events.map((e) => ingest(e)));
    expect(results.map((r) => r.status)).toEqual(['unavailable', 'unavailable', 'unavailable']);
    expect(await t.app.redis.exists(...events.map(dedupeKey))).toBe(0);
    // The platform's retry reaches the working ingest and is accepted.
    await t.app.queues.inbound.obliterate({ force: true });
    expect((await t.app.ingest(events[0]!)).status).toBe('accepted');
    expect((await queued()).ids).toEqual([events[0]!.eventId]);
    await inbound.close().catch(() => {});
    dead.disconnect();
  });

  it('Redis down for the dedupe → unavailable, nothing queued', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on('error', () => {});
    await t.app.queues.inbound.obliterate({ force: true });
    const ingest = createIngest({ redis: dead, prefix: t.prefix, inbound: t.app.queues.inbound, approvals: t.app.approvals, dir: t.app.dir, locale: 'zh-CN', log: pino({ level: 'silent' }) });
    expect(await Promise.all([message(), message()].map((e) => ingest(e)))).toEqual([{ status: 'unavailable' }, { status: 'unavailable' }]);
    expect((await queued()).jobs).toBe(0);
    dead.disconnect();
  });
  it('every string of an event is normalised before it is acked: NUL and other controls go, a lone surrogate becomes U+FFFD', async () => {
    await t.app.queues.inbound.obliterate({ force: true });
    const m = { ...message(), text: '待办\u0000\u0007 ok\ud800' };
    const c = { ...click('ou_liuyang', 'reject'), form: { reason: '不\u0000行\udfff', 'k\u0000': 'v' } };
    expect((await t.app.ingest(m)).status).toBe('accepted');
    expect(await t.app.ingest(c)).toEqual({ status: 'accepted', feedback: { text: '已驳回', tone: 'success' } });
    const items = (await queued()).items;
    const byId = new Map(items.map((x) => [x.event.eventId, x.event]));
    expect((byId.get(m.eventId) as InboundMessage).text).toBe('待办 ok\ufffd');
    expect((byId.get(c.eventId) as InboundCardAction).form).toEqual({ reason: '不行\ufffd', k: 'v' });
  });

  it('a crash between the dedupe and the enqueue loses nothing: the claim expires and the platform retry is queued', async () => {
    await t.app.queues.inbound.obliterate({ force: true });
    const log = pino({ level: 'silent' });
    const deps: IngestDeps = { redis: t.app.redis, prefix: t.prefix, inbound: t.app.queues.inbound, approvals: t.app.approvals, dir: t.app.dir, locale: 'zh-CN', log, claimTtlSeconds: 3, claimWaitMs: 200 };
    // The dying process: its enqueue never completes.
    const hung = { add: () => new Promise(() => {}) } as unknown as Queue<InboundJob>;
    const dying = createIngest({ ...deps, inbound: hung });
    const events = [message(), click('ou_liuyang')];
    for (const e of events) void dying(e);
    await waitFor('the claims', async () => (await t.app.redis.exists(...events.map(dedupeKey))) === events.length);
    // The process dies here. A new one gets the platforms' retries: while the claim may still be
    // in flight it waits a little, then asks for a retry later (never "duplicate"); once the
    // claim has expired it queues them.
    const restarted = createIngest(deps);
    const early = await Promise.all(events.map((e) => restarted(e)));
    expect(early.map((r) => r.status)).toEqual(['unavailable', 'unavailable']);
    expect((await queued()).jobs).toBe(0);
    await waitFor('the claims to expire', async () => (await t.app.redis.exists(...events.map(dedupeKey))) === 0, 5000);
    const retried = await Promise.all(events.map((e) => restarted(e)));
    expect(retried.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect((await queued()).ids.sort()).toEqual(events.map((e) => e.eventId).sort());
    // Queued, so now they count as seen for a day.
    expect(await t.app.redis.ttl(dedupeKey(events[0]!))).toBeGreaterThan(7 * 3600);
    expect((await restarted(events[0]!)).status).toBe('duplicate');
  });

  it('a database that hangs: clicks are answered within ~1 s without a toast, and messages are not held up by them', async () => {
    await t.app.queues.inbound.obliterate({ force: true });
    let previews = 0;
    const hanging = { ...t.app.approvals, previewMany: () => (previews++, new Promise(() => {})) } as unknown as Approvals;
    const ingest = createIngest({ redis: t.app.redis, prefix: t.prefix, inbound: t.app.queues.inbound, approvals: hanging, dir: t.app.dir, locale: 'zh-CN', log: pino({ level: 'silent' }) });
    const t0 = Date.now();
    // Enough clicks to fill every batch slot, then messages behind them.
    const clicks = Array.from({ length: 6 }, () => ingest(click('ou_liuyang')));
    const messages = await Promise.all(Array.from({ length: 5 }, () => ingest(message())));
    const messagesMs = Date.now() - t0;
    expect(messages.every((r) => r.status === 'accepted')).toBe(true);
    expect(messagesMs).toBeLessThan(800);
    const clicked = await Promise.all(clicks);
    const clicksMs = Date.now() - t0;
    expect(clicked).toEqual(clicked.map(() => ({ status: 'accepted' })));
    expect(clicksMs).toBeLessThan(2500);
    // Later clicks do not pile more queries onto the hung database.
    const before = previews;
    expect(await ingest(click('ou_liuyang'))).toEqual({ status: 'accepted' });
    expect(previews).toBe(before);
    expect((await queued()).ids).toHaveLength(12);
    console.log(`hung database: 5 messages answered in ${messagesMs} ms, 6 clicks in ${clicksMs} ms`);
  });

  it('the same event on two replicas at once: one queues it, the other waits for that and answers duplicate', async () => {
    await t.app.queues.inbound.obliterate({ force: true });
    const other = createIngest({ redis: t.app.redis, prefix: t.prefix, inbound: t.app.queues.inbound, approvals: t.app.approvals, dir: t.app.dir, locale: 'zh-CN', log: pino({ level: 'silent' }) });
    const e = message();
    const r = await Promise.all([t.app.ingest({ ...e }), other({ ...e })]);
    expect(r.map((x) => x.status).sort()).toEqual(['accepted', 'duplicate']);
    expect((await queued()).ids).toEqual([e.eventId]);
  });

  it('a click on a request that no longer exists is refused with a toast, not an error', async () => {
    const gone = { ...click('ou_liuyang'), action: { a: 'approve', r: '00000000-0000-4000-8000-000000000000', s: 'x' } };
    expect(await t.app.ingest(gone)).toEqual({ status: 'refused', feedback: { text: '找不到该申请', tone: 'error' } });
  });
});
