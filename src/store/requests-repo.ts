// Loads request snapshots and applies core transitions: one transaction writes the new state
// (compare-and-set on version), the steps, the decisions, the audit entries and the outbox.
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { AuditEntry, Effect, RequestState, StepDecision, StepState, TransitionOk } from '../core/model.js';
import { OPEN_STATUSES, type Origin } from '../core/model.js';
import { groupBy } from '../util/group-by.js';
import { anyOf } from './any-of.js';
import type { DbOrTx } from './db.js';
import { approvalSteps, auditLog, counters, decisions, outbox, people, processedEvents, requests } from './schema.js';

export class ConcurrentUpdateError extends Error {
  constructor(id: string) {
    super(`request ${id} changed concurrently`);
    this.name = 'ConcurrentUpdateError';
  }
}

type RequestRow = typeof requests.$inferSelect;
type StepRow = typeof approvalSteps.$inferSelect;
type DecisionRow = typeof decisions.$inferSelect;

/** A snapshot from its rows (steps and decisions of the request's current round). */
export function toState(r: RequestRow, steps: StepRow[], decs: DecisionRow[]): RequestState {
  return {
    id: r.id,
    number: r.number,
    type: r.type,
    title: r.title,
    applicantId: r.applicantId,
    deptId: r.deptId,
    status: r.status as RequestState['status'],
    payload: r.payload,
    round: r.round,
    current: r.currentStep,
    version: r.version,
    urgent: r.urgent,
    ...(r.parentId ? { parentId: r.parentId } : {}),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    steps: steps
      .sort((a, b) => a.position - b.position)
      .map(
        (s): StepState => ({
          id: s.stepId,
          name: s.name,
          kind: s.kind as StepState['kind'],
          mode: s.mode as StepState['mode'],
          approvers: s.approvers,
          status: s.status as StepState['status'],
          decisions: decs
            .filter((d) => d.stepId === s.stepId)
            .map(
              (d): StepDecision => ({
                personId: d.personId,
                decision: d.decision as StepDecision['decision'],
                at: d.createdAt.toISOString(),
                platform: d.platform as Origin,
                ...(d.comment ? { comment: d.comment } : {}),
                ...(d.delegateId ? { delegateId: d.delegateId } : {}),
              }),
            ),
          ...(s.due ? { due: s.due } : {}),
          ...(s.dueAt ? { dueAt: s.dueAt.toISOString() } : {}),
          ...(s.activatedAt ? { activatedAt: s.activatedAt.toISOString() } : {}),
          ...(s.note ? { note: s.note } : {}),
        }),
      ),
  };
}

/**
 * A request id as Postgres' uuid type reads it (8-4-4-4-12 hex digits). Anything else cannot
 * name a request, and passing it to a uuid column would make the query fail instead.
 */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (id: string): boolean => UUID_RE.test(id);

/** Whether a transition keyed by this idempotency key has been applied already. */
export async function processedEventExists(db: DbOrTx, key: string): Promise<boolean> {
  const rows = await db.select({ key: processedEvents.key }).from(processedEvents).where(eq(processedEvents.key, key)).limit(1);
  return rows.length > 0;
}

/**
 * Record that the platform event `key` was processed against `requestId`, in the transaction that
 * applies it: false when it already was (a retry that slipped past the Redis dedupe).
 */
export async function claimProcessedEvent(tx: DbOrTx, key: string, requestId: string): Promise<boolean> {
  const inserted = await tx.insert(processedEvents).values({ key, requestId }).onConflictDoNothing().returning({ key: processedEvents.key });
  return inserted.length === 1;
}

export async function loadRequest(db: DbOrTx, id: string, opts: { forUpdate?: boolean } = {}): Promise<RequestState | undefined> {
  return (await loadRequests(db, [id], opts)).get(id);
}

/**
 * Several requests in three queries, keyed by id (unknown ids are absent). With `forUpdate` the
 * rows are locked in id order, the order every batch locks in, so batches never deadlock.
 */
