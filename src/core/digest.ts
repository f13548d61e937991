// The daily digest (每日摘要) of one manager, composed from rows the scheduler queries: what waits
// on them, what is overdue in their departments, events today and tomorrow, summaries overdue,
// yesterday's decisions, counts and their trend. Pure: the clock and the data are arguments.
import { provisionalHorizon } from './calendar/index.js';
import { t, tAny, type Locale, type MessageKey } from './messages.js';
import { between, formatLocal, formatSpan, type Clock } from './reminders.js';

export interface DigestWaiting {
  number: string;
  title: string;
  stepName: string;
  activatedAt: Date | null;
  dueAt: Date | null;
  urgent: boolean;
  /** A task of someone away whose delegation (委托) to the reader is in force. */
  forPrincipal?: string;
}

export interface DigestOverdue {
  number: string;
  title: string;
  stepName: string;
  dueAt: Date;
  waitingFor: string[];
  urgent: boolean;
}

export interface DigestEvent {
  number: string;
  title: string;
  start: Date;
  location: string;
  organiserId: string;
  status: string;
}

export interface DigestSummary {
  number: string;
  title: string;
  organiserId: string;
  /** When the summary was due. */
  dueAt: Date;
  urgent: boolean;
}

export interface DigestDecision {
  number: string;
  title: string;
  /** Request status reached: approved, rejected, returned, withdrawn. */
  outcome: string;
  at: Date;
}

export interface DigestCounts {
  open: number;
  overdue: number;
  submitted: number;
  submittedPrev: number;
  decided: number;
  decidedPrev: number;
  /** Submitted today before the digest (shown apart from yesterday's). */
  submittedToday?: number;
}

/**
 * One line of the admins' "organisation health" section: a catalog key and its parameters,
 * rendered in the reader's locale. Providers (the org doctor, the directory sync) supply them.
 */
export interface HealthNote {
  key: MessageKey;
  params: Record<string, string | number>;
}

export interface DigestInput {
  managerId: string;
  /** Local date the digest is for, 'YYYY-MM-DD'. */
  date: string;
  now: Date;
  waiting: DigestWaiting[];
  overdue: DigestOverdue[];
  eventsToday: DigestEvent[];
  eventsTomorrow: DigestEvent[];
  summariesOverdue: DigestSummary[];
  decided: DigestDecision[];
  /** Absent for someone who manages no department (they still see what waits on them). */
  counts?: DigestCounts;
  /** Organisation health, for an admin (members of role `admin`) only. */
  health?: HealthNote[];
  /** The reader's own delegation in force: who acts on their tasks, and until when. */
  away?: { delegate: string; until: Date };
  /** Delegations in force, principal → delegate: an overdue task names who acts for whom. */
  delegates?: Record<string, string>;
}

export interface Digest {
  managerId: string;
  date: string;
  waiting: Array<DigestWaiting & { ageMs: number; overdue: boolean }>;
  overdue: Array<DigestOverdue & { overdueMs: number }>;
  eventsToday: DigestEvent[];
  eventsTomorrow: DigestEvent[];
  summariesOverdue: Array<DigestSummary & { overdueMs: number }>;
  decided: DigestDecision[];
  counts?: DigestCounts;
  health: HealthNote[];
  away?: { delegate: string; until: Date };
  delegates: Record<string, string>;
  /** Nothing to say: no item in any section (counts alone are not news). */
  empty: boolean;
  /** Years of the planning horizon (this year and next) whose holidays are computed by law, not yet published. */
  provisionalYears: number[];
}

const byTime = <T>(f: (x: T) => Date | null) => (a: T, b: T) => (f(a)?.getTime() ?? Infinity) - (f(b)?.getTime() ?? Infinity);

export function composeDigest(input: DigestInput, clock: Clock): Digest {
  const { now } = input;
  const waiting = input.waiting
    .map((w) => ({
      ...w,
      ageMs: w.activatedAt ? between(w.activatedAt, now, !w.urgent, clock) : 0,
      overdue: !!w.dueAt && w.dueAt <= now,
    }))
    // Overdue first, then by deadline (none last), then the oldest.
    .sort((a, b) => Number(b.overdue) - Number(a.overdue) || byTime<DigestWaiting>((x) => x.dueAt)(a, b) || b.ageMs - a.ageMs);
  const mine = new Set(waiting.map((w) => w.number));
  const overdue = input.overdue
    .filter((o) => !mine.has(o.number) && o.dueAt <= now)
    .map((o) => ({ ...o, overdueMs: between(o.dueAt, now, !o.urgent, clock) }))
    .sort((a, b) => b.overdueMs - a.overdueMs);
  const summariesOverdue = input.summariesOverdue
    .filter((s) => s.dueAt <= now)
    .map((s) => ({ ...s, overdueMs: between(s.dueAt, now, !s.urgent, clock) }))
    .sort((a, b) => b.overdueMs - a.overdueMs);
  const eventsToday = [...input.eventsToday].sort(byTime((e) => e.start));
  const eventsTomorrow = [...input.eventsTomorrow].sort(byTime((e) => e.start));
  const decided = [...input.decided].sort(byTime((d) => d.at));
  const health = input.health ?? [];
  const empty = !waiting.length && !overdue.length && !eventsToday.length && !eventsTomorrow.length && !summariesOverdue.length && !decided.length && !health.length;
  return {
    managerId: input.managerId,
    date: input.date,
    waiting,
    overdue,
    eventsToday,
    eventsTomorrow,
    summariesOverdue,
    decided,
    ...(input.counts ? { counts: input.counts } : {}),
    health,
    ...(input.away ? { away: input.away } : {}),
    delegates: input.delegates ?? {},
    empty,
    provisionalYears: provisionalHorizon(clock.calendar, now),
  };
}

