// The outbox and the record of finished deliveries. An outbox row is `pending` until the relay
// queues its delivery jobs (`relayed`, with how many), and `delivered` once as many of them are
// recorded in `deliveries_done` (sent, or failed for good). A row that stays `relayed` is one a
// re-drive may queue again: Redis lost its jobs, or they are still running.
import { and, asc, eq, gt, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import type { Platform } from '../org/schema.js';
import { anyOf } from './any-of.js';
import type { Db, DbOrTx } from './db.js';
import { cardMessages, deliveriesDone, outbox, requests } from './schema.js';

export type OutboxRow = typeof outbox.$inferSelect;

/**
 * Relay up to `limit` pending rows, oldest first, in one transaction: each row is claimed (SKIP
 * LOCKED: any number of relays side by side), handed to `queue`, and marked `relayed` with the
 * number of distinct jobs it queued (none: nothing to wait for, it is `delivered`). The row stays
 * locked while its jobs are queued, so no other relay queues them too. Returns the rows' ids.
 */
export async function relayPending(db: Db, limit: number, queue: (row: OutboxRow) => Promise<number>): Promise<number[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.select().from(outbox).where(eq(outbox.status, 'pending')).orderBy(asc(outbox.id)).limit(limit).for('update', { skipLocked: true });
    for (const row of rows) {
      const jobs = await queue(row);
      await tx.update(outbox).set({ status: jobs > 0 ? 'relayed' : 'delivered', relayedAt: new Date(), jobs }).where(eq(outbox.id, row.id));
    }
    return rows.map((r) => r.id);
  });
}

/**
 * Of these rows, mark delivered those relayed rows with as many finished jobs recorded as they
 * had queued. Run by each finished job for its row, and by the relay after its commit for the
 * rows it relayed: a job that finished before that commit saw its row still pending.
 */
export async function closeDelivered(db: DbOrTx, ids: number[]): Promise<void> {
  if (!ids.length) return;
  await db
    .update(outbox)
    .set({ status: 'delivered' })
    .where(
      and(
        inArray(outbox.id, ids),
        eq(outbox.status, 'relayed'),
        sql`${outbox.jobs} <= (select count(*) from ${deliveriesDone} where ${deliveriesDone.outboxId} = ${outbox.id})`,
      ),
    );
}

/** Rows relayed since `since` (and, if given, no later than `before`) whose deliveries are not all done, by id after a cursor. */
export async function relayedRows(db: DbOrTx, opts: { since: Date; before?: Date; afterId?: number; limit: number }): Promise<OutboxRow[]> {
  const conds = [eq(outbox.status, 'relayed'), gte(outbox.relayedAt, opts.since)];
  if (opts.before) conds.push(lte(outbox.relayedAt, opts.before));
  if (opts.afterId !== undefined) conds.push(gt(outbox.id, opts.afterId));
  return db.select().from(outbox).where(and(...conds)).orderBy(asc(outbox.id)).limit(opts.limit);
}

export async function markDelivered(db: DbOrTx, ids: number[]): Promise<void> {
  if (!ids.length) return;
  await db.update(outbox).set({ status: 'delivered' }).where(and(inArray(outbox.id, ids), eq(outbox.status, 'relayed')));
}

/** Whether this delivery job already finished (sent, or failed for good). */
export async function isDeliveryDone(db: DbOrTx, jobId: string): Promise<boolean> {
  const [row] = await db.select({ jobId: deliveriesDone.jobId }).from(deliveriesDone).where(eq(deliveriesDone.jobId, jobId));
  return !!row;
}

/** Of these delivery job ids, those that finished. */
export async function doneAmong(db: DbOrTx, jobIds: string[]): Promise<Set<string>> {
  if (!jobIds.length) return new Set();
  const rows = await db.select({ jobId: deliveriesDone.jobId }).from(deliveriesDone).where(anyOf(deliveriesDone.jobId, jobIds));
  return new Set(rows.map((r) => r.jobId));
}

/** Record that a delivery job finished; if it came from an outbox row, the row is delivered once all its jobs are. */
export async function recordDelivery(db: DbOrTx, jobId: string, outcome: 'sent' | 'failed', outboxId?: number): Promise<void> {
  await db.insert(deliveriesDone).values({ jobId, outcome, outboxId: outboxId ?? null }).onConflictDoNothing();
  // Of a row's jobs, the last to be recorded counts every other: its count runs after all the inserts committed.
  if (outboxId !== undefined) await closeDelivered(db, [outboxId]);
}

/**
 * Card copies showing an older version than their request's, of requests changed since `since`:
 * the updates a lost `card.update` job (or a lost fan-out) still owes.
 */
export async function staleCards(db: DbOrTx, since: Date): Promise<Array<{ id: number; platform: Platform; requestId: string; version: number }>> {
  return db
    .select({ id: cardMessages.id, platform: cardMessages.platform, requestId: cardMessages.requestId, version: requests.version })
    .from(cardMessages)
    .innerJoin(requests, eq(requests.id, cardMessages.requestId))
    .where(and(gte(requests.updatedAt, since), eq(cardMessages.status, 'sent'), lt(cardMessages.renderedVersion, requests.version)));
}

/** Finished-delivery records outlive every re-drive window (a day) by far; a week is kept. */
export const DELIVERIES_RETENTION_MS = 7 * 24 * 3600_000;

export async function pruneDeliveries(db: DbOrTx, now: Date, batch = 5000): Promise<number> {
  const cutoff = new Date(now.getTime() - DELIVERIES_RETENTION_MS);
  let total = 0;
  for (;;) {
    const rows = await db
      .delete(deliveriesDone)
      .where(sql`${deliveriesDone.jobId} in (select ${deliveriesDone.jobId} from ${deliveriesDone} where ${lt(deliveriesDone.at, cutoff)} limit ${batch})`)
      .returning({ jobId: deliveriesDone.jobId });
    total += rows.length;
    if (rows.length < batch) return total;
  }
}

/** The relay's view of the outbox (src/delivery/outbox-relay.ts). */
export function outboxStore(db: Db) {
  return {
    relayPending: (limit: number, queue: (row: OutboxRow) => Promise<number>) => relayPending(db, limit, queue),
    closeDelivered: (ids: number[]) => closeDelivered(db, ids),
    relayedRows: (opts: Parameters<typeof relayedRows>[1]) => relayedRows(db, opts),
    doneAmong: (jobIds: string[]) => doneAmong(db, jobIds),
    markDelivered: (ids: number[]) => markDelivered(db, ids),
    staleCards: (since: Date) => staleCards(db, since),
  };
}

export type OutboxStore = ReturnType<typeof outboxStore>;
