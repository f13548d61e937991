// The inbound processor on a real queue: a batch job's events run per conversation in order;
// a failure re-queues the rest of that conversation alone, and nothing that succeeded runs again.
import { Queue, Worker } from 'bullmq';
import { and, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundProcessor, recordGivenUp } from '../../src/bot/inbound-worker.js';
import type { InboundCardAction, InboundMessage } from '../../src/channels/inbound.js';
import { loadOrg } from '../../src/org/load.js';
import { openDatabase } from '../../src/store/db.js';
import { recordInboundFailure } from '../../src/store/inbound-failures-repo.js';
import { auditLog, outbox } from '../../src/store/schema.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { waitFor } from '../support/wait.js';
import { INBOUND_JOB, QUEUE_NAMES, type InboundItem, type InboundJob } from '../../src/queue/jobs.js';
import { REDIS_URL, uniqueName } from '../support/env.js';

let redis: Redis;
let queue: Queue<InboundJob>;
let db: TestDatabase;
const prefix = uniqueName('iw');
beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue<InboundJob>(QUEUE_NAMES.inbound, { connection: redis, prefix });
  db = await createTestDatabase();
});
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await db?.drop();
});

const msg = (sender: string, eventId: string): InboundItem => ({
  event: { kind: 'message', platform: 'feishu', eventId, receivedAt: '2026-11-20T02:00:00.000Z', senderId: sender, chat: { type: 'dm', id: `oc_${sender}` }, text: eventId, mentioned: false } satisfies InboundMessage,
});

/** A router that records what it ran and fails the listed event ids (once each, or always). */
function router(failing: Set<string>) {
  const ran: string[] = [];
  return {
    ran,
    route: async (item: InboundItem) => {
      await new Promise((r) => setTimeout(r, 1));
      if (failing.has(item.event.eventId)) throw new Error(`route failed for ${item.event.eventId}`);
      ran.push(item.event.eventId);
    },
  };
}

describe('inbound processor', () => {
  it('runs a conversation in order; a failure re-queues that conversation from the failing event, alone', async () => {
    await queue.obliterate({ force: true });
    const events = [msg('a', 'a1'), msg('b', 'b1'), msg('a', 'a2'), msg('c', 'c1'), msg('a', 'a3'), msg('b', 'b2')];
    const job = await queue.add(INBOUND_JOB, { events });
    const r = router(new Set(['a2']));
    await inboundProcessor({ route: r.route, inbound: queue, log: pino({ level: 'silent' }) })(job);
    expect([...r.ran].sort()).toEqual(['a1', 'b1', 'b2', 'c1']);
    expect(r.ran.indexOf('b1')).toBeLessThan(r.ran.indexOf('b2'));
    const retries = await queue.getJobs(['delayed', 'waiting']);
    const retry = retries.find((j) => j.id !== job.id)!;
    expect(retries.filter((j) => j.id !== job.id)).toHaveLength(1);
    expect(retry.id).toBe('in-feishu-a2');
    expect(retry.data.events.map((x) => x.event.eventId)).toEqual(['a2', 'a3']);

    // The retry runs a2 then a3 once a2 works; the batch job run again (a stalled worker) re-queues nothing new.
    const again = router(new Set());
    await inboundProcessor({ route: again.route, inbound: queue, log: pino({ level: 'silent' }) })(retry);
    expect(again.ran).toEqual(['a2', 'a3']);
    const stalledRerun = router(new Set(['a2']));
    await inboundProcessor({ route: stalledRerun.route, inbound: queue, log: pino({ level: 'silent' }) })(job);
    expect((await queue.getJobs(['delayed', 'waiting'])).filter((j) => j.id !== job.id)).toHaveLength(1);
  });

  it('a job where nothing succeeded throws, so BullMQ retries it as it is', async () => {
    const job = await queue.add(INBOUND_JOB, { events: [msg('d', 'd1'), msg('d', 'd2')] });
    const r = router(new Set(['d1']));
    await expect(inboundProcessor({ route: r.route, inbound: queue, log: pino({ level: 'silent' }) })(job)).rejects.toThrow('route failed for d1');
    expect(r.ran).toEqual([]);
    const single = await queue.add(INBOUND_JOB, { events: [msg('e', 'e1')] });
    await expect(inboundProcessor({ route: router(new Set(['e1'])).route, inbound: queue, log: pino({ level: 'silent' }) })(single)).rejects.toThrow('route failed for e1');
  });
});

