// The worked examples of README "The due rule", one for one: if one of these changes, the README
// table must change with it.
import { describe, expect, it } from 'vitest';
import { createCalendar } from '../../src/core/calendar/index.js';

const cal = createCalendar({ timezone: 'Asia/Shanghai', businessHours: { start: '09:00', end: '18:00' } });
const sh = (s: string): Date => new Date(`${s.replace(' ', 'T')}:00+08:00`);

describe('README: the due rule, worked examples', () => {
  it.each([
    // A Friday 17:30 start before National Day 2025 (make-up Sunday 09-28, break 10-01 … 10-08).
    ['2025-09-26 17:30', '5wd', '2025-10-10 17:30'],
    ['2025-09-26 17:30', '1wd', '2025-09-28 17:30'],
    ['2025-09-26 17:30', '8wh', '2025-09-28 16:30'],
    ['2025-09-26 17:30', '3d', '2025-09-29 17:30'],
    // A start on a 调休 Saturday (2026-10-10 is a working day).
    ['2026-10-10 10:00', '5wd', '2026-10-16 10:00'],
    ['2026-10-10 09:00', '1wd', '2026-10-10 18:00'],
    ['2026-10-10 10:00', '17:00', '2026-10-10 17:00'],
    // A start during a holiday (National Day 2026, 10-01 … 10-07): counts from Thu 10-08 09:00.
    ['2026-10-03 15:00', '5wd', '2026-10-13 18:00'],
    ['2026-10-03 15:00', '1wd', '2026-10-08 18:00'],
    ['2026-10-03 15:00', '2wh', '2026-10-08 11:00'],
    ['2026-10-03 15:00', '17:00', '2026-10-08 17:00'],
    // After hours: the next working morning is the make-up Sunday 2026-09-20.
    ['2026-09-18 20:00', '1wd', '2026-09-20 18:00'],
    // Into a provisional year: 2027-01-01 is 元旦 by law.
    ['2026-12-30 10:00', '5wd', '2027-01-07 10:00'],
  ])('%s + %s → %s', (from, spec, due) => {
    expect(cal.dueAt(spec, sh(from))).toEqual(sh(due));
  });

  it('the examples exercise what the rule says', () => {
    expect(cal.isWorkday('2025-09-28')).toBe(true); // Sunday, 调休
    expect(cal.isWorkday('2026-10-10')).toBe(true); // Saturday, 调休
    expect(cal.isWorkday('2026-10-03')).toBe(false);
    // An end exactly at closing stays at 18:00 rather than moving to the next 09:00 …
    expect(cal.dueAt('5wd', sh('2026-10-03 15:00'))).not.toEqual(sh('2026-10-14 09:00'));
    // … and 5wd is 45 working hours, not "the same clock time five working days later".
    expect(cal.workingMsBetween(sh('2025-09-26 17:30'), cal.dueAt('5wd', sh('2025-09-26 17:30')))).toBe(45 * 3_600_000);
    expect(cal.isProvisional(cal.dueAt('5wd', sh('2026-12-30 10:00')))).toBe(true);
    expect(cal.isProvisional(cal.dueAt('5wd', sh('2026-10-03 15:00')))).toBe(false);
  });
});
