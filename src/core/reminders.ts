// Deadlines that are real: the reminder (催办), escalation and event points of a request, as pure
// functions of its snapshot, the organisation's settings and the working-day calendar. The
// scheduler persists what these return (the `timers` table, one pending row per chain) and
// mirrors the pending row in BullMQ; nothing here does I/O or reads a clock.
//
// A *chain* is the ordered list of points that belong to one thing with a deadline: an open
// step (reminders → escalation → overdue reminders), an approved event (pre-event notice →
// end of event), an event waiting for its summary (reminders → escalation to the lead).
import type { Directory } from '../org/directory.js';
import type { ReminderPolicy, Workflow } from '../org/schema.js';
import type { WorkCalendar } from './calendar/index.js';
import { awaiting, openStep } from './lifecycle.js';
import { t, type Locale } from './messages.js';
import type { AuditEntry, Effect, MessageIntent, Origin, RequestState } from './model.js';
import { msg, OPEN_STATUSES } from './model.js';
import { localStamp } from './time-zone.js';

export type PointKind =
  | 'remind'
  | 'escalate'
  | 'overdue'
  | 'pre_event'
  | 'event_end'
  | 'summary_remind'
  | 'summary_overdue'
  | 'summary_escalate';

export interface TimerPoint {
  kind: PointKind;
  at: Date;
  /** Fired even when late (escalation, end of event); a late reminder is skipped instead. */
  must: boolean;
}

export interface Clock {
  calendar: WorkCalendar;
  /** Length of one working day (business hours), e.g. 9 h for 09:00–18:00. */
  dayLengthMs: number;
  timezone: string;
}

export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export function dayLengthOf(businessHours: { start: string; end: string }): number {
  const min = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return (min(businessHours.end) - min(businessHours.start)) * 60_000;
}

// ---- Measuring time. A normal request lives in working time; an urgent one around the clock.

/**
 * The magnitude of a span spec in the request's own measure: `1wd` / `1d` is one working day
 * of working time (24 h for an urgent request), `4wh` / `4h` four hours, `30m` thirty minutes.
 */
export function spanMs(spec: string, working: boolean, clock: Clock): number {
  const m = /^(\d+)(wd|wh|h|d|m)$/.exec(spec);
  if (!m) throw new Error(`invalid span "${spec}": use e.g. 1wd, 4wh, 2h, 1d or 30m`);
  const n = Number(m[1]);
  switch (m[2]) {
    case 'wd':
    case 'd':
      return n * (working ? clock.dayLengthMs : DAY_MS);
    case 'm':
      return n * 60_000;
    default:
      return n * HOUR_MS;
  }
}

/** Time from a to b in the request's measure (0 when b <= a). */
export function between(a: Date, b: Date, working: boolean, clock: Clock): number {
  return working ? clock.calendar.workingMsBetween(a, b) : Math.max(0, b.getTime() - a.getTime());
}

/** The instant `ms` of the request's measure after `from`. */
export function after(from: Date, ms: number, working: boolean, clock: Clock): Date {
  return working ? clock.calendar.addWorkingHours(from, ms / HOUR_MS) : new Date(from.getTime() + ms);
}

/** The latest instant from which `ms` of the request's measure remain until `to`. */
export function before(to: Date, ms: number, working: boolean, clock: Clock): Date {
  if (!working || ms <= 0) return new Date(to.getTime() - Math.max(0, ms));
  const cal = clock.calendar;
  const end = to.getTime();
  // Walk back a week at a time until enough working time lies behind, then bisect to the ms.
  let lo = end - ms;
  for (let weeks = 0; cal.workingMsBetween(new Date(lo), to) < ms; weeks++) {
    if (weeks > 60) throw new Error('calendar: not enough working time within a year');
    lo -= 7 * DAY_MS;
  }
  let hi = end - ms; // working time from hi to `to` is at most ms
  if (cal.workingMsBetween(new Date(hi), to) >= ms) return new Date(hi);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (cal.workingMsBetween(new Date(mid), to) >= ms) lo = mid;
    else hi = mid;
  }
  return new Date(lo);
}

/** Normal requests are only bothered in working time; urgent ones at once. */
const landing = (d: Date, urgent: boolean, clock: Clock): Date => (urgent ? d : clock.calendar.nextWorkingTime(d));

