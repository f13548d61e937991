// When the official holiday arrangement for a provisional year arrives (the organisation file
// gains `calendar.official.<year>` and the app restarts), an open deadline counted under the
// provisional year moves: the step's deadline, the audit entry, the escalation timer, and the
// approver is told once — a further restart changes nothing.
import { and, asc, eq, isNull } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createCalendar } from '../../src/core/calendar/index.js';
import { Directory } from '../../src/org/directory.js';
import { calendarOptions } from '../../src/org/load.js';
import { recountDeadlines } from '../../src/scheduler/recount.js';
import { loadRequest } from '../../src/store/requests-repo.js';
import { calendarYearQueries } from '../../src/store/scheduler-store.js';
import { auditLog, calendarYears, outbox, timers } from '../../src/store/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabaseUrl } from '../support/db.js';
import { eventPayload, exampleDir, ok, sh } from '../support/core-fixtures.js';
import { simClient } from '../support/sim-client.js';
import { waitFor } from '../support/wait.js';

let t: TestApp | undefined;
let drop: (() => Promise<void>) | undefined;
afterAll(async () => {
  await t?.close();
  await drop?.();
});

// A made-up arrangement (NOT the real 2027 notice): 元旦 bridged to Monday 2027-01-04.
const official = { 2027: { holidays: ['2027-01-01', '2027-01-02', '2027-01-03', '2027-01-04'], workdays: [] } };
function withOfficial(): Directory {
  const org = structuredClone(exampleDir().org);
  org.organisation.calendar.official = official;
  return new Directory(org);
}

describe('an official arrangement arrives for a provisional year', () => {
  it('moves the open deadline, records it, tells the approver once; another restart changes nothing', async () => {
    const database = await createTestDatabaseUrl();
    drop = database.drop;
    const env = { DATABASE_URL: database.url };

    // Monday 2026-12-28 10:00: 5 working days, 2027-01-01 a provisional holiday → due Tue 2027-01-06 10:00.
    t = await startTestApp(env, { dir: exampleDir(), now: () => sh('2026-12-28 10:00') });
    const r = ok(await t.app.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload({ start: '2027-01-20T02:00:00.000Z', end: '2027-01-20T05:00:00.000Z' }), platform: 'local' }));
    const { number, id } = r.state;
    const step = r.state.steps.find((s) => s.status === 'active')!;
    expect(step.id).toBe('dept-lead');
    expect(step.dueAt).toBe(sh('2027-01-06 10:00').toISOString());
    const before = await t.app.database.db.select().from(timers).where(eq(timers.requestId, id));
    await t.close();

    // Restart with the arrangement (Thursday, the company's day off): Monday 01-04 is off too → Wed 2027-01-07 10:00.
    t = await startTestApp(env, { dir: withOfficial(), now: () => sh('2026-12-31 10:00') });
    const db = t.app.database.db;
    const s = (await loadRequest(db, id))!;
    const moved = s.steps.find((x) => x.id === 'dept-lead')!;
    expect(moved.dueAt).toBe(sh('2027-01-07 10:00').toISOString());
    const audit = await db.select().from(auditLog).where(and(eq(auditLog.requestId, id), eq(auditLog.action, 'deadline_recalculated')));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ stepId: 'dept-lead', platform: 'system', detail: { from: sh('2027-01-06 10:00').toISOString(), to: sh('2027-01-07 10:00').toISOString(), year: 2027, source: 'official' } });
    // The step's timers follow: the reminder one working day before the deadline (the one pending
    // now — the half-way one fell due on Wednesday and was sent at start-up) moves with it.
    const pending = await db.select().from(timers).where(and(eq(timers.requestId, id), isNull(timers.firedAt), isNull(timers.cancelledAt)));
    expect(pending.map((x) => [x.kind, x.fireAt.toISOString(), (x.payload as { n: number }).n])).toEqual([['remind', sh('2027-01-06 10:00').toISOString(), 1]]);
    // (Planned at start-up for 2027-01-05 10:00 under the old deadline, then moved, not replaced.)
    expect((await db.select().from(timers).where(eq(timers.requestId, id))).filter((x) => x.cancelledAt)).toEqual([]);
    expect(before.map((x) => [x.kind, x.fireAt.toISOString()])).toEqual([['remind', sh('2026-12-30 14:30').toISOString()]]);
    // The approver is told (and the cards refreshed).
    const text = `申请 ${number}「冬季车主答谢会」在「部门负责人审批」的截止时间按国务院公布的 2027 年放假安排调整为 2027-01-07 10:00。`;
    const dm = async (url = t!.url) => (await simClient(url).history('liuyang')).filter((m) => m.conversation === 'dm:liuyang' && m.kind === 'text').map((m) => m.text ?? '');
    await waitFor('the approver is told', async () => (await dm()).includes(text) || undefined);
    const notices = async (on = db) =>
      (await on.select().from(outbox).where(eq(outbox.requestId, id)).orderBy(asc(outbox.id))).filter((o) => (o.payload as { message?: { key: string } }).message?.key === 'deadline.recalculated');
    expect((await notices()).map((o) => (o.payload as { people: string[] }).people)).toEqual([['liuyang']]);
    expect(await db.select().from(calendarYears).orderBy(asc(calendarYears.year), asc(calendarYears.seq))).toMatchObject([
      { year: 2026, seq: 1 },
      { year: 2027, seq: 1, source: 'provisional' },
      { year: 2027, seq: 2, source: 'official' },
    ]);
    await t.idle();
    await t.close();

    // Again: nothing to move, nobody told twice.
    t = await startTestApp(env, { dir: withOfficial(), now: () => sh('2026-12-31 10:10') });
    const db2 = t.app.database.db;
    expect((await loadRequest(db2, id))!.steps.find((x) => x.id === 'dept-lead')!.dueAt).toBe(sh('2027-01-07 10:00').toISOString());
    expect(await db2.select().from(auditLog).where(and(eq(auditLog.requestId, id), eq(auditLog.action, 'deadline_recalculated')))).toHaveLength(1);
    expect(await notices(db2)).toHaveLength(1);
    await t.idle();
    expect((await dm()).filter((x) => x === text)).toHaveLength(1);

    // The first start that records fingerprints (an upgrade) only records, even when a year differs
    // from what the open deadlines were counted with: it cannot know which calendar that was.
    await db2.delete(calendarYears);
    const provisional = createCalendar(calendarOptions(exampleDir().org.organisation));
    const first = await recountDeadlines({ store: calendarYearQueries(db2), calendar: provisional, approvals: () => t!.app.approvals, timezone: 'Asia/Shanghai', log: pino({ level: 'silent' }), now: sh('2026-12-29 09:50') });
    expect(first).toEqual({ changed: [], moved: 0 });
    expect((await loadRequest(db2, id))!.steps.find((x) => x.id === 'dept-lead')!.dueAt).toBe(sh('2027-01-07 10:00').toISOString());
    // …and the next start with another calendar sees a change again (the app's own calendar
    // agrees with this one already, so nothing moves).
    const back = await recountDeadlines({ store: calendarYearQueries(db2), calendar: createCalendar(calendarOptions(withOfficial().org.organisation)), approvals: () => t!.app.approvals, timezone: 'Asia/Shanghai', log: pino({ level: 'silent' }), now: sh('2026-12-29 09:50') });
    expect(back).toEqual({ changed: [2027], moved: 0 });
  }, 60_000);
});
