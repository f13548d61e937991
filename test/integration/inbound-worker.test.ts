// The inbound processor on a real queue: a batch job's events run per conversation in order;
// a failure re-queues the rest of that conversation alone, and nothing that succeeded runs again.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundProcessor } from '../../src/bot/inbound-worker.js';
import type { InboundMessage } from '../../src/channels/inbound.js';
import { INBOUND_JOB, QUEUE_NAMES, type InboundItem, type InboundJob } from '../../src/queue/jobs.js';
import { REDIS_URL, uniqueName } from '../support/env.js';

let redis: Redis;
let queue: Queue<InboundJob>;
const prefix = uniqueName('iw');
beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue<InboundJob>(QUEUE_NAMES.inbound, { connection: redis, prefix });
});
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
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
