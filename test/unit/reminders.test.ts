// Reminder points (催办), escalation points, event and summary chains: working hours only,
// urgent requests exempt, nights and holidays shift to the next working time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { act, advance, type CoreContext } from '../../src/core/lifecycle.js';
import type { RequestState } from '../../src/core/model.js';
import {
  before,
  chainsFor,
  deadlinePoints,
  eventPoints,
  formatSpan,
  nextPointIndex,
  noticeFor,
  nudge,
  settingsFrom,
  summaryPoints,
  timeLeft,
  type TimerPoint,
} from '../../src/core/reminders.js';
import { DEFAULT_REMINDERS } from '../../src/org/schema.js';
import { t } from '../../src/core/messages.js';
import { submitOk, eventPayload, exampleDir, orgWith, sh, shanghaiCalendar, shanghaiClock } from '../support/core-fixtures.js';

const calendar = shanghaiCalendar;
const clock = shanghaiClock;
const local = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
const show = (ps: TimerPoint[]) => ps.map((p) => `${p.kind} ${local(p.at)}`);

describe('deadline points', () => {
  it('default policy on 5 working days: half the time, one working day left, the deadline, then daily', () => {
    const points = deadlinePoints({ openedAt: sh('2026-11-23 10:00'), dueAt: sh('2026-11-30 10:00'), urgent: false, policy: DEFAULT_REMINDERS }, clock);
    expect(show(points).slice(0, 6)).toEqual([
      'remind 2026-11-25 14:30', // 22.5 of 45 working hours gone
      'remind 2026-11-27 10:00', // 9 working hours left: Fri 10–18 + Mon 9–10
      'escalate 2026-11-30 10:00',
      'overdue 2026-12-01 10:00',
      'overdue 2026-12-02 10:00',
      'overdue 2026-12-03 10:00',
    ]);
    expect(points.filter((p) => p.kind === 'overdue')).toHaveLength(10);
    // Weekends are skipped while overdue: Fri 12-04 → Mon 12-07.
    expect(show(points)).toContain('overdue 2026-12-07 10:00');
    expect(points.map((p) => p.must)).toEqual(points.map((p) => p.kind === 'escalate'));
  });

  it('a normal request is never reminded at night, on a weekend or on a holiday', () => {
    // Wednesday night before National Day (Oct 1–7, 2026): due one hour later, at 21:00.
    const points = deadlinePoints({ openedAt: sh('2026-09-30 20:00'), dueAt: sh('2026-09-30 21:00'), urgent: false, policy: DEFAULT_REMINDERS }, clock);
    expect(show(points).slice(0, 3)).toEqual(['escalate 2026-10-08 09:00', 'overdue 2026-10-09 09:00', 'overdue 2026-10-10 09:00']);
    // 2026-10-10 is a Saturday, a make-up working day (调休).
    expect(calendar.isWorkday('2026-10-10')).toBe(true);
  });

  it('an urgent request is reminded around the clock, exactly on time', () => {
    const points = deadlinePoints({ openedAt: sh('2026-09-30 20:00'), dueAt: sh('2026-09-30 21:00'), urgent: true, policy: DEFAULT_REMINDERS }, clock);
    expect(show(points).slice(0, 3)).toEqual(['remind 2026-09-30 20:30', 'escalate 2026-09-30 21:00', 'overdue 2026-10-01 21:00']);
    // Five working days from Friday 17:00, around the clock: half way is Tuesday 05:00.
    const long = deadlinePoints({ openedAt: sh('2026-11-27 17:00'), dueAt: sh('2026-12-04 17:00'), urgent: true, policy: { before: ['50%'], overdueEvery: null, maxOverdue: 0 } }, clock);
    expect(show(long)).toEqual(['remind 2026-12-01 05:00', 'escalate 2026-12-04 17:00']);
  });

  it('points that would fall before the step opened or at the deadline are dropped', () => {
    // One working hour to go: "one working day left" is already true at opening.
    const points = deadlinePoints({ openedAt: sh('2026-11-23 10:00'), dueAt: sh('2026-11-23 11:00'), urgent: false, policy: { before: ['50%', '1wd', '2h'], overdueEvery: null, maxOverdue: 0 } }, clock);
    expect(show(points)).toEqual(['remind 2026-11-23 10:30', 'escalate 2026-11-23 11:00']);
  });

  it('property: every point of a normal request lands in working time, in order', () => {
    const start = sh('2026-01-01 00:00').getTime();
    const specs = ['5wd', '8wh', '48h', '30m', '17:00', '3d', '1wd'];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 360 * 24 * 60 }), fc.constantFrom(...specs), fc.constantFrom(['50%', '1wd'], ['25%', '75%', '4wh'], ['2h']), (minute, spec, before) => {
        const openedAt = new Date(start + minute * 60_000);
        const dueAt = calendar.dueAt(spec, openedAt);
        const points = deadlinePoints({ openedAt, dueAt, urgent: false, policy: { before: [...before], overdueEvery: '1wd', maxOverdue: 3 } }, clock);
        for (const p of points) expect(calendar.isWorkingTime(p.at)).toBe(true);
        for (let i = 1; i < points.length; i++) expect(points[i]!.at.getTime()).toBeGreaterThan(points[i - 1]!.at.getTime());
        expect(points.filter((p) => p.kind === 'escalate')).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });

  it('working time before an instant (for lead times)', () => {
    expect(local(before(sh('2026-11-30 10:00'), 9 * 3_600_000, true, clock))).toBe('2026-11-27 10:00');
    expect(local(before(sh('2026-11-30 10:00'), 3_600_000, true, clock))).toBe('2026-11-30 09:00');
    expect(local(before(sh('2026-10-08 10:00'), 2 * 3_600_000, true, clock))).toBe('2026-09-30 17:00');
    expect(local(before(sh('2026-11-30 10:00'), 86_400_000, false, clock))).toBe('2026-11-29 10:00');
  });
});

