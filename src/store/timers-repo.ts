// The `timers` table: the durable truth behind every deadline, reminder and prompt. Each chain
// (see core/reminders.ts) has at most one pending row; firing a row claims it with a conditional
// UPDATE and inserts the chain's next point in the same transaction.
import { createHash } from 'node:crypto';
import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, notInArray, or, sql } from 'drizzle-orm';
import type { RequestState } from '../core/model.js';
import { chainsFor, nextPointIndex, stepChainKey, type Chain, type ScheduleSettings } from '../core/reminders.js';
import { groupBy } from '../util/group-by.js';
import { anyOf } from './any-of.js';
import { insertRows } from './bulk-insert.js';
import type { DbOrTx } from './db.js';
import { timers } from './schema.js';

export interface TimerPayload {
  chain: string;
  n: number;
  stepId?: string;
}

export type TimerRow = typeof timers.$inferSelect;

/** A pending timer as BullMQ mirrors it. */
export interface Mirror {
  id: string;
  fireAt: Date;
}

/**
 * Deterministic and short (96 bits of a hash of the chain and point): the id doubles as the
 * BullMQ job id, and a job whose `opts` field ({"jobId":…,"delay":…,"attempts":0}) stays within
 * Redis's 64-byte listpack limit is stored compactly — about 400 bytes instead of about 800.
 */
export const timerIdOf = (chain: string, n: number): string => `t${createHash('sha256').update(`${chain}#${n}`).digest('base64url').slice(0, 16)}`;

const payloadOf = (r: Pick<TimerRow, 'payload'>) => r.payload as unknown as TimerPayload;
const pending = (r: Pick<TimerRow, 'firedAt' | 'cancelledAt'>) => !r.firedAt && !r.cancelledAt;

export class TimerAlreadyHandledError extends Error {
  constructor(what: string) {
    super(`${what}: no pending timer to claim (already handled by another worker)`);
    this.name = 'TimerAlreadyHandledError';
  }
}

/**
 * Bring requests' timers in line with their state: cancel pending rows of chains a request no
 * longer has, give every chain it has (without a pending row) its next point, and move a
 * pending point whose time no longer matches the state (a recounted deadline). Runs inside
 * the transaction of the state change, so a deadline exists exactly when the state that needs
 * it does. A few queries for any number of requests (a burst of reminders syncs in bulk).
 */
export async function syncChains(
  tx: DbOrTx,
  states: RequestState | RequestState[],
  st: ScheduleSettings,
  now: Date,
  given?: (s: RequestState) => Chain[],
): Promise<{ mirror: Mirror[]; cancelled: string[] }> {
  const chainsOf = given ?? ((s: RequestState) => chainsFor(s, st));
  // Lists cut short (a caller's stopAfter) may index a sorted chain differently: moving pending
  // points is left to the full lists.
  const full = given === undefined;
  const list = Array.isArray(states) ? states : [states];
  if (!list.length) return { mirror: [], cancelled: [] };
  const rows = await tx
    .select({ id: timers.id, requestId: timers.requestId, kind: timers.kind, fireAt: timers.fireAt, firedAt: timers.firedAt, cancelledAt: timers.cancelledAt, payload: timers.payload })
    .from(timers)
    .where(anyOf(timers.requestId, list.map((s) => s.id)));
  const cancelled: string[] = [];
  const inserts: PointRow[] = [];
  const rowsOf = groupBy(rows, (r) => r.requestId ?? '');
  for (const s of list) {
    const chains = chainsOf(s);
    const own = rowsOf.get(s.id) ?? [];
    const wanted = new Set(chains.map((c) => c.key));
    cancelled.push(...own.filter((r) => pending(r) && !wanted.has(payloadOf(r).chain)).map((r) => r.id));
    const rowsOfChain = groupBy(own, (r) => payloadOf(r).chain);
    for (const c of chains) {
      const mine = rowsOfChain.get(c.key) ?? [];
      const waiting = mine.find(pending);
      if (waiting && !full) continue;
      if (waiting) {
        // The chain's points moved (a deadline counted again under a new holiday arrangement):
        // its pending point is planned again from where it stands.
        const n = payloadOf(waiting).n;
        const p = c.points[n];
        if (!p || (p.kind === waiting.kind && p.at.getTime() === waiting.fireAt.getTime())) continue;
        const next = nextPointRow(s, c, n - 1, now);
        if (next?.id !== waiting.id) cancelled.push(waiting.id);
        if (next) inserts.push(next);
        continue;
      }
      const lastFired = Math.max(-1, ...mine.filter((r) => r.firedAt).map((r) => payloadOf(r).n));
      const next = nextPointRow(s, c, lastFired, now);
      if (next) inserts.push(next);
    }
  }
  if (cancelled.length) {
    await tx
      .update(timers)
      .set({ cancelledAt: now })
      .where(and(anyOf(timers.id, cancelled), isNull(timers.firedAt), isNull(timers.cancelledAt)));
  }
  return { mirror: await insertPoints(tx, inserts), cancelled };
}

