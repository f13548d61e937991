// Chaos: Redis loses everything (FLUSHALL on a private redis-server) while deadlines are pending
// and delivery jobs are queued. Without a restart, the running app notices, rebuilds its job
// schedulers and the timers' mirror, and re-drives the deliveries that had not finished: every
// reminder fires once, every notice and card is sent once, every card ends up showing its
// request's current state.
import { asc, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalCard } from '../../cards/approval.js';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { t as text } from '../../src/core/messages.js';
import { cardContext } from '../../src/delivery/deliver.js';
import { expand } from '../../src/delivery/outbox-relay.js';
import { loadRequests } from '../../src/store/requests-repo.js';
import { auditLog, cardMessages, outbox, simMessages, timers } from '../../src/store/schema.js';
import { eventPayload } from '../support/core-fixtures.js';
import { createTestDatabaseUrl } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.js';
import { waitFor } from '../support/wait.js';
import { orgFrom, sh, warp } from '../integration/scheduler-harness.js';

const dir = orgFrom({
  workflows: [
    { requestType: 'event', rooms: [], reminders: { before: ['50%'], overdueEvery: '10m', maxOverdue: 2 }, steps: [{ id: 'dept-lead', name: '部门负责人审批', approvers: ['dept_lead'], due: '30m' }] },
  ],
});
/** What each pending request's chain says, in order (5 fake minutes per real second: ≈ 10 s). */
const CHAIN = ['reminder_sent:remind', 'escalated', 'reminder_sent:overdue', 'reminder_sent:overdue'];

let redis: PrivateRedis;
let app: App;
let dropDb: () => Promise<void>;

beforeAll(async () => {
  redis = await startPrivateRedis();
  const db = await createTestDatabaseUrl();
  dropDb = db.drop;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: uniqueName('chaos'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    OUTBOX_POLL_MS: '200',
    DATA_DIR: '/tmp/qianpi-test',
  });
  const clock = warp(sh('2026-11-23 10:00'), 300);
  app = await buildApp({ config, dir, now: clock.now, scheduleDelay: clock.delayMs, stateWatchMs: 500 });
  await app.start();
});

afterAll(async () => {
  await app?.stop();
  await redis?.stop();
  await dropDb?.();
});

const deliveryWorkers = () => app.workers.filter((w) => w.name.startsWith('deliveries'));

async function submit(n: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await app.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload({ name: `${tag} ${i}` }), platform: 'local' });
    if (!r.ok) throw new Error(JSON.stringify(r));
    ids.push(r.state.id);
  }
  return ids;
}

/** Each request's fired chain points, in order. */
async function chains(): Promise<Map<string, string[]>> {
  const rows = await app.database.db.select().from(auditLog).orderBy(asc(auditLog.id));
  const out = new Map<string, string[]>();
  for (const a of rows) {
    if (!a.requestId || (a.action !== 'reminder_sent' && a.action !== 'escalated')) continue;
    const list = out.get(a.requestId) ?? out.set(a.requestId, []).get(a.requestId)!;
    list.push(a.action === 'escalated' ? a.action : `reminder_sent:${String(a.detail.point)}`);
  }
  return out;
}

/**
 * What the simulator should hold if every outbox row was delivered exactly once — one line per
 * text (conversation + text) and per card (conversation + request) — against what it holds.
 */
async function deliveries(): Promise<{ expected: string[]; actual: string[] }> {
  const db = app.database.db;
  const rows = await db.select().from(outbox).orderBy(asc(outbox.id));
  const expected: string[] = [];
  for (const row of rows) {
    for (const { job } of expand(row, dir, new Set(['local']))) {
      if (job.type === 'message.send') {
        const body = 'text' in job.message ? job.message.text : text('zh-CN', job.message.key, job.message.params);
        expected.push(`dm:${job.target.id} text ${body}`);
      } else if (job.type === 'card.send') expected.push(`dm:${job.target.id} card ${job.requestId}`);
    }
  }
  const sims = await db.select().from(simMessages).orderBy(asc(simMessages.id));
  const byMessage = new Map((await db.select().from(cardMessages)).map((m) => [m.messageId, m.requestId]));
  const actual = sims.filter((m) => m.sender === 'bot').map((m) => (m.kind === 'card' ? `${m.conversation} card ${byMessage.get(String(m.id))}` : `${m.conversation} text ${m.text}`));
  return { expected: expected.sort(), actual: actual.sort() };
}

/**
 * A card's content, key order aside, without its "updated at" footer (an escalation that only
 * notifies changes the request's time, not its card, and refreshes nothing).
 */
