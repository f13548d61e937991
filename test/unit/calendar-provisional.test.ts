// Provisional years: the holidays of a year nobody has published an arrangement for yet,
// computed by law (全国年节及纪念日放假办法, in force since 2025) from the lunar calendar.
//
// The expected dates below are typed in, not derived from the library the code uses (tyme4ts).
// They were checked against an independent computation: new moons by Meeus, Astronomical
// Algorithms ch. 49 (with the planetary terms, ΔT ≈ 72 s), the Sun's apparent longitude by
// ch. 25, the Chinese rules (a month starts on the Beijing date of its new moon; the month of the
// winter solstice is the 11th; in a 13-month year the first month without a principal term is
// the leap one). Decisive instants, Beijing time:
//   春节 2027: new moon 2027-02-06 23:56 → 初一 02-06 (four minutes to spare; ICU's Intl
//     'chinese' calendar gets this one wrong and says 02-07), 除夕 02-05
//   春节 2028: new moon 2028-01-26 23:12 → 初一 01-26, 除夕 01-25
//   清明 2027-04-05 08:14, 2028-04-04 14:01 (Sun at 15°)
//   端午 2027: 5th month from the new moon of 2027-06-05 → 初五 06-09
//   端午 2028: 5th month from 2028-05-24 → 05-28 (2028 has a leap 5th month, after it)
//   中秋 2027: 8th month from 2027-09-01 → 十五 09-15
//   中秋 2028: 8th month from 2028-09-19 (one later because of the leap 5th) → 10-03
// They agree with the published tables (e.g. 春节 2027-02-06 Sat, 2028-01-26 Wed).
import { describe, expect, it } from 'vitest';
import { approvalCard } from '../../cards/approval.js';
import { createCalendar, provisionalHorizon, provisionalNote, provisionalWarning, statutoryDaysOff } from '../../src/core/calendar/index.js';
import { cardContext } from '../../src/delivery/deliver.js';
import { Directory } from '../../src/org/directory.js';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { EXAMPLE_ORG_FILE, OrgFileError, calendarOptions, parseOrg } from '../../src/org/load.js';
import { exampleDir, submitted } from '../support/core-fixtures.js';

const base = { timezone: 'Asia/Shanghai', businessHours: { start: '09:00', end: '18:00' } };
const cal = createCalendar(base);
const sh = (s: string): Date => new Date(`${s}:00+08:00`);

const LUNAR = {
  2027: { chuxi: '2027-02-05', chunjie: '2027-02-06', qingming: '2027-04-05', duanwu: '2027-06-09', zhongqiu: '2027-09-15' },
  2028: { chuxi: '2028-01-25', chunjie: '2028-01-26', qingming: '2028-04-04', duanwu: '2028-05-28', zhongqiu: '2028-10-03' },
} as const;

describe('statutory days off of a provisional year', () => {
  it('2027: every statutory day at its lunar / solar-term date, weekday in lieu of the weekend ones', () => {
    const l = LUNAR[2027];
    expect(statutoryDaysOff(2027).map((d) => `${d.date} ${d.name}${d.inLieu ? ' 补' : ''}`)).toEqual([
      '2027-01-01 元旦', // Friday
      `${l.chuxi} 春节`, // 除夕, Friday
      `${l.chunjie} 春节`, // 初一, Saturday
      '2027-02-07 春节', // 初二, Sunday
      '2027-02-08 春节', // 初三, Monday
      '2027-02-09 春节 补', // for 初一 on a Saturday
      '2027-02-10 春节 补', // for 初二 on a Sunday
      `${l.qingming} 清明节`, // Monday
      '2027-05-01 劳动节', // Saturday
      '2027-05-02 劳动节', // Sunday
      '2027-05-03 劳动节 补',
      '2027-05-04 劳动节 补',
      `${l.duanwu} 端午节`, // Wednesday
      `${l.zhongqiu} 中秋节`, // Wednesday
      '2027-10-01 国庆节', // Friday
      '2027-10-02 国庆节', // Saturday
      '2027-10-03 国庆节', // Sunday
      '2027-10-04 国庆节 补',
      '2027-10-05 国庆节 补',
    ]);
  });

  it('2028: 元旦 and 端午 on weekends, 中秋 on National Day (a coinciding day is made up too)', () => {
    const l = LUNAR[2028];
    expect(statutoryDaysOff(2028).map((d) => `${d.date} ${d.name}${d.inLieu ? ' 补' : ''}`)).toEqual([
      '2028-01-01 元旦', // Saturday
      '2028-01-03 元旦 补', // Monday
      `${l.chuxi} 春节`, // Tuesday
      `${l.chunjie} 春节`,
      '2028-01-27 春节',
      '2028-01-28 春节', // Friday
      `${l.qingming} 清明节`, // Tuesday
      '2028-05-01 劳动节', // Monday
      '2028-05-02 劳动节',
      `${l.duanwu} 端午节`, // Sunday
      '2028-05-29 端午节 补',
      '2028-10-01 国庆节', // Sunday
      '2028-10-02 国庆节',
      `${l.zhongqiu} 国庆节`, // also 中秋
      '2028-10-04 国庆节 补', // for 10-01 on a Sunday
      '2028-10-05 中秋节 补', // for 中秋 on a day already off
    ]);
  });

  it('refuses a year before the 2025 rules', () => {
    expect(() => statutoryDaysOff(2024)).toThrow(/before the 2025 rules/);
  });
});

