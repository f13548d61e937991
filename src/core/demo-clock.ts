// The simulator's demo clock, the pure part: where each "fast-forward" button goes. The app's
// clock runs ahead of the machine's by an offset that only ever grows (simulator/demo-clock.ts);
// the scheduler reads that clock, so jumping it makes reminders, escalation, the summary prompt
// and the digest happen now, each through its normal path and exactly once.
import type { WorkCalendar } from './calendar/index.js';
import type { RequestState } from './model.js';
import { chainsFor, type PointKind, type ScheduleSettings } from './reminders.js';

export const DEMO_TARGETS = ['reminder', 'deadline', 'event_end', 'digest'] as const;
export type DemoTarget = (typeof DEMO_TARGETS)[number];

/** The points each target jumps to: the earliest upcoming one of these kinds. */
export const DEMO_TIMER_KINDS: Record<Exclude<DemoTarget, 'digest'>, readonly PointKind[]> = {
  reminder: ['remind', 'overdue', 'pre_event', 'summary_remind', 'summary_overdue'],
  deadline: ['escalate', 'summary_escalate'],
  event_end: ['event_end'],
};

/**
 * The earliest point of these kinds after `now` in the requests' chains. Only a chain's next
 * point has a timer row, so the deadline behind two reminders is found from the chain itself.
 */
export function nextPointAt(states: Iterable<RequestState>, settings: ScheduleSettings, kinds: readonly PointKind[], now: Date): Date | undefined {
  let best: Date | undefined;
  for (const s of states)
    for (const c of chainsFor(s, settings))
      for (const p of c.points) if (kinds.includes(p.kind) && p.at > now && (!best || p.at < best)) best = p.at;
  return best;
}

/** The next daily digest after `now`: today's if it is a working day and not yet sent, else the next working day's. */
export function nextDigestAt(calendar: WorkCalendar, now: Date, digestTime: string): Date {
  let date = calendar.localDate(now);
  for (let i = 0; i < 400; i++) {
    const at = calendar.atLocalTime(date, digestTime);
    if (calendar.isWorkday(date) && at > now) return at;
    // Noon of the day, plus a day: a safe step across any zone's day length.
    date = calendar.localDate(new Date(calendar.atLocalTime(date, '12:00').getTime() + 86_400_000));
  }
  throw new Error('no working day within 400 days');
}

/** A moment after the target, so what is due "at" it is due. */
export const landingAt = (target: Date): Date => new Date(target.getTime() + 1_000);