export type PointRow = typeof timers.$inferInsert & { id: string };

/** The row of a chain's next point after point `lastFired` (-1: none fired yet), if it has one. */
export function nextPointRow(s: RequestState, c: Chain, lastFired: number, now: Date): PointRow | undefined {
  const n = nextPointIndex(c.points, lastFired, now);
  if (n === undefined) return undefined;
  const p = c.points[n]!;
  const payload: TimerPayload = { chain: c.key, n, ...(c.stepId ? { stepId: c.stepId } : {}) };
  return { id: timerIdOf(c.key, n), requestId: s.id, kind: p.kind, fireAt: p.at, payload: payload as unknown as Record<string, unknown> };
}

/** Write pending points; returns those to mirror in Redis (new, revived, or moved). */
export async function insertPoints(tx: DbOrTx, rows: PointRow[]): Promise<Mirror[]> {
  if (!rows.length) return [];
  // A chain that comes back (a summary sent back for rework) revives its cancelled row.
  const written = new Set(await insertRows(tx, timers, rows, { conflict: sql`on conflict (id) do update set cancelled_at = null, fire_at = excluded.fire_at, kind = excluded.kind where timers.fired_at is null` }));
  return rows.filter((x) => written.has(x.id)).map((x) => ({ id: x.id, fireAt: x.fireAt }));
}

/** Claim a timer: exactly one caller (worker, replica, reconcile) gets the row back. */
export async function claimTimer(tx: DbOrTx, id: string, now: Date): Promise<TimerRow | undefined> {
  const [row] = await tx
    .update(timers)
    .set({ firedAt: now })
    .where(and(eq(timers.id, id), isNull(timers.firedAt), isNull(timers.cancelledAt)))
    .returning();
  return row;
}

/**
 * Claim several timers at once; returns those this caller won. Rows are locked in id order, so
 * batches on any number of workers never deadlock each other.
 */
export async function claimTimers(tx: DbOrTx, ids: string[], now: Date): Promise<Array<{ id: string }>> {
  if (!ids.length) return [];
  // `id = any(…)` runs as a primary-key scan over the sorted list, which locks rows in id order.
  return tx
    .update(timers)
    .set({ firedAt: now })
    .where(and(anyOf(timers.id, [...ids].sort()), isNull(timers.firedAt), isNull(timers.cancelledAt)))
    .returning({ id: timers.id });
}

/** These timers' rows (those that exist). */
export async function readTimers(db: DbOrTx, ids: string[]): Promise<TimerRow[]> {
  return db.select().from(timers).where(anyOf(timers.id, ids));
}

/** Timer kinds that change their request (through the approval service) rather than only say something. */
const TRANSITION_KINDS = ['escalate', 'event_end'];
export const isTransition = (kind: string): boolean => TRANSITION_KINDS.includes(kind);

/** Due pending timers, oldest first: the notices (reminders, prompts) or the transitions; `exclude` are being fired already. */
export async function dueTimers(
  db: DbOrTx,
  which: 'notices' | 'transitions',
  now: Date,
  exclude: { has(id: string): boolean; readonly size: number },
  limit: number,
): Promise<TimerRow[]> {
  const rows = await db
    .select()
    .from(timers)
    .where(and(isNull(timers.firedAt), isNull(timers.cancelledAt), lte(timers.fireAt, now), (which === 'notices' ? notInArray : inArray)(timers.kind, TRANSITION_KINDS)))
    .orderBy(asc(timers.fireAt))
    .limit(limit + exclude.size);
  return rows.filter((r) => !exclude.has(r.id)).slice(0, limit);
}