describe('event and summary chains', () => {
  it('an approved event: the notice one working day ahead, then its end', () => {
    const points = eventPoints({ start: sh('2026-12-20 18:00'), end: sh('2026-12-20 21:00'), urgent: false, preEventNotice: '1wd' }, clock);
    expect(show(points)).toEqual(['pre_event 2026-12-18 09:00', 'event_end 2026-12-20 21:00']);
    expect(show(eventPoints({ start: sh('2026-12-20 18:00'), end: sh('2026-12-20 21:00'), urgent: false, preEventNotice: null }, clock))).toEqual(['event_end 2026-12-20 21:00']);
  });

  it('a summary due 3 working days after a Saturday event; the lead is told after 5', () => {
    const points = summaryPoints({ end: sh('2026-11-28 21:00'), urgent: false, summaryDue: '3wd', escalateAfter: '5wd', policy: { ...DEFAULT_REMINDERS, maxOverdue: 2 } }, clock);
    expect(show(points)).toEqual([
      'summary_remind 2026-12-01 13:30',
      'summary_remind 2026-12-02 09:00',
      'summary_overdue 2026-12-03 09:00',
      'summary_overdue 2026-12-04 09:00',
      'summary_overdue 2026-12-07 09:00',
      'summary_escalate 2026-12-07 09:00',
    ]);
    expect(points.find((p) => p.kind === 'summary_escalate')?.must).toBe(true);
  });

  it('a late reminder is skipped, a late escalation is not', () => {
    const points = deadlinePoints({ openedAt: sh('2026-11-23 10:00'), dueAt: sh('2026-11-30 10:00'), urgent: false, policy: DEFAULT_REMINDERS }, clock);
    expect(nextPointIndex(points, -1, sh('2026-11-23 10:00'))).toBe(0);
    expect(nextPointIndex(points, 0, sh('2026-11-25 14:31'))).toBe(1);
    // Down from Wednesday to the following Wednesday: the escalation still fires, then the next future reminder.
    expect(nextPointIndex(points, 0, sh('2026-12-02 12:00'))).toBe(2);
    expect(nextPointIndex(points, 2, sh('2026-12-02 12:00'))).toBe(5);
    expect(nextPointIndex(points, points.length - 1, sh('2027-01-01 12:00'))).toBeUndefined();
  });
});