// ---- Points of a chain

/** Where a `before` entry lands: a share of the time gone (`50%`) or the time left (`1wd`). */
function beforePoint(spec: string, openedAt: Date, dueAt: Date, urgent: boolean, clock: Clock): Date | undefined {
  const working = !urgent;
  const total = between(openedAt, dueAt, working, clock);
  if (total <= 0) return undefined;
  const pct = /^(\d+)%$/.exec(spec);
  let gone: number;
  if (pct) gone = (total * Number(pct[1])) / 100;
  else {
    const left = spanMs(spec, working, clock);
    if (left >= total) return undefined; // the deadline is already that close when the step opens
    gone = total - left;
  }
  return after(openedAt, gone, working, clock);
}

function uniqueSorted(dates: Date[]): Date[] {
  const seen = new Set<number>();
  return dates
    .sort((a, b) => a.getTime() - b.getTime())
    .filter((d) => {
      if (seen.has(d.getTime())) return false;
      seen.add(d.getTime());
      return true;
    });
}

export interface DeadlineInput {
  openedAt: Date;
  dueAt: Date;
  urgent: boolean;
  policy: ReminderPolicy;
  /** Stop the overdue reminders after the first one later than this (callers that only need what is next). */
  stopAfter?: Date;
}

/**
 * The points of one deadline: reminders before it, the escalation at it, reminders while
 * overdue. A normal request's points land in working time (night, weekend and holiday shift to
 * the next working morning); an urgent request's points land exactly.
 */
export function deadlinePoints(i: DeadlineInput, clock: Clock): TimerPoint[] {
  const { openedAt, dueAt, urgent, policy } = i;
  const working = !urgent;
  const escalateAt = landing(dueAt, urgent, clock);
  const reminders = uniqueSorted(
    policy.before
      .map((spec) => beforePoint(spec, openedAt, dueAt, urgent, clock))
      .filter((d): d is Date => d !== undefined)
      .map((d) => landing(d, urgent, clock))
      .filter((d) => d > openedAt && d < escalateAt),
  );
  const points: TimerPoint[] = reminders.map((at) => ({ kind: 'remind', at, must: false }));
  points.push({ kind: 'escalate', at: escalateAt, must: true });
  if (policy.overdueEvery) {
    const every = spanMs(policy.overdueEvery, working, clock);
    let last = escalateAt;
    let raw = dueAt;
    for (let k = 0; k < policy.maxOverdue && every > 0; k++) {
      raw = after(raw, every, working, clock);
      const at = landing(raw, urgent, clock);
      if (at <= last) continue;
      points.push({ kind: 'overdue', at, must: false });
      last = at;
      if (i.stopAfter && at > i.stopAfter) break;
    }
  }
  return points;
}

export interface EventTimes {
  start?: Date;
  end: Date;
  urgent: boolean;
  /** Lead time of the notice before the start, or null for none. */
  preEventNotice: string | null;
}

/** An approved event: the notice to its rooms and organiser, then its end. */
export function eventPoints(i: EventTimes, clock: Clock): TimerPoint[] {
  const points: TimerPoint[] = [];
  if (i.start && i.preEventNotice) {
    const working = !i.urgent;
    const at = landing(before(i.start, spanMs(i.preEventNotice, working, clock), working, clock), i.urgent, clock);
    // A notice that can no longer come before the start is pointless; a late one is still useful.
    if (at < i.start && at <= i.end) points.push({ kind: 'pre_event', at, must: true });
  }
  points.push({ kind: 'event_end', at: i.end, must: true });
  return points;
}

export interface SummaryTimes {
  end: Date;
  urgent: boolean;
  summaryDue: string;
  escalateAfter: string | null;
  policy: ReminderPolicy;
  stopAfter?: Date;
}