export async function loadRequests(db: DbOrTx, ids: string[], opts: { forUpdate?: boolean } = {}): Promise<Map<string, RequestState>> {
  const out = new Map<string, RequestState>();
  const valid = [...new Set(ids.filter(isUuid))].sort();
  if (!valid.length) return out;
  const q = db.select().from(requests).where(anyOf(requests.id, valid)).orderBy(asc(requests.id));
  const rows = opts.forUpdate ? await q.for('update') : await q;
  if (!rows.length) return out;
  const found = rows.map((r) => r.id);
  const [steps, decs] = await Promise.all([
    db.select().from(approvalSteps).where(anyOf(approvalSteps.requestId, found)),
    db.select().from(decisions).where(anyOf(decisions.requestId, found)).orderBy(asc(decisions.id)),
  ]);
  // Only the current round's steps and decisions make up the state.
  const round = new Map(rows.map((r) => [r.id, r.round]));
  const stepsOf = groupBy(steps.filter((x) => x.round === round.get(x.requestId)), (x) => x.requestId);
  const decisionsOf = groupBy(decs.filter((d) => d.round === round.get(d.requestId)), (d) => d.requestId);
  for (const r of rows) out.set(r.id, toState(r, stepsOf.get(r.id) ?? [], decisionsOf.get(r.id) ?? []));
  return out;
}

export async function loadRequestByNumber(db: DbOrTx, number: string, opts: { forUpdate?: boolean } = {}): Promise<RequestState | undefined> {
  const [row] = await db.select({ id: requests.id }).from(requests).where(eq(requests.number, number.toUpperCase()));
  return row ? loadRequest(db, row.id, opts) : undefined;
}

/** Next human-facing number for a prefix, e.g. A-0007. Runs inside the submit transaction. */
export async function nextNumber(tx: DbOrTx, prefix: string): Promise<string> {
  const [row] = await tx
    .insert(counters)
    .values({ name: prefix, value: 1 })
    .onConflictDoUpdate({ target: counters.name, set: { value: sql`${counters.value} + 1` } })
    .returning({ value: counters.value });
  return `${prefix}-${String(row!.value).padStart(4, '0')}`;
}

export interface ApplyOptions {
  /** The platform event that caused this transition; makes the decision idempotent across retries. */
  idempotencyKey?: string;
  isNew?: boolean;
}

/** Persist a transition. Throws ConcurrentUpdateError when the version moved underneath. */
export async function applyTransition(tx: DbOrTx, prevVersion: number, t: TransitionOk, opts: ApplyOptions = {}): Promise<void> {
  const s = t.state;
  const values = {
    status: s.status,
    payload: s.payload,
    title: s.title,
    round: s.round,
    currentStep: s.current,
    version: s.version,
    urgent: s.urgent,
    updatedAt: new Date(s.updatedAt),
  };
  if (opts.isNew) {
    await tx.insert(requests).values({
      ...values,
      id: s.id,
      number: s.number,
      type: s.type,
      applicantId: s.applicantId,
      deptId: s.deptId,
      parentId: s.parentId ?? null,
      createdAt: new Date(s.createdAt),
    });
  } else {
    const updated = await tx
      .update(requests)
      .set(values)
      .where(and(eq(requests.id, s.id), eq(requests.version, prevVersion)))
      .returning({ id: requests.id });
    if (updated.length !== 1) throw new ConcurrentUpdateError(s.id);
  }
  // Steps of the current round are small: rewrite them whole.
  await tx.delete(approvalSteps).where(and(eq(approvalSteps.requestId, s.id), eq(approvalSteps.round, s.round)));
  if (s.steps.length) {
    await tx.insert(approvalSteps).values(
      s.steps.map((st, position) => ({
        requestId: s.id,
        round: s.round,
        position,
        stepId: st.id,
        name: st.name,
        kind: st.kind,
        mode: st.mode,
        approvers: st.approvers,
        status: st.status,
        due: st.due ?? null,
        dueAt: st.dueAt ? new Date(st.dueAt) : null,
        activatedAt: st.activatedAt ? new Date(st.activatedAt) : null,
        note: st.note ?? null,
      })),
    );
  }
  if (t.decisions.length) {
    await tx.insert(decisions).values(
      t.decisions.map((d, i) => ({
        requestId: s.id,
        round: d.round,
        stepId: d.stepId,
        personId: d.personId,
        decision: d.decision,
        comment: d.comment ?? null,
        platform: d.platform,
        idempotencyKey: opts.idempotencyKey ? (i === 0 ? opts.idempotencyKey : `${opts.idempotencyKey}#${i}`) : null,
        delegateId: d.delegateId ?? null,
        createdAt: new Date(d.at),
      })),
    );
  }
  await writeAudit(tx, s.id, t.audit, opts.idempotencyKey);
  await writeOutbox(tx, s, t.effects);
}

export async function writeAudit(tx: DbOrTx, requestId: string | null, entries: AuditEntry[], eventKey?: string): Promise<void> {
  if (!entries.length) return;
  await tx.insert(auditLog).values(
    entries.map((a) => ({
      requestId,
      actorId: a.actorId,
      platform: a.platform,
      action: a.action,
      stepId: a.stepId ?? null,
      detail: eventKey ? { ...a.detail, event: eventKey } : a.detail,
    })),
  );
}

