// The department dashboard's numbers: volume by week or month, approval lead time per workflow
// step (p50 / p90), overdue by department, events by category, spend against the approved
// budget, and the events' scores. Every query starts from `requests` limited by the viewer's
// scope (`scopeCondition`, the same SQL condition as the console's list and exports) and the
// dashboard's filter, so a chart never counts a request its viewer could not open.
import { and, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { ReadScope } from '../core/followers.js';
import { OPEN_STATUSES } from '../core/model.js';
import { scopeCondition } from './console-repo.js';
import type { DbOrTx } from './db.js';
import { requests } from './schema.js';

export interface DashboardFilter {
  /** Department ids (a department with everything below it: the caller expands). */
  departments?: string[] | undefined;
  type?: string | undefined;
  /** Created on or after / before. */
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface DashboardQuery {
  scope: ReadScope;
  filter: DashboardFilter;
  now: Date;
  /** The organisation's zone: weeks and months are its wall-clock ones. */
  timezone: string;
  period: 'week' | 'month';
  /** Request types that run the event lifecycle (category, budget, follow-ups). */
  eventTypes: string[];
}

export interface DashboardRows {
  /** Requests created per period (its first local day, YYYY-MM-DD) and type. */
  volume: Array<{ period: string; type: string; n: number }>;
  /** Decided steps: hours from the step's activation to its last decision. */
  leadTimes: Array<{ type: string; stepId: string; stepName: string; n: number; p50: number; p90: number; max: number }>;
  overdue: Array<{ dept: string; n: number }>;
  eventsByCategory: Array<{ category: string; status: string; n: number }>;
  /** Events past approval: the budget approved, and what approved reimbursements paid against it. */
  spend: Array<{ dept: string; events: number; budget: number; spent: number }>;
  /** Approved scorings of the department's events: how many, and the average total. */
  scores: Array<{ dept: string; n: number; average: number }>;
}

/** Event statuses once the budget is approved. */
const BUDGET_APPROVED = ['approved', 'summary_due', 'summary_submitted', 'scored', 'reimbursing', 'closed'];
const OPEN = [...OPEN_STATUSES];
/** The follow-up types the lifecycle links to an event (src/core/event-lifecycle.ts). */
const REIMBURSEMENT = 'reimbursement';
const SCORING = 'scoring';

/** The sum of a budget field's amounts (a JSON array of { item, amount }), 0 when absent. */
const budgetSum = (payloadCol: string, field: string) =>
  sql.raw(`(select coalesce(sum((i->>'amount')::numeric), 0) from jsonb_array_elements(case when jsonb_typeof(${payloadCol}->'${field}') = 'array' then ${payloadCol}->'${field}' else '[]'::jsonb end) i)`);

function conditions(q: DashboardQuery): SQL[] {
  const where: SQL[] = [];
  const inScope = scopeCondition(q.scope);
  if (inScope) where.push(inScope);
  const f = q.filter;
  if (f.departments) where.push(inArray(requests.deptId, f.departments.length ? f.departments : ['']));
  if (f.type) where.push(eq(requests.type, f.type));
  if (f.from) where.push(gte(requests.createdAt, f.from));
  if (f.to) where.push(lt(requests.createdAt, f.to));
  return where;
}

const num = (v: unknown) => Math.round(Number(v ?? 0) * 100) / 100;

export async function dashboardRows(db: DbOrTx, q: DashboardQuery): Promise<DashboardRows> {
  const where = conditions(q);
  const within = and(...where);
  const events = q.eventTypes.length ? q.eventTypes : [''];
  const bucket = sql<string>`to_char(date_trunc(${q.period}, ${requests.createdAt} at time zone ${q.timezone}), 'YYYY-MM-DD')`;
  // Steps and decisions read through the request they belong to, so the scope applies to them.
  const leadTimeSql = sql`
    select ${requests.type} as type, s.step_id, min(s.name) as step_name, count(*)::int as n,
      percentile_cont(0.5) within group (order by h) as p50,
      percentile_cont(0.9) within group (order by h) as p90,
      max(h) as max
    from ${requests}
    join approval_steps s on s.request_id = ${requests.id}
    cross join lateral (select extract(epoch from (max(d.created_at) - s.activated_at)) / 3600 as h
      from decisions d where d.request_id = s.request_id and d.round = s.round and d.step_id = s.step_id) d
    where s.status in ('approved', 'rejected') and s.activated_at is not null and d.h is not null${within ? sql` and ${within}` : sql``}
    group by ${requests.type}, s.step_id
    order by ${requests.type}, min(s.position), s.step_id`;
  const [volume, leadTimes, overdue, byCategory, spend, scores] = await Promise.all([
    db.select({ period: bucket, type: requests.type, n: sql<number>`count(*)::int` }).from(requests).where(within).groupBy(sql`1`, requests.type).orderBy(sql`1`, requests.type),
    db.execute(leadTimeSql),
    db
      .select({ dept: requests.deptId, n: sql<number>`count(*)::int` })
      .from(requests)
      .where(and(...where, inArray(requests.status, OPEN), sql`exists (select 1 from approval_steps s where s.request_id = ${requests.id} and s.round = ${requests.round} and s.status = 'active' and s.due_at < ${q.now.toISOString()}::timestamptz)`))
      .groupBy(requests.deptId)
      .orderBy(requests.deptId),
    db
      .select({ category: sql<string>`coalesce(${requests.payload}->>'category', '')`, status: requests.status, n: sql<number>`count(*)::int` })
      .from(requests)
      .where(and(...where, inArray(requests.type, events)))
      .groupBy(sql`1`, requests.status)
      .orderBy(sql`1`, requests.status),
    db
      .select({
        dept: requests.deptId,
        events: sql<number>`count(*)::int`,
        budget: sql<string>`sum(${budgetSum('requests.payload', 'budget')})`,
        spent: sql<string>`coalesce(sum((select sum(${budgetSum('c.payload', 'items')}) from requests c where c.parent_id = requests.id and c.type = ${REIMBURSEMENT} and c.status = 'approved')), 0)`,
      })
      .from(requests)
      .where(and(...where, inArray(requests.type, events), inArray(requests.status, BUDGET_APPROVED)))
      .groupBy(requests.deptId)
      .orderBy(requests.deptId),
    db
      .select({
        dept: requests.deptId,
        n: sql<number>`count(*)::int`,
        average: sql<string>`avg(coalesce((c.payload->>'qualitative')::numeric, 0) + coalesce((c.payload->>'quantitative')::numeric, 0))`,
      })
      .from(requests)
      .innerJoin(sql`requests c`, sql`c.parent_id = ${requests.id} and c.type = ${SCORING} and c.status = 'approved'`)
      .where(and(...where, inArray(requests.type, events)))
      .groupBy(requests.deptId)
      .orderBy(requests.deptId),
  ]);
  const lt = [...(leadTimes as unknown as Iterable<Record<string, unknown>>)];
  return {
    volume,
    leadTimes: lt.map((r) => ({ type: String(r.type), stepId: String(r.step_id), stepName: String(r.step_name), n: Number(r.n), p50: num(r.p50), p90: num(r.p90), max: num(r.max) })),
    overdue,
    eventsByCategory: byCategory,
    spend: spend.map((r) => ({ dept: r.dept, events: r.events, budget: num(r.budget), spent: num(r.spent) })),
    scores: scores.map((r) => ({ dept: r.dept, n: r.n, average: num(r.average) })),
  };
}

export function dashboardReads(db: DbOrTx) {
  return { rows: (q: DashboardQuery) => dashboardRows(db, q) };
}

export type DashboardReads = ReturnType<typeof dashboardReads>;
