// Saying so when a deadline rests on a provisional year (holidays computed by law, no 调休 known).
import { t, type Locale } from '../messages.js';
import type { WorkCalendar } from './calendar.js';

/** The planning horizon's provisional years: this year and next, in the calendar's zone. */
export function provisionalHorizon(calendar: WorkCalendar, now: Date): number[] {
  const year = Number(calendar.localDate(now).slice(0, 4));
  return calendar.provisionalYears(year, year + 1);
}

/** The start-up warning (English, for the log), or undefined when the horizon is all official. */
export function provisionalWarning(calendar: WorkCalendar, now: Date): string | undefined {
  const years = provisionalHorizon(calendar, now);
  if (!years.length) return undefined;
  return (
    `calendar: no official holiday arrangement for ${years.join(', ')}; holidays there are computed from the statutory ` +
    'days (lunar dates, weekday in lieu of a holiday on a weekend) and no make-up working weekend is known. ' +
    'Add organisation.calendar.official.<year> once the State Council publishes it, or upgrade chinese-days.'
  );
}

/** The note for a card or digest line whose deadline falls in a provisional year, else undefined. */
export function provisionalNote(calendar: WorkCalendar, deadline: Date, locale: Locale): string | undefined {
  return calendar.isProvisional(deadline) ? t(locale, 'calendar.provisional') : undefined;
}

/** /readyz detail: `{ calendar: … }` while the horizon has a provisional year, else nothing. */
export function calendarNotes(calendar: WorkCalendar, now: Date): Record<string, string> {
  const years = provisionalHorizon(calendar, now);
  return years.length ? { calendar: `provisional ${years.join(', ')}: holidays computed by law, no make-up working days known; add organisation.calendar.official` } : {};
}