/** Effects become outbox rows; the dedupe key makes each intent exactly-once per version. */
async function writeOutbox(tx: DbOrTx, s: RequestState, effects: Effect[]): Promise<void> {
  const rows = effects
    .filter((e) => e.kind === 'refresh_cards' || e.kind === 'post_approval_card' || e.kind === 'notify' || e.kind === 'prompt_form')
    .map((e, i) => ({
      requestId: s.id,
      kind: e.kind,
      payload: { ...e, version: s.version, round: s.round } as Record<string, unknown>,
      dedupeKey: `${s.id}:v${s.version}:${i}:${e.kind}`,
    }));
  if (rows.length) await tx.insert(outbox).values(rows).onConflictDoNothing();
}

// ---- Queries

export interface RequestSummary {
  id: string;
  number: string;
  type: string;
  title: string;
  status: string;
  applicantId: string;
  createdAt: Date;
  updatedAt: Date;
}

const summaryCols = {
  id: requests.id,
  number: requests.number,
  type: requests.type,
  title: requests.title,
  status: requests.status,
  applicantId: requests.applicantId,
  createdAt: requests.createdAt,
  updatedAt: requests.updatedAt,
};

export async function requestsOf(db: DbOrTx, applicantId: string, limit = 20): Promise<RequestSummary[]> {
  return db.select(summaryCols).from(requests).where(eq(requests.applicantId, applicantId)).orderBy(desc(requests.createdAt)).limit(limit);
}

/**
 * For a query over approval_steps joined with requests (same round): the open request's active
 * step lists this person as an approver and they have not decided on it yet.
 */
export function awaitsDecisionOf(personId: string): SQL {
  return and(
    eq(approvalSteps.status, 'active'),
    sql`${approvalSteps.approvers} @> ${JSON.stringify([personId])}::jsonb`,
    inArray(requests.status, [...OPEN_STATUSES]),
    sql`not exists (select 1 from ${decisions} d where d.request_id = ${approvalSteps.requestId} and d.round = ${approvalSteps.round} and d.step_id = ${approvalSteps.stepId} and d.person_id = ${personId})`,
  )!;
}

/** Requests whose open step waits on this person (and they have not decided yet). */
export async function pendingFor(db: DbOrTx, personId: string): Promise<Array<RequestSummary & { stepId: string; stepName: string; dueAt: Date | null }>> {
  return db
    .select({ ...summaryCols, stepId: approvalSteps.stepId, stepName: approvalSteps.name, dueAt: approvalSteps.dueAt })
    .from(approvalSteps)
    .innerJoin(requests, and(eq(requests.id, approvalSteps.requestId), eq(requests.round, approvalSteps.round)))
    .where(awaitsDecisionOf(personId))
    .orderBy(asc(approvalSteps.dueAt), asc(requests.createdAt));
}

export async function requestsInDepartments(db: DbOrTx, deptIds: string[], statuses?: string[]): Promise<RequestSummary[]> {
  if (!deptIds.length) return [];
  const where = statuses ? and(inArray(requests.deptId, deptIds), inArray(requests.status, statuses)) : inArray(requests.deptId, deptIds);
  return db.select(summaryCols).from(requests).where(where).orderBy(desc(requests.updatedAt)).limit(200);
}

export interface TimelineEntry {
  at: Date;
  actorId: string | null;
  platform: string | null;
  action: string;
  stepId: string | null;
  detail: Record<string, unknown>;
}

export async function timeline(db: DbOrTx, requestId: string): Promise<TimelineEntry[]> {
  return db
    .select({ at: auditLog.at, actorId: auditLog.actorId, platform: auditLog.platform, action: auditLog.action, stepId: auditLog.stepId, detail: auditLog.detail })
    .from(auditLog)
    .where(eq(auditLog.requestId, requestId))
    .orderBy(asc(auditLog.id));
}

export interface DepartmentOverview {
  departments: string[];
  counts: Record<string, number>;
  open: Array<RequestSummary & { stepName: string; approvers: string[]; dueAt: Date | null; overdue: boolean; ageHours: number }>;
  overdue: number;
}