/** An event waiting for its summary: reminders to the organiser, escalation to their lead. */
export function summaryPoints(i: SummaryTimes, clock: Clock): TimerPoint[] {
  const dueAt = clock.calendar.dueAt(i.summaryDue, i.end);
  const kinds: Record<string, PointKind> = { remind: 'summary_remind', escalate: 'summary_overdue', overdue: 'summary_overdue' };
  const points: TimerPoint[] = deadlinePoints({ openedAt: i.end, dueAt, urgent: i.urgent, policy: i.policy, ...(i.stopAfter ? { stopAfter: i.stopAfter } : {}) }, clock).map((p) => ({
    kind: kinds[p.kind]!,
    at: p.at,
    must: false,
  }));
  if (i.escalateAfter) {
    const working = !i.urgent;
    const at = landing(after(i.end, spanMs(i.escalateAfter, working, clock), working, clock), i.urgent, clock);
    points.push({ kind: 'summary_escalate', at, must: true });
  }
  // Stable: at the same instant the reminder goes before the escalation.
  return points.map((p, idx) => ({ p, idx })).sort((a, b) => a.p.at.getTime() - b.p.at.getTime() || a.idx - b.idx).map((x) => x.p);
}

// ---- Chains of a request

export interface ScheduleSettings {
  clock: Clock;
  locale: Locale;
  dir: Directory;
  /** The workflow's reminder policy, or the organisation's default. */
  remindersFor(requestType: string): ReminderPolicy;
  preEventNotice: string | null;
  summaryDue: string;
  summaryEscalateAfter: string | null;
  nudgeInterval: string;
}

export function settingsFrom(dir: Directory, calendar: WorkCalendar, locale: Locale): ScheduleSettings {
  const org = dir.org.organisation;
  return {
    clock: { calendar, dayLengthMs: dayLengthOf(org.businessHours), timezone: org.timezone },
    locale,
    dir,
    remindersFor: (type) => dir.workflowFor(type)?.reminders ?? org.reminders,
    preEventNotice: org.preEventNotice,
    summaryDue: org.summaryDue,
    summaryEscalateAfter: org.summaryEscalateAfter,
    nudgeInterval: org.nudgeInterval,
  };
}

export type ChainKind = 'step' | 'event' | 'summary';

export interface Chain {
  /** Globally unique and stable for as long as the chain exists: the timers' identity. */
  key: string;
  kind: ChainKind;
  points: TimerPoint[];
  stepId?: string;
}

const dateOf = (v: unknown): Date | undefined => {
  if (typeof v !== 'string') return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
};

export const stepChainKey = (s: Pick<RequestState, 'id' | 'round'>, stepId: string, activatedAt: string) =>
  `${s.id}/s${s.round}/${stepId}/${Date.parse(activatedAt)}`;

const isEventType = (s: RequestState, dir: Directory) => dir.requestType(s.type)?.lifecycle === 'event';

/**
 * The chains a request in this state should have. Everything else it has is cancelled. With
 * `stopAfter`, a chain's list of points ends at its first point later than that instant (the
 * indexes of the points before it do not change): enough to fire what is due and find what is
 * next, without computing reminders weeks ahead.
 */
export function chainsFor(s: RequestState, st: ScheduleSettings, stopAfter?: Date): Chain[] {
  const stop = stopAfter ? { stopAfter } : {};
  const chains: Chain[] = [];
  const step = openStep(s);
  if (step?.status === 'active' && step.dueAt && step.activatedAt) {
    chains.push({
      key: stepChainKey(s, step.id, step.activatedAt),
      kind: 'step',
      stepId: step.id,
      points: deadlinePoints({ openedAt: new Date(step.activatedAt), dueAt: new Date(step.dueAt), urgent: s.urgent, policy: st.remindersFor(s.type), ...stop }, st.clock),
    });
  }
  const end = dateOf(s.payload.end);
  if (end && isEventType(s, st.dir)) {
    if (s.status === 'approved') {
      const start = dateOf(s.payload.start);
      chains.push({ key: `${s.id}/e`, kind: 'event', points: eventPoints({ end, urgent: s.urgent, preEventNotice: st.preEventNotice, ...(start ? { start } : {}) }, st.clock) });
    } else if (s.status === 'summary_due') {
      const points = summaryPoints({ end, urgent: s.urgent, summaryDue: st.summaryDue, escalateAfter: st.summaryEscalateAfter, policy: st.remindersFor(s.type), ...stop }, st.clock);
      chains.push({ key: `${s.id}/m`, kind: 'summary', points });
    }
  }
  return chains;
}

