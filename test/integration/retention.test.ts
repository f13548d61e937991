import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/db.js';
import { PROCESSED_EVENTS_RETENTION_MS, pruneProcessedEvents } from '../../src/store/retention.js';
import { processedEvents, webhookDeliveries, webhookEvents } from '../../src/store/schema.js';
import { pruneWebhookLog, WEBHOOK_LOG_RETENTION_MS } from '../../src/store/webhooks-repo.js';
import { createTestDatabaseUrl } from '../support/db.js';

let database: Database;
let drop: () => Promise<void>;
beforeAll(async () => {
  const t = await createTestDatabaseUrl();
  drop = t.drop;
  database = await openDatabase({ url: t.url, dataDir: '/tmp' });
});
afterAll(async () => {
  await database?.close();
  await drop?.();
});

describe('retention', () => {
  it('prunes processed-event keys past the retention, in batches, and keeps recent ones', async () => {
    const now = new Date('2026-11-22T12:00:00Z');
    const old = new Date(now.getTime() - PROCESSED_EVENTS_RETENTION_MS - 1000);
    const recent = new Date(now.getTime() - 3600_000);
    await database.db.insert(processedEvents).values([
      ...Array.from({ length: 7 }, (_, i) => ({ key: `old-${i}`, at: old })),
      { key: 'recent', at: recent },
    ]);
    expect(await pruneProcessedEvents(database.db, now, 3)).toBe(7);
    expect((await database.db.select().from(processedEvents)).map((r) => r.key)).toEqual(['recent']);
  });
});

describe('webhook log retention', () => {
  it('forgets delivered deliveries past 30 days and their events; keeps dead ones and recent ones', async () => {
    const now = new Date('2026-11-22T12:00:00Z');
    const old = new Date(now.getTime() - WEBHOOK_LOG_RETENTION_MS - 1000);
    const ev = (n: number, at: Date) => ({ id: `00000000-0000-4000-a000-00000000000${n}`, type: 'request.decided', requestId: null, payload: {}, occurredAt: at });
    await database.db.insert(webhookEvents).values([ev(1, old), ev(2, old), ev(3, now)]);
    await database.db.insert(webhookDeliveries).values([
      { eventId: ev(1, old).id, endpointId: 'f', status: 'delivered', deliveredAt: old },
      { eventId: ev(2, old).id, endpointId: 'f', status: 'dead' },
      { eventId: ev(3, now).id, endpointId: 'f', status: 'delivered', deliveredAt: now },
    ]);
    expect(await pruneWebhookLog(database.db, now)).toBe(1);
    expect((await database.db.select().from(webhookEvents)).map((e) => e.id).sort()).toEqual([ev(2, old).id, ev(3, now).id]);
    expect((await database.db.select().from(webhookDeliveries)).map((d) => d.status).sort()).toEqual(['dead', 'delivered']);
  });
});
