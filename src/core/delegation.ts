// Delegation (委托 / 代理审批), the pure rules. A delegation lets `delegate` act on `principal`'s
// approval tasks for a period. The principal keeps the slot on every step: the delegate decides
// *for* it (the decision is the principal's, recorded with who took it), so when the period ends
// nothing has to move back — the principal simply is the approver again, and the delegate's
// clicks are refused from that instant on ("ends by itself", no timer needed).
//
// Rules: only direct delegations count (A→B and B→C: B acts for A, C does not — chains are cut);
// a two-way pair in overlapping periods (A→B, B→A) and overlapping delegations of one principal
// are refused at creation; a delegate never acts on a request they submitted (there the
// principal keeps the task, whatever the mode); with `delegate_only` the principal's own clicks
// are refused while it runs (one hand holds the pen; 取消委托 ends it early), with `both`
// either may decide and the first decision counts.
import type { WorkCalendar } from './calendar/index.js';
import { renderMessage, t, type Locale, type MessageKey } from './i18n/index.js';
import type { Effect, MessageIntent, StepState } from './model.js';
import { parseDateRange, parseDateTime } from './parse/index.js';

export const DELEGATION_MODES = ['delegate_only', 'both'] as const;
export type DelegationMode = (typeof DELEGATION_MODES)[number];

export interface Delegation {
  id: string;
  principal: string;
  delegate: string;
  /** ISO instants; the period is [startsAt, endsAt). */
  startsAt: string;
  endsAt: string;
  mode: DelegationMode;
  createdBy: string;
  cancelledAt?: string;
}

/** Delegations in force at one instant, by principal (at most one each: overlaps are refused). */
export type ActiveDelegations = ReadonlyMap<string, Delegation>;

export const inForce = (d: Delegation, at: Date): boolean =>
  !d.cancelledAt && Date.parse(d.startsAt) <= at.getTime() && at.getTime() < Date.parse(d.endsAt);

export function activeAt(list: readonly Delegation[], at: Date): ActiveDelegations {
  const out = new Map<string, Delegation>();
  for (const d of list) if (inForce(d, at)) out.set(d.principal, d);
  return out;
}

const overlaps = (a: { startsAt: string; endsAt: string }, b: { startsAt: string; endsAt: string }) =>
  Date.parse(a.startsAt) < Date.parse(b.endsAt) && Date.parse(b.startsAt) < Date.parse(a.endsAt);

export type DelegationRefusal =
  | { code: 'self' }
  | { code: 'empty_period' }
  | { code: 'overlap'; with: Delegation }
  | { code: 'cycle'; with: Delegation };

/**
 * Whether a new delegation may be created next to the existing ones (not cancelled, not ended):
 * a period that is not empty, no overlap with another of the principal's, no A→B, B→A pair.
 */
export function checkNew(d: Pick<Delegation, 'principal' | 'delegate' | 'startsAt' | 'endsAt'>, existing: readonly Delegation[]): DelegationRefusal | undefined {
  if (d.principal === d.delegate) return { code: 'self' };
  if (Date.parse(d.endsAt) <= Date.parse(d.startsAt)) return { code: 'empty_period' };
  const live = existing.filter((x) => !x.cancelledAt && overlaps(x, d));
  const mine = live.find((x) => x.principal === d.principal);
  if (mine) return { code: 'overlap', with: mine };
  const back = live.find((x) => x.principal === d.delegate && x.delegate === d.principal);
  if (back) return { code: 'cycle', with: back };
  return undefined;
}

/** Whether `d` lets its delegate act on a request submitted by `applicantId`. */
const coversRequest = (d: Delegation | undefined, applicantId: string): d is Delegation => !!d && d.delegate !== applicantId;

export type Slot =
  /** The actor decides for `slot` (their own, or with `delegateFor` the principal's). */
  | { ok: true; slot: string; delegate?: string }
  /** The actor is the approver but handed their tasks to `to` (delegate_only). */
  | { ok: false; delegatedTo: Delegation };

/**
 * Whose slot on a step an actor's decision fills, or undefined when none: their own (unless they
 * delegated it away with `delegate_only`), else the first undecided approver who delegated to
 * them (directly; never on their own request). Decided slots count too, so a second tap is
 * "already decided", not "not an approver".
 */
export function actingSlot(step: StepState, actorId: string, applicantId: string, active: ActiveDelegations | undefined): Slot | undefined {
  if (step.approvers.includes(actorId)) {
    const away = active?.get(actorId);
    if (away && away.mode === 'delegate_only' && coversRequest(away, applicantId) && !step.decisions.some((d) => d.personId === actorId)) return { ok: false, delegatedTo: away };
    return { ok: true, slot: actorId };
  }
  if (!active) return undefined;
  const decided = new Set(step.decisions.map((d) => d.personId));
  const forPrincipals = step.approvers.filter((p) => {
    const d = active.get(p);
    return coversRequest(d, applicantId) && d.delegate === actorId;
  });
  const slot = forPrincipals.find((p) => !decided.has(p)) ?? forPrincipals[0];
  return slot ? { ok: true, slot, delegate: actorId } : undefined;
}

