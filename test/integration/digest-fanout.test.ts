// The digest's fan-out goes to each platform's bulk queue, so a click's card update and a reminder
// are never queued behind it; and a digest run cut short (the worker killed mid fan-out) and run
// again, by another replica at the same time too, gives each manager exactly one digest per
// platform: the digests_sent mark and the outbox row are one transaction, the delivery jobs'
// ids derive from the row.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxRelay } from '../../src/delivery/outbox-relay.js';
import { createDeliveryQueues } from '../../src/queue/queues.js';
import { recordDigest } from '../../src/store/digest-repo.js';
import { outboxStore } from '../../src/store/outbox-repo.js';
import { REDIS_URL, uniqueName } from '../support/env.js';
import { fixed, openStack, orgFrom, sh, type Stack } from './scheduler-harness.js';

const PLATFORMS = ['feishu', 'dingtalk', 'wecom'] as const;
let stack: Stack;
let redis: Redis;
beforeAll(async () => {
  stack = await openStack();
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  redis?.disconnect();
  await stack?.close();
});

describe('digest fan-out', () => {
  it('bulk queues: a click and a reminder queued after the digest are first in line on their platform queue', async () => {
    const clock = fixed(sh('2027-03-19 08:31'));
    const dir = orgFrom({ organisation: { digest: { time: '08:30', allClear: true } } });
    const node = stack.node(dir, clock, { worker: false });
    const prefix = uniqueName('tq');
    const queues = createDeliveryQueues(redis, prefix, PLATFORMS);
    const relay = createOutboxRelay({ outbox: outboxStore(stack.database.db), dir, queues, enabled: new Set(PLATFORMS), log: pino({ level: 'silent' }), now: clock.now });

    const { sent } = await node.scheduler.runDigest();
    expect(sent.length).toBe(5);
    await relay.relay();
    // What a click and a reminder queue meanwhile.
    await queues.add({ type: 'card.update', platform: 'feishu', cardMessageId: 1, requestId: '00000000-0000-0000-0000-000000000001', version: 2 }, 'upd-1-v-2');
    await queues.add({ type: 'message.send', platform: 'dingtalk', target: { type: 'user', id: 'x', personId: 'liuyang' }, message: { text: 'reminder' } }, 'ob-reminder');

    for (const p of PLATFORMS) {
      const bulk = await queues.bulk.get(p)!.getWaiting();
      expect(bulk.map((j) => (j.data as { target: { personId: string } }).target.personId).sort()).toEqual([...sent].sort());
      expect(bulk.every((j) => j.data.type === 'message.send' && j.data.bulk)).toBe(true);
    }
    expect((await queues.perPlatform.get('feishu')!.getWaiting()).map((j) => j.id)).toEqual(['upd-1-v-2']);
    expect((await queues.perPlatform.get('dingtalk')!.getWaiting()).map((j) => j.id)).toEqual(['ob-reminder']);
    expect(await queues.perPlatform.get('wecom')!.getWaitingCount()).toBe(0);
    await queues.close();
    await node.stop();
  });

  it('a run cut short and run again, by two replicas at once: one digest per manager and platform', async () => {
    // A database of its own: the other test's relayed rows would be re-driven into these queues.
    const own = await openStack();
    const clock = fixed(sh('2027-03-22 08:31'));
    const dir = orgFrom({ organisation: { digest: { time: '08:30', allClear: true } } });
    const prefix = uniqueName('tq');
    const queues = createDeliveryQueues(redis, prefix, PLATFORMS);
    const relay = createOutboxRelay({ outbox: outboxStore(own.database.db), dir, queues, enabled: new Set(PLATFORMS), log: pino({ level: 'silent' }), now: clock.now });
    // The first worker is killed after two managers' digests (their marks and rows committed):
    // what it left is exactly what the store holds, so recording those two is the same state.
    const first = own.node(dir, clock, { worker: false });
    const all = dir.managers();
    for (const m of all.slice(0, 2)) expect(await recordDigest(own.database.db, m, '2027-03-22', { key: 'digest.message', params: { text: 'partial' } })).toBe(true);
    await relay.relay();
    // Restarted, and a second replica catching up at the same moment.
    const a = own.node(dir, clock, { worker: false });
    const b = own.node(dir, clock, { worker: false });
    const [ra, rb] = await Promise.all([a.scheduler.runDigest(), b.scheduler.runDigest()]);
    expect([...ra.sent, ...rb.sent].sort()).toEqual(all.slice(2).sort());
    // Relayed twice (a relay that crashed after queueing and before marking does it again).
    await Promise.all([relay.relay(), relay.relay()]);
    await relay.redrive();
    for (const p of PLATFORMS) {
      const jobs = await queues.bulk.get(p)!.getWaiting();
      const people = jobs.map((j) => (j.data as { target: { personId: string } }).target.personId).sort();
      expect(people).toEqual([...all].sort());
    }
    await queues.close();
    for (const n of [first, a, b]) await n.stop();
    await own.close();
  });
});