export interface RenderOptions {
  locale: Locale;
  clock: Clock;
  personName: (id: string) => string;
}

/** Plain text that reads well on every platform (and in the simulator). */
export function renderDigest(d: Digest, o: RenderOptions): string {
  const { locale, clock } = o;
  const tr = (key: MessageKey, params: Record<string, string | number> = {}) => t(locale, key, params);
  const sep = tr('list.separator');
  // Deadlines there may still move: one line, after whatever else the digest says.
  const provisional = d.provisionalYears.length ? tr('digest.provisional', { years: d.provisionalYears.join(sep), note: tr('calendar.provisional') }) : undefined;
  if (d.empty) return [tr('digest.all_clear', { date: d.date }), ...(provisional ? [provisional] : [])].join('\n');
  const span = (ms: number, urgent: boolean) => formatSpan(ms, !urgent, clock, locale);
  const when = (x: Date) => formatLocal(x, clock.timezone);
  const time = (x: Date) => when(x).slice(11);
  const lines: string[] = [tr('digest.title', { date: d.date })];
  if (d.away) lines.push(tr('digest.away', { delegate: o.personName(d.away.delegate), until: when(d.away.until) }));
  // An approver who is away is named with the delegate acting for them.
  const approver = (p: string) => (d.delegates[p] ? tr('digest.delegated_to', { person: o.personName(p), delegate: o.personName(d.delegates[p]) }) : o.personName(p));
  const section = <T>(key: MessageKey, items: T[], line: (x: T) => string) => {
    if (!items.length) return;
    lines.push('', tr('text.heading', { title: tr(key, { n: items.length }) }), ...items.map((x) => `· ${line(x)}`));
  };
  section('digest.waiting', d.waiting, (w) =>
    (w.forPrincipal ? tr('delegation.pending.for', { principal: o.personName(w.forPrincipal) }) : '') +
    tr('digest.waiting_item', {
      number: w.number,
      title: w.title,
      step: w.stepName,
      // Under a working day the span alone would read as wall time: say it is working time.
      age: !w.urgent && w.ageMs < clock.dayLengthMs ? tr('digest.age_working', { span: span(w.ageMs, w.urgent) }) : span(w.ageMs, w.urgent),
      due: w.dueAt ? tr('digest.due', { due: when(w.dueAt) }) + (w.overdue ? tr('digest.overdue_mark') : '') : '',
    }),
  );
  section('digest.overdue', d.overdue, (x) =>
    tr('digest.overdue_item', { number: x.number, title: x.title, step: x.stepName, who: x.waitingFor.map(approver).join(sep) || '—', over: span(x.overdueMs, x.urgent) }),
  );
  const event = (e: DigestEvent) =>
    tr('digest.event_item', {
      number: e.number,
      title: e.title,
      start: time(e.start),
      location: e.location || '—',
      organiser: o.personName(e.organiserId),
      status: e.status === 'pending' || e.status === 'consulting' ? tr('digest.event_not_approved') : '',
    });
  section('digest.events_today', d.eventsToday, event);
  section('digest.events_tomorrow', d.eventsTomorrow, event);
  section('digest.summaries', d.summariesOverdue, (s) => tr('digest.summary_item', { number: s.number, title: s.title, organiser: o.personName(s.organiserId), over: span(s.overdueMs, s.urgent) }));
  section('digest.decided', d.decided, (x) => tr('digest.decided_item', { number: x.number, title: x.title, outcome: tAny(locale, `status.${x.outcome}`) }));
  section('digest.health', d.health, (h) => tAny(locale, h.key, h.params));
  if (d.counts) {
    const c = d.counts;
    const trend = (n: number, prev: number) => `${n > prev ? '↑' : n < prev ? '↓' : '→'} ${tr('digest.trend', { n: prev })}`;
    const today = c.submittedToday ? tr('digest.counts_today', { n: c.submittedToday }) : '';
    lines.push('', tr('digest.counts', { open: c.open, overdue: c.overdue, submitted: c.submitted, submittedTrend: trend(c.submitted, c.submittedPrev), decided: c.decided, decidedTrend: trend(c.decided, c.decidedPrev) }) + today);
  }
  if (provisional) lines.push('', provisional);
  return lines.join('\n');
}
