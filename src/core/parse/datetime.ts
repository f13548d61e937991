// Dates and times typed in chat: "明天下午3点", "12月5日 14:00", "下周五上午", "周六全天",
// "2026/12/5 14:00", "12月5日 14:00-17:00", "tomorrow 3pm".
//
// How it works
//   1. prepare(): NFKC-fold, pull out 全天, turn 2026-12-05 into 2026/12/05 so that "-" can
//      only mean a range.
//   2. Split a range on 至/到/~/-/— (or " to ").
//   3. Each side is normalised (normaliseZh) and handed to chrono-node's zh.hans parser;
//      English text that zh cannot read goes to chrono's en parser.
//   4. chrono returns wall-clock components; we resolve the year / the day of time-only
//      phrases ourselves and convert the wall-clock time to an instant in ctx.timezone.
//
// chrono is used with a reference Date whose *process-local* fields equal the wall clock of
// ctx.now in ctx.timezone: chrono's zh parsers read refDate.getHours() / getDate() etc. and
// ignore any timezone option, so this is the only way to make them zone-correct. Its
// components are then read back as wall-clock values (never via chrono's .date()).
//
// What the normaliser fixes (each tested in test/unit/parse.test.ts):
//   - Weekdays (周五, 下周五, 这周五, 星期五, 礼拜五): chrono uses Sunday-first weeks
//     ("下周日" on a Monday is 6 days away), picks the *nearest* 周五 even if it is past,
//     and drops the weekday when merging "这周五下午". We rewrite them to explicit dates
//     using Monday-first weeks (see weekdayDate()).
//   - 今天/明天/后天…: chrono treats "明天" typed before 02:00 as "today" but "明天下午3点"
//     as tomorrow; we rewrite them to explicit dates so both mean the calendar day.
//   - Bare periods (上午, 下午, 晚上…): chrono either splits "下周五上午" into two results
//     or implies 06:00 for 上午; we append a default hour (PERIOD_DEFAULT_HOUR).
//   - 2026/12/5, 12/5, 12.5: not understood by chrono's zh parser; rewritten to 年月日.
//   - "2pm" after Chinese/ISO dates: rewritten to 下午2点.
//   - 中午1点 (chrono: 01:00) and 晚上12点 (chrono: noon) are corrected.
//   - Ranges are split by us: chrono's "下午2点到5点" ends at 05:00 the next day.
//   - chrono's forwardDate is not used: it moves "12月5日 9:00" typed at 10:00 on Dec 5 to
//     next year. Year and day inference is done in resolvePoint().
//   - 5号 / 下个月5号 (no month number) are not understood by chrono; see dayOfMonthDate().
//     On a future field (ctx.prefer 'future') a bare 15号 is the next 15th even with allowPast.
//   - A bare 晚 / 早 after a date or before a clock time ("周五晚7点", "下周三晚8点"): chrono
//     knows only 晚上 / 早上; rewritten (not in 晚会, 晚宴, 早餐 …).
//   - "下午2:00-5:00": a colon end is 24-hour for chrono; after a start with 下午/晚上 in words
//     it follows the start like "5点" does. "晚上10点到凌晨2点" ends the next day.
//   - "12月5日（周六）": chrono would read two dates; we drop the weekday and check it.
//   - 现在: chrono only *implies* the time, which would read as a date-only (all-day) value.
//   - English weekdays ("next friday") are mapped to the same week semantics as 下周五.
//   - 2月30日: chrono silently drops it; we say the date does not exist.
// chrono itself handles: M月D日 / 十二月五日 / YYYY年M月D日, clock times in all their forms
// (14:00, 3点, 三点半, 10点半, 15点30分, 14时, 3点整), 上午/下午/晚上/凌晨/中午 + time,
// merging a date with a time, relative durations (两小时后, 3天后) and the English phrases.
//
// Policy: "3点" with no 上午/下午 is rejected for hours 1–6 (03:00 is rarely meant, 15:00
// usually is; we ask instead of guessing); 7–12 are read as written (7点 = 07:00). Clock forms
// with a colon are 24-hour ("3:00" = 03:00).

