// The national (State Council) holiday calendar, from the static JSON that chinese-days ships.
// We read the JSON rather than calling chinese-days' isWorkday(): its runtime tables and
// date parsing use the process's local time zone, so in a zone west of UTC its answers are
// shifted by a day (e.g. under TZ=America/New_York the make-up Saturday 2025-10-11 reports
// as a day off). The JSON is keyed by plain 'YYYY-MM-DD' strings and has no such problem.
import data from 'chinese-days/dist/chinese-days.json' with { type: 'json' };

const table = data as { holidays: Record<string, string>; workdays: Record<string, string> };
const holidays = new Set(Object.keys(table.holidays));
const workdays = new Set(Object.keys(table.workdays));

function yearRange(): { first: number; last: number } {
  const years = [...holidays, ...workdays].map((d) => Number(d.slice(0, 4)));
  return { first: Math.min(...years), last: Math.max(...years) };
}

/**
 * Years for which chinese-days carries the official arrangement (2004–2026 in 1.5.7).
 * Later years are *provisional* (statutory holidays computed by law, see statutory.ts) until
 * the package is updated or the org file supplies the arrangement (calendar.official).
 */
export const NATIONAL_DATA_YEARS: Readonly<{ first: number; last: number }> = Object.freeze(yearRange());

/** true: official holiday/working day; false: official day off; undefined: not listed (use Mon–Fri). */
export function nationalWorkday(date: string): boolean | undefined {
  if (workdays.has(date)) return true;
  if (holidays.has(date)) return false;
  return undefined;
}