describe('chains of a request', () => {
  const dir = exampleDir();
  const st = settingsFrom(dir, calendar, 'zh-CN');
  const ctx = (now: Date, type = 'event'): CoreContext => ({ dir, wf: dir.workflowFor(type)!, now, dueAt: (spec, from) => calendar.dueAt(spec, from) });
  const opened = sh('2026-11-23 10:00');
  const fresh = () =>
    submitOk(ctx(opened), { id: '00000000-0000-4000-a000-000000000001', number: 'A-0001', type: 'event', title: '冬季车主答谢会', applicantId: 'liming', payload: eventPayload() }, 'local').state;

  it('an open step with a deadline has one step chain; approved events and summaries have theirs', () => {
    const s = fresh();
    const [chain, ...rest] = chainsFor(s, st);
    expect(rest).toEqual([]);
    expect(chain).toMatchObject({ kind: 'step', stepId: 'dept-lead', key: `${s.id}/s1/dept-lead/${opened.getTime()}` });
    expect(chain!.points.map((p) => p.kind).slice(0, 3)).toEqual(['remind', 'remind', 'escalate']);

    const approved = act(s, { type: 'approve', stepId: 'dept-lead' }, { personId: 'liuyang', platform: 'local' }, ctx(sh('2026-11-24 10:00')));
    if (!approved.ok) throw new Error('refused');
    expect(chainsFor(approved.state, st).map((c) => [c.kind, show(c.points)])).toEqual([['event', ['pre_event 2026-12-18 09:00', 'event_end 2026-12-20 21:00']]]);

    const ended = advance(approved.state, 'event_ended', ctx(sh('2026-12-20 21:00')));
    if (!ended.ok) throw new Error('refused');
    expect(chainsFor(ended.state, st).map((c) => c.kind)).toEqual(['summary']);
  });

  it('points computed only up to what is next keep their indexes', () => {
    const s = fresh();
    const full = chainsFor(s, st)[0]!.points;
    const short = chainsFor(s, st, sh('2026-12-02 12:00'))[0]!.points;
    expect(short.length).toBeLessThan(full.length);
    expect(short).toEqual(full.slice(0, short.length));
    expect(short.at(-1)!.at > sh('2026-12-02 12:00')).toBe(true);
  });

  it('no chain without a deadline, and none once decided', () => {
    const noDue = orgWith([{ requestType: 'event', steps: [{ id: 'a', name: '审批', approvers: ['dept_lead'] }] }]);
    const s = submitOk({ dir: noDue, wf: noDue.workflowFor('event')!, now: opened, dueAt: (spec, from) => calendar.dueAt(spec, from) }, { id: '00000000-0000-4000-a000-000000000002', number: 'A-2', type: 'event', title: 'x', applicantId: 'liming', payload: eventPayload() }, 'local').state;
    expect(chainsFor(s, settingsFrom(noDue, calendar, 'zh-CN'))).toEqual([]);
    const rejected = act(fresh(), { type: 'reject', stepId: 'dept-lead', reason: '冲突' }, { personId: 'liuyang', platform: 'local' }, ctx(opened));
    expect(rejected.ok && chainsFor(rejected.state, st)).toEqual([]);
  });
});

