// Outbound webhooks' queries: endpoints (from the organisation file and the admin API), the
// events written in a transition's transaction with one delivery per subscribed endpoint, and
// the delivery log the relay, the sender and the admin API read and move along.
import { and, asc, desc, eq, inArray, lt, notInArray, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from './db.js';
import { webhookDeliveries, webhookEndpoints, webhookEvents } from './schema.js';

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type DeliveryStatus = 'pending' | 'queued' | 'delivered' | 'dead';

export interface NewWebhookEvent {
  id: string;
  type: string;
  requestId: string | null;
  payload: Record<string, unknown>;
  occurredAt: string;
}

/**
 * Store these events and one pending delivery per enabled endpoint subscribed to each, in one
 * statement on the caller's transaction. An event nobody subscribes to is not stored.
 */
export async function recordWebhookEvents(tx: DbOrTx, events: NewWebhookEvent[]): Promise<void> {
  if (!events.length) return;
  const json = JSON.stringify(events.map((e) => ({ id: e.id, type: e.type, request_id: e.requestId, payload: e.payload, occurred_at: e.occurredAt })));
  const subscribed = (type: SQL) => sql`e.enabled and (e.events is null or ${type} = any(e.events))`;
  await tx.execute(sql`
    with ev as (
      insert into ${webhookEvents} (id, type, request_id, payload, occurred_at)
      select x.id, x.type, x.request_id, x.payload, x.occurred_at
      from jsonb_to_recordset(${json}::jsonb) as x(id uuid, type text, request_id uuid, payload jsonb, occurred_at timestamptz)
      where exists (select 1 from ${webhookEndpoints} e where ${subscribed(sql`x.type`)})
      returning id, type
    )
    insert into ${webhookDeliveries} (event_id, endpoint_id)
    select ev.id, e.id from ev join ${webhookEndpoints} e on ${subscribed(sql`ev.type`)}`);
}

/**
 * Queue up to `limit` pending deliveries, oldest first, in one transaction: the rows are claimed
 * (SKIP LOCKED), handed to `queue` while locked, then marked `queued`.
 */
export async function queuePendingDeliveries(db: Db, limit: number, queue: (rows: WebhookDeliveryRow[]) => Promise<void>): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.status, 'pending')).orderBy(asc(webhookDeliveries.id)).limit(limit).for('update', { skipLocked: true });
    if (!rows.length) return 0;
    await queue(rows);
    // Only rows still pending: a job may have finished before this commit (its update waited on our lock).
    await tx.update(webhookDeliveries).set({ status: 'queued' }).where(and(inArray(webhookDeliveries.id, rows.map((r) => r.id)), eq(webhookDeliveries.status, 'pending')));
    return rows.length;
  });
}

/** Deliveries queued and not finished, by id after a cursor (a re-drive after Redis lost its jobs). */
export async function queuedDeliveries(db: DbOrTx, afterId: number, limit: number): Promise<WebhookDeliveryRow[]> {
  return db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.status, 'queued'), sql`${webhookDeliveries.id} > ${afterId}`)).orderBy(asc(webhookDeliveries.id)).limit(limit);
}

/** What the sender needs for one delivery: the row, its event and its endpoint (absent if deleted). */
export async function deliveryToSend(db: DbOrTx, id: number) {
  const [row] = await db
    .select({ delivery: webhookDeliveries, event: webhookEvents, endpoint: webhookEndpoints })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .leftJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(eq(webhookDeliveries.id, id));
  return row;
}

/** Record one attempt: its HTTP status (or none) and error, and where the delivery stands. */
export async function recordAttempt(db: DbOrTx, id: number, a: { status: DeliveryStatus; httpStatus: number | null; error: string | null; at: Date }): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({
      status: a.status,
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      lastStatus: a.httpStatus,
      lastError: a.error,
      lastAttemptAt: a.at,
      ...(a.status === 'delivered' ? { deliveredAt: a.at } : {}),
    })
    .where(and(eq(webhookDeliveries.id, id), inArray(webhookDeliveries.status, ['pending', 'queued'])));
}

/** Put dead deliveries (these ids, or all of an endpoint's) back to pending; returns their ids. */
export async function redriveDeliveries(db: DbOrTx, sel: { ids?: number[]; endpointId?: string }): Promise<number[]> {
  const conds = [eq(webhookDeliveries.status, 'dead')];
  if (sel.ids) conds.push(inArray(webhookDeliveries.id, sel.ids));
  if (sel.endpointId) conds.push(eq(webhookDeliveries.endpointId, sel.endpointId));
  const rows = await db
    .update(webhookDeliveries)
    .set({ status: 'pending', redrives: sql`${webhookDeliveries.redrives} + 1` })
    .where(and(...conds))
    .returning({ id: webhookDeliveries.id });
  return rows.map((r) => r.id);
}