const canonical = (card: unknown): string =>
  JSON.stringify(card, (key, v: unknown) => (key === 'footer' ? undefined : v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

/** Cards that do not show their request's current state. */
async function staleCards(): Promise<string[]> {
  const db = app.database.db;
  const cards = await db.select().from(cardMessages);
  const states = await loadRequests(db, [...new Set(cards.map((c) => c.requestId))]);
  const sims = new Map((await db.select().from(simMessages)).map((m) => [String(m.id), m]));
  const ctx = cardContext(dir, 'zh-CN');
  const stale: string[] = [];
  for (const c of cards) {
    const s = states.get(c.requestId)!;
    const shown = sims.get(c.messageId ?? '')?.card;
    if (canonical(shown) !== canonical(approvalCard(s, ctx))) stale.push(`${c.requestId}: shows v${c.renderedVersion} of v${s.version}`);
  }
  return stale;
}

describe('chaos: Redis loses its state mid-flight', () => {
  it('FLUSHALL with deadlines pending and deliveries queued: no restart, every reminder, notice and card update happens once', async () => {
    const db = app.database.db;
    // Phase 1: requests whose cards and notices go out normally; their reminders are pending.
    const first = await submit(10, '第一批');
    await waitFor('the first cards', async () => (await db.select().from(cardMessages)).length === first.length);

    // Phase 2: deliveries stall (their workers paused) while decisions and new requests pile
    // delivery jobs up in Redis: card refreshes, notices, new cards.
    await Promise.all(deliveryWorkers().map((w) => w.pause(true)));
    const approved = first.slice(0, 4);
    for (const id of approved) {
      const r = await app.approvals.act(id, { type: 'approve', stepId: 'dept-lead' }, { personId: 'liuyang', platform: 'local' });
      expect(r.ok).toBe(true);
    }
    const second = await submit(10, '第二批');
    await waitFor('every outbox row relayed', async () => (await db.select().from(outbox)).every((r) => r.status !== 'pending'));
    const queued = (await Promise.all(app.queues.deliveries.all().map((q) => q.getJobCounts('waiting')))).reduce((n, c) => n + (c.waiting ?? 0), 0);
    expect(queued).toBeGreaterThan(10);
    expect(await app.scheduler.queue.getDelayedCount()).toBeGreaterThan(0);

    // Redis loses everything: the queued deliveries, the timers' delayed jobs, the job schedulers.
    await redis.client.flushall();
    const flushedAt = Date.now();
    await Promise.all(deliveryWorkers().map((w) => w.resume()));

    await waitFor('the job schedulers back', () => app.scheduler.schedulersPresent(), 10_000);
    const schedulersMs = Date.now() - flushedAt;
    await waitFor('the app to notice and rebuild', async () => (app.stateWatch?.recoveries() ?? 0) >= 1, 10_000);
    const rebuiltMs = Date.now() - flushedAt;
    console.log(`[chaos] Redis flushed with ${queued} delivery jobs queued; no restart; job schedulers back after ${schedulersMs} ms, timers and deliveries rebuilt after ${rebuiltMs} ms`);
    expect(rebuiltMs).toBeLessThan(10_000); // ≈ 1–3 s; generous for a loaded 2-core machine

    // Every pending request's chain runs to its end, each point once.
    const pending = [...first.slice(4), ...second];
    await waitFor('every chain to finish', async () => {
      const c = await chains();
      return pending.every((id) => (c.get(id)?.length ?? 0) >= CHAIN.length);
    }, 30_000).catch(() => undefined);
    // Every notice and card sent once; every card shows the current state; every row delivered.
    await waitFor('every delivery', async () => {
      const { expected, actual } = await deliveries();
      return expected.length === actual.length && (await staleCards()).length === 0 && (await db.select().from(outbox)).every((r) => r.status === 'delivered');
    }, 20_000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500)); // nothing more arrives late (a duplicate)
    const c = await chains();
    const unfinished = pending.filter((id) => (c.get(id)?.length ?? 0) < CHAIN.length);
    if (unfinished.length) {
      const rows = await db.select().from(timers).where(inArray(timers.requestId, unfinished));
      const jobs = await app.scheduler.queue.getJobs(['delayed', 'waiting', 'active', 'failed']);
      console.log('[chaos] unfinished chains', JSON.stringify({ now: new Date(), rows, jobs: jobs.map((j) => ({ id: j.id, name: j.name, ts: j.timestamp, delay: j.delay, failed: j.failedReason })) }, null, 1));
    }
    for (const id of pending) expect(c.get(id)).toEqual(CHAIN);
    for (const id of approved) expect(c.get(id) ?? []).not.toContain('escalated');
    const { expected, actual } = await deliveries();
    expect(actual).toEqual(expected);
    expect(await staleCards()).toEqual([]);
    expect((await db.select().from(outbox)).filter((r) => r.status !== 'delivered')).toEqual([]);
  }, 60_000);
});
