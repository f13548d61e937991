// The misreadings of issue #16 ("parsers that refuse rather than guess"), one block per class,
// through the APIs that existed before the fix (parseBudgetItems, parseDateTime,
// parseDateRange, parseForm), so each fails on the old code: a budget split only by spaces,
// unit price × count, 晚 after a weekday, 下午 before a colon range, a bare day of the month
// on a future field. The dialog side (read-back, yes/no) is in dialog-engine.test.ts.
import { describe, expect, it } from 'vitest';
import { parseForm } from '../../src/core/form-input.js';
import { parseBudgetItems, parseDateRange, parseDateTime, type ParseResult } from '../../src/core/parse/index.js';
import { exampleDir, NOW, sh } from '../support/core-fixtures.js';

const TZ = 'Asia/Shanghai';
const ctx = { now: NOW, timezone: TZ }; // Monday 2026-11-23 10:00

function value<T>(r: ParseResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got: ${r.error}`);
  return r.value;
}
function error<T>(r: ParseResult<T>): string {
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.value)}`);
  return r.error;
}

const event = exampleDir().requestType('event')!;
/** A card form of the event type with everything certain but the fields given. */
function card(over: Record<string, string>, now = NOW) {
  const form = {
    name: '答谢会',
    category: '1',
    eventType: '答谢会',
    start: '2026-12-05 14:00',
    end: '2026-12-05 17:00',
    location: '杭州',
    content: '内容',
    headcount: '80',
    participants: '老车主',
    budget: '场地 3000，物料 1200',
    purpose: '回馈',
    runSheet: '流程',
    safety: '预案',
    onSiteLead: '李明',
    ...over,
  };
  return parseForm(event, form, { now, timezone: TZ, locale: 'zh-CN' });
}

describe('a budget whose items are separated only by spaces is never one item with the last number', () => {
  it.each(['场地 3000 物料 1200 餐饮 4500', '场地3000 物料1200 餐饮4500', '场地 3000元 物料 1200元 餐饮 4500元'])('%s is refused where it cannot be read back', (text) => {
    expect(error(parseBudgetItems(text))).toContain('各项之间只用空格隔开');
  });
  it('a card form refuses it, naming the field and giving a certain example', () => {
    const { payload, errors } = card({ budget: '场地 3000 物料 1200 餐饮 4500' });
    expect(payload.budget).toBeUndefined();
    expect(errors.budget).toContain('「费用预算」');
    expect(errors.budget).toContain('各项之间只用空格隔开');
    expect(errors.budget).toContain('例如：场地 8000, 餐饮 12000, 物料 2000');
    const en = parseForm(event, { budget: '场地 3000 物料 1200' }, { ...ctx, locale: 'en' }).errors.budget;
    expect(en).toContain('Itemised budget is not written clearly enough (the items are separated by spaces only)');
  });
  it('the same items with a comma are certain and kept', () => {
    expect(card({ budget: '场地 3000，物料 1200，餐饮 4500' }).payload.budget).toEqual([
      { item: '场地', amount: 3000 },
      { item: '物料', amount: 1200 },
      { item: '餐饮', amount: 4500 },
    ]);
  });
  it('two amounts in one entry are refused, not read as a name with a number', () => {
    expect(error(parseBudgetItems('物料 1200 1500'))).toContain('不止一个金额');
    expect(error(parseBudgetItems('场地 1。5万'))).toContain('看不懂');
  });
});

describe('unit price × count is worked out, never an item of the count', () => {
  it.each(['餐饮 50*30', '餐饮 50元×30人', '餐饮 50 x 30', '餐饮 50元/人×30人'])('%s is refused on a card (it would have to be read back)', (text) => {
    const e = error(parseBudgetItems(text));
    expect(e).toContain('按 1,500 元计');
  });
  it('with the total written out and matching it is certain', () => {
    expect(value(parseBudgetItems('餐饮 50*30=1500'))).toEqual([{ item: '餐饮（50×30）', amount: 1500 }]);
  });
  it('a total that does not match is refused', () => {
    expect(error(parseBudgetItems('餐饮 50*30=1600'))).toContain('算出来是 1,500，不是 1,600');
  });
});

describe('晚 / 晚上 after a weekday or a date', () => {
  const cases: Array<[string, string]> = [
    ['周五晚上7点', '2026-11-27 19:00'],
    ['下周三晚8点', '2026-12-02 20:00'],
    ['周五晚7点半', '2026-11-27 19:30'],
    ['周六晚', '2026-11-28 19:00'],
    ['12月5日晚8点', '2026-12-05 20:00'],
    ['下周一早9点', '2026-11-30 09:00'],
  ];
  it.each(cases)('%s → %s', (text, wall) => {
    expect(value(parseDateTime(text, ctx)).start.toISOString()).toBe(sh(wall).toISOString());
  });
});

describe('下午 before a colon range carries to the end', () => {
  const cases: Array<[string, string, string]> = [
    ['明天下午2:00-5:00', '2026-11-24 14:00', '2026-11-24 17:00'],
    ['周五晚上7:00-9:30', '2026-11-27 19:00', '2026-11-27 21:30'],
    ['12月5日下午2:00到5:00', '2026-12-05 14:00', '2026-12-05 17:00'],
    ['下周三晚8:00-10:00', '2026-12-02 20:00', '2026-12-02 22:00'],
  ];
  it.each(cases)('%s → %s .. %s', (text, a, b) => {
    const v = value(parseDateRange(text, ctx));
    expect([v.start.toISOString(), v.end.toISOString()]).toEqual([sh(a).toISOString(), sh(b).toISOString()]);
  });
  it('a 24-hour start is not stretched: 14:00-5:00 is still refused', () => {
    expect(error(parseDateRange('明天14:00-5:00', ctx))).toContain('需晚于开始时间');
  });
});

describe('a bare day of the month on a future field is the next such day', () => {
  const dec20 = sh('2026-12-20 10:00');
  it('a card form: 15号 typed on 12-20 for the event start is 2027-01-15', () => {
    const { payload, errors } = card({ start: '15号 14:00', end: '15号 17:00' }, dec20);
    expect(errors).toEqual({});
    expect(payload.start).toBe(sh('2027-01-15 14:00').toISOString());
    expect(payload.end).toBe(sh('2027-01-15 17:00').toISOString());
  });
  it('the parser with prefer: future; a past-allowed field still takes the nearer one', () => {
    const future = value(parseDateTime('15日下午3点', { now: dec20, timezone: TZ, allowPast: true, prefer: 'future' }));
    expect(future.start.toISOString()).toBe(sh('2027-01-15 15:00').toISOString());
    const nearest = value(parseDateTime('15日下午3点', { now: dec20, timezone: TZ, allowPast: true }));
    expect(nearest.start.toISOString()).toBe(sh('2026-12-15 15:00').toISOString());
  });
});