describe('inbound processor: an event that fails on every attempt', () => {
  const dir = loadOrg(undefined);
  const RID = '11111111-2222-4333-8444-555555555555';
  // A reject queued before ingest normalised text (its NUL is what made every insert fail).
  const reject = (eventId: string): InboundItem => ({
    event: { kind: 'card_action', platform: 'feishu', eventId, receivedAt: '2026-11-20T02:00:00.000Z', senderId: 'ou_liuyang', action: { a: 'reject', r: RID, s: 'lead' }, form: { reason: 'no\u0000pe' }, message: { chatId: 'oc_liuyang' } } satisfies InboundCardAction,
    ackKey: 'feedback.rejected',
  });
  const after = (eventId: string): InboundItem => msg('liuyang', eventId);
  const silent = pino({ level: 'silent' });

  it('is not given up before its last attempt', async () => {
    await queue.obliterate({ force: true });
    const job = await queue.add(INBOUND_JOB, { events: [reject('x0')] }, { attempts: 3 });
    const giveUp = recordGivenUp({ record: (f) => recordInboundFailure(db.database.db, f), dir });
    await expect(inboundProcessor({ route: router(new Set(['x0'])).route, inbound: queue, log: silent, giveUp })(job)).rejects.toThrow('route failed for x0');
    expect(await db.database.db.select().from(auditLog).where(eq(auditLog.action, 'inbound_failed'))).toHaveLength(0);
  });

  it('on its last attempt: an audit entry and a notice to the person who acted, the rest of the conversation queued again, recorded once', async () => {
    await queue.obliterate({ force: true });
    const events = [reject('x1'), { ...after('x2'), event: { ...after('x2').event, senderId: 'ou_liuyang', chat: { type: 'dm' as const, id: 'oc_liuyang' } } }];
    const job = await queue.add(INBOUND_JOB, { events }, { attempts: 1 });
    let kicked = 0;
    const giveUp = recordGivenUp({ record: (f) => recordInboundFailure(db.database.db, f), dir, onRecorded: () => kicked++ });
    const process = inboundProcessor({ route: router(new Set(['x1'])).route, inbound: queue, log: silent, giveUp });
    await process(job);

    const audit = await db.database.db.select().from(auditLog).where(eq(auditLog.action, 'inbound_failed'));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ requestId: RID, actorId: 'liuyang', platform: 'feishu', stepId: 'lead' });
    expect(audit[0]!.detail).toMatchObject({ kind: 'card_action', event: 'feishu:x1', action: { a: 'reject', r: RID }, form: { reason: 'nope' }, error: 'route failed for x1' });
    const notices = await db.database.db.select().from(outbox).where(and(eq(outbox.kind, 'notify'), eq(outbox.dedupeKey, 'inbound-failed:feishu:x1')));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.payload).toMatchObject({ kind: 'notify', people: ['liuyang'], message: { key: 'inbound.failed.reject' } });
    expect(kicked).toBe(1);
    // What came after it in the conversation gets its own attempts.
    const requeued = (await queue.getJobs(['waiting', 'delayed'])).filter((j) => j.id !== job.id);
    expect(requeued.map((j) => j.data.events.map((x) => x.event.eventId))).toEqual([['x2']]);

    // The same job given up again (a stalled worker) records nothing more.
    await process(job);
    expect(await db.database.db.select().from(auditLog).where(eq(auditLog.action, 'inbound_failed'))).toHaveLength(1);
    expect(kicked).toBe(1);
  });

  it('under a real worker: tried `attempts` times with backoff, then given up and recorded (the job completes, nothing is left failed)', async () => {
    await queue.obliterate({ force: true });
    let tries = 0;
    const route = async (item: InboundItem) => {
      if (item.event.eventId === 'w1') tries++;
      throw new Error('insert failed');
    };
    const worker = new Worker<InboundJob>(QUEUE_NAMES.inbound, inboundProcessor({ route, inbound: queue, log: silent, giveUp: recordGivenUp({ record: (f) => recordInboundFailure(db.database.db, f), dir }) }), { connection: redis.duplicate(), prefix });
    try {
      await queue.add(INBOUND_JOB, { events: [reject('w1')] }, { attempts: 3, backoff: { type: 'fixed', delay: 50 } });
      await waitFor('the failure record', async () => (await db.database.db.select().from(outbox).where(eq(outbox.dedupeKey, 'inbound-failed:feishu:w1'))).length === 1);
      expect(tries).toBe(3);
      await waitFor('the job to complete', async () => (await queue.getJobCounts('completed')).completed === 1);
      expect((await queue.getJobCounts('failed')).failed).toBe(0);
    } finally {
      await worker.close();
    }
  });

  it('the failure cannot be recorded either (database down): the event is parked and tried again later, not dropped', async () => {
    await queue.obliterate({ force: true });
    const down = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', dataDir: '/tmp' });
    try {
      const job = await queue.add(INBOUND_JOB, { events: [reject('x3')] }, { attempts: 1 });
      const giveUp = recordGivenUp({ record: (f) => recordInboundFailure(down.db, f), dir });
      await inboundProcessor({ route: router(new Set(['x3'])).route, inbound: queue, log: silent, giveUp, parkDelayMs: 60_000 })(job);
      const parked = (await queue.getJobs(['delayed'])).filter((j) => j.id !== job.id);
      expect(parked).toHaveLength(1);
      expect(parked[0]!.id).toBe('in-feishu-x3-p-1');
      expect(parked[0]!.data).toMatchObject({ parked: 1, events: [{ event: { eventId: 'x3' } }] });
    } finally {
      await down.close().catch(() => {});
    }
  });
});
