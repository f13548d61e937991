// The console's request list: filters, a text search over the title, number and form content,
// keyset paging (created_at, id — stays fast however deep one pages), and the reader's scope
// (src/core/followers.ts `readScope`) applied in SQL so nothing outside it is ever read. The
// exports page through the same filter: the requests, the decisions on them, the reimbursements.
import { and, asc, desc, eq, gt, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { ReadScope } from '../core/followers.js';
import { OPEN_STATUSES } from '../core/model.js';
import type { DbOrTx } from './db.js';
import type { RequestSummary } from './requests-repo.js';
import { approvalSteps, decisions, requests } from './schema.js';

export interface RequestFilter {
  status?: string[] | undefined;
  type?: string | undefined;
  /** Department ids (a department with everything below it: the caller expands). */
  departments?: string[] | undefined;
  applicant?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  overdue?: boolean | undefined;
  q?: string | undefined;
}

export interface Cursor {
  createdAt: string;
  id: string;
}

/** A request as the console lists it: the summary, plus where it waits and its form. */
export interface ConsoleRow extends RequestSummary {
  deptId: string;
  urgent: boolean;
  stepName: string | null;
  waitingOn: string[] | null;
  dueAt: Date | null;
  payload: Record<string, unknown>;
}

const OPEN = [...OPEN_STATUSES];
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The reader's scope as a condition on `requests` (undefined: everything). */
export function scopeCondition(scope: ReadScope): SQL | undefined {
  if (scope.all) return undefined;
  const me = JSON.stringify([scope.personId]);
  const parts: SQL[] = [
    eq(requests.applicantId, scope.personId),
    sql`exists (select 1 from ${approvalSteps} s where s.request_id = ${requests.id} and s.approvers @> ${me}::jsonb)`,
    sql`exists (select 1 from ${decisions} d where d.request_id = ${requests.id} and (d.person_id = ${scope.personId} or d.delegate_id = ${scope.personId}))`,
  ];
  if (scope.departments.length) parts.push(inArray(requests.deptId, scope.departments));
  if (scope.types.length) parts.push(inArray(requests.type, scope.types));
  return or(...parts);
}

/** The active step of the request's round that is due first. */
const activeStep = (col: string) => sql.raw(`(select s.${col} from approval_steps s where s.request_id = requests.id and s.round = requests.round and s.status = 'active' order by s.due_at nulls last limit 1)`);

function conditions(scope: ReadScope, f: RequestFilter, now: Date): SQL[] {
  const where: SQL[] = [];
  const inScope = scopeCondition(scope);
  if (inScope) where.push(inScope);
  if (f.status?.length) where.push(inArray(requests.status, f.status));
  if (f.type) where.push(eq(requests.type, f.type));
  if (f.departments) where.push(inArray(requests.deptId, f.departments.length ? f.departments : ['']));
  if (f.applicant) where.push(eq(requests.applicantId, f.applicant));
  if (f.from) where.push(gte(requests.createdAt, f.from));
  if (f.to) where.push(lt(requests.createdAt, f.to));
  if (f.overdue) {
    where.push(inArray(requests.status, OPEN));
    where.push(sql`exists (select 1 from ${approvalSteps} s where s.request_id = ${requests.id} and s.round = ${requests.round} and s.status = 'active' and s.due_at < ${now.toISOString()}::timestamptz)`);
  }
  if (f.q) {
    const like = `%${escapeLike(f.q)}%`;
    where.push(or(sql`${requests.title} ilike ${like}`, sql`${requests.number} ilike ${like}`, sql`${requests.payload}::text ilike ${like}`)!);
  }
  return where;
}

const columns = {
  id: requests.id,
  number: requests.number,
  type: requests.type,
  title: requests.title,
  status: requests.status,
  applicantId: requests.applicantId,
  deptId: requests.deptId,
  urgent: requests.urgent,
  createdAt: requests.createdAt,
  updatedAt: requests.updatedAt,
  payload: requests.payload,
  stepName: sql<string | null>`${activeStep('name')}`,
  waitingOn: sql<string[] | null>`${activeStep('approvers')}`.mapWith((v: string | string[] | null) => (typeof v === 'string' ? (JSON.parse(v) as string[]) : v)),
  dueAt: sql<Date | null>`${activeStep('due_at')}`.mapWith((v: string | Date | null) => (v == null ? null : new Date(v))),
};

/** One page, newest first; `next` is the cursor of the page after it (none at the end). */
export async function listRequests(db: DbOrTx, scope: ReadScope, f: RequestFilter, now: Date, page: { limit: number; after?: Cursor | undefined }): Promise<{ items: ConsoleRow[]; next: Cursor | null }> {
  const where = conditions(scope, f, now);
  if (page.after) {
    const at = page.after.createdAt;
    where.push(sql`(${requests.createdAt}, ${requests.id}) < (${at}::timestamptz, ${page.after.id}::uuid)`);
  }
  const rows = (await db
    .select(columns)
    .from(requests)
    .where(and(...where))
    .orderBy(desc(requests.createdAt), desc(requests.id))
    .limit(page.limit + 1)) as ConsoleRow[];
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items, next: rows.length > page.limit && last ? { createdAt: last.createdAt.toISOString(), id: last.id } : null };
}

/** Every row of the filter (exports), in pages of `batch`, without holding them all at once. */
export async function* eachRequest(db: DbOrTx, scope: ReadScope, f: RequestFilter, now: Date, batch = 500): AsyncGenerator<ConsoleRow> {
  let after: Cursor | undefined;
  for (;;) {
    const page = await listRequests(db, scope, f, now, { limit: batch, after });
    yield* page.items;
    if (!page.next) return;
    after = page.next;
  }
}

