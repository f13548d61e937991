// The queries behind one manager's daily digest. Composition (what to say) is pure and lives
// in core/digest.ts; this file only gathers the rows.
import { and, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import type { DigestDecision, DigestEvent, DigestInput, DigestOverdue, DigestSummary, DigestWaiting } from '../core/digest.js';
import type { ScheduleSettings } from '../core/reminders.js';
import type { DbOrTx } from '../store/db.js';
import { awaitsDecisionOf } from '../store/requests-repo.js';
import { approvalSteps, auditLog, decisions, requests } from '../store/schema.js';
import { OPEN_STATUSES } from '../core/model.js';

const OPEN = [...OPEN_STATUSES];
const OUTCOMES = ['approved', 'rejected', 'returned', 'withdrawn'];

/** 'YYYY-MM-DD' plus n calendar days. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + n)).toISOString().slice(0, 10);
}

export function previousWorkday(st: ScheduleSettings, date: string): string {
  let d = addDays(date, -1);
  for (let i = 0; i < 60 && !st.clock.calendar.isWorkday(d); i++) d = addDays(d, -1);
  return d;
}

/** Request types that run the event lifecycle (their payload has start and end). */
export const eventTypes = (st: ScheduleSettings): string[] =>
  ['event', ...st.dir.org.requestTypes.map((t) => t.id)].filter((id, i, all) => all.indexOf(id) === i && st.dir.requestType(id)?.lifecycle === 'event');

export async function digestInput(db: DbOrTx, st: ScheduleSettings, managerId: string, now: Date, date: string): Promise<DigestInput> {
  const cal = st.clock.calendar;
  const depts = st.dir.managedDepartments(managerId);
  const midnight = (d: string) => cal.atLocalTime(d, '00:00');
  const todayStart = midnight(date);
  const yesterday = previousWorkday(st, date);
  const yStart = midnight(yesterday);
  const pStart = midnight(previousWorkday(st, yesterday));

  const waiting: DigestWaiting[] = await db
    .select({ number: requests.number, title: requests.title, urgent: requests.urgent, stepName: approvalSteps.name, activatedAt: approvalSteps.activatedAt, dueAt: approvalSteps.dueAt })
    .from(approvalSteps)
    .innerJoin(requests, and(eq(requests.id, approvalSteps.requestId), eq(requests.round, approvalSteps.round)))
    .where(awaitsDecisionOf(managerId));

  if (!depts.length) return { managerId, date, now, waiting, overdue: [], eventsToday: [], eventsTomorrow: [], summariesOverdue: [], decided: [] };

  const inDepts = inArray(requests.deptId, depts);
  const overdueRows = await db
    .select({ id: requests.id, round: requests.round, number: requests.number, title: requests.title, urgent: requests.urgent, stepId: approvalSteps.stepId, stepName: approvalSteps.name, dueAt: approvalSteps.dueAt, approvers: approvalSteps.approvers })
    .from(approvalSteps)
    .innerJoin(requests, and(eq(requests.id, approvalSteps.requestId), eq(requests.round, approvalSteps.round)))
    .where(and(inDepts, inArray(requests.status, OPEN), eq(approvalSteps.status, 'active'), lte(approvalSteps.dueAt, now)));
  const decidedBy = overdueRows.length
    ? await db
        .select({ requestId: decisions.requestId, round: decisions.round, stepId: decisions.stepId, personId: decisions.personId })
        .from(decisions)
        .where(inArray(decisions.requestId, overdueRows.map((r) => r.id)))
    : [];
  const overdue: DigestOverdue[] = overdueRows.map((r) => ({
    number: r.number,
    title: r.title,
    stepName: r.stepName,
    dueAt: r.dueAt!,
    urgent: r.urgent,
    waitingFor: r.approvers.filter((p) => !decidedBy.some((d) => d.requestId === r.id && d.round === r.round && d.stepId === r.stepId && d.personId === p)),
  }));

  const types = eventTypes(st);
  const startOf = sql<string>`${requests.payload}->>'start'`;
  const events = types.length
    ? await db
        .select({ number: requests.number, title: requests.title, status: requests.status, applicantId: requests.applicantId, start: startOf, location: sql<string | null>`${requests.payload}->>'location'` })
        .from(requests)
        .where(
          and(
            inDepts,
            inArray(requests.type, types),
            inArray(requests.status, ['approved', ...OPEN]),
            sql`${startOf} ~ '^\\d{4}-\\d{2}-\\d{2}T'`,
            sql`(${startOf})::timestamptz >= ${todayStart.toISOString()}::timestamptz`,
            sql`(${startOf})::timestamptz < ${midnight(addDays(date, 2)).toISOString()}::timestamptz`,
          ),
        )
    : [];
  const tomorrowStart = midnight(addDays(date, 1));
  const toEvent = (e: (typeof events)[number]): DigestEvent => ({ number: e.number, title: e.title, start: new Date(e.start), location: e.location ?? '', organiserId: e.applicantId, status: e.status });

  const summaryRows = types.length
    ? await db
        .select({ number: requests.number, title: requests.title, applicantId: requests.applicantId, urgent: requests.urgent, end: sql<string | null>`${requests.payload}->>'end'` })
        .from(requests)
        .where(and(inDepts, inArray(requests.type, types), eq(requests.status, 'summary_due')))
    : [];
  const summariesOverdue: DigestSummary[] = summaryRows.flatMap((r) => {
    const end = r.end ? new Date(r.end) : undefined;
    if (!end || Number.isNaN(end.getTime())) return [];
    const dueAt = cal.dueAt(st.summaryDue, end);
    return dueAt <= now ? [{ number: r.number, title: r.title, organiserId: r.applicantId, dueAt, urgent: r.urgent }] : [];
  });

  const decidedRows = await db
    .select({ number: requests.number, title: requests.title, action: auditLog.action, at: auditLog.at })
    .from(auditLog)
    .innerJoin(requests, eq(requests.id, auditLog.requestId))
    .where(and(inDepts, inArray(auditLog.action, OUTCOMES), gte(auditLog.at, yStart), lt(auditLog.at, todayStart)));
  const decided: DigestDecision[] = decidedRows.map((r) => ({ number: r.number, title: r.title, outcome: r.action, at: r.at }));

  const countIn = async (actions: string[], from: Date, to: Date) => {
    const [row] = await db
      .select({ n: sql<number>`count(distinct ${auditLog.requestId})::int` })
      .from(auditLog)
      .innerJoin(requests, eq(requests.id, auditLog.requestId))
      .where(and(inDepts, inArray(auditLog.action, actions), gte(auditLog.at, from), lt(auditLog.at, to)));
    return row?.n ?? 0;
  };
  const [openRow] = await db.select({ n: sql<number>`count(*)::int` }).from(requests).where(and(inDepts, inArray(requests.status, OPEN)));
  const counts = {
    open: openRow?.n ?? 0,
    overdue: overdueRows.length,
    submitted: await countIn(['submitted'], yStart, todayStart),
    submittedPrev: await countIn(['submitted'], pStart, yStart),
    decided: await countIn(OUTCOMES, yStart, todayStart),
    decidedPrev: await countIn(OUTCOMES, pStart, yStart),
  };

  return {
    managerId,
    date,
    now,
    waiting,
    overdue,
    eventsToday: events.filter((e) => new Date(e.start) < tomorrowStart).map(toEvent),
    eventsTomorrow: events.filter((e) => new Date(e.start) >= tomorrowStart).map(toEvent),
    summariesOverdue,
    decided,
    counts,
  };
}