/** The delivery log: newest first, optionally of one endpoint or one status, with each event's type. */
export async function deliveryLog(db: DbOrTx, q: { endpointId?: string; status?: DeliveryStatus; beforeId?: number; limit: number }) {
  const conds = [];
  if (q.endpointId) conds.push(eq(webhookDeliveries.endpointId, q.endpointId));
  if (q.status) conds.push(eq(webhookDeliveries.status, q.status));
  if (q.beforeId !== undefined) conds.push(lt(webhookDeliveries.id, q.beforeId));
  return db
    .select({ delivery: webhookDeliveries, eventType: webhookEvents.type, requestId: webhookEvents.requestId, occurredAt: webhookEvents.occurredAt })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(webhookDeliveries.id))
    .limit(q.limit);
}

export async function listEndpoints(db: DbOrTx): Promise<WebhookEndpointRow[]> {
  return db.select().from(webhookEndpoints).orderBy(asc(webhookEndpoints.id));
}

export async function endpointById(db: DbOrTx, id: string): Promise<WebhookEndpointRow | undefined> {
  const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  return row;
}

/** Create an API endpoint; false if the id is taken. */
export async function createEndpoint(db: DbOrTx, e: { id: string; url: string; secret: string; events: string[] | null; description: string | null }): Promise<boolean> {
  const rows = await db.insert(webhookEndpoints).values({ ...e, source: 'api', enabled: true }).onConflictDoNothing().returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

/** Delete an API endpoint; its unfinished deliveries end as dead (the log stays). */
export async function deleteEndpoint(db: Db, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx.delete(webhookEndpoints).where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.source, 'api'))).returning({ id: webhookEndpoints.id });
    if (!rows.length) return false;
    await tx
      .update(webhookDeliveries)
      .set({ status: 'dead', lastError: 'endpoint deleted' })
      .where(and(eq(webhookDeliveries.endpointId, id), inArray(webhookDeliveries.status, ['pending', 'queued'])));
    return true;
  });
}

/** Mirror the organisation file's endpoints: upsert them, disable file endpoints it no longer lists. */
export async function syncFileEndpoints(db: Db, endpoints: Array<{ id: string; url: string; secret: string; events: string[] | null; description: string | null }>): Promise<void> {
  await db.transaction(async (tx) => {
    for (const e of endpoints) {
      await tx
        .insert(webhookEndpoints)
        .values({ ...e, source: 'file', enabled: true })
        .onConflictDoUpdate({ target: webhookEndpoints.id, set: { url: e.url, secret: e.secret, events: e.events, description: e.description, source: 'file', enabled: true } });
    }
    const keep = endpoints.map((e) => e.id);
    const stale = and(eq(webhookEndpoints.source, 'file'), keep.length ? notInArray(webhookEndpoints.id, keep) : undefined);
    await tx.update(webhookEndpoints).set({ enabled: false }).where(stale);
  });
}

/** Delivered deliveries are kept this long in the log; dead ones until an admin redrives them. */
export const WEBHOOK_LOG_RETENTION_MS = 30 * 24 * 3600_000;

/** Forget delivered deliveries past the retention, then events none of whose deliveries is left. */
export async function pruneWebhookLog(db: DbOrTx, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - WEBHOOK_LOG_RETENTION_MS);
  const gone = await db
    .delete(webhookDeliveries)
    .where(and(eq(webhookDeliveries.status, 'delivered'), lt(webhookDeliveries.deliveredAt, cutoff)))
    .returning({ id: webhookDeliveries.id });
  await db
    .delete(webhookEvents)
    .where(and(lt(webhookEvents.occurredAt, cutoff), sql`not exists (select 1 from ${webhookDeliveries} d where d.event_id = ${webhookEvents.id})`));
  return gone.length;
}

/** The webhooks' view of the store, bound to the database (src/webhooks/). */
export function webhookStore(db: Db) {
  return {
    queuePending: (limit: number, queue: (rows: WebhookDeliveryRow[]) => Promise<void>) => queuePendingDeliveries(db, limit, queue),
    queued: (afterId: number, limit: number) => queuedDeliveries(db, afterId, limit),
    toSend: (id: number) => deliveryToSend(db, id),
    recordAttempt: (id: number, a: Parameters<typeof recordAttempt>[2]) => recordAttempt(db, id, a),
    redrive: (sel: Parameters<typeof redriveDeliveries>[1]) => redriveDeliveries(db, sel),
    log: (q: Parameters<typeof deliveryLog>[1]) => deliveryLog(db, q),
    listEndpoints: () => listEndpoints(db),
    endpoint: (id: string) => endpointById(db, id),
    createEndpoint: (e: Parameters<typeof createEndpoint>[1]) => createEndpoint(db, e),
    deleteEndpoint: (id: string) => deleteEndpoint(db, id),
    syncFileEndpoints: (e: Parameters<typeof syncFileEndpoints>[1]) => syncFileEndpoints(db, e),
    prune: (now: Date) => pruneWebhookLog(db, now),
  };
}

export type WebhookStore = ReturnType<typeof webhookStore>;
