// insertRows (one JSON parameter, unpacked by jsonb_to_recordset) on both drivers: dates, jsonb,
// columns some rows leave out, defaults, ON CONFLICT clauses and the ids it returns; and anyOf
// (a list as one array parameter) with values that need quoting.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { anyOf } from '../../src/store/any-of.js';
import { insertRows } from '../../src/store/bulk-insert.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { auditLog, outbox, timers } from '../../src/store/schema.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function postgresDb(): Promise<Database> {
  const t: TestDatabase = await createTestDatabase();
  cleanups.push(() => t.drop());
  return t.database;
}
async function pgliteDb(): Promise<Database> {
  const dir = mkdtempSync(join(tmpdir(), 'qianpi-bulk-'));
  const d = await openDatabase({ dataDir: dir });
  await d.migrate();
  cleanups.push(async () => {
    await d.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return d;
}

describe.each([
  ['Postgres', postgresDb],
  ['PGlite', pgliteDb],
])('insertRows on %s', (_name, open) => {
  it('writes every row as drizzle would, with defaults, nulls and jsonb', async () => {
    const { db } = await open();
    const at = new Date('2026-11-20T01:02:03.456Z');
    const request = '0b6c9a8e-6f4a-4d5e-9a43-1c2d3e4f5a6b';
    const ids = await insertRows(db, auditLog, [
      { at, requestId: request, action: 'reminder_sent', detail: { text: '还剩 1 个工作日', n: 2, nested: { ok: true } } },
      { at, requestId: null, actorId: 'liuyang', action: 'nudged', stepId: 'dept-lead', detail: {} },
    ]);
    expect(ids).toHaveLength(2);
    const rows = await db.select().from(auditLog).where(inArray(auditLog.action, ['reminder_sent', 'nudged'])).orderBy(asc(auditLog.id));
    expect(rows.map((r) => ({ ...r, id: undefined }))).toEqual([
      { id: undefined, at, requestId: request, actorId: null, platform: null, action: 'reminder_sent', stepId: null, detail: { text: '还剩 1 个工作日', n: 2, nested: { ok: true } } },
      { id: undefined, at, requestId: null, actorId: 'liuyang', platform: null, action: 'nudged', stepId: 'dept-lead', detail: {} },
    ]);
  });

  it('ON CONFLICT clauses apply, and only the rows written are returned', async () => {
    const { db } = await open();
    const first = await insertRows(db, outbox, [{ kind: 'notify', payload: { a: 1 }, dedupeKey: 'k1' }], { conflict: sql`on conflict do nothing` });
    const again = await insertRows(db, outbox, [{ kind: 'notify', payload: { a: 2 }, dedupeKey: 'k1' }, { kind: 'notify', payload: { a: 3 }, dedupeKey: 'k2' }], { conflict: sql`on conflict do nothing` });
    expect(first).toHaveLength(1);
    expect(again).toHaveLength(1);
    const rows = await db.select().from(outbox).orderBy(asc(outbox.id));
    expect(rows.map((r) => [r.dedupeKey, r.payload, r.status])).toEqual([
      ['k1', { a: 1 }, 'pending'],
      ['k2', { a: 3 }, 'pending'],
    ]);

    const fireAt = new Date('2026-11-23T01:00:00.000Z');
    const upsert = sql`on conflict (id) do update set cancelled_at = null, fire_at = excluded.fire_at where timers.fired_at is null`;
    expect(await insertRows(db, timers, [{ id: 'tA', kind: 'remind', fireAt, payload: { chain: 'c', n: 0 } }], { conflict: upsert })).toEqual(['tA']);
    await db.update(timers).set({ firedAt: fireAt }).where(eq(timers.id, 'tA'));
    const later = new Date('2026-11-24T01:00:00.000Z');
    expect(await insertRows(db, timers, [{ id: 'tA', kind: 'remind', fireAt: later, payload: { chain: 'c', n: 0 } }, { id: 'tB', kind: 'remind', fireAt: later, payload: { chain: 'd', n: 0 } }], { conflict: upsert })).toEqual(['tB']);
    const [a] = await db.select().from(timers).where(eq(timers.id, 'tA'));
    expect(a?.fireAt).toEqual(fireAt);
  });

  it('anyOf matches exactly the listed values, whatever they hold, on text and uuid columns', async () => {
    const { db } = await open();
    const odd = ['a"b', 'c\\d', 'e,f', '{g}', ' h ', 'NULL', '中文'];
    await insertRows(db, timers, [...odd, 'other'].map((id) => ({ id, requestId: null, kind: 'remind', fireAt: new Date(), payload: {} })));
    const ids = async (values: string[]) => (await db.select({ id: timers.id }).from(timers).where(anyOf(timers.id, values))).map((r) => r.id).sort();
    expect(await ids(odd)).toEqual([...odd].sort());
    expect(await ids([])).toEqual([]);
    expect(await ids(['a', 'b'])).toEqual([]);
    const [a, b] = ['5b0c2f4e-8a7d-4c1e-9f3a-2d6b8e0c1a47', '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6'];
    await insertRows(db, auditLog, [a, b, a].map((requestId) => ({ requestId, action: 'probe' })));
    const actions = async (values: string[]) => (await db.select({ r: auditLog.requestId }).from(auditLog).where(anyOf(auditLog.requestId, values))).map((x) => x.r);
    expect(await actions([a])).toEqual([a, a]);
    expect(await actions([b, a])).toHaveLength(3);
  });
});

