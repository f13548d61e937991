// Working-time arithmetic and time zones.
import { describe, it, expect } from 'vitest';
import { createCalendar } from '../../src/core/calendar/index.js';

const HOUR = 3_600_000;
const hours9 = { start: '09:00', end: '18:00' };
const cal = createCalendar({ timezone: 'Asia/Shanghai', businessHours: hours9 });
/** Shanghai wall time 'YYYY-MM-DDTHH:MM'. */
const sh = (s: string): Date => new Date(`${s}:00+08:00`);

// 2025-06-09 is a Monday with no holiday nearby (端午 ended 06-02).
describe('working time', () => {
  it('isWorkingTime is [start, end) on working days only', () => {
    expect(cal.isWorkingTime(sh('2025-06-09T09:00'))).toBe(true);
    expect(cal.isWorkingTime(new Date(sh('2025-06-09T09:00').getTime() - 1))).toBe(false);
    expect(cal.isWorkingTime(new Date(sh('2025-06-09T18:00').getTime() - 1))).toBe(true);
    expect(cal.isWorkingTime(sh('2025-06-09T18:00'))).toBe(false);
    expect(cal.isWorkingTime(sh('2025-06-14T10:00'))).toBe(false); // Saturday
    expect(cal.isWorkingTime(sh('2025-10-11T10:00'))).toBe(true); // 调休 Saturday
    expect(cal.isWorkingTime(sh('2025-10-03T10:00'))).toBe(false); // National Day
  });

  it('nextWorkingTime', () => {
    expect(cal.nextWorkingTime(sh('2025-06-09T12:34'))).toEqual(sh('2025-06-09T12:34'));
    expect(cal.nextWorkingTime(sh('2025-06-09T09:00'))).toEqual(sh('2025-06-09T09:00'));
    expect(cal.nextWorkingTime(sh('2025-06-09T03:00'))).toEqual(sh('2025-06-09T09:00'));
    expect(cal.nextWorkingTime(sh('2025-06-09T18:00'))).toEqual(sh('2025-06-10T09:00'));
    expect(cal.nextWorkingTime(sh('2025-06-13T18:00'))).toEqual(sh('2025-06-16T09:00')); // Fri → Mon
    expect(cal.nextWorkingTime(sh('2025-06-14T12:00'))).toEqual(sh('2025-06-16T09:00'));
    expect(cal.nextWorkingTime(sh('2025-09-27T12:00'))).toEqual(sh('2025-09-28T09:00')); // Sat → 调休 Sun
    expect(cal.nextWorkingTime(sh('2025-09-30T18:00'))).toEqual(sh('2025-10-09T09:00')); // across the 8-day break
  });

  it('addWorkingDays: the examples from the spec', () => {
    expect(cal.addWorkingDays(sh('2025-06-09T10:00'), 5)).toEqual(sh('2025-06-16T10:00')); // Mon → next Mon
    expect(cal.addWorkingDays(sh('2025-06-13T20:00'), 5)).toEqual(sh('2025-06-20T18:00')); // Fri night → Fri 18:00
  });

  it('addWorkingDays lands on the end of a day rather than the next morning', () => {
    expect(cal.addWorkingDays(sh('2025-06-09T09:00'), 1)).toEqual(sh('2025-06-09T18:00'));
    expect(cal.addWorkingDays(sh('2025-06-13T18:00'), 1)).toEqual(sh('2025-06-16T18:00'));
    expect(cal.addWorkingDays(sh('2025-06-14T11:00'), 2)).toEqual(sh('2025-06-17T18:00'));
    expect(cal.addWorkingDays(sh('2025-06-09T10:00'), 0.5)).toEqual(sh('2025-06-09T14:30'));
  });

  it('addWorkingDays across the 2025 National Day holiday and its 调休 Saturday', () => {
    // Tue 09-30: 8h; 10-01..08 off; Thu 10-09, Fri 10-10, Sat 10-11 (调休): 27h; Mon 10-13: 9h; +1h.
    expect(cal.addWorkingDays(sh('2025-09-30T10:00'), 5)).toEqual(sh('2025-10-14T10:00'));
    // Sat 09-27 is a plain weekend; Sun 09-28 is a 调休 working day.
    expect(cal.addWorkingDays(sh('2025-09-27T10:00'), 1)).toEqual(sh('2025-09-28T18:00'));
    expect(cal.addWorkingDays(sh('2025-10-10T18:00'), 1)).toEqual(sh('2025-10-11T18:00'));
    expect(cal.addWorkingDays(sh('2025-10-11T18:00'), 1)).toEqual(sh('2025-10-13T18:00'));
  });

  it('addWorkingHours: boundaries, nights and fractions', () => {
    expect(cal.addWorkingHours(sh('2025-06-13T17:00'), 1)).toEqual(sh('2025-06-13T18:00'));
    expect(cal.addWorkingHours(sh('2025-06-13T17:00'), 2)).toEqual(sh('2025-06-16T10:00'));
    expect(cal.addWorkingHours(sh('2025-06-09T23:00'), 1)).toEqual(sh('2025-06-10T10:00'));
    expect(cal.addWorkingHours(sh('2025-06-09T17:30'), 0.75)).toEqual(sh('2025-06-10T09:15'));
    expect(cal.addWorkingHours(sh('2025-06-09T17:00'), 1.5)).toEqual(sh('2025-06-10T09:30'));
    expect(cal.addWorkingHours(sh('2025-06-09T09:00'), 9)).toEqual(sh('2025-06-09T18:00'));
    expect(cal.addWorkingHours(sh('2025-09-30T17:00'), 2)).toEqual(sh('2025-10-09T10:00'));
    expect(cal.addWorkingHours(sh('2025-10-10T17:00'), 2)).toEqual(sh('2025-10-11T10:00'));
    // Zero adds nothing, even at night.
    expect(cal.addWorkingHours(sh('2025-06-14T23:00'), 0)).toEqual(sh('2025-06-14T23:00'));
  });

  it('rejects negative, non-finite amounts and invalid dates', () => {
    expect(() => cal.addWorkingHours(sh('2025-06-09T10:00'), -1)).toThrow(RangeError);
    expect(() => cal.addWorkingHours(sh('2025-06-09T10:00'), Number.NaN)).toThrow(RangeError);
    expect(() => cal.addWorkingDays(sh('2025-06-09T10:00'), Infinity)).toThrow(RangeError);
    expect(() => cal.nextWorkingTime(new Date('nope'))).toThrow(RangeError);
  });

  it('workingMsBetween', () => {
    expect(cal.workingMsBetween(sh('2025-06-09T10:00'), sh('2025-06-09T12:30'))).toBe(2.5 * HOUR);
    expect(cal.workingMsBetween(sh('2025-06-09T12:30'), sh('2025-06-09T10:00'))).toBe(0);
    expect(cal.workingMsBetween(sh('2025-06-09T10:00'), sh('2025-06-09T10:00'))).toBe(0);
    expect(cal.workingMsBetween(sh('2025-06-13T20:00'), sh('2025-06-16T08:00'))).toBe(0); // weekend
    expect(cal.workingMsBetween(sh('2025-06-13T17:00'), sh('2025-06-16T10:00'))).toBe(2 * HOUR);
    expect(cal.workingMsBetween(sh('2025-06-09T00:00'), sh('2025-06-16T00:00'))).toBe(45 * HOUR);
    // 09-30 (9h) + 10-09, 10-10, 10-11 (27h); the break and Sun 10-12 count nothing.
    expect(cal.workingMsBetween(sh('2025-09-30T09:00'), sh('2025-10-13T09:00'))).toBe(36 * HOUR);
  });

  it('property: workingMsBetween(a, addWorkingHours(a, h)) === h, and the result is the earliest such instant', () => {
    let seed = 0x5eed1234;
    // mulberry32: small, deterministic, good enough for sampling.
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const from = Date.parse('2023-12-01T00:00:00Z');
    const span = Date.parse('2027-06-01T00:00:00Z') - from;
    for (let i = 0; i < 3000; i++) {
      const a = new Date(from + Math.floor(random() * span));
      const h = i % 10 === 0 ? Math.floor(random() * 60) : random() * 120;
      const due = cal.addWorkingHours(a, h);
      const ms = Math.round(h * HOUR);
      expect(cal.workingMsBetween(a, due), `a=${a.toISOString()} h=${h}`).toBe(ms);
      if (ms > 0) {
        expect(cal.workingMsBetween(a, new Date(due.getTime() - 1))).toBe(ms - 1);
        // The deadline is inside working time or exactly at a day's end.
        const atEnd = cal.isWorkday(cal.localDate(due)) && due.getTime() === cal.atLocalTime(cal.localDate(due), '18:00').getTime();
        expect(cal.isWorkingTime(due) || atEnd).toBe(true);
      }
      const n = Math.floor(random() * 12);
      expect(cal.addWorkingDays(a, n)).toEqual(cal.addWorkingHours(a, n * 9));
    }
  });

  it('is fast enough to schedule 100,000 deadlines', () => {
    const start = performance.now();
    const base = Date.parse('2025-01-01T00:00:00Z');
    for (let i = 0; i < 100_000; i++) cal.addWorkingDays(new Date(base + i * 997_003), 5);
    // Generous bound for slow CI; a minute-by-minute walk would take far longer.
    expect(performance.now() - start).toBeLessThan(10_000);
  });
});