describe('the calendar in a provisional year', () => {
  it('marks years after the package data (2026) as provisional', () => {
    expect(cal.isProvisional('2026-12-31')).toBe(false);
    expect(cal.isProvisional('2027-01-01')).toBe(true);
    expect(cal.isProvisional(sh('2026-12-31T23:30'))).toBe(false); // local date, not UTC
    expect(cal.isProvisional(sh('2027-01-01T00:30'))).toBe(true); // 2026-12-31 in UTC
    expect(cal.provisionalYears(2025, 2029)).toEqual([2027, 2028, 2029]);
  });

  it('2027 and 2028: the statutory days are days off; the days around them still work', () => {
    for (const y of [2027, 2028] as const) {
      const l = LUNAR[y];
      for (const d of [l.chuxi, l.chunjie, l.qingming, l.duanwu, l.zhongqiu, `${y}-01-01`, `${y}-05-01`, `${y}-10-01`]) {
        expect(cal.isWorkday(d), d).toBe(false);
      }
    }
    expect(cal.isWorkday('2027-01-04')).toBe(true); // Monday after 元旦
    expect(cal.isWorkday('2027-02-04')).toBe(true); // Thursday before 除夕
    expect(cal.isWorkday('2027-02-10')).toBe(false); // in lieu
    expect(cal.isWorkday('2027-02-11')).toBe(true);
    expect(cal.isWorkday('2027-04-06')).toBe(true);
    expect(cal.isWorkday('2027-06-08')).toBe(true);
    expect(cal.isWorkday('2027-09-16')).toBe(true);
    expect(cal.isWorkday('2027-10-06')).toBe(true);
    expect(cal.isWorkday('2027-02-20')).toBe(false); // no make-up Saturday can be known
    expect(cal.isWorkday('2028-01-03')).toBe(false); // in lieu of 元旦 on a Saturday
    expect(cal.isWorkday('2028-01-24')).toBe(true);
    expect(cal.isWorkday('2028-01-31')).toBe(true);
    expect(cal.isWorkday('2028-05-29')).toBe(false); // in lieu of 端午 on a Sunday
    expect(cal.isWorkday('2028-10-05')).toBe(false); // in lieu of 中秋 on National Day
    expect(cal.isWorkday('2028-10-06')).toBe(true);
  });

  it('a 5wd deadline started 2026-12-30 skips 2027-01-01', () => {
    // Wed 10:00: Wed 8 h, Thu 12-31 9 h, [Fri 01-01 元旦, weekend], Mon 9, Tue 9, Wed 9 = 44 h, Thu 1 h.
    const due = cal.dueAt('5wd', sh('2026-12-30T10:00'));
    expect(due).toEqual(sh('2027-01-07T10:00'));
    expect(cal.isProvisional(due)).toBe(true);
    expect(provisionalNote(cal, due, 'zh-CN')).toBe('按法定节假日推算，待国务院公布后校准');
    expect(provisionalNote(cal, cal.dueAt('1wd', sh('2026-12-30T10:00')), 'zh-CN')).toBeUndefined();
  });

  it('a 5wd deadline started early February 2027 skips the Spring Festival days', () => {
    // Thu 02-04 10:00: Thu 8 h, [02-05 … 02-10 off], Thu 02-11, Fri, Mon, Tue = 44 h, Wed 02-17 1 h.
    expect(cal.dueAt('5wd', sh('2027-02-04T10:00'))).toEqual(sh('2027-02-17T10:00'));
    // Started on 除夕 itself: counted from the next working morning, Thu 02-11 09:00.
    expect(cal.dueAt('5wd', sh('2027-02-05T10:00'))).toEqual(sh('2027-02-17T18:00'));
  });

  it('2028: a deadline across the Spring Festival and one across National Day and 中秋', () => {
    // Mon 2028-01-24 10:00: Mon 8 h, [01-25 … 01-28 off, weekend], Mon 01-31 … Thu 02-03 = 44 h, Fri 1 h.
    expect(cal.dueAt('5wd', sh('2028-01-24T10:00'))).toEqual(sh('2028-02-04T10:00'));
    // Fri 2028-09-29 17:30: 0.5 h, [weekend, 10-01 … 10-05 off], Fri 10-06 9 h, Mon … Wed 27 h, Thu 8.5 h.
    expect(cal.dueAt('5wd', sh('2028-09-29T17:30'))).toEqual(sh('2028-10-12T17:30'));
  });
});