/** Who gets a task card meant for `people`: the delegate instead (delegate_only) or as well (both). */
export function cardRecipients(people: readonly string[], applicantId: string, active: ActiveDelegations): string[] {
  const out: string[] = [];
  for (const p of people) {
    const d = active.get(p);
    if (!coversRequest(d, applicantId)) out.push(p);
    else if (d.mode === 'both') out.push(p, d.delegate);
    else out.push(d.delegate);
  }
  return [...new Set(out)];
}

/** A transition's task cards routed to the delegates in force (the people a card goes to, not the step's approvers). */
export function routeCards(effects: readonly Effect[], applicantId: string, active: ActiveDelegations): Effect[] {
  if (!active.size) return [...effects];
  return effects.map((e) => (e.kind === 'post_approval_card' ? { ...e, people: cardRecipients(e.people, applicantId, active) } : e));
}

/**
 * The notices that are about a task — a reminder, an overdue notice, a 催办, an escalation, a
 * recalculated deadline, a task transferred or handed over to someone. Meant for someone away,
 * they follow the task to the delegate, like its card. Other notices (to the applicant about
 * their own request, 抄送, comments) stay with the person they are for.
 */
export const TASK_NOTICES: ReadonlySet<MessageKey> = new Set<MessageKey>([
  'reminder.step',
  'reminder.overdue',
  'reminder.nudge',
  'escalation.notify',
  'escalation.transfer',
  'escalation.approve',
  'escalation.reject',
  'deadline.recalculated',
  'deadline.recalculated_calendar',
  'request.transferred_to_you',
  'handover.to_you',
]);

/**
 * A transition's or a timer's task notices (TASK_NOTICES) routed like its cards: for a person
 * with a delegation in force that covers this request, the delegate is told instead
 * (`delegate_only`) or as well (`both`), worded for them — the message carries `onBehalfOf` (the
 * principals' names, by `names`), rendered "（代 刘洋）…". A delegate who is told in their own
 * right already is not told twice. Never on the delegate's own request (the principal keeps it).
 */
export function routeNotices(effects: readonly Effect[], applicantId: string, active: ActiveDelegations, names: (ids: string[]) => string): Effect[] {
  if (!active.size) return [...effects];
  const out: Effect[] = [];
  for (const e of effects) {
    if (e.kind !== 'notify' || !TASK_NOTICES.has(e.message.key) || e.message.onBehalfOf) {
      out.push(e);
      continue;
    }
    const direct: string[] = [];
    const byDelegate = new Map<string, string[]>();
    for (const p of e.people) {
      const d = active.get(p);
      if (!coversRequest(d, applicantId)) {
        direct.push(p);
        continue;
      }
      if (d.mode === 'both') direct.push(p);
      byDelegate.set(d.delegate, [...(byDelegate.get(d.delegate) ?? []), p]);
    }
    if (!byDelegate.size) {
      out.push(e);
      continue;
    }
    const told = new Set(direct);
    if (told.size || e.rooms?.length) out.push({ ...e, people: [...told] });
    for (const [delegate, principals] of byDelegate) {
      if (told.has(delegate)) continue;
      out.push({ kind: 'notify', people: [delegate], message: { ...e.message, onBehalfOf: names(principals) } });
    }
  }
  return out;
}

/** Task cards and task notices of one transition or timer, routed to the delegates in force. */
export function routeTasks(effects: readonly Effect[], applicantId: string, active: ActiveDelegations, names: (ids: string[]) => string): Effect[] {
  if (!active.size) return [...effects];
  return routeNotices(routeCards(effects, applicantId, active), applicantId, active, names);
}

/** A task waiting on someone (a row of their 待办). */
export interface PendingTask {
  id: string;
  stepId: string;
  applicantId: string;
  dueAt: Date | null;
}

export type PendingEntry<T extends PendingTask> = T & {
  /** The principal this task is acted on for (the delegate's 待办). */
  onBehalfOf?: string;
  /** The delegate who acts on it now (the principal's 待办, `delegate_only`). */
  delegatedTo?: string;
};

/**
 * A person's 待办 with delegation (委托): their own tasks — marked `delegatedTo` while a
 * `delegate_only` delegation hands them to someone else — and the tasks of each principal who
 * delegated to them, marked `onBehalfOf` (never on a request the person submitted; a step they
 * approve in their own right is listed once, as their own). By deadline, those without last.
 */