/** Managers' picture of their departments: counts by status, and what is open with its age. */
export async function departmentOverview(db: DbOrTx, deptIds: string[], now: Date): Promise<DepartmentOverview> {
  const countRows = await db
    .select({ status: requests.status, n: sql<number>`count(*)::int` })
    .from(requests)
    .where(inArray(requests.deptId, deptIds))
    .groupBy(requests.status);
  const openRows = await db
    .select({ ...summaryCols, stepName: approvalSteps.name, approvers: approvalSteps.approvers, dueAt: approvalSteps.dueAt })
    .from(requests)
    .innerJoin(approvalSteps, and(eq(approvalSteps.requestId, requests.id), eq(approvalSteps.round, requests.round), eq(approvalSteps.status, 'active')))
    .where(and(inArray(requests.deptId, deptIds), inArray(requests.status, ['pending', 'consulting'])))
    .orderBy(asc(approvalSteps.dueAt));
  const open = openRows.map((r) => ({
    ...r,
    overdue: !!r.dueAt && r.dueAt < now,
    ageHours: Math.round((now.getTime() - r.createdAt.getTime()) / 36e5),
  }));
  return {
    departments: deptIds,
    counts: Object.fromEntries(countRows.map((r) => [r.status, r.n])),
    open,
    overdue: open.filter((o) => o.overdue).length,
  };
}

/** Reads of requests bound to a database; each reader (read API, admin API, dialogs) takes the ones it asks. */
export function requestReads(db: DbOrTx) {
  return {
    load: (id: string) => loadRequest(db, id),
    byNumber: (number: string) => loadRequestByNumber(db, number),
    timeline: (requestId: string) => timeline(db, requestId),
    pendingFor: (personId: string) => pendingFor(db, personId),
    requestsOf: (applicantId: string, limit?: number) => requestsOf(db, applicantId, limit),
    inDepartments: (deptIds: string[], statuses?: string[]) => requestsInDepartments(db, deptIds, statuses),
    departmentOverview: (deptIds: string[], now: Date) => departmentOverview(db, deptIds, now),
  };
}

export type RequestReads = ReturnType<typeof requestReads>;

/**
 * Open tasks of a person (hand-over): requests still open whose current round has an active or
 * waiting step listing them as an approver who has not decided; one row per step.
 */
export async function openTasksOf(db: DbOrTx, personId: string): Promise<Array<{ requestId: string; version: number; round: number; stepId: string; status: string }>> {
  return db
    .select({ requestId: requests.id, version: requests.version, round: requests.round, stepId: approvalSteps.stepId, status: approvalSteps.status })
    .from(approvalSteps)
    .innerJoin(requests, and(eq(requests.id, approvalSteps.requestId), eq(requests.round, approvalSteps.round)))
    .where(
      and(
        inArray(approvalSteps.status, ['active', 'waiting']),
        sql`${approvalSteps.approvers} @> ${JSON.stringify([personId])}::jsonb`,
        inArray(requests.status, [...OPEN_STATUSES]),
        sql`not exists (select 1 from ${decisions} d where d.request_id = ${approvalSteps.requestId} and d.round = ${approvalSteps.round} and d.step_id = ${approvalSteps.stepId} and d.person_id = ${personId})`,
      ),
    )
    .orderBy(asc(requests.id), asc(approvalSteps.position));
}

/**
 * People marked inactive in the organisation mirror who still hold an undecided slot of an open
 * request: leavers whose hand-over did not happen (the process died after the directory changed,
 * or the person was removed from the file). Ids never in the organisation are not listed.
 */
export async function inactiveApprovers(db: DbOrTx): Promise<Array<{ id: string; name: string; dept: string }>> {
  const held = db
    .selectDistinct({ personId: sql<string>`a.person_id`.as('person_id') })
    .from(approvalSteps)
    .innerJoin(requests, and(eq(requests.id, approvalSteps.requestId), eq(requests.round, approvalSteps.round)))
    .innerJoin(sql`lateral jsonb_array_elements_text(${approvalSteps.approvers}) as a(person_id)`, sql`true`)
    .where(
      and(
        inArray(approvalSteps.status, ['active', 'waiting']),
        inArray(requests.status, [...OPEN_STATUSES]),
        sql`not exists (select 1 from ${decisions} d where d.request_id = ${approvalSteps.requestId} and d.round = ${approvalSteps.round} and d.step_id = ${approvalSteps.stepId} and d.person_id = a.person_id)`,
      ),
    )
    .as('held');
  return db
    .select({ id: people.id, name: people.name, dept: people.deptId })
    .from(held)
    .innerJoin(people, eq(people.id, held.personId))
    .where(eq(people.active, false))
    .orderBy(asc(people.id));
}

/** A person's own requests that are not finished (open, or sent back to them). */
export async function unfinishedRequestsOf(db: DbOrTx, applicantId: string): Promise<RequestSummary[]> {
  return db
    .select(summaryCols)
    .from(requests)
    .where(and(eq(requests.applicantId, applicantId), inArray(requests.status, [...OPEN_STATUSES, 'returned'])))
    .orderBy(asc(requests.createdAt));
}