import { en, zh } from 'chrono-node';
import type { ParsedResult } from 'chrono-node';
import { fail, normalizeInput, ok, type ParseContext, type ParseResult } from './types.js';
import {
  addDays,
  compareDates,
  daysBetween,
  instantOf,
  isoWeekday,
  isValidDate,
  wallTimeOf,
  zoneFormatter,
  type CalDate,
  type WallTime,
} from './zone.js';

export interface DateTimeValue {
  start: Date;
  /** Set for ranges and for all-day values (exclusive: midnight after the last day). */
  end?: Date;
  /** Date without a time of day. start = 00:00 of the first day, end = 00:00 after the last. */
  allDay: boolean;
}

export interface DateRangeValue {
  start: Date;
  end: Date;
  allDay: boolean;
}

/** Hour used when only a part of the day is given ("下周五上午" → 09:00). */
export const PERIOD_DEFAULT_HOUR: Readonly<Record<string, number>> = {
  早上: 8,
  上午: 9,
  中午: 12,
  下午: 14,
  傍晚: 18,
  晚上: 19,
};

const DT_EXAMPLE_ZH = '请输入日期和时间，例如：12月5日 14:00 或 明天下午3点';
const DT_EXAMPLE_EN = 'Please enter a date and time, e.g. 12月5日 14:00 or tomorrow 3pm';
const RANGE_EXAMPLE_ZH = '请输入开始和结束时间，例如：12月5日 14:00-17:00、周六全天 或 12月5日至12月6日';
const RANGE_EXAMPLE_EN = 'Please enter a start and an end, e.g. 12月5日 14:00-17:00, 周六全天 or 12月5日至12月6日';

const WEEKDAY_ZH = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];
const WEEKDAY_EN = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const WEEKDAY_CHAR: Readonly<Record<string, number>> = {
  一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7, 七: 7,
  '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 7,
};
const EN_WEEKDAY: Readonly<Record<string, number>> = { mon: 1, tues: 2, wednes: 3, thurs: 4, fri: 5, satur: 6, sun: 7 };
const ZH_SMALL_NUM: Readonly<Record<string, number>> = {
  一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10, 十一: 11, 十二: 12,
};

// Words around a date that carry no meaning for us ("大约明天下午3点开始吧").
const FILLER = /^(?:\s|[,.;:!?、(){}[\]]|的|在|于|从|自|约|大约|大概|左右|开始|举行|吧|哦|啊|呢|at|on|the|from)*$/i;

// ---------------------------------------------------------------------------------------
// Small helpers

type Fail = { ok: false; error: string; errorEn: string };