describe('time zones', () => {
  const utc = createCalendar({ timezone: 'UTC', businessHours: hours9 });

  it('the same instant is a different local date and working state', () => {
    const instant = new Date('2025-06-09T17:00:00Z'); // Shanghai: Tue 01:00
    expect(cal.localDate(instant)).toBe('2025-06-10');
    expect(utc.localDate(instant)).toBe('2025-06-09');
    expect(cal.isWorkingTime(new Date('2025-06-09T10:00:00Z'))).toBe(false); // Shanghai 18:00
    expect(utc.isWorkingTime(new Date('2025-06-09T10:00:00Z'))).toBe(true);
    expect(cal.isWorkingTime(new Date('2025-06-09T01:00:00Z'))).toBe(true); // Shanghai 09:00
    expect(utc.isWorkingTime(new Date('2025-06-09T01:00:00Z'))).toBe(false);
  });

  it('atLocalTime and the arithmetic shift by the offset', () => {
    expect(cal.atLocalTime('2025-06-09', '09:00').toISOString()).toBe('2025-06-09T01:00:00.000Z');
    expect(utc.atLocalTime('2025-06-09', '09:00').toISOString()).toBe('2025-06-09T09:00:00.000Z');
    const friNight = new Date('2025-06-13T12:00:00Z'); // Shanghai Fri 20:00, UTC Fri 12:00
    expect(cal.addWorkingHours(friNight, 1).toISOString()).toBe('2025-06-16T02:00:00.000Z'); // Mon 10:00 +08
    expect(utc.addWorkingHours(friNight, 1).toISOString()).toBe('2025-06-13T13:00:00.000Z');
    expect(cal.nextWorkingTime(friNight).toISOString()).toBe('2025-06-16T01:00:00.000Z');
    expect(utc.nextWorkingTime(friNight)).toEqual(friNight);
  });

  it('uses the zone rules rather than a fixed offset (DST zones)', () => {
    const ny = createCalendar({ timezone: 'America/New_York', businessHours: hours9 });
    expect(ny.atLocalTime('2025-01-15', '09:00').toISOString()).toBe('2025-01-15T14:00:00.000Z'); // EST
    expect(ny.atLocalTime('2025-07-15', '09:00').toISOString()).toBe('2025-07-15T13:00:00.000Z'); // EDT
    // 02:30 does not exist on 2025-03-09: moved forward to 03:30 EDT.
    expect(ny.atLocalTime('2025-03-09', '02:30').toISOString()).toBe('2025-03-09T07:30:00.000Z');
    // 01:30 happens twice on 2025-11-02: the first (EDT) one.
    expect(ny.atLocalTime('2025-11-02', '01:30').toISOString()).toBe('2025-11-02T05:30:00.000Z');
    expect(ny.localDate(new Date('2025-11-03T04:59:00Z'))).toBe('2025-11-02');
    expect(ny.localDate(new Date('2025-11-03T05:00:00Z'))).toBe('2025-11-03');
    // Business days keep their 9 h across the change (the calendar is still the Chinese one).
    expect(ny.workingMsBetween(new Date('2025-03-07T00:00:00Z'), new Date('2025-03-11T00:00:00Z'))).toBe(18 * HOUR);
  });

  it('rejects unknown zones and bad business hours', () => {
    expect(() => createCalendar({ timezone: 'Mars/Olympus', businessHours: hours9 })).toThrow(/time zone/);
    expect(() => createCalendar({ timezone: 'UTC', businessHours: { start: '18:00', end: '09:00' } })).toThrow(/after/);
    expect(() => createCalendar({ timezone: 'UTC', businessHours: { start: '9:00', end: '18:00' } })).toThrow(/HH:MM/);
    expect(() => cal.atLocalTime('2025-06-09', '24:00')).toThrow(/HH:MM/);
  });
});