describe('an official arrangement replaces the computation', () => {
  // A made-up arrangement in the usual shape (NOT the real 2027 notice, which is not out yet).
  const official = {
    2027: {
      holidays: ['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12', '2027-02-13'],
      workdays: ['2027-02-20'],
    },
  };
  const withOfficial = createCalendar({ ...base, official });

  it('the year is no longer provisional, the next one still is', () => {
    expect(withOfficial.isProvisional('2027-02-01')).toBe(false);
    expect(withOfficial.provisionalYears(2026, 2028)).toEqual([2028]);
    expect(withOfficial.isWorkday('2028-01-26')).toBe(false); // 2028 still computed
  });

  it('its days off and make-up days apply, and nothing else from the computation', () => {
    expect(withOfficial.isWorkday('2027-02-11')).toBe(false);
    expect(withOfficial.isWorkday('2027-02-20')).toBe(true); // make-up Saturday
    expect(withOfficial.isWorkday('2027-01-01')).toBe(true); // not listed in this made-up arrangement: a plain Friday
    // Thu 02-04 8 h, [02-05 … 02-14 off], Mon 02-15 … Thu 02-18 = 44 h, Fri 02-19 1 h.
    expect(withOfficial.dueAt('5wd', sh('2027-02-04T10:00'))).toEqual(sh('2027-02-19T10:00'));
    expect(cal.dueAt('5wd', sh('2027-02-04T10:00'))).toEqual(sh('2027-02-17T10:00'));
  });

  it('may start in the December before (a 元旦 break like 2017-12-30 … 2018-01-01), overriding the package there', () => {
    const c = createCalendar({ ...base, official: { 2027: { holidays: ['2026-12-31', '2027-01-01'], workdays: ['2026-12-27'] } } });
    expect(cal.isWorkday('2026-12-31')).toBe(true); // chinese-days: a plain Thursday
    expect(c.isWorkday('2026-12-31')).toBe(false);
    expect(c.isWorkday('2026-12-27')).toBe(true); // Sunday
    expect(c.isProvisional('2026-12-31')).toBe(false);
    expect(c.isProvisional('2027-03-01')).toBe(false);
  });

  it('company overrides still beat it', () => {
    const c = createCalendar({ ...base, official, extraWorkdays: ['2027-02-11'], extraHolidays: ['2027-02-20'] });
    expect(c.isWorkday('2027-02-11')).toBe(true);
    expect(c.isWorkday('2027-02-20')).toBe(false);
  });

  it('rejects an arrangement with dates outside its year, impossible dates or a day both off and on', () => {
    expect(() => createCalendar({ ...base, official: { 2027: { holidays: ['2028-01-01'], workdays: [] } } })).toThrow(/not in 2027/);
    expect(() => createCalendar({ ...base, official: { 2027: { holidays: ['2026-11-30'], workdays: [] } } })).toThrow(/not in 2027/);
    expect(() =>
      createCalendar({ ...base, official: { 2027: { holidays: ['2027-12-31'], workdays: [] }, 2028: { holidays: ['2028-01-01'], workdays: ['2027-12-31'] } } }),
    ).toThrow(/both/);
    expect(() => createCalendar({ ...base, official: { 2027: { holidays: ['2027-02-30'], workdays: [] } } })).toThrow(/YYYY-MM-DD/);
    expect(() => createCalendar({ ...base, official: { 2027: { holidays: ['2027-02-06'], workdays: ['2027-02-06'] } } })).toThrow(/both/);
    expect(() => createCalendar({ ...base, official: { '27': { holidays: ['2027-02-06'], workdays: [] } } })).toThrow(/not a year/);
  });
});