/**
 * The point to wait for next after `lastFired` (-1: none yet). A reminder whose time has passed
 * is skipped (after an outage nobody needs three reminders at once); escalations and the end of
 * an event are never skipped.
 */
export function nextPointIndex(points: readonly TimerPoint[], lastFired: number, now: Date): number | undefined {
  for (let n = lastFired + 1; n < points.length; n++) {
    const p = points[n]!;
    if (p.must || p.at.getTime() > now.getTime()) return n;
  }
  return undefined;
}

// ---- What a point says when it fires

export function formatSpan(exactMs: number, working: boolean, clock: Clock, locale: Locale): string {
  // To the nearest minute: two minutes less a few milliseconds of computing are still two.
  const ms = Math.round(exactMs / 60_000) * 60_000;
  const unit = working ? clock.dayLengthMs : DAY_MS;
  const days = Math.floor(ms / unit);
  const rest = ms - days * unit;
  const hours = Math.floor(rest / HOUR_MS);
  const minutes = Math.floor((rest - hours * HOUR_MS) / 60_000);
  const parts: string[] = [];
  if (days) parts.push(t(locale, working ? 'span.working_days' : 'span.days', { n: days }));
  if (hours) parts.push(t(locale, 'span.hours', { n: hours }));
  if (!days && minutes) parts.push(t(locale, 'span.minutes', { n: minutes }));
  return parts.length ? parts.join(' ') : t(locale, 'span.under_a_minute');
}

/** How long is left before `dueAt` (or how late it is), in the request's measure. */
export function timeLeft(now: Date, dueAt: Date, urgent: boolean, clock: Clock, locale: Locale): { overdue: boolean; ms: number; text: string } {
  const working = !urgent;
  const overdue = now.getTime() >= dueAt.getTime();
  const ms = overdue ? between(dueAt, now, working, clock) : between(now, dueAt, working, clock);
  return { overdue, ms, text: formatSpan(ms, working, clock, locale) };
}

export const formatLocal = (d: Date, timezone: string): string => localStamp(d, timezone) ?? '';

export interface Notice {
  effects: Effect[];
  audit: AuditEntry[];
}

const sys = (action: string, detail: Record<string, unknown>, stepId?: string): AuditEntry => ({ action, actorId: null, platform: 'system', detail, ...(stepId ? { stepId } : {}) });

/** Who has not decided yet, told how long is left; the card again only when they have no copy of their own. */
function remindApprovers(s: RequestState, wf: Workflow | undefined, message: MessageIntent, people: string[]): Effect[] {
  const step = openStep(s)!;
  const effects: Effect[] = [{ kind: 'notify', people, message }];
  if (wf && !wf.directToApprovers) effects.push({ kind: 'post_approval_card', stepId: step.id, people, rooms: [] });
  return effects;
}

/**
 * What a fired point says, given the request as it is now; undefined when there is nothing to
 * say (everyone decided, the event already started, the summary came in).
 */
