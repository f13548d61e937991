// What the working-day calendar said about each year (calendar_years), and the open steps whose
// deadlines a change of it may move.
import { and, desc, eq, gt, inArray, isNotNull } from 'drizzle-orm';
import type { DbOrTx } from './db.js';
import { approvalSteps, calendarYears, requests } from './schema.js';

export interface StoredFingerprint {
  seq: number;
  source: string;
  fingerprint: string;
}

/** Whether any year's fingerprint was ever recorded (none: the first start with this table). */
export async function anyFingerprint(db: DbOrTx): Promise<boolean> {
  const rows = await db.select({ year: calendarYears.year }).from(calendarYears).limit(1);
  return rows.length > 0;
}

/** The last fingerprint recorded for each of these years. */
export async function lastFingerprints(db: DbOrTx, years: number[]): Promise<Map<number, StoredFingerprint>> {
  const rows = years.length
    ? await db
        .selectDistinctOn([calendarYears.year], { year: calendarYears.year, seq: calendarYears.seq, source: calendarYears.source, fingerprint: calendarYears.fingerprint })
        .from(calendarYears)
        .where(inArray(calendarYears.year, years))
        .orderBy(calendarYears.year, desc(calendarYears.seq))
    : [];
  return new Map(rows.map((r) => [r.year, { seq: r.seq, source: r.source, fingerprint: r.fingerprint }]));
}

/** Record a year's fingerprint as change number `seq`; false when another replica recorded that change first. */
export async function recordFingerprint(db: DbOrTx, year: number, seq: number, source: string, fingerprint: string): Promise<boolean> {
  const rows = await db.insert(calendarYears).values({ year, seq, source, fingerprint }).onConflictDoNothing().returning({ seq: calendarYears.seq });
  return rows.length > 0;
}

/** Open steps (of the request's current round) with a deadline after `after`. */
export async function openStepsDueAfter(db: DbOrTx, after: Date): Promise<Array<{ requestId: string; round: number; stepId: string; dueAt: Date }>> {
  const rows = await db
    .select({ requestId: approvalSteps.requestId, round: approvalSteps.round, stepId: approvalSteps.stepId, dueAt: approvalSteps.dueAt })
    .from(approvalSteps)
    .innerJoin(requests, and(eq(requests.id, approvalSteps.requestId), eq(requests.round, approvalSteps.round)))
    .where(and(eq(approvalSteps.status, 'active'), inArray(requests.status, ['consulting', 'pending']), isNotNull(approvalSteps.due), gt(approvalSteps.dueAt, after)))
    .orderBy(approvalSteps.requestId);
  return rows.map((r) => ({ ...r, dueAt: r.dueAt! }));
}