describe('what a reminder says', () => {
  const dir = exampleDir();
  const st = settingsFrom(dir, calendar, 'zh-CN');
  const s = submitOk(
    { dir, wf: dir.workflowFor('event')!, now: sh('2026-11-23 10:00'), dueAt: (spec, from) => calendar.dueAt(spec, from) },
    { id: '00000000-0000-4000-a000-000000000003', number: 'A-0003', type: 'event', title: '冬季车主答谢会', applicantId: 'liming', payload: eventPayload() },
    'local',
  ).state;
  const chain = chainsFor(s, st)[0]!;

  it('formats working time left and overdue', () => {
    expect(formatSpan(12 * 3_600_000, true, clock, 'zh-CN')).toBe('1 个工作日 3 小时');
    expect(formatSpan(20 * 60_000, true, clock, 'zh-CN')).toBe('20 分钟');
    expect(formatSpan(2 * 60_000 - 150, true, clock, 'zh-CN')).toBe('2 分钟');
    expect(formatSpan(3_600_000 - 20, true, clock, 'zh-CN')).toBe('1 小时');
    expect(formatSpan(30 * 3_600_000, false, clock, 'en')).toBe('1 day(s) 6 h');
    expect(formatSpan(10_000, true, clock, 'zh-CN')).toBe('不到 1 分钟');
    expect(timeLeft(sh('2026-11-27 17:00'), sh('2026-11-30 10:00'), false, clock, 'zh-CN')).toMatchObject({ overdue: false, text: '2 小时' });
    expect(timeLeft(sh('2026-12-01 11:00'), sh('2026-11-30 10:00'), false, clock, 'zh-CN')).toMatchObject({ overdue: true, text: '1 个工作日 1 小时' });
  });

  it('a reminder goes to the approvers who have not decided, with the time left', () => {
    const n = noticeFor(s, chain, chain.points[0]!, sh('2026-11-25 14:30'), st)!;
    expect(n.effects).toEqual([{ kind: 'notify', people: ['liuyang'], message: { key: 'reminder.step', params: expect.objectContaining({ number: 'A-0003', step: '部门负责人审批', left: '2 个工作日 4 小时', due: '2026-11-30 10:00' }) } }]);
    expect(n.audit[0]).toMatchObject({ action: 'reminder_sent', actorId: null, platform: 'system', stepId: 'dept-lead', detail: { to: ['liuyang'] } });
    const overdue = noticeFor(s, chain, chain.points[3]!, sh('2026-12-01 10:00'), st)!;
    expect(overdue.effects[0]).toMatchObject({ message: { key: 'reminder.overdue', params: { left: '1 个工作日' } } });
  });

  it('re-sends the card only to approvers who have no copy of their own', () => {
    const roomsOnly = orgWith([{ requestType: 'event', rooms: ['east-approvals'], directToApprovers: false, steps: [{ id: 'a', name: '审批', approvers: ['dept_lead'], due: '2wd' }] }]);
    const st2 = settingsFrom(roomsOnly, calendar, 'zh-CN');
    const r = submitOk({ dir: roomsOnly, wf: roomsOnly.workflowFor('event')!, now: sh('2026-11-23 10:00'), dueAt: (spec, from) => calendar.dueAt(spec, from) }, { id: '00000000-0000-4000-a000-000000000004', number: 'A-4', type: 'event', title: 'x', applicantId: 'liming', payload: eventPayload() }, 'local').state;
    const c = chainsFor(r, st2)[0]!;
    expect(noticeFor(r, c, c.points[0]!, sh('2026-11-24 09:00'), st2)!.effects.map((e) => e.kind)).toEqual(['notify', 'post_approval_card']);
  });

  it('says nothing when everyone has decided', () => {
    const countersign = orgWith([{ requestType: 'event', steps: [{ id: 'hq', name: '总部会签', approvers: ['role:hq_marketing'], mode: 'all', due: '2wd' }] }]);
    const st2 = settingsFrom(countersign, calendar, 'zh-CN');
    const ctx2: CoreContext = { dir: countersign, wf: countersign.workflowFor('event')!, now: sh('2026-11-23 10:00'), dueAt: (spec, from) => calendar.dueAt(spec, from) };
    const r = submitOk(ctx2, { id: '00000000-0000-4000-a000-000000000005', number: 'A-5', type: 'event', title: 'x', applicantId: 'liming', payload: eventPayload() }, 'local').state;
    const one = act(r, { type: 'approve', stepId: 'hq' }, { personId: 'zhaolei', platform: 'local' }, ctx2);
    if (!one.ok) throw new Error('refused');
    const c = chainsFor(one.state, st2)[0]!;
    // Only sunli is still waiting.
    expect(noticeFor(one.state, c, c.points[0]!, sh('2026-11-24 09:00'), st2)!.effects[0]).toMatchObject({ people: ['sunli'] });
  });

  it('the pre-event notice goes to the workflow rooms and the organiser, with time, place and notes', () => {
    const approved = act(s, { type: 'approve', stepId: 'dept-lead' }, { personId: 'liuyang', platform: 'local' }, { dir, wf: dir.workflowFor('event')!, now: sh('2026-11-24 10:00') });
    if (!approved.ok) throw new Error('refused');
    const c = chainsFor(approved.state, st)[0]!;
    const n = noticeFor(approved.state, c, c.points[0]!, sh('2026-12-18 09:00'), st)!;
    expect(n.effects).toEqual([
      {
        kind: 'notify',
        people: ['liming'],
        rooms: ['east-approvals'],
        message: { key: 'event.pre_notice', params: expect.objectContaining({ start: '2026-12-20 18:00', end: '2026-12-20 21:00', location: '杭州', notes: '消防' }) },
      },
    ]);
    // After the start nobody needs it.
    expect(noticeFor(approved.state, c, c.points[0]!, sh('2026-12-20 18:30'), st)).toBeUndefined();
  });

  it('the summary escalation goes to the organiser’s department lead', () => {
    const approved = act(s, { type: 'approve', stepId: 'dept-lead' }, { personId: 'liuyang', platform: 'local' }, { dir, wf: dir.workflowFor('event')!, now: sh('2026-11-24 10:00') });
    const ended = approved.ok ? advance(approved.state, 'event_ended', { dir, wf: dir.workflowFor('event')!, now: sh('2026-12-20 21:00') }) : approved;
    if (!ended.ok) throw new Error('refused');
    const c = chainsFor(ended.state, st)[0]!;
    const esc = c.points.findIndex((p) => p.kind === 'summary_escalate');
    const n = noticeFor(ended.state, c, c.points[esc]!, c.points[esc]!.at, st)!;
    expect(n.effects[0]).toMatchObject({ kind: 'notify', people: ['liuyang'], message: { key: 'summary.escalation', params: { organiser: '李明' } } });
    const first = noticeFor(ended.state, c, c.points[0]!, c.points[0]!.at, st)!;
    expect(first.effects[0]).toMatchObject({ people: ['liming'], message: { key: 'summary.reminder' } });
  });
});

