import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/db.js';
import { PROCESSED_EVENTS_RETENTION_MS, pruneProcessedEvents } from '../../src/store/retention.js';
import { processedEvents } from '../../src/store/schema.js';
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
