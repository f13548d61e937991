// Wall-clock <-> instant conversion for an IANA time zone, via Intl only (no fixed offsets,
// no dependence on the process time zone), plus calendar-date arithmetic.
import { offsetAt, wallTimeOf, zoneFormatter, type WallTime } from '../time-zone.js';

export interface CalDate {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
}

export { wallTimeOf, zoneFormatter, type WallTime };

/**
 * The instant at which the zone's clocks read `date hour:minute`. Hour 24 means midnight at
 * the end of the day. In a DST gap the result lands on the far side of the gap.
 */
export function instantOf(date: CalDate, hour: number, minute: number, fmt: Intl.DateTimeFormat): Date {
  const asUtc = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  // Offset guessed at the naive instant, then re-checked at the corrected one (DST edges).
  const first = offsetAt(asUtc, fmt);
  const second = offsetAt(asUtc - first, fmt);
  return new Date(asUtc - second);
}

export function addDays(date: CalDate, days: number): CalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** ISO weekday: Monday = 1 … Sunday = 7. */
export function isoWeekday(date: CalDate): number {
  const js = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return js === 0 ? 7 : js;
}

export function compareDates(a: CalDate, b: CalDate): number {
  return Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(b.year, b.month - 1, b.day);
}

export function daysBetween(from: CalDate, to: CalDate): number {
  return Math.round(compareDates(to, from) / 86_400_000);
}

export function isValidDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}