describe('催办 by the applicant', () => {
  const dir = exampleDir();
  const st = settingsFrom(dir, calendar, 'zh-CN');
  const s: RequestState = submitOk(
    { dir, wf: dir.workflowFor('event')!, now: sh('2026-11-23 10:00'), dueAt: (spec, from) => calendar.dueAt(spec, from) },
    { id: '00000000-0000-4000-a000-000000000006', number: 'A-0006', type: 'event', title: 'x', applicantId: 'liming', payload: eventPayload() },
    'local',
  ).state;
  const who = { personId: 'liming', platform: 'local' as const };

  it('only the applicant, only while someone is to decide, once per 4 working hours', () => {
    expect(nudge(s, { personId: 'hanmei', platform: 'local' }, undefined, sh('2026-11-23 11:00'), st)).toMatchObject({ ok: false, message: { key: 'refuse.not_applicant' } });
    const ok = nudge(s, who, undefined, sh('2026-11-23 11:00'), st);
    expect(ok).toMatchObject({ ok: true, to: ['liuyang'], message: { key: 'nudge.sent', params: { who: '刘洋' } } });
    expect(ok.ok && ok.notice.effects[0]).toMatchObject({ kind: 'notify', people: ['liuyang'], message: { key: 'reminder.nudge', params: { who: '李明' } } });
    expect(ok.ok && ok.notice.audit[0]).toMatchObject({ action: 'nudged', actorId: 'liming', platform: 'local', detail: { to: ['liuyang'] } });
    // 11:00 → 17:00 is six hours but the last nudge was at 14:00: 3 working hours, one to wait.
    expect(nudge(s, who, sh('2026-11-23 14:00'), sh('2026-11-23 17:00'), st)).toMatchObject({ ok: false, message: { key: 'nudge.too_soon_working', params: { wait: '1 小时', at: '2026-11-23 18:00' } } });
    // The night does not count: 17:00 → 10:00 next day is only 2 working hours; the reply names the moment.
    const night = nudge(s, who, sh('2026-11-23 17:00'), sh('2026-11-24 10:00'), st);
    expect(night).toMatchObject({ ok: false, message: { key: 'nudge.too_soon_working', params: { wait: '2 小时', at: '2026-11-24 12:00' } } });
    expect(!night.ok && t('zh-CN', night.message.key, night.message.params)).toBe(`${s.number} 刚催办过，请在 2026-11-24 12:00 后再试（还需 2 小时工作时间，非工作时间不计）。`);
    expect(nudge(s, who, sh('2026-11-23 17:00'), sh('2026-11-24 12:00'), st).ok).toBe(true);
    const done = act(s, { type: 'approve', stepId: 'dept-lead' }, { personId: 'liuyang', platform: 'local' }, { dir, wf: dir.workflowFor('event')!, now: sh('2026-11-24 10:00') });
    expect(done.ok && nudge(done.state, who, undefined, sh('2026-11-24 12:00'), st)).toMatchObject({ ok: false, message: { key: 'nudge.not_open' } });
  });
});