export function pendingWithDelegations<T extends PendingTask>(
  personId: string,
  own: readonly T[],
  principals: ReadonlyArray<{ principal: string; rows: readonly T[] }>,
  active: ActiveDelegations,
): Array<PendingEntry<T>> {
  const out: Array<PendingEntry<T>> = [];
  const seen = new Set<string>();
  const away = active.get(personId);
  for (const r of own) {
    seen.add(`${r.id}:${r.stepId}`);
    out.push(away && away.mode === 'delegate_only' && coversRequest(away, r.applicantId) ? { ...r, delegatedTo: away.delegate } : { ...r });
  }
  for (const { principal, rows } of principals) {
    const d = active.get(principal);
    if (!d || d.delegate !== personId) continue;
    for (const r of rows) {
      const key = `${r.id}:${r.stepId}`;
      if (!coversRequest(d, r.applicantId) || seen.has(key)) continue;
      seen.add(key);
      out.push({ ...r, onBehalfOf: principal });
    }
  }
  const at = (r: PendingTask) => r.dueAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return out.sort((a, b) => at(a) - at(b));
}

/** A message's text in `locale`; one sent for someone away starts with "（代 刘洋）". */
export function renderIntent(locale: Locale, m: MessageIntent): string {
  const text = renderMessage(locale, m.key, m.params);
  return m.onBehalfOf ? t(locale, 'delegation.notice.on_behalf', { principal: m.onBehalfOf, text }) : text;
}

/** The end of the last day `date` ('YYYY-MM-DD'): midnight after it in the calendar's zone. */
export function endOfDay(calendar: WorkCalendar, date: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const next = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  return calendar.atLocalTime(next, '00:00');
}

/**
 * The end of a period of `n` working days starting at `from`: today counts when it is a working
 * day; holidays, weekends and make-up working days (调休) follow the calendar.
 */
export function endAfterWorkingDays(calendar: WorkCalendar, from: Date, n: number): Date {
  let date = calendar.localDate(from);
  let counted = 0;
  for (let i = 0; i < 400; i++) {
    if (calendar.isWorkday(date)) counted += 1;
    if (counted >= n) return endOfDay(calendar, date);
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    date = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  }
  throw new Error(`no ${n} working days within 400 days of ${date}`);
}

// ---- Reading a period as typed: "12月10日至12月20日", "到 12月20日", "3个工作日" (and English)

export interface PeriodContext {
  now: Date;
  timezone: string;
  calendar: WorkCalendar;
}

export type PeriodReading = { ok: true; startsAt: Date; endsAt: Date } | { ok: false; text: string };

const WORKING_DAYS = /^(\d{1,3})\s*(?:个\s*)?(?:工作日|working\s*days?|wd)$/i;
const UNTIL = /^(?:到|至|直到|截至|截止到?|until|till|to)\s*(.+)$/i;

/**
 * A delegation's period: a range of days (all of each day, ending at midnight after the last in
 * the organisation's zone), "until" a day (from now to the end of that day), or N working days
 * from now (today counts if it is one; the calendar's holidays and 调休 days apply).
 */
export function readPeriod(text: string, ctx: PeriodContext): PeriodReading {
  const said = text.trim();
  const pctx = { now: ctx.now, timezone: ctx.timezone, prefer: 'future' as const };
  const wd = WORKING_DAYS.exec(said);
  if (wd) {
    const n = Number(wd[1]);
    return n > 0 ? { ok: true, startsAt: ctx.now, endsAt: endAfterWorkingDays(ctx.calendar, ctx.now, n) } : { ok: false, text: said };
  }
  const until = UNTIL.exec(said);
  if (until) {
    const r = parseDateTime(until[1]!, pctx);
    if (!r.ok) return { ok: false, text: said };
    return { ok: true, startsAt: ctx.now, endsAt: endOfDay(ctx.calendar, ctx.calendar.localDate(r.value.start)) };
  }
  const r = parseDateRange(said, pctx);
  if (!r.ok) return { ok: false, text: said };
  const startsAt = r.value.start.getTime() < ctx.now.getTime() ? ctx.now : r.value.start;
  return { ok: true, startsAt, endsAt: r.value.end };
}

/** A period for messages: its start as "YYYY-MM-DD HH:mm", its end as the last day (or a time when it ends mid-day). */
export function periodText(d: Pick<Delegation, 'startsAt' | 'endsAt'>, calendar: WorkCalendar, stamp: (at: Date) => string): { from: string; until: string } {
  const end = new Date(d.endsAt);
  const lastDay = calendar.localDate(new Date(end.getTime() - 1));
  const atMidnight = endOfDay(calendar, lastDay).getTime() === end.getTime();
  return { from: stamp(new Date(d.startsAt)), until: atMidnight ? lastDay : stamp(end) };
}