export function noticeFor(s: RequestState, chain: Chain, point: TimerPoint, now: Date, st: ScheduleSettings): Notice | undefined {
  const { clock, locale, dir } = st;
  const wf = dir.workflowFor(s.type);
  switch (point.kind) {
    case 'remind':
    case 'overdue': {
      const step = openStep(s);
      const people = awaiting(s);
      if (!step?.dueAt || !people.length) return undefined;
      const left = timeLeft(now, new Date(step.dueAt), s.urgent, clock, locale);
      const params = { number: s.number, title: s.title, step: step.name, left: left.text, due: formatLocal(new Date(step.dueAt), clock.timezone) };
      const key = left.overdue ? 'reminder.overdue' : 'reminder.step';
      return {
        effects: remindApprovers(s, wf, msg(key, params), people),
        audit: [sys('reminder_sent', { point: point.kind, to: people, dueAt: step.dueAt, [left.overdue ? 'overdueMs' : 'leftMs']: left.ms }, step.id)],
      };
    }
    case 'pre_event': {
      const start = dateOf(s.payload.start);
      const end = dateOf(s.payload.end);
      if (s.status !== 'approved' || !start || start <= now) return undefined;
      const rooms = wf?.rooms ?? [];
      const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : '—');
      const params = {
        number: s.number,
        title: s.title,
        start: formatLocal(start, clock.timezone),
        end: end ? formatLocal(end, clock.timezone) : '—',
        location: text(s.payload.location),
        content: text(s.payload.content),
        runSheet: text(s.payload.runSheet),
        notes: text(s.payload.notes ?? s.payload.safety),
      };
      return {
        effects: [{ kind: 'notify', people: [s.applicantId], rooms, message: msg('event.pre_notice', params) }],
        audit: [sys('pre_event_notice', { to: [s.applicantId], rooms, start: start.toISOString() })],
      };
    }
    case 'summary_remind':
    case 'summary_overdue': {
      const end = dateOf(s.payload.end);
      if (s.status !== 'summary_due' || !end) return undefined;
      const left = timeLeft(now, clock.calendar.dueAt(st.summaryDue, end), s.urgent, clock, locale);
      const key = left.overdue ? 'summary.overdue' : 'summary.reminder';
      return {
        effects: [{ kind: 'notify', people: [s.applicantId], message: msg(key, { number: s.number, title: s.title, left: left.text }) }],
        audit: [sys('summary_reminder', { point: point.kind, to: [s.applicantId], [left.overdue ? 'overdueMs' : 'leftMs']: left.ms })],
      };
    }
    case 'summary_escalate': {
      const end = dateOf(s.payload.end);
      if (s.status !== 'summary_due' || !end) return undefined;
      const leads = dir.resolveApprovers(['dept_lead'], s.applicantId).filter((p) => p !== s.applicantId);
      const since = formatSpan(between(end, now, !s.urgent, clock), !s.urgent, clock, locale);
      const params = { organiser: dir.personName(s.applicantId), number: s.number, title: s.title, since };
      return {
        effects: leads.length ? [{ kind: 'notify', people: leads, message: msg('summary.escalation', params) }] : [],
        audit: [sys('summary_escalated', { to: leads, since })],
      };
    }
    default:
      // escalate and event_end are transitions of the request, not notices (see the scheduler).
      return undefined;
  }
}

// ---- 催办 by the applicant

export type NudgeResult = { ok: true; to: string[]; notice: Notice; message: MessageIntent } | { ok: false; message: MessageIntent };

/** An applicant's 催办: to the approvers who have not decided, at most once per interval. */
export function nudge(s: RequestState, actor: { personId: string; platform: Origin | null }, lastNudgeAt: Date | undefined, now: Date, st: ScheduleSettings): NudgeResult {
  const { personId } = actor;
  const { clock, locale, dir } = st;
  if (personId !== s.applicantId) return { ok: false, message: msg('refuse.not_applicant') };
  const step = openStep(s);
  const people = awaiting(s);
  if (!OPEN_STATUSES.has(s.status) || !step || !people.length) return { ok: false, message: msg('nudge.not_open', { number: s.number }) };
  const working = !s.urgent;
  const interval = spanMs(st.nudgeInterval, working, clock);
  if (lastNudgeAt) {
    const since = between(lastNudgeAt, now, working, clock);
    if (since < interval) {
      // Said as a moment (after hours "1 小时" alone would mislead: the night does not count).
      const wait = formatSpan(Math.max(60_000, interval - since), working, clock, locale);
      const at = localStamp(after(lastNudgeAt, interval, working, clock), clock.timezone) ?? '';
      return { ok: false, message: msg(working ? 'nudge.too_soon_working' : 'nudge.too_soon', { number: s.number, wait, at }) };
    }
  }
  const left = step.dueAt ? timeLeft(now, new Date(step.dueAt), s.urgent, clock, locale) : undefined;
  const leftText = left ? t(locale, left.overdue ? 'nudge.left_overdue' : 'nudge.left', { left: left.text }) : '';
  const message = msg('reminder.nudge', { who: dir.personName(personId), number: s.number, title: s.title, step: step.name, left: leftText });
  const names = people.map((p) => dir.personName(p)).join(t(locale, 'list.separator'));
  return {
    ok: true,
    to: people,
    notice: {
      effects: remindApprovers(s, dir.workflowFor(s.type), message, people),
      audit: [{ action: 'nudged', actorId: personId, platform: actor.platform, stepId: step.id, detail: { to: people } }],
    },
    message: msg('nudge.sent', { number: s.number, who: names }),
  };
}
