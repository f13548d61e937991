import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseBudgetItems,
  parseChoice,
  parseCount,
  parseDateRange,
  parseDateTime,
  parseMoney,
  parseMultiline,
  type ParseContext,
  type ParseResult,
} from '../../src/core/parse/index.js';

// Reference instant: Monday 2026-11-23 10:00 in Asia/Shanghai (UTC+8, no DST).
const TZ = 'Asia/Shanghai';
const NOW = new Date('2026-11-23T10:00:00+08:00');
const ctx: ParseContext = { now: NOW, timezone: TZ };

/** An instant given as Shanghai wall-clock "YYYY-MM-DD HH:MM". */
function sh(wall: string): Date {
  return new Date(`${wall.replace(' ', 'T')}:00+08:00`);
}

function expectOk<T>(r: ParseResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got error: ${r.error}`);
  return r.value;
}

function expectError<T>(r: ParseResult<T>): { error: string; errorEn: string } {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  expect(r.errorEn.length).toBeGreaterThan(0);
  return r;
}

describe('reference date', () => {
  it('2026-11-23 is a Monday', () => {
    expect(new Date(Date.UTC(2026, 10, 23)).getUTCDay()).toBe(1);
  });
});

describe('parseDateTime: points in time (now = Mon 2026-11-23 10:00 Asia/Shanghai)', () => {
  const cases: Array<[string, string]> = [
    ['明天下午3点', '2026-11-24 15:00'],
    ['后天上午10点半', '2026-11-25 10:30'],
    ['12月5日 14:00', '2026-12-05 14:00'],
    ['12月5日下午两点', '2026-12-05 14:00'],
    ['下周五上午', '2026-12-04 09:00'],
    ['2026-12-05 14:00', '2026-12-05 14:00'],
    ['2026/12/5 14:00', '2026-12-05 14:00'],
    ['今天17:00', '2026-11-23 17:00'],
    ['晚上8点', '2026-11-23 20:00'],
    ['中午12点', '2026-11-23 12:00'],
    ['12.5 14:00', '2026-12-05 14:00'],
    ['2026-12-05 2pm', '2026-12-05 14:00'],
    ['tomorrow 3pm', '2026-11-24 15:00'],
    ['明天上午', '2026-11-24 09:00'],
    ['明天下午', '2026-11-24 14:00'],
    ['明晚8点', '2026-11-24 20:00'],
    ['明早9点', '2026-11-24 09:00'],
    ['今晚', '2026-11-23 19:00'],
    ['12月5号下午3点', '2026-12-05 15:00'],
    ['2026年12月5日下午3点', '2026-12-05 15:00'],
    ['十二月五日下午三点半', '2026-12-05 15:30'],
    ['12月5日晚上7点半', '2026-12-05 19:30'],
    ['下周一 9:00', '2026-11-30 09:00'],
    ['下周五下午2点', '2026-12-04 14:00'],
    ['星期五下午三点', '2026-11-27 15:00'],
    ['这周五下午', '2026-11-27 14:00'],
    ['周三 14:30', '2026-11-25 14:30'],
    ['下午3点', '2026-11-23 15:00'], // time only, still ahead today
    ['早上8点', '2026-11-24 08:00'], // time only, already passed today → tomorrow
    ['9:30', '2026-11-24 09:30'],
    ['中午1点', '2026-11-23 13:00'],
    ['晚上12点', '2026-11-24 00:00'], // midnight at the end of the evening
    ['１２月５日　１４：００', '2026-12-05 14:00'], // full-width IME input
    ['2026-12-05T14:00', '2026-12-05 14:00'],
    ['12/5 14:00', '2026-12-05 14:00'],
    ['1月5日 10:00', '2027-01-05 10:00'], // no year, already past this year → next year
    ['12月5日（周六）下午3点', '2026-12-05 15:00'],
    ['大约明天下午3点左右', '2026-11-24 15:00'],
    ['现在', '2026-11-23 10:00'],
    ['next friday 10am', '2026-12-04 10:00'],
    ['friday at 3pm', '2026-11-27 15:00'],
    ['dec 5 2pm', '2026-12-05 14:00'],
    ['明天14点', '2026-11-24 14:00'],
    ['明天下午3点整', '2026-11-24 15:00'],
    ['12月5日下午2点30分', '2026-12-05 14:30'],
    ['下个星期三上午10点', '2026-12-02 10:00'],
    ['礼拜天下午', '2026-11-29 14:00'],
    ['后天傍晚', '2026-11-25 18:00'],
    ['明天下午3点钟', '2026-11-24 15:00'],
    ['2026.12.5 9:00', '2026-12-05 09:00'],
    ['5号下午3点', '2026-12-05 15:00'], // day of month already past → next month
    ['25号下午', '2026-11-25 14:00'], // still ahead this month
    ['本月30日 14:00', '2026-11-30 14:00'],
    ['下月1号上午10点', '2026-12-01 10:00'],
    ['12月5日14点', '2026-12-05 14:00'],
    ['两小时后', '2026-11-23 12:00'], // chrono's own relative-duration parser
  ];
  it.each(cases)('%s → %s', (text, wall) => {
    const v = expectOk(parseDateTime(text, ctx));
    expect(v.start.toISOString()).toBe(sh(wall).toISOString());
    expect(v.allDay).toBe(false);
    expect(v.end).toBeUndefined();
  });
});

describe('parseDateTime: dates without a time are all-day (start 00:00, end 00:00 next day)', () => {
  const cases: Array<[string, string, string]> = [
    ['下周五', '2026-12-04', '2026-12-05'],
    ['周六全天', '2026-11-28', '2026-11-29'],
    ['12月5日', '2026-12-05', '2026-12-06'],
    ['今天', '2026-11-23', '2026-11-24'], // today is not "past" until it has ended
    ['明天全天', '2026-11-24', '2026-11-25'],
    ['1月5日', '2027-01-05', '2027-01-06'],
    ['下个月5号', '2026-12-05', '2026-12-06'],
    ['31号', '2026-12-31', '2027-01-01'], // November has no 31st
    ['12月5日(周六)全天', '2026-12-05', '2026-12-06'],
  ];
  it.each(cases)('%s → %s', (text, first, next) => {
    const v = expectOk(parseDateTime(text, ctx));
    expect(v.allDay).toBe(true);
    expect(v.start.toISOString()).toBe(sh(`${first} 00:00`).toISOString());
    expect(v.end?.toISOString()).toBe(sh(`${next} 00:00`).toISOString());
  });
});

describe('parseDateRange', () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['12月5日 14:00-17:00', '2026-12-05 14:00', '2026-12-05 17:00', false],
    ['12月5日下午2点到5点', '2026-12-05 14:00', '2026-12-05 17:00', false],
    ['12月5日至12月6日', '2026-12-05 00:00', '2026-12-07 00:00', true],
    ['周六全天', '2026-11-28 00:00', '2026-11-29 00:00', true],
    ['12月5日 14:00 至 12月6日 12:00', '2026-12-05 14:00', '2026-12-06 12:00', false],
    ['明天14:00-16:30', '2026-11-24 14:00', '2026-11-24 16:30', false],
    ['晚上7点到9点', '2026-11-23 19:00', '2026-11-23 21:00', false],
    ['12月5日至6日', '2026-12-05 00:00', '2026-12-07 00:00', true],
    ['周六 9:00~12:00', '2026-11-28 09:00', '2026-11-28 12:00', false],
    ['明天上午10点到12点', '2026-11-24 10:00', '2026-11-24 12:00', false],
    ['明天上午10点到2点', '2026-11-24 10:00', '2026-11-24 14:00', false],
    ['周一至周五', '2026-11-23 00:00', '2026-11-28 00:00', true],
    ['12月30日至1月2日', '2026-12-30 00:00', '2027-01-03 00:00', true],
    ['tomorrow 3pm to 5pm', '2026-11-24 15:00', '2026-11-24 17:00', false],
    ['明天下午2点半-4点', '2026-11-24 14:30', '2026-11-24 16:00', false],
    ['下午3点到明天上午10点', '2026-11-23 15:00', '2026-11-24 10:00', false],
    ['12月5日 14:00—17:00', '2026-12-05 14:00', '2026-12-05 17:00', false],
  ];
  it.each(cases)('%s → %s .. %s', (text, a, b, allDay) => {
    const v = expectOk(parseDateRange(text, ctx));
    expect(v.start.toISOString()).toBe(sh(a).toISOString());
    expect(v.end.toISOString()).toBe(sh(b).toISOString());
    expect(v.allDay).toBe(allDay);
  });

  it('parseDateTime also returns the end of a range', () => {
    const v = expectOk(parseDateTime('12月5日 14:00-17:00', ctx));
    expect(v.end?.toISOString()).toBe(sh('2026-12-05 17:00').toISOString());
  });
});

describe('relative weeks: 周X = the coming X (today counts), 下周X = X of next Monday-first week', () => {
  const nows: Record<string, Date> = {
    Mon: sh('2026-11-23 08:00'),
    Wed: sh('2026-11-25 08:00'),
    Fri: sh('2026-11-27 08:00'),
    Sat: sh('2026-11-28 08:00'),
    Sun: sh('2026-11-29 08:00'),
  };
  const cases: Array<[string, string, string]> = [
    ['Mon', '周五', '2026-11-27'],
    ['Wed', '周五', '2026-11-27'],
    ['Fri', '周五', '2026-11-27'],
    ['Sat', '周五', '2026-12-04'],
    ['Sun', '周五', '2026-12-04'],
    ['Mon', '下周五', '2026-12-04'],
    ['Wed', '下周五', '2026-12-04'],
    ['Fri', '下周五', '2026-12-04'],
    ['Sat', '下周五', '2026-12-04'],
    ['Sun', '下周五', '2026-12-04'],
    ['Mon', '下周日', '2026-12-06'],
    ['Sun', '下周日', '2026-12-06'],
    ['Mon', '周日', '2026-11-29'],
    ['Sun', '周日', '2026-11-29'],
    ['Sun', '下周一', '2026-11-30'],
    ['Mon', '下下周一', '2026-12-07'],
    ['Wed', '本周五', '2026-11-27'],
    ['Sat', '这周日', '2026-11-29'],
  ];
  it.each(cases)('on %s, %s → %s', (day, text, date) => {
    const now = nows[day];
    if (!now) throw new Error(day);
    const v = expectOk(parseDateTime(text, { now, timezone: TZ }));
    expect(v.allDay).toBe(true);
    expect(v.start.toISOString()).toBe(sh(`${date} 00:00`).toISOString());
  });

  it('这周一 on a Wednesday is in the past (allowed with allowPast)', () => {
    const now = sh('2026-11-25 08:00');
    const e = expectError(parseDateTime('这周一', { now, timezone: TZ }));
    expect(e.error).toContain('已经过去');
    const v = expectOk(parseDateTime('这周一', { now, timezone: TZ, allowPast: true }));
    expect(v.start.toISOString()).toBe(sh('2026-11-23 00:00').toISOString());
  });
});

describe('parseDateTime: time zones and the clock', () => {
  it('interprets wall-clock text in ctx.timezone (New York)', () => {
    const now = new Date('2026-11-23T10:00:00-05:00');
    const v = expectOk(parseDateTime('明天下午3点', { now, timezone: 'America/New_York' }));
    expect(v.start.toISOString()).toBe(new Date('2026-11-24T15:00:00-05:00').toISOString());
  });

  it('crosses a DST change correctly (New York, 2026-03-08)', () => {
    const now = new Date('2026-03-07T10:00:00-05:00');
    const v = expectOk(parseDateTime('明天下午3点', { now, timezone: 'America/New_York' }));
    expect(v.start.toISOString()).toBe(new Date('2026-03-08T15:00:00-04:00').toISOString());
  });

  it('uses the local date, not the UTC date (00:30 in Shanghai is the previous day in UTC)', () => {
    const now = sh('2026-11-23 00:30');
    const a = expectOk(parseDateTime('明天', { now, timezone: TZ }));
    expect(a.start.toISOString()).toBe(sh('2026-11-24 00:00').toISOString());
    const b = expectOk(parseDateTime('明天上午9点', { now, timezone: TZ }));
    expect(b.start.toISOString()).toBe(sh('2026-11-24 09:00').toISOString());
    const c = expectOk(parseDateTime('今天下午3点', { now, timezone: TZ }));
    expect(c.start.toISOString()).toBe(sh('2026-11-23 15:00').toISOString());
  });

  it('allowPast picks the nearest year for a date without one', () => {
    const past = expectOk(parseDateTime('11月20日 14:00', { ...ctx, allowPast: true }));
    expect(past.start.toISOString()).toBe(sh('2026-11-20 14:00').toISOString());
    const ahead = expectOk(parseDateTime('1月5日', { ...ctx, allowPast: true }));
    expect(ahead.start.toISOString()).toBe(sh('2027-01-05 00:00').toISOString());
    const lastFriday = expectOk(parseDateTime('上周五下午3点', { ...ctx, allowPast: true }));
    expect(lastFriday.start.toISOString()).toBe(sh('2026-11-20 15:00').toISOString());
  });

  it('a time typed at the current minute is not in the past', () => {
    const now = new Date('2026-11-23T10:00:45+08:00');
    expectOk(parseDateTime('今天10:00', { now, timezone: TZ }));
  });
});

describe('parseDateTime / parseDateRange: errors', () => {
  const cases: Array<[string, string, ParseContext?]> = [
    ['', '例如：12月5日 14:00'],
    ['随便什么时候', '例如：12月5日 14:00 或 明天下午3点'],
    ['下周', '例如'],
    ['3点', '上午还是下午'],
    ['明天3点', '例如：下午3点 或 15:00'],
    ['上周五', '11月20日（周五）已经过去了'],
    ['今天9:00', '11月23日（周一） 09:00已经过去了'],
    ['12月5日（周五）', '12月5日是周六，不是周五'],
    ['2月30日', '不存在'],
    ['13/5 14:00', '不存在'],
    ['12月5日 17:00-14:00', '需晚于开始时间'],
    ['12月5日 14:00至12月6日', '都写时间'],
    ['周六全天 9点', '全天'],
    ['全天', '哪一天'],
    ['明天下午3点到5点到6点', '例如：12月5日 14:00-17:00'],
    ['12-5 14:00', '没看懂“12-5 14:00”'],
    ['元旦', '例如：12月5日 14:00'],
    ['明天下午3点', '时区设置无效', { now: NOW, timezone: 'Mars/Olympus' }],
  ];
  it.each(cases)('%s → error mentioning "%s"', (text, expected, c) => {
    const e = expectError(parseDateTime(text, c ?? ctx));
    expect(e.error).toContain(expected);
  });

  it('parseDateRange requires an end', () => {
    const e = expectError(parseDateRange('明天下午3点', ctx));
    expect(e.error).toContain('结束时间');
    expect(e.error).toContain('例如：12月5日 14:00-17:00');
    expect(e.errorEn).toContain('end');
  });

  it('errors come with English text', () => {
    const e = expectError(parseDateTime('上周五', ctx));
    expect(e.errorEn).toContain('2026-11-20 (Fri) is in the past');
  });
});

describe('parseMoney', () => {
  const cases: Array<[string, number]> = [
    ['¥2,000', 2000],
    ['2000元', 2000],
    ['2k', 2000],
    ['2K', 2000],
    ['1.5万', 15000],
    ['两千', 2000],
    ['两千五百元', 2500],
    ['3,000.50', 3000.5],
    ['RMB 500', 500],
    ['五百块', 500],
    ['￥１，２３４.５６', 1234.56],
    ['500 RMB', 500],
    ['两千五', 2500],
    ['一万二', 12000],
    ['三块五', 3.5],
    ['贰仟伍佰元整', 2500],
    ['1万2千', 12000],
    ['99.9', 99.9],
    ['0.01', 0.01],
    ['3元5角', 3.5],
    ['1.5w', 15000],
    ['人民币800元', 800],
    ['一百零五元', 105],
    ['1,234,567.89元', 1234567.89],
    ['三千二百五十块钱', 3250],
  ];
  it.each(cases)('%s → %d', (text, yuan) => {
    expect(expectOk(parseMoney(text))).toBe(yuan);
  });

  const errors: Array<[string, string]> = [
    ['-500', '大于 0'],
    ['负100', '大于 0'],
    ['0', '大于 0'],
    ['0元', '大于 0'],
    ['3.505', '两位小数'],
    ['abc', '例如：2000'],
    ['', '例如：2000'],
    ['1,2000', '例如：2000'],
    ['2000-3000', '例如：2000'],
    ['两千多', '例如：2000'],
  ];
  it.each(errors)('%s → error mentioning "%s"', (text, expected) => {
    expect(expectError(parseMoney(text)).error).toContain(expected);
  });
});

describe('parseCount', () => {
  const cases: Array<[string, number]> = [
    ['50', 50],
    ['50人', 50],
    ['五十人', 50],
    ['约80人', 80],
    ['80人左右', 80],
    ['共12位', 12],
    ['1,200名', 1200],
    ['二十五名', 25],
    ['一百零八人', 108],
    ['大概三十个人', 30],
    ['１５人', 15],
  ];
  it.each(cases)('%s → %d', (text, n) => {
    expect(expectOk(parseCount(text))).toBe(n);
  });

  const errors: Array<[string, string]> = [
    ['0', '大于 0'],
    ['-5', '大于 0'],
    ['2.5人', '整数'],
    ['很多人', '例如：50'],
    ['', '例如：50'],
  ];
  it.each(errors)('%s → error mentioning "%s"', (text, expected) => {
    expect(expectError(parseCount(text)).error).toContain(expected);
  });
});

describe('parseChoice', () => {
  const options = [
    { value: 'meeting-a', label: '会议室A' },
    { value: 'hall', label: '多功能厅' },
    { value: 'online', label: '线上 Online' },
    { value: 'meeting-b', label: '会议室B' },
  ] as const;
  const cases: Array<[string, string]> = [
    ['2', 'hall'],
    ['第3个', 'online'],
    ['二', 'hall'],
    ['(4)', 'meeting-b'],
    ['多功能厅', 'hall'],
    ['HALL', 'hall'],
    ['多功能', 'hall'],
    ['online', 'online'],
    ['线上', 'online'],
    ['会议室b', 'meeting-b'],
    ['  1。', 'meeting-a'],
  ];
  it.each(cases)('%s → %s', (text, value) => {
    expect(expectOk(parseChoice(text, options))).toBe(value);
  });

  it('an exact label beats the option number', () => {
    const opts = [
      { value: 'x', label: '1' },
      { value: 'y', label: '2' },
    ];
    expect(expectOk(parseChoice('2', opts))).toBe('y');
  });

  const errors: Array<[string, string]> = [
    ['会议室', '多个选项'],
    ['9', '没有第 9 项'],
    ['食堂', '没有找到“食堂”'],
    ['', '例如：1 或 会议室A'],
  ];
  it.each(errors)('%s → error mentioning "%s"', (text, expected) => {
    const e = expectError(parseChoice(text, options));
    expect(e.error).toContain(expected);
  });
});

describe('parseBudgetItems', () => {
  const cases: Array<[string, Array<{ item: string; amount: number }>]> = [
    ['场地 3000, 物料 1200', [{ item: '场地', amount: 3000 }, { item: '物料', amount: 1200 }]],
    // "2k" is read but not certain (see readBudget): parseBudgetItems keeps certain readings only.
    ['场地3000元；餐饮 2千', [{ item: '场地', amount: 3000 }, { item: '餐饮', amount: 2000 }]],
    ['1. 场地：3000\n2. 物料：1,200元', [{ item: '场地', amount: 3000 }, { item: '物料', amount: 1200 }]],
    ['场地费 1,200, 物料 300，茶歇 500元', [{ item: '场地费', amount: 1200 }, { item: '物料', amount: 300 }, { item: '茶歇', amount: 500 }]],
    ['- 场地: 1.5万\n- 餐饮: 两千', [{ item: '场地', amount: 15000 }, { item: '餐饮', amount: 2000 }]],
    ['1、场地 3000\n2、物料 500', [{ item: '场地', amount: 3000 }, { item: '物料', amount: 500 }]],
    ['场地 3000\r\n物料 1200\r\n合计 4200', [{ item: '场地', amount: 3000 }, { item: '物料', amount: 1200 }]],
    ['打印A4纸 200、交通 ¥1,200.50', [{ item: '打印A4纸', amount: 200 }, { item: '交通', amount: 1200.5 }]],
  ];
  it.each(cases)('%j', (text, items) => {
    expect(expectOk(parseBudgetItems(text))).toEqual(items);
  });

  const errors: Array<[string, string]> = [
    ['场地\n物料 1200', '“场地”缺少金额'],
    ['场地 3000\n物料 1200\n合计 5000', '不一致'],
    ['', '例如：场地 3000'],
    ['场地 -300', '大于 0'],
  ];
  it.each(errors)('%j → error mentioning "%s"', (text, expected) => {
    expect(expectError(parseBudgetItems(text)).error).toContain(expected);
  });
});

describe('parseMultiline', () => {
  it('trims, unifies line endings and keeps newlines', () => {
    expect(expectOk(parseMultiline('  第一行  \r\n第二行\n\n\n\n第三行 \n'))).toBe('第一行\n第二行\n\n第三行');
  });
  it('rejects empty text', () => {
    expect(expectError(parseMultiline('  \n ')).error).toContain('不能为空');
  });
  it('enforces minLength in characters', () => {
    expect(expectError(parseMultiline('太短', { minLength: 5 })).error).toContain('至少需要 5 个字');
    expect(expectOk(parseMultiline('刚好五个字', { minLength: 5 }))).toBe('刚好五个字');
  });
  it('enforces maxLength in characters', () => {
    expect(expectError(parseMultiline('一二三四五六', { maxLength: 5 })).error).toContain('最多 5 个字');
  });
});

describe('parsers never throw on arbitrary input', () => {
  const tokens = ['明天', '下周五', '上午', '下午', '3点', '半', '14:00', '-', '至', '全天', '12月', '5日', '号', '周', '¥', '万', '2k', ',', '元', '人', '\n', ' ', '：', 'pm', '两', '十', '0', '9', '.', '/'];
  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.array(fc.constantFrom(...tokens), { maxLength: 8 }).map((a) => a.join('')),
  );
  const options = [
    { value: 'a', label: '会议室A' },
    { value: 'b', label: '多功能厅' },
  ];
  it('all parsers return a result', () => {
    fc.assert(
      fc.property(text, fc.boolean(), (t, allowPast) => {
        for (const r of [
          parseDateTime(t, { ...ctx, allowPast }),
          parseDateRange(t, { ...ctx, allowPast }),
          parseMoney(t),
          parseCount(t),
          parseChoice(t, options),
          parseBudgetItems(t),
          parseMultiline(t),
        ] as ParseResult<unknown>[]) {
          if (r.ok) continue;
          expect(r.error.length).toBeGreaterThan(0);
          expect(r.errorEn.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });
  it('successful date results are valid instants with end after start', () => {
    fc.assert(
      fc.property(text, (t) => {
        const r = parseDateTime(t, { ...ctx, allowPast: true });
        if (!r.ok) return;
        expect(Number.isNaN(r.value.start.getTime())).toBe(false);
        if (r.value.end) expect(r.value.end.getTime()).toBeGreaterThan(r.value.start.getTime());
      }),
      { numRuns: 500 },
    );
  });
});
