// The statutory public holidays of a year by the law alone (全国年节及纪念日放假办法 as amended
// in force since 2025-01-01), for years whose State Council arrangement is not known yet.
// The lunar dates and the solar term come from tyme4ts. Intl's 'chinese' calendar is NOT used:
// ICU's new moons are approximate and it misplaces 春节 2027 (new moon at 23:56 Beijing time on
// Feb 6; ICU says Feb 7) and 2030 (00:07 on Feb 3; ICU says Feb 2) by a day.
import { LunarDay, SolarTerm, type SolarDay } from 'tyme4ts';
import { HOLIDAY, QINGMING_TERM } from './holiday-words.js';

export interface StatutoryDay {
  /** 'YYYY-MM-DD' (a plain calendar date, Beijing's). */
  date: string;
  /** The holiday it belongs to, e.g. 春节. */
  name: string;
  /** true: a weekday off in lieu of a holiday day that fell on a weekend or on another holiday (补假). */
  inLieu: boolean;
}

const DAY_MS = 86_400_000;
const dayOf = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d) / DAY_MS;
const solar = (sd: SolarDay): number => dayOf(sd.getYear(), sd.getMonth(), sd.getDay());
const isoOf = (n: number): string => new Date(n * DAY_MS).toISOString().slice(0, 10);
const weekend = (n: number): boolean => {
  const w = (((n + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return w === 0 || w === 6;
};

/** Each holiday's days, in the order of the law's article 2. */
function festivals(year: number): Array<{ name: string; days: number[] }> {
  const newYear = solar(LunarDay.fromYmd(year, 1, 1).getSolarDay());
  return [
    { name: HOLIDAY.newYear, days: [dayOf(year, 1, 1)] },
    // 除夕 plus 初一 to 初三; the lunar new year always falls between Jan 21 and Feb 20.
    { name: HOLIDAY.springFestival, days: [newYear - 1, newYear, newYear + 1, newYear + 2] },
    { name: HOLIDAY.qingming, days: [solar(SolarTerm.fromName(year, QINGMING_TERM).getSolarDay())] },
    { name: HOLIDAY.labourDay, days: [dayOf(year, 5, 1), dayOf(year, 5, 2)] },
    { name: HOLIDAY.dragonBoat, days: [solar(LunarDay.fromYmd(year, 5, 5).getSolarDay())] },
    { name: HOLIDAY.midAutumn, days: [solar(LunarDay.fromYmd(year, 8, 15).getSolarDay())] },
    { name: HOLIDAY.nationalDay, days: [dayOf(year, 10, 1), dayOf(year, 10, 2), dayOf(year, 10, 3)] },
  ];
}

/**
 * The days off a year has by law, without the State Council's arrangement: the statutory days
 * (those on a weekend too) and, by article 6 (a holiday on a Saturday or Sunday is made up on a
 * working day), one weekday in lieu for each holiday day on a weekend or on a day that is already
 * a holiday (2028: 中秋 on 10-03), taken on the first free weekdays after that holiday. Make-up
 * working weekends (调休) are an arrangement, not law, so none are produced. Sorted by date.
 */
export function statutoryDaysOff(year: number): StatutoryDay[] {
  if (!Number.isInteger(year) || year < 2025) throw new RangeError(`statutory holidays: year ${year} is before the 2025 rules`);
  const off = new Map<number, StatutoryDay>();
  const owed: Array<{ after: number; name: string }> = [];
  const list = festivals(year).sort((a, b) => a.days[0]! - b.days[0]!);
  for (const f of list) {
    for (const n of f.days) {
      const taken = off.has(n);
      if (!taken) off.set(n, { date: isoOf(n), name: f.name, inLieu: false });
      if (taken || weekend(n)) owed.push({ after: f.days[f.days.length - 1]!, name: f.name });
    }
  }
  for (const o of owed.sort((a, b) => a.after - b.after)) {
    let n = o.after + 1;
    while (weekend(n) || off.has(n)) n++;
    off.set(n, { date: isoOf(n), name: o.name, inLieu: true });
  }
  return [...off.entries()].sort((a, b) => a[0] - b[0]).map(([, d]) => d);
}
