// The queries behind one manager's daily digest, and the record of who was sent one (digests_sent).
// Which days and departments to ask about is the scheduler's (scheduler/digest.ts); what to say
// is the pure core's (core/digest.ts); this file only gathers and records the rows.
import { and, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import type { DigestCounts, DigestDecision, DigestEvent, DigestOverdue, DigestWaiting } from '../core/digest.js';
import { OPEN_STATUSES, type MessageIntent } from '../core/model.js';
import type { Db, DbOrTx } from './db.js';
import { writeOutboxRows } from './notices-repo.js';
import { awaitsDecisionOf } from './requests-repo.js';
import { approvalSteps, auditLog, decisions, digestsSent, requests } from './schema.js';

const OPEN = [...OPEN_STATUSES];
const OUTCOMES = ['approved', 'rejected', 'returned', 'withdrawn'];

export interface DigestQuery {
  managerId: string;
  /** People away whose delegation (委托) to the manager is in force: their tasks wait on the manager too. */
  principals?: string[];
  /** The departments the manager oversees (none: only what waits on them). */
  depts: string[];
  /** Request types that run the event lifecycle. */
  eventTypes: string[];
  now: Date;
  /** Local midnights: today, the day after tomorrow, the previous working day and the one before it. */
  todayStart: Date;
  dayAfterTomorrowStart: Date;
  yesterdayStart: Date;
  dayBeforeStart: Date;
}

/** An event-type request waiting for its summary, with the end its payload gives (if any). */
export interface SummaryDueRow {
  number: string;
  title: string;
  organiserId: string;
  urgent: boolean;
  end: string | null;
}

export interface DigestRows {
  waiting: DigestWaiting[];
  overdue: DigestOverdue[];
  /** Events of the departments starting today or tomorrow. */
  events: DigestEvent[];
  summaryDue: SummaryDueRow[];
  decided: DigestDecision[];
  counts?: DigestCounts;
}

export async function digestRows(db: DbOrTx, q: DigestQuery): Promise<DigestRows> {
  const { managerId, depts, eventTypes: types, now } = q;
  const awaiting = (personId: string) =>
    db
      .select({ number: requests.number, title: requests.title, urgent: requests.urgent, stepName: approvalSteps.name, activatedAt: approvalSteps.activatedAt, dueAt: approvalSteps.dueAt })
      .from(approvalSteps)
      .innerJoin(requests, and(eq(requests.id, approvalSteps.requestId), eq(requests.round, approvalSteps.round)))
      .where(awaitsDecisionOf(personId));
  const own: DigestWaiting[] = await awaiting(managerId);
  const mine = new Set(own.map((w) => w.number));
  const delegated = await Promise.all((q.principals ?? []).map(async (p) => (await awaiting(p)).filter((w) => !mine.has(w.number)).map((w) => ({ ...w, forPrincipal: p }))));
  const waiting = [...own, ...delegated.flat()];

  if (!depts.length) return { waiting, overdue: [], events: [], summaryDue: [], decided: [] };

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
            sql`(${startOf})::timestamptz >= ${q.todayStart.toISOString()}::timestamptz`,
            sql`(${startOf})::timestamptz < ${q.dayAfterTomorrowStart.toISOString()}::timestamptz`,
          ),
        )
    : [];

  const summaryDue = types.length
    ? await db
        .select({ number: requests.number, title: requests.title, organiserId: requests.applicantId, urgent: requests.urgent, end: sql<string | null>`${requests.payload}->>'end'` })
        .from(requests)
        .where(and(inDepts, inArray(requests.type, types), eq(requests.status, 'summary_due')))
    : [];

  const decidedRows = await db
    .select({ number: requests.number, title: requests.title, action: auditLog.action, at: auditLog.at })
    .from(auditLog)
    .innerJoin(requests, eq(requests.id, auditLog.requestId))
    .where(and(inDepts, inArray(auditLog.action, OUTCOMES), gte(auditLog.at, q.yesterdayStart), lt(auditLog.at, q.todayStart)));

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
    submitted: await countIn(['submitted'], q.yesterdayStart, q.todayStart),
    submittedPrev: await countIn(['submitted'], q.dayBeforeStart, q.yesterdayStart),
    decided: await countIn(OUTCOMES, q.yesterdayStart, q.todayStart),
    decidedPrev: await countIn(OUTCOMES, q.dayBeforeStart, q.yesterdayStart),
    submittedToday: await countIn(['submitted'], q.todayStart, new Date(q.todayStart.getTime() + 86_400_000)),
  };

  return {
    waiting,
    overdue,
    events: events.map((e) => ({ number: e.number, title: e.title, start: new Date(e.start), location: e.location ?? '', organiserId: e.applicantId, status: e.status })),
    summaryDue,
    decided: decidedRows.map((r) => ({ number: r.number, title: r.title, outcome: r.action, at: r.at })),
    counts,
  };
}

/** Managers already sent the digest of this day. */
export async function digestsSentOn(db: DbOrTx, day: string): Promise<Set<string>> {
  const rows = await db.select({ managerId: digestsSent.managerId }).from(digestsSent).where(eq(digestsSent.day, day));
  return new Set(rows.map((r) => r.managerId));
}

/**
 * Record a manager's digest of a day and write its message, in one transaction; false when it
 * was recorded already (another replica, a retry or a catch-up sent it), and nothing is written.
 */
export async function recordDigest(db: Db, managerId: string, day: string, message: MessageIntent): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(digestsSent).values({ managerId, day }).onConflictDoNothing().returning({ managerId: digestsSent.managerId });
    if (!row) return false;
    await writeOutboxRows(tx, null, [{ kind: 'notify', people: [managerId], message, bulk: true }], `digest:${managerId}:${day}`);
    return true;
  });
}