function calText(d: CalDate): string {
  return `${d.year}年${d.month}月${d.day}日`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function describe(instant: Date, fmt: Intl.DateTimeFormat, nowYear: number, withTime: boolean): { zh: string; en: string } {
  const w = wallTimeOf(instant, fmt);
  const wd = isoWeekday(w);
  const time = withTime ? ` ${pad2(w.hour)}:${pad2(w.minute)}` : '';
  const zhDate = `${w.year === nowYear ? '' : `${w.year}年`}${w.month}月${w.day}日（${WEEKDAY_ZH[wd]}）`;
  return {
    zh: `${zhDate}${time}`,
    en: `${w.year}-${pad2(w.month)}-${pad2(w.day)} (${WEEKDAY_EN[wd]})${time}`,
  };
}

function unreadable(text: string, zhExample: string, enExample: string): Fail {
  const shown = text.length > 30 ? `${text.slice(0, 30)}…` : text;
  return { ok: false, error: `没看懂“${shown}”。${zhExample}`, errorEn: `Could not read "${shown}". ${enExample}` };
}

// ---------------------------------------------------------------------------------------
// Step 1: preparation and range splitting

interface Prepared {
  text: string;
  allDay: boolean;
}

function prepare(raw: string): Prepared {
  let s = normalizeInput(raw).toLowerCase();
  // 2026-12-05 / 2026-12-05T14:00 → 2026/12/05 (so "-" is left to mean a range only).
  s = s.replace(/(\d{4})-(\d{1,2})-(\d{1,2})(?:t(?=\d))?/g, '$1/$2/$3 ');
  s = s.replace(/点钟/g, '点');
  let allDay = false;
  s = s.replace(/(?:一)?(?:全天|整天)|\ball[ -]?day\b/g, () => {
    allDay = true;
    return ' ';
  });
  return { text: s.replace(/\s+/g, ' ').trim(), allDay };
}

const RANGE_SEPARATOR = /\s*(?:至|到|~|〜|—+|–|-)\s*|\s+(?:to|until|till)\s+/g;

function splitRange(s: string): string[] | null {
  const parts = s.split(RANGE_SEPARATOR).map((p) => p.trim());
  if (parts.length > 2 || parts.some((p) => p === '')) return null;
  return parts;
}

// ---------------------------------------------------------------------------------------
// Step 2: Chinese normalisation

/**
 * Weekday semantics (weeks run Monday to Sunday, as on Chinese calendars):
 *   周五 / 星期五     – the coming Friday: today if today is Friday, else the next one.
 *   这周五 / 本周五   – Friday of the current week (may be in the past).
 *   下周五            – Friday of next week (Monday-first), e.g. from Mon 11-23 → 12-04,
 *                       from Sun 11-29 → 12-04 as well.
 *   下下周五 / 上周五 / 上上周五 – two weeks ahead / last week / two weeks back.
 */
export function weekdayDate(today: CalDate, prefix: string, weekday: number): CalDate {
  const todayWd = isoWeekday(today);
  const weeks: Record<string, number> = { 下下: 2, 下: 1, 这: 0, 本: 0, 上: -1, 上上: -2 };
  if (prefix === '') return addDays(today, (weekday - todayWd + 7) % 7);
  return addDays(today, (weeks[prefix] ?? 0) * 7 + weekday - todayWd);
}

const RELATIVE_DAY: Readonly<Record<string, number>> = {
  大后天: 3, 后天: 2, 后儿: 2, 明天: 1, 明日: 1, 明儿: 1, 今天: 0, 今日: 0, 今儿: 0,
  昨天: -1, 昨日: -1, 前天: -2, 大前天: -3,
};
const RELATIVE_PART: Readonly<Record<string, number>> = { 今: 0, 明: 1, 昨: -1 };

interface ZhNormalised {
  text: string;
  /** Weekday written next to an explicit date ("12月5日（周六）"), to be checked. */
  statedWeekday: number | null;
}

/**
 * "5号" / "15日" without a month: this month's day if it is still ahead (or today), else next
 * month's; when the nearest is wanted (allowPast without prefer: 'future'), whichever is nearer. "下个月5号" / "本月5号" name the month.
 */
function dayOfMonthDate(today: CalDate, day: number, monthWord: string | undefined, nearest: boolean): CalDate | null {
  const inMonth = (offset: number): CalDate | null => {
    const first = new Date(Date.UTC(today.year, today.month - 1 + offset, 1));
    const c = { year: first.getUTCFullYear(), month: first.getUTCMonth() + 1, day };
    return isValidDate(c.year, c.month, c.day) ? c : null;
  };
  if (monthWord) return inMonth(monthWord.startsWith('下') ? 1 : monthWord.startsWith('上') ? -1 : 0);
  const thisMonth = inMonth(0);
  if (thisMonth && compareDates(thisMonth, today) >= 0) return thisMonth;
  const next = inMonth(1);
  if (!nearest) return next;
  if (!thisMonth) return next;
  if (!next) return thisMonth;
  return Math.abs(daysBetween(today, thisMonth)) <= Math.abs(daysBetween(today, next)) ? thisMonth : next;
}

function normaliseZh(seg: string, now: WallTime, nearest: boolean): ZhNormalised | Fail {
  const today: CalDate = { year: now.year, month: now.month, day: now.day };
  let s = seg;
  let statedWeekday: number | null = null;
  let invalid: string | null = null;

  // 2026/12/5, 2026.12.5 → 2026年12月5日
  s = s.replace(/(\d{4})[/.](\d{1,2})[/.](\d{1,2})\s*[日号]?/g, (m, y: string, mo: string, d: string) => {
    if (!isValidDate(Number(y), Number(mo), Number(d))) invalid = m;
    return `${Number(y)}年${Number(mo)}月${Number(d)}日`;
  });
  // 12/5, 12.5 → 12月5日 (month first, the Chinese order)
  s = s.replace(/(?<![\d/.:])(\d{1,2})[/.](\d{1,2})(?![\d/.:])\s*[日号]?/g, (m, mo: string, d: string) => {
    if (!isValidDate(2000, Number(mo), Number(d))) invalid = m; // 2000 is a leap year: 2/29 ok
    return `${Number(mo)}月${Number(d)}日`;
  });
  // 2月30日 – chrono silently drops impossible dates; say what is wrong instead.
  for (const m of s.matchAll(/(?<!\d)(\d{1,2})月(\d{1,2})[日号]/g)) {
    if (!isValidDate(2000, Number(m[1]), Number(m[2]))) invalid ??= m[0];
  }
  if (invalid) {
    return { ok: false, error: `日期“${invalid}”不存在，请检查。${DT_EXAMPLE_ZH}`, errorEn: `"${invalid}" is not a valid date. ${DT_EXAMPLE_EN}` };
  }
  // 2pm, 2:30 pm → 下午2点30分
  s = s.replace(/(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?(?![a-z])/g, (_m, h: string, mi: string | undefined, ap: string) => {
    return `${ap === 'a' ? '上午' : '下午'}${Number(h)}点${mi ? `${Number(mi)}分` : ''}`;
  });
  // 12月5日（周六） – keep the date, remember the weekday for a consistency check.
  s = s.replace(
    /(\d{1,2}|[一二三四五六七八九十]{1,3})月(\d{1,2}|[一二三四五六七八九十]{1,3})[日号]\s*\(?\s*(?:周|星期|礼拜)([1-7一二三四五六日天])\s*\)?/g,
    (_m, mo: string, d: string, wd: string) => {
      statedWeekday = WEEKDAY_CHAR[wd] ?? null;
      return `${mo}月${d}日 `;
    },
  );
  // 现在 / 立即 / 马上: chrono implies (does not state) the time, which reads as date-only.
  s = s.replace(/现在|立刻|立即|马上/g, () => `${calText(today)}${now.hour}:${pad2(now.minute)}`);
  // English weekdays follow the same week semantics: "next friday" = 下周五,
  // "friday" / "this friday" = the coming Friday, "last friday" = 上周五.
  s = s.replace(/\b(?:(next|this|last)\s+)?(mon|tues|wednes|thurs|fri|satur|sun)day\b/g, (_m, mod: string | undefined, wd: string) => {
    const prefix = mod === 'next' ? '下' : mod === 'last' ? '上' : '';
    return ` ${calText(weekdayDate(today, prefix, EN_WEEKDAY[wd] ?? 1))} `;
  });
  s = s.replace(/\b(?:at|on)\b/g, ' ');
  // 5号 / 十五日 / 下个月5号 (a day of the month without the month number)
  s = s.replace(
    /(?<![月\d零〇一二两三四五六七八九十])(下个?月|上个?月|本月|这个?月)?(\d{1,2}|[一二三四五六七八九十]{1,3})[日号](?!\d)/g,
    (m, monthWord: string | undefined, d: string) => {
      const day = /^\d+$/.test(d) ? Number(d) : zhDay(d);
      const date = day === null ? null : dayOfMonthDate(today, day, monthWord, nearest);
      if (!date) {
        invalid ??= m;
        return m;
      }
      return calText(date);
    },
  );
  if (invalid) {
    return { ok: false, error: `日期“${invalid}”不存在，请检查。${DT_EXAMPLE_ZH}`, errorEn: `"${invalid}" is not a valid date. ${DT_EXAMPLE_EN}` };
  }
  // 今早 / 明晚 / 今晚上 → <date>早上 / <date>晚上
  s = s.replace(/(今|明|昨)(早上|早|晨|晚上|晚)/g, (_m, rel: string, part: string) => {
    const date = addDays(today, RELATIVE_PART[rel] ?? 0);
    return `${calText(date)}${part.startsWith('晚') ? '晚上' : '早上'}`;
  });
  // 今天 / 明天 / 后天 … → explicit date
  s = s.replace(/大后天|后天|后儿|明天|明日|明儿|今天|今日|今儿|大前天|前天|昨天|昨日/g, (m) => calText(addDays(today, RELATIVE_DAY[m] ?? 0)));
  // 周五 / 下周五 / 这个星期五 / 下礼拜天 → explicit date
  s = s.replace(/(下下|上上|下|上|这|本)?(?:个)?(?:周|星期|礼拜)([1-7一二三四五六日天])/g, (_m, prefix: string | undefined, wd: string) =>
    calText(weekdayDate(today, prefix ?? '', WEEKDAY_CHAR[wd] ?? 1)),
  );
  // Parts of the day: synonyms, then a default hour when no clock time follows.
  s = s.replace(/早晨|清晨/g, '早上').replace(/夜里|夜间|夜晚/g, '晚上');
  // A bare 晚 / 早 after a date or before a clock time ("周五晚7点", "下周三晚8点", "5号晚",
  // "晚8点"): chrono knows only 晚上 / 早上. Not 晚会, 晚宴, 早餐 … (names, not times).
  s = s.replace(/(^|[日号\s])晚(?![上间饭餐宴会安点])/g, '$1晚上').replace(/(^|[日号\s])早(?![上晨饭餐点])/g, '$1早上');
  s = s.replace(/傍晚(?=\s*[\d一二两三四五六七八九十])/g, '晚上');
  s = s.replace(/中午(?=\s*(?:[1-5]|[一两二三四五])\s*[点时:])/g, '下午'); // 中午1点 = 13:00
  s = s.replace(/(早上|上午|中午|下午|傍晚|晚上)(?!\s*[\d零〇一二两三四五六七八九十])/g, (m: string) => {
    const h = PERIOD_DEFAULT_HOUR[m] ?? 9;
    return `${m === '傍晚' ? '晚上' : m}${h > 12 ? h - 12 : h}点`;
  });
  return { text: s, statedWeekday };
}

// ---------------------------------------------------------------------------------------
// Step 3: chrono

interface RawPoint {
  year: number | null; // null when not stated
  month: number | null;
  day: number | null;
  weekday: number | null; // ISO weekday when only a weekday was stated (English path)
  hour: number | null;
  minute: number;
  /** 上午/下午/pm was stated, the hour is ≥ 12, or a 24-hour clock form (9:30) was used. */
  explicitMeridiem: boolean;
  /** A part of the day (上午, 下午, 晚上, pm …) was stated in words. */
  periodWord: boolean;
  statedWeekday: number | null;
  text: string;
}

const PERIOD_WORD = /早上|上午|中午|下午|傍晚|晚上|凌晨|\d\s*[ap]\.?m\b|\b(?:morning|afternoon|evening|tonight)\b/;

function leftoverIsFiller(text: string, r: ParsedResult): boolean {
  const rest = text.slice(0, r.index) + ' ' + text.slice(r.index + r.text.length);
  return FILLER.test(rest);
}

function toRawPoint(r: ParsedResult, text: string, statedWeekday: number | null): RawPoint {
  const c = r.start;
  const num = (k: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'weekday'): number | null => (c.isCertain(k) ? c.get(k) : null);
  const hour = num('hour');
  let h = hour;
  // chrono reads 晚上12点 as noon; in Chinese it is midnight at the end of that evening.
  if (h === 12 && /晚上\s*(?:12|十二)\s*[点时]/.test(text)) h = 24;
  const colon = /\d:\d{2}/.test(text);
  const jsWeekday = num('weekday');
  return {
    year: num('year'),
    month: num('month'),
    day: num('day'),
    weekday: jsWeekday === null ? null : jsWeekday === 0 ? 7 : jsWeekday,
    hour: h,
    minute: h === null ? 0 : (c.get('minute') ?? 0),
    explicitMeridiem: c.isCertain('meridiem') || colon,
    periodWord: PERIOD_WORD.test(text),
    statedWeekday,
    text,
  };
}

function chronoPoint(seg: string, now: WallTime, ref: Date, nearest: boolean, shown: string): RawPoint | Fail {
  const norm = normaliseZh(seg, now, nearest);
  if ('ok' in norm) return norm;
  const zhResults = zh.hans.casual.parse(norm.text, ref, { forwardDate: false });
  const [zr] = zhResults;
  if (zr && zhResults.length === 1 && !zr.end && leftoverIsFiller(norm.text, zr)) {
    return toRawPoint(zr, norm.text, norm.statedWeekday);
  }
  // English ("tomorrow 3pm", "dec 5 2pm", "next friday 10am").
  if (/[a-z]/.test(seg)) {
    const enResults = en.casual.parse(seg, ref, { forwardDate: false });
    const [er] = enResults;
    if (er && enResults.length === 1 && !er.end && leftoverIsFiller(seg, er)) return toRawPoint(er, seg, null);
  }
  return unreadable(shown, DT_EXAMPLE_ZH, DT_EXAMPLE_EN);
}

/** "6日" / "6号" on the end side of "12月5日至6日". */
function bareDay(seg: string): number | null {
  const m = /^(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号]$/.exec(seg);
  if (!m?.[1]) return null;
  return /^\d+$/.test(m[1]) ? Number(m[1]) : zhDay(m[1]);
}

function zhDay(s: string): number | null {
  if (ZH_SMALL_NUM[s] !== undefined) return ZH_SMALL_NUM[s];
  const m = /^([二三]?)十([一二三四五六七八九]?)$/.exec(s);
  if (!m) return null;
  return (m[1] ? (ZH_SMALL_NUM[m[1]] ?? 0) : 1) * 10 + (m[2] ? (ZH_SMALL_NUM[m[2]] ?? 0) : 0);
}

// ---------------------------------------------------------------------------------------
// Step 4: resolve a point to a calendar date + optional time

interface Point {
  date: CalDate;
  time: { hour: number; minute: number } | null;
  statedDate: boolean;
  /** The time was given with a part of the day in words (下午2:00): its end follows it. */
  periodWord: boolean;
}

function ambiguousHour(h: number): Fail {
  return {
    ok: false,
    error: `“${h}点”是上午还是下午？请写明，例如：下午${h}点 或 ${h + 12}:00`,
    errorEn: `Is "${h}点" in the morning or the afternoon? Please say which, e.g. 下午${h}点 or ${h + 12}:00`,
  };
}

/**
 * Fill in what the user left out:
 *   - no year ("12月5日"): the next such date on or after today; with allowPast, the nearest
 *     one (so "11月20日" typed on 11-23 is this year, "1月5日" typed in November is next year);
 *   - only a weekday (English "friday"): the coming one, as for 周五;
 *   - only a time ("下午3点", "17:00"): today, or tomorrow if that time has passed today
 *     (with allowPast: today).
 */
function resolvePoint(p: RawPoint, now: WallTime, ctx: ParseContext, inherit: Point | null): Point | Fail {
  const today: CalDate = { year: now.year, month: now.month, day: now.day };
  let date: CalDate;
  let statedDate = true;
  if (p.month !== null && p.day !== null) {
    let year = p.year ?? now.year;
    if (p.year === null) {
      if (inherit) {
        year = inherit.date.year;
        if (compareDates({ year, month: p.month, day: p.day }, inherit.date) < 0) year += 1;
      } else if (ctx.allowPast) {
        const candidates = [year - 1, year, year + 1].filter((y) => isValidDate(y, p.month ?? 1, p.day ?? 1));
        candidates.sort((a, b) => Math.abs(daysBetween(today, { year: a, month: p.month ?? 1, day: p.day ?? 1 })) - Math.abs(daysBetween(today, { year: b, month: p.month ?? 1, day: p.day ?? 1 })));
        year = candidates[0] ?? year;
      } else {
        for (let i = 0; i < 4 && (!isValidDate(year, p.month, p.day) || compareDates({ year, month: p.month, day: p.day }, today) < 0); i++) year += 1;
      }
    }
    if (!isValidDate(year, p.month, p.day)) {
      return { ok: false, error: `日期不存在：${p.month}月${p.day}日。${DT_EXAMPLE_ZH}`, errorEn: `There is no such date: ${year}-${p.month}-${p.day}. ${DT_EXAMPLE_EN}` };
    }
    date = { year, month: p.month, day: p.day };
  } else if (p.weekday !== null) {
    date = weekdayDate(today, '', p.weekday);
  } else if (inherit) {
    date = inherit.date;
    statedDate = false;
  } else {
    statedDate = false;
    date = today;
    if (p.hour !== null && !ctx.allowPast && p.hour * 60 + p.minute < now.hour * 60 + now.minute) date = addDays(today, 1);
  }

  if (p.statedWeekday !== null && isoWeekday(date) !== p.statedWeekday) {
    const actual = WEEKDAY_ZH[isoWeekday(date)] ?? '';
    const stated = WEEKDAY_ZH[p.statedWeekday] ?? '';
    return {
      ok: false,
      error: `${date.month}月${date.day}日是${actual}，不是${stated}，请核对日期`,
      errorEn: `${date.year}-${pad2(date.month)}-${pad2(date.day)} is a ${WEEKDAY_EN[isoWeekday(date)]}, not a ${WEEKDAY_EN[p.statedWeekday]}; please check the date`,
    };
  }

  let time: Point['time'] = null;
  if (p.hour !== null) {
    let hour = p.hour;
    const startTime = inherit?.time;
    // "下午2:00-5:00": a colon end after a start with 下午/晚上 in words is read like "5点".
    const followsStart = !p.explicitMeridiem || (!p.periodWord && !!inherit?.periodWord);
    if (followsStart && startTime && !statedDate) {
      // End of "下午2点到5点" / "晚上7点到9点" / "上午10点到2点" / "下午2:00-5:00": without
      // 上午/下午 the end takes the reading that comes after the start on the same day.
      const startMinutes = startTime.hour * 60 + startTime.minute;
      if (hour < 12 && hour * 60 + p.minute <= startMinutes && (hour + 12) * 60 + p.minute > startMinutes) hour += 12;
    } else if (!p.explicitMeridiem && hour >= 1 && hour <= 6) {
      // "3点" alone: 03:00 is almost never meant, 15:00 usually is — ask rather than guess.
      return ambiguousHour(hour);
    }
    time = { hour, minute: p.minute };
    // "晚上10点到凌晨2点": 凌晨 after an evening start is the small hours of the next day.
    if (startTime && !statedDate && /凌晨/.test(p.text) && hour * 60 + p.minute <= startTime.hour * 60 + startTime.minute) date = addDays(date, 1);
  }
  return { date, time, statedDate, periodWord: p.periodWord };
}

// ---------------------------------------------------------------------------------------
// Public API

function parseSpan(text: string, ctx: ParseContext): ParseResult<DateTimeValue> {
  const fmt = zoneFormatter(ctx.timezone);
  if (!fmt) return fail(`时区设置无效：${ctx.timezone}，请联系管理员`, `Invalid time zone setting: ${ctx.timezone}; please contact the administrator`);
  if (Number.isNaN(ctx.now.getTime())) return fail('系统时间无效，请稍后再试', 'The reference time is invalid; please try again later');

  const prepared = prepare(text);
  if (!prepared.text) {
    return prepared.allDay
      ? fail('请写明哪一天全天，例如：周六全天 或 12月5日全天', 'Please say which day, e.g. 周六全天 or 12月5日全天')
      : fail(DT_EXAMPLE_ZH, DT_EXAMPLE_EN);
  }
  const parts = splitRange(prepared.text);
  if (!parts) return unreadable(text.trim(), RANGE_EXAMPLE_ZH, RANGE_EXAMPLE_EN);

  const now = wallTimeOf(ctx.now, fmt);
  // chrono reads the reference with local-time getters; give it the zone's wall clock.
  const ref = new Date(now.year, now.month - 1, now.day, now.hour, now.minute, now.second);

  const [firstText = '', secondText] = parts;
  const nearest = (ctx.allowPast ?? false) && ctx.prefer !== 'future';
  const shown = normalizeInput(text);
  const first = chronoPoint(firstText, now, ref, nearest, shown);
  if ('ok' in first) return first;
  const start = resolvePoint(first, now, ctx, null);
  if ('ok' in start) return start;

  let end: Point | null = null;
  if (secondText !== undefined) {
    const day = bareDay(secondText);
    let raw: RawPoint | Fail;
    if (day !== null) {
      raw = { year: null, month: start.date.month, day, weekday: null, hour: null, minute: 0, explicitMeridiem: false, periodWord: false, statedWeekday: null, text: secondText };
    } else {
      raw = chronoPoint(secondText, now, ref, nearest, shown);
    }
    if ('ok' in raw) return raw;
    const resolved = resolvePoint(raw, now, ctx, start);
    if ('ok' in resolved) return resolved;
    end = resolved;
  }

  const nowYear = now.year;
  const hasTime = start.time !== null || (end?.time ?? null) !== null;
  if (end && (start.time === null) !== (end.time === null)) {
    return fail(
      '开始和结束要么都写时间，要么都只写日期，例如：12月5日 14:00 至 12月6日 12:00 或 12月5日至12月6日',
      'Give times for both the start and the end, or dates only for both, e.g. 12月5日 14:00 至 12月6日 12:00 or 12月5日至12月6日',
    );
  }
  if (prepared.allDay && hasTime) {
    return fail('“全天”不用再写时间，例如：周六全天 或 周六 9:00-17:00', 'An all-day value has no time of day, e.g. 周六全天 or 周六 9:00-17:00');
  }

  let value: DateTimeValue;
  if (!hasTime) {
    const lastDay = end ? end.date : start.date;
    value = {
      start: instantOf(start.date, 0, 0, fmt),
      end: instantOf(addDays(lastDay, 1), 0, 0, fmt),
      allDay: true,
    };
  } else {
    const s = instantOf(start.date, start.time?.hour ?? 0, start.time?.minute ?? 0, fmt);
    value = { start: s, allDay: false };
    if (end) value.end = instantOf(end.date, end.time?.hour ?? 0, end.time?.minute ?? 0, fmt);
  }

  if (value.end && value.end.getTime() <= value.start.getTime()) {
    const a = describe(value.start, fmt, nowYear, !value.allDay);
    const b = describe(value.allDay ? addMsDate(value.end, -1) : value.end, fmt, nowYear, !value.allDay);
    return fail(
      `结束时间（${b.zh}）需晚于开始时间（${a.zh}），例如：12月5日 14:00-17:00`,
      `The end (${b.en}) must be after the start (${a.en}), e.g. 12月5日 14:00-17:00`,
    );
  }
  if (!ctx.allowPast) {
    // Compared to the minute: "现在" / "今天10:00" typed at 10:00:40 is not in the past.
    const nowMinute = Math.floor(ctx.now.getTime() / 60_000) * 60_000;
    const past = value.allDay ? (value.end ?? value.start).getTime() <= nowMinute : value.start.getTime() < nowMinute;
    if (past) {
      const d = describe(value.start, fmt, nowYear, !value.allDay);
      return fail(
        `${d.zh}已经过去了，请输入将来的时间，例如：明天下午3点`,
        `${d.en} is in the past; please enter a future time, e.g. tomorrow 3pm`,
      );
    }
  }
  return ok(value);
}

function addMsDate(d: Date, ms: number): Date {
  return new Date(d.getTime() + ms);
}

/**
 * A point in time, a range, or a whole day. Date-only input ("下周五", "周六全天") is
 * all-day: start = 00:00 that day, end = 00:00 the next day (exclusive), in ctx.timezone.
 * A time without a date ("下午3点") is today, or tomorrow if that time has passed.
 */
export function parseDateTime(text: string, ctx: ParseContext): ParseResult<DateTimeValue> {
  return parseSpan(text, ctx);
}

/**
 * A range with both ends: "12月5日 14:00-17:00", "12月5日下午2点到5点", "周六全天",
 * "12月5日至12月6日" (all-day, end exclusive), "12月5日 14:00 至 12月6日 12:00".
 * The end side inherits the start's date, and its 上午/下午 when left out.
 */
export function parseDateRange(text: string, ctx: ParseContext): ParseResult<DateRangeValue> {
  const r = parseSpan(text, ctx);
  if (!r.ok) return r;
  const { start, end, allDay } = r.value;
  if (!end) {
    return fail(`请同时写明结束时间。${RANGE_EXAMPLE_ZH}`, `Please include an end time. ${RANGE_EXAMPLE_EN}`);
  }
  return ok({ start, end, allDay });
}
