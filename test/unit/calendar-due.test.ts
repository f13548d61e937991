// Due specs: parsing and deadlines.
import { describe, it, expect } from 'vitest';
import { createCalendar, parseDueSpec } from '../../src/core/calendar/index.js';

const cal = createCalendar({ timezone: 'Asia/Shanghai', businessHours: { start: '09:00', end: '18:00' } });
const sh = (s: string): Date => new Date(`${s}:00+08:00`);

describe('parseDueSpec', () => {
  it('parses every kind', () => {
    expect(parseDueSpec('5wd')).toEqual({ kind: 'workingDays', amount: 5 });
    expect(parseDueSpec('8wh')).toEqual({ kind: 'workingHours', amount: 8 });
    expect(parseDueSpec('48h')).toEqual({ kind: 'duration', ms: 48 * 3_600_000 });
    expect(parseDueSpec('3d')).toEqual({ kind: 'duration', ms: 3 * 86_400_000 });
    expect(parseDueSpec('30m')).toEqual({ kind: 'duration', ms: 30 * 60_000 });
    expect(parseDueSpec('17:00')).toEqual({ kind: 'clock', time: '17:00', minutes: 17 * 60 });
    expect(parseDueSpec('00:05')).toEqual({ kind: 'clock', time: '00:05', minutes: 5 });
  });

  it.each(['', '5', 'wd', '5w', '5 wd', ' 5wd', '5WD', '-1d', '1.5wh', '5wd2', '24:00', '9:00', '17:60', '17:00:00', 'tomorrow', '10001wd'])(
    'rejects %j with a clear message',
    (spec) => {
      expect(() => parseDueSpec(spec)).toThrow(/invalid due spec/);
    },
  );

  it('dueAt surfaces the same error', () => {
    expect(() => cal.dueAt('5x', sh('2025-06-09T10:00'))).toThrow(/invalid due spec "5x": use e\.g\. 5wd/);
  });
});

describe('dueAt', () => {
  const mon10 = sh('2025-06-09T10:00');

  it('working days and working hours', () => {
    expect(cal.dueAt('5wd', mon10)).toEqual(sh('2025-06-16T10:00'));
    expect(cal.dueAt('5wd', sh('2025-06-13T20:00'))).toEqual(sh('2025-06-20T18:00'));
    expect(cal.dueAt('5wd', sh('2025-09-30T10:00'))).toEqual(sh('2025-10-14T10:00'));
    expect(cal.dueAt('8wh', mon10)).toEqual(sh('2025-06-09T18:00'));
    expect(cal.dueAt('9wh', mon10)).toEqual(sh('2025-06-10T10:00'));
    expect(cal.dueAt('8wh', sh('2025-06-13T20:00'))).toEqual(sh('2025-06-16T17:00'));
    expect(cal.dueAt('0wd', mon10)).toEqual(mon10);
  });

  it('plain durations ignore the calendar', () => {
    const fri = sh('2025-06-13T16:00');
    expect(cal.dueAt('48h', fri)).toEqual(sh('2025-06-15T16:00'));
    expect(cal.dueAt('3d', fri)).toEqual(sh('2025-06-16T16:00'));
    expect(cal.dueAt('30m', fri)).toEqual(sh('2025-06-13T16:30'));
    expect(cal.dueAt('2h', sh('2025-10-01T10:00'))).toEqual(sh('2025-10-01T12:00'));
  });

  it('17:00 — today when before 17:00 on a working day', () => {
    expect(cal.dueAt('17:00', mon10)).toEqual(sh('2025-06-09T17:00'));
    expect(cal.dueAt('17:00', sh('2025-06-09T03:00'))).toEqual(sh('2025-06-09T17:00'));
    expect(cal.dueAt('17:00', sh('2025-10-11T10:00'))).toEqual(sh('2025-10-11T17:00')); // 调休 Saturday
  });

  it('17:00 — next working day when at/after 17:00 or not a working day', () => {
    expect(cal.dueAt('17:00', sh('2025-06-09T17:00'))).toEqual(sh('2025-06-10T17:00'));
    expect(cal.dueAt('17:00', sh('2025-06-09T17:30'))).toEqual(sh('2025-06-10T17:00'));
    expect(cal.dueAt('17:00', sh('2025-06-13T17:30'))).toEqual(sh('2025-06-16T17:00')); // Fri → Mon
    expect(cal.dueAt('17:00', sh('2025-06-14T10:00'))).toEqual(sh('2025-06-16T17:00')); // Saturday
    expect(cal.dueAt('17:00', sh('2025-10-01T10:00'))).toEqual(sh('2025-10-09T17:00')); // National Day
    expect(cal.dueAt('17:00', sh('2025-09-30T18:00'))).toEqual(sh('2025-10-09T17:00'));
    expect(cal.dueAt('17:00', sh('2025-09-27T10:00'))).toEqual(sh('2025-09-28T17:00')); // Sat → 调休 Sun
  });

  it('clock times outside business hours are still plain clock times', () => {
    expect(cal.dueAt('08:00', sh('2025-06-09T07:00'))).toEqual(sh('2025-06-09T08:00'));
    expect(cal.dueAt('20:00', sh('2025-06-13T19:00'))).toEqual(sh('2025-06-13T20:00'));
    expect(cal.dueAt('20:00', sh('2025-06-13T21:00'))).toEqual(sh('2025-06-16T20:00'));
  });

  it('clock times follow the calendar time zone', () => {
    const utc = createCalendar({ timezone: 'UTC', businessHours: { start: '09:00', end: '18:00' } });
    const instant = new Date('2025-06-09T10:00:00Z'); // Shanghai 18:00, UTC 10:00
    expect(cal.dueAt('17:00', instant).toISOString()).toBe('2025-06-10T09:00:00.000Z');
    expect(utc.dueAt('17:00', instant).toISOString()).toBe('2025-06-09T17:00:00.000Z');
  });
});