/** A decision on a request of the filter, with its step (name, kind, when it opened). */
export interface DecisionRow {
  id: number;
  number: string;
  type: string;
  title: string;
  stepName: string | null;
  stepKind: string | null;
  personId: string;
  delegateId: string | null;
  decision: string;
  comment: string | null;
  platform: string;
  decidedAt: Date;
  activatedAt: Date | null;
}

/** Every decision on the requests the filter and scope select, oldest first, paged by id. */
export async function* eachDecision(db: DbOrTx, scope: ReadScope, f: RequestFilter, now: Date, batch = 500): AsyncGenerator<DecisionRow> {
  let after = 0;
  for (;;) {
    const rows = await db
      .select({
        id: decisions.id,
        number: requests.number,
        type: requests.type,
        title: requests.title,
        stepName: approvalSteps.name,
        stepKind: approvalSteps.kind,
        personId: decisions.personId,
        delegateId: decisions.delegateId,
        decision: decisions.decision,
        comment: decisions.comment,
        platform: decisions.platform,
        decidedAt: decisions.createdAt,
        activatedAt: approvalSteps.activatedAt,
      })
      .from(decisions)
      .innerJoin(requests, eq(requests.id, decisions.requestId))
      .leftJoin(approvalSteps, and(eq(approvalSteps.requestId, decisions.requestId), eq(approvalSteps.round, decisions.round), eq(approvalSteps.stepId, decisions.stepId)))
      .where(and(...conditions(scope, f, now), gt(decisions.id, after)))
      .orderBy(asc(decisions.id))
      .limit(batch);
    yield* rows;
    const last = rows.at(-1);
    if (rows.length < batch || !last) return;
    after = last.id;
  }
}

/** A reimbursement with the event it claims against and when it was decided (approved or rejected). */
export interface ReimbursementRow extends ConsoleRow {
  event: { number: string; title: string; payload: Record<string, unknown> } | null;
  decidedAt: Date | null;
}

const eventOf = alias(requests, 'event');

/** Every reimbursement the filter and scope select (the filter's type is replaced), newest first. */
export async function* eachReimbursement(db: DbOrTx, scope: ReadScope, f: RequestFilter, now: Date, batch = 500): AsyncGenerator<ReimbursementRow> {
  let after: Cursor | undefined;
  for (;;) {
    const page = await listRequests(db, scope, { ...f, type: 'reimbursement' }, now, { limit: batch, after });
    // The page's events and decision times in one query: the paging and scoping stay listRequests'.
    const extra = page.items.length
      ? await db
          .select({
            id: requests.id,
            eventNumber: eventOf.number,
            eventTitle: eventOf.title,
            eventPayload: eventOf.payload,
            decidedAt: sql<Date | null>`case when ${requests.status} in ('approved', 'rejected') then coalesce((select max(d.created_at) from ${decisions} d where d.request_id = ${requests.id}), ${requests.updatedAt}) end`.mapWith((v: string | Date | null) => (v == null ? null : new Date(v))),
          })
          .from(requests)
          .leftJoin(eventOf, eq(eventOf.id, requests.parentId))
          .where(inArray(requests.id, page.items.map((r) => r.id)))
      : [];
    const byId = new Map(extra.map((e) => [e.id, e]));
    for (const r of page.items) {
      const e = byId.get(r.id);
      yield { ...r, event: e?.eventNumber ? { number: e.eventNumber, title: e.eventTitle!, payload: e.eventPayload! } : null, decidedAt: e?.decidedAt ?? null };
    }
    if (!page.next) return;
    after = page.next;
  }
}

/** Counts for the department dashboard: by status, and open / overdue, within the scope and filter. */
export async function requestCounts(db: DbOrTx, scope: ReadScope, f: RequestFilter, now: Date): Promise<{ byStatus: Record<string, number>; byType: Record<string, number>; overdue: number }> {
  const where = and(...conditions(scope, f, now));
  const [byStatus, byType, overdue] = await Promise.all([
    db.select({ k: requests.status, n: sql<number>`count(*)::int` }).from(requests).where(where).groupBy(requests.status),
    db.select({ k: requests.type, n: sql<number>`count(*)::int` }).from(requests).where(where).groupBy(requests.type),
    db.select({ n: sql<number>`count(*)::int` }).from(requests).where(and(...conditions(scope, { ...f, overdue: true }, now))),
  ]);
  return {
    byStatus: Object.fromEntries(byStatus.map((r) => [r.k, r.n])),
    byType: Object.fromEntries(byType.map((r) => [r.k, r.n])),
    overdue: overdue[0]?.n ?? 0,
  };
}

export function consoleReads(db: DbOrTx) {
  return {
    list: (scope: ReadScope, f: RequestFilter, now: Date, page: { limit: number; after?: Cursor | undefined }) => listRequests(db, scope, f, now, page),
    each: (scope: ReadScope, f: RequestFilter, now: Date) => eachRequest(db, scope, f, now),
    eachDecision: (scope: ReadScope, f: RequestFilter, now: Date) => eachDecision(db, scope, f, now),
    eachReimbursement: (scope: ReadScope, f: RequestFilter, now: Date) => eachReimbursement(db, scope, f, now),
    counts: (scope: ReadScope, f: RequestFilter, now: Date) => requestCounts(db, scope, f, now),
  };
}

export type ConsoleReads = ReturnType<typeof consoleReads>;