describe('saying so', () => {
  it('start-up warning lists the provisional years of this year and next', () => {
    expect(provisionalHorizon(cal, sh('2026-12-04T10:00'))).toEqual([2027]);
    expect(provisionalHorizon(cal, sh('2026-03-01T10:00'))).toEqual([2027]);
    expect(provisionalHorizon(cal, sh('2025-03-01T10:00'))).toEqual([]);
    expect(provisionalHorizon(cal, sh('2027-03-01T10:00'))).toEqual([2027, 2028]);
    expect(provisionalWarning(cal, sh('2026-12-04T10:00'))).toMatch(/no official holiday arrangement for 2027;.*calendar\.official/);
    expect(provisionalWarning(cal, sh('2025-03-01T10:00'))).toBeUndefined();
    const official = createCalendar({ ...base, official: { 2027: { holidays: ['2027-01-01'], workdays: [] } } });
    expect(provisionalWarning(official, sh('2026-12-04T10:00'))).toBeUndefined();
  });

  it('English note', () => {
    expect(provisionalNote(cal, sh('2027-01-07T10:00'), 'en')).toMatch(/^estimated from the statutory holidays/);
  });

  it('the approval card notes a deadline in a provisional year, and only then', () => {
    const dir = exampleDir();
    const s = submitted(dir);
    const step = s.steps[s.current!]!;
    const card = (d: Directory, dueAt: string, locale: 'zh-CN' | 'en' = 'zh-CN') => {
      step.dueAt = dueAt;
      return approvalCard(s, cardContext(d, locale)).markdown ?? '';
    };
    expect(card(dir, sh('2027-01-07T10:00').toISOString())).toContain('截止 2027-01-07 10:00（按法定节假日推算，待国务院公布后校准）');
    expect(card(dir, sh('2027-01-07T10:00').toISOString(), 'en')).toMatch(/due 2027-01-07 10:00 \(estimated from the statutory holidays/);
    expect(card(dir, sh('2026-12-31T10:00').toISOString())).not.toContain('推算');
    // Once the organisation file carries the 2027 arrangement, the note goes.
    const org = structuredClone(dir.org);
    org.organisation.calendar.official = { 2027: { holidays: ['2027-01-01'], workdays: [] } };
    expect(card(new Directory(org), sh('2027-01-07T10:00').toISOString())).not.toContain('推算');
    expect(calendarOptions(org.organisation).official).toEqual({ 2027: { holidays: ['2027-01-01'], workdays: [] } });
  });
});

describe('organisation file: calendar.official', () => {
  const withCalendar = (calendar: unknown): string => {
    const org = parse(readFileSync(EXAMPLE_ORG_FILE, 'utf8')) as { organisation: Record<string, unknown> };
    org.organisation.calendar = calendar;
    return stringify(org);
  };
  const problemsOf = (calendar: unknown): string[] => {
    try {
      parseOrg(withCalendar(calendar), 'org.yaml');
    } catch (err) {
      if (err instanceof OrgFileError) return err.problems;
      throw err;
    }
    return [];
  };

  it('accepts a year key (YAML number) and passes it to the calendar', () => {
    // A plain YAML number key, the way an admin would write it.
    const text = withCalendar({ official: { 2027: { holidays: ['2027-01-01'], workdays: ['2027-02-20'] } } }).replace('"2027":', '2027:');
    expect(text).toMatch(/^\s+2027:$/m);
    const org = parseOrg(text, 'org.yaml');
    expect(org.organisation.calendar).toEqual({ holidays: [], workdays: [], official: { 2027: { holidays: ['2027-01-01'], workdays: ['2027-02-20'] } } });
    const c = createCalendar(calendarOptions(org.organisation));
    expect(c.isProvisional('2027-06-01')).toBe(false);
    expect(c.isWorkday('2027-02-20')).toBe(true);
  });

  it('defaults to no official arrangement', () => {
    expect(parseOrg(withCalendar(undefined), 'org.yaml').organisation.calendar.official).toEqual({});
  });

  it('names each bad entry by path', () => {
    expect(problemsOf({ official: { 27: { holidays: ['2027-01-01'] } } })).toEqual(['organisation.calendar.official.27: use a year, e.g. 2027']);
    expect(problemsOf({ official: { 2027: { holidays: [] } } })).toEqual([expect.stringMatching(/^organisation\.calendar\.official\.2027\.holidays: /)]);
    expect(problemsOf({ official: { 2027: { holidays: ['2027-1-1'] } } })).toEqual(['organisation.calendar.official.2027.holidays[0]: use YYYY-MM-DD']);
    expect(problemsOf({ official: { 2027: { holidays: ['2028-01-01', '2027-02-30'], workdays: ['2027-02-20'], extra: 1 } } })).toEqual([
      expect.stringMatching(/^organisation\.calendar\.official\.2027: /),
    ]);
    expect(problemsOf({ official: { 2027: { holidays: ['2028-01-01', '2027-02-30', '2027-02-20'], workdays: ['2027-02-20'] } } })).toEqual([
      'organisation.calendar.official.2027.holidays[0]: 2028-01-01 is not in 2027 (or the December before)',
      'organisation.calendar.official.2027.holidays[1]: "2027-02-30" is not a real date',
      'organisation.calendar.official.2027.workdays[0]: 2027-02-20 is also listed as a holiday',
    ]);
  });
});
