// Working-day calendar: national holidays and make-up working days (调休) from chinese-days,
// an official arrangement from the organisation file for a year the package lacks, the
// statutory holidays computed by law for a year nobody has published yet (*provisional*),
// company overrides on top, business hours in the organisation's time zone.
// Pure: "now" is always an argument.
import { createHash } from 'node:crypto';
import { parseDueSpec } from './due.js';
import { NATIONAL_DATA_YEARS, nationalWorkday } from './national.js';
import { statutoryDaysOff } from './statutory.js';
import { DAY_MS, createZone } from './zone.js';

export interface CalendarOptions {
  /** IANA zone, e.g. 'Asia/Shanghai'. */
  timezone: string;
  /** 'HH:MM' local; working time is [start, end) on working days. */
  businessHours: { start: string; end: string };
  /** 'YYYY-MM-DD' company days off; beats the national calendar. */
  extraHolidays?: string[];
  /** 'YYYY-MM-DD' extra working days; beats the national calendar (also fills years chinese-days lacks). */
  extraWorkdays?: string[];
  /**
   * The State Council's arrangement per year ('2027'): its days off and make-up working days
   * (调休), which may include days of the December before; every other day of that year is
   * Mon–Fri. Replaces the package's data or the provisional computation for that year, so the
   * year is no longer provisional.
   */
  official?: Readonly<Record<string, OfficialArrangement>>;
}

export interface OfficialArrangement {
  /** 'YYYY-MM-DD' days off (放假), weekends inside the break may be listed or not. */
  holidays: readonly string[];
  /** 'YYYY-MM-DD' make-up working days (调休上班). */
  workdays: readonly string[];
}

export interface WorkCalendar {
  /** Local calendar date 'YYYY-MM-DD'. */
  isWorkday(date: string): boolean;
  /** A working day and within [start, end) of business hours. */
  isWorkingTime(instant: Date): boolean;
  /** `from` if already working time, else the start of the next working period. */
  nextWorkingTime(from: Date): Date;
  /** Same as addWorkingHours(from, n × business-hours length). */
  addWorkingDays(from: Date, n: number): Date;
  /**
   * The earliest instant at which `hours` of working time have elapsed since `from`: a result
   * exactly at the end of a working day stays there (18:00, not the next 09:00); 0 returns `from`.
   */
  addWorkingHours(from: Date, hours: number): Date;
  /** Working time in ms between two instants (0 if b <= a). */
  workingMsBetween(a: Date, b: Date): number;
  /** 'YYYY-MM-DD' in the calendar's zone. */
  localDate(instant: Date): string;
  /** Instant of a local wall-clock time (a skipped DST time moves forward; a repeated one takes the first). */
  atLocalTime(date: string, hhmm: string): Date;
  /** Deadline for a due spec (see parseDueSpec) counted from `from`. */
  dueAt(spec: string, from: Date): Date;
  /**
   * The date's year (an instant: its local date's) has neither package data nor an official
   * arrangement, so its holidays are computed by law and no 调休 make-up day is known.
   */
  isProvisional(date: string | Date): boolean;
  /** The provisional years among [from, to]. */
  provisionalYears(from: number, to: number): number[];
  /**
   * What the calendar says about a year: where its national days come from and a hash of its
   * working days (every local date's working/off, company overrides included). A deadline
   * computed under one fingerprint may move under another.
   */
  yearFingerprint(year: number): YearFingerprint;
}

export interface YearFingerprint {
  source: 'package' | 'official' | 'provisional';
  /** 16 hex characters of a hash of the year's days off. */
  hash: string;
}

interface Day {
  work: boolean;
  /** Epoch ms of business start/end; only meaningful when `work`. */
  start: number;
  end: number;
}

// A year of consecutive days off can only come from a misconfiguration; fail instead of spinning.
const MAX_IDLE_DAYS = 366;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function dayOfIso(date: string, what = 'date'): number {
  const m = DATE.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  // Round-trip rejects impossible dates such as 2025-02-30.
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new Error(`calendar: ${what} "${date}" is not a valid YYYY-MM-DD date`);
  }
  return ms / DAY_MS;
}

const isoOfDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

function minutesOf(hhmm: string, what: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new Error(`calendar: ${what} "${hhmm}" is not a 24 h HH:MM time`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function epochMs(d: Date, what: string): number {
  const t = d instanceof Date ? d.getTime() : NaN;
  if (!Number.isFinite(t)) throw new RangeError(`calendar: ${what} is not a valid Date`);
  return t;
}

function nonNegative(x: number, what: string): number {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`calendar: ${what} must be a finite number >= 0, got ${x}`);
  return x;
}

export function createCalendar(opts: CalendarOptions): WorkCalendar {
  const zone = createZone(opts.timezone);
  const startMin = minutesOf(opts.businessHours.start, 'businessHours.start');
  const endMin = minutesOf(opts.businessHours.end, 'businessHours.end');
  if (endMin <= startMin) throw new Error('calendar: businessHours.end must be after businessHours.start');
  const dayLengthMs = (endMin - startMin) * 60_000;

  const off = new Set((opts.extraHolidays ?? []).map((d) => dayOfIso(d, 'extraHolidays entry')));
  const on = new Set((opts.extraWorkdays ?? []).map((d) => dayOfIso(d, 'extraWorkdays entry')));
  for (const d of on) {
    if (off.has(d)) throw new Error(`calendar: ${isoOfDay(d)} is in both extraHolidays and extraWorkdays`);
  }

  // Official arrangements, by date: a notice may start its 元旦 break in the December before
  // (2018's began on 2017-12-30), so its days are not all in its year.
  const officialYears = new Set<number>();
  const officialOff = new Set<number>();
  const officialOn = new Set<number>();
  for (const [key, arrangement] of Object.entries(opts.official ?? {})) {
    if (!/^\d{4}$/.test(key)) throw new Error(`calendar: official arrangement key "${key}" is not a year`);
    const year = Number(key);
    const add = (list: readonly string[], what: string, into: Set<number>, other: Set<number>): void => {
      for (const d of list) {
        const n = dayOfIso(d, `official.${key}.${what} entry`);
        if (!d.startsWith(key) && !d.startsWith(`${year - 1}-12-`)) {
          throw new Error(`calendar: official.${key}.${what} entry "${d}" is not in ${key} (or the December before)`);
        }
        if (other.has(n)) throw new Error(`calendar: ${d} is both a holiday and a workday in calendar.official`);
        into.add(n);
      }
    };
    add(arrangement.holidays, 'holidays', officialOff, officialOn);
    add(arrangement.workdays, 'workdays', officialOn, officialOff);
    officialYears.add(year);
  }
  const isProvisionalYear = (year: number): boolean => year > NATIONAL_DATA_YEARS.last && !officialYears.has(year);
  const statutory = new Map<number, Set<number>>();
  function statutoryOff(year: number): Set<number> {
    let s = statutory.get(year);
    if (!s) statutory.set(year, (s = new Set(statutoryDaysOff(year).map((d) => dayOfIso(d.date)))));
    return s;
  }
  /** The national answer for a day: true/false, or undefined for "a plain Mon–Fri day". */
  function national(n: number): boolean | undefined {
    if (officialOn.has(n)) return true;
    if (officialOff.has(n)) return false;
    const iso = isoOfDay(n);
    const year = Number(iso.slice(0, 4));
    if (officialYears.has(year)) return undefined;
    if (isProvisionalYear(year)) return statutoryOff(year).has(n) ? false : undefined;
    return nationalWorkday(iso);
  }

  // Memoised per local day: the walks below revisit the same few weeks for every deadline.
  const days = new Map<number, Day>();
  function day(n: number): Day {
    let d = days.get(n);
    if (d === undefined) {
      const weekday = (((n + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
      const work = on.has(n) || (!off.has(n) && (national(n) ?? (weekday >= 1 && weekday <= 5)));
      d = work
        ? { work, start: zone.instantOf(n, startMin), end: zone.instantOf(n, endMin) }
        : { work, start: 0, end: 0 };
      days.set(n, d);
    }
    return d;
  }

  const idleGuard = (idle: number): void => {
    if (idle > MAX_IDLE_DAYS) throw new Error(`calendar: no working day within ${MAX_IDLE_DAYS} days`);
  };

  // Day by day: whole working days are consumed in one step, never minute by minute.
  function addWorkingMs(t: number, amount: number): number {
    if (amount === 0) return t;
    let rest = amount;
    for (let n = zone.dayOf(t), idle = 0; ; n++, idle++) {
      idleGuard(idle);
      const d = day(n);
      if (!d.work) continue;
      idle = 0;
      const s = Math.max(t, d.start);
      if (s >= d.end) continue;
      if (rest <= d.end - s) return s + rest;
      rest -= d.end - s;
    }
  }

  function nextWorkingMs(t: number): number {
    for (let n = zone.dayOf(t), idle = 0; ; n++, idle++) {
      idleGuard(idle);
      const d = day(n);
      if (d.work && t < d.end) return Math.max(t, d.start);
    }
  }

  return {
    isWorkday: (date) => day(dayOfIso(date)).work,

    isWorkingTime(instant) {
      const t = epochMs(instant, 'instant');
      const d = day(zone.dayOf(t));
      return d.work && t >= d.start && t < d.end;
    },

    nextWorkingTime: (from) => new Date(nextWorkingMs(epochMs(from, 'from'))),

    addWorkingDays: (from, n) =>
      new Date(addWorkingMs(epochMs(from, 'from'), Math.round(nonNegative(n, 'working days') * dayLengthMs))),

    addWorkingHours: (from, hours) =>
      new Date(addWorkingMs(epochMs(from, 'from'), Math.round(nonNegative(hours, 'working hours') * 3_600_000))),

    workingMsBetween(a, b) {
      const ta = epochMs(a, 'a');
      const tb = epochMs(b, 'b');
      let total = 0;
      if (tb <= ta) return total;
      for (let n = zone.dayOf(ta), last = zone.dayOf(tb); n <= last; n++) {
        const d = day(n);
        if (d.work) total += Math.max(0, Math.min(tb, d.end) - Math.max(ta, d.start));
      }
      return total;
    },

    localDate: (instant) => isoOfDay(zone.dayOf(epochMs(instant, 'instant'))),

    atLocalTime: (date, hhmm) => new Date(zone.instantOf(dayOfIso(date), minutesOf(hhmm, 'time'))),

    dueAt(spec, from) {
      const due = parseDueSpec(spec);
      const t = epochMs(from, 'from');
      switch (due.kind) {
        case 'workingDays':
          return new Date(addWorkingMs(t, due.amount * dayLengthMs));
        case 'workingHours':
          return new Date(addWorkingMs(t, due.amount * 3_600_000));
        case 'duration':
          return new Date(t + due.ms);
        case 'clock': {
          let n = zone.dayOf(t);
          if (day(n).work && t < zone.instantOf(n, due.minutes)) return new Date(zone.instantOf(n, due.minutes));
          for (let idle = 0; !day(++n).work; idle++) idleGuard(idle);
          return new Date(zone.instantOf(n, due.minutes));
        }
      }
    },

    isProvisional(date) {
      const n = typeof date === 'string' ? dayOfIso(date) : zone.dayOf(epochMs(date, 'date'));
      return isProvisionalYear(new Date(n * DAY_MS).getUTCFullYear());
    },

    provisionalYears(from, to) {
      const years: number[] = [];
      for (let y = from; y <= to; y++) if (isProvisionalYear(y)) years.push(y);
      return years;
    },

    yearFingerprint(year) {
      const first = Date.UTC(year, 0, 1) / DAY_MS;
      const last = Date.UTC(year + 1, 0, 1) / DAY_MS;
      let bits = '';
      for (let n = first; n < last; n++) bits += day(n).work ? '1' : '0';
      const source = officialYears.has(year) ? 'official' : isProvisionalYear(year) ? 'provisional' : 'package';
      return { source, hash: createHash('sha256').update(bits).digest('hex').slice(0, 16) };
    },
  };
}