/**
 * Claim the pending escalation of the step that just escalated, inside the escalation's own
 * transaction; none left means another worker already escalated it, and the transaction must
 * roll back.
 */
export async function claimEscalation(tx: DbOrTx, s: RequestState, stepId: string, now: Date): Promise<void> {
  const step = s.steps.find((x) => x.id === stepId);
  const chain = step?.activatedAt ? stepChainKey(s, stepId, step.activatedAt) : undefined;
  const claimed = chain
    ? await tx
        .update(timers)
        .set({ firedAt: now })
        .where(and(eq(timers.requestId, s.id), eq(timers.kind, 'escalate'), isNull(timers.firedAt), isNull(timers.cancelledAt), sql`${timers.payload}->>'chain' = ${chain}`))
        .returning({ id: timers.id })
    : [];
  if (!claimed.length) throw new TimerAlreadyHandledError(`escalation of ${s.number} at ${stepId}`);
}

/** The end-of-event timer, when the event ends by its timer (or early, by hand). */
export async function claimKind(tx: DbOrTx, requestId: string, kind: string, now: Date): Promise<void> {
  await tx
    .update(timers)
    .set({ firedAt: now })
    .where(and(eq(timers.requestId, requestId), eq(timers.kind, kind), isNull(timers.firedAt), isNull(timers.cancelledAt)));
}

/** Pending timers in (fire_at, id) order after a cursor; the reconcile pages through them. */
export async function pendingPage(
  db: DbOrTx,
  opts: { after?: { fireAt: Date; id: string }; until?: Date; from?: Date; limit: number },
): Promise<Array<{ id: string; fireAt: Date }>> {
  const conds = [isNull(timers.firedAt), isNull(timers.cancelledAt)];
  if (opts.until) conds.push(lte(timers.fireAt, opts.until));
  if (opts.from) conds.push(gt(timers.fireAt, opts.from));
  if (opts.after) {
    const a = opts.after;
    conds.push(or(gt(timers.fireAt, a.fireAt), and(eq(timers.fireAt, a.fireAt), gt(timers.id, a.id)))!);
  }
  return db
    .select({ id: timers.id, fireAt: timers.fireAt })
    .from(timers)
    .where(and(...conds))
    .orderBy(asc(timers.fireAt), asc(timers.id))
    .limit(opts.limit);
}

/** Bulk insert (benchmarks, migrations of existing data); existing ids are left alone. */
export async function insertTimers(db: DbOrTx, rows: Array<typeof timers.$inferInsert>): Promise<void> {
  for (let i = 0; i < rows.length; i += 5000) await db.insert(timers).values(rows.slice(i, i + 5000)).onConflictDoNothing();
}

/**
 * Benchmarks: `count` pending reminder timers without a request (ids `<prefix><n>`), due evenly
 * spread from `from` over `spanMs`, generated by Postgres (statements of 100,000 rows, well within
 * the statement timeout: a million in seconds).
 */
export async function seedTimerSeries(db: DbOrTx, o: { prefix: string; count: number; from: Date; spanMs: number }): Promise<void> {
  const step = o.spanMs / o.count;
  for (let lo = 0; lo < o.count; lo += 100_000) {
    const hi = Math.min(o.count, lo + 100_000) - 1;
    await db.execute(sql`
      insert into ${timers} (id, request_id, kind, fire_at, payload)
      select ${o.prefix} || g, null, 'remind', ${o.from.toISOString()}::timestamptz + make_interval(secs => g * ${step}::float8 / 1000.0), jsonb_build_object('chain', ${o.prefix} || g, 'n', 0)
      from generate_series(${lo}::int, ${hi}::int) as g
      on conflict (id) do nothing`);
  }
}

/** Requests that have a pending timer: every chain keeps its next point pending, so these are all that have chains. */
export async function requestsWithPendingTimers(db: DbOrTx): Promise<string[]> {
  const rows = await db
    .selectDistinct({ id: timers.requestId })
    .from(timers)
    .where(and(isNull(timers.firedAt), isNull(timers.cancelledAt), isNotNull(timers.requestId)));
  return rows.flatMap((r) => (r.id ? [r.id] : []));
}
