// Real phrasings, as a new user types them, with the reading each must give — or the refusal,
// or "read back for confirmation" (marked with a trailing " ?"): dates, times, ranges, money,
// headcounts and itemised budgets with every common separator and formula (issue #16).
// Now is Monday 2026-11-23 10:00 in Shanghai.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { t } from '../../src/core/messages.js';
import {
  parseBudgetItems,
  parseCount,
  parseDateTime,
  parseMoney,
  readBudget,
  readMoney,
  unsureText,
  type ParseContext,
} from '../../src/core/parse/index.js';

const TZ = 'Asia/Shanghai';
const NOW = new Date('2026-11-23T10:00:00+08:00');
const ctx: ParseContext = { now: NOW, timezone: TZ };

/** Shanghai wall clock of an instant, "YYYY-MM-DD HH:MM". */
const wall = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
const day = (d: Date) => wall(d).slice(0, 10);

/** A reading as one line: "2026-11-27 19:00", "… .. …", "2026-12-15 all day", "✗ <error>". */
function dateLine(text: string, c: ParseContext = ctx): string {
  const r = parseDateTime(text, c);
  if (!r.ok) return `✗ ${r.error}`;
  const { start, end, allDay } = r.value;
  if (allDay) {
    const last = day(new Date((end ?? start).getTime() - 1));
    return last === day(start) ? `${day(start)} all day` : `${day(start)} .. ${last} all day`;
  }
  return end ? `${wall(start)} .. ${wall(end)}` : wall(start);
}

function expectLine(actual: string, expected: string) {
  if (expected.startsWith('✗ ')) {
    expect(actual.startsWith('✗ '), actual).toBe(true);
    expect(actual).toContain(expected.slice(2));
  } else expect(actual).toBe(expected);
}

describe('dates and times', () => {
  const cases: Array<[string, string]> = [
    // 晚 / 晚上 / 早 after a weekday or a date
    ['周五晚上7点', '2026-11-27 19:00'],
    ['周五晚7点', '2026-11-27 19:00'],
    ['下周三晚8点', '2026-12-02 20:00'],
    ['下周三晚上8点半', '2026-12-02 20:30'],
    ['周六晚', '2026-11-28 19:00'],
    ['这周日晚上', '2026-11-29 19:00'],
    ['下周一早上9点', '2026-11-30 09:00'],
    ['下周一早9点', '2026-11-30 09:00'],
    ['周二早', '2026-11-24 08:00'],
    ['星期四晚上七点', '2026-11-26 19:00'],
    ['礼拜六晚8点', '2026-11-28 20:00'],
    ['12月5日晚', '2026-12-05 19:00'],
    ['12月5号晚上7点', '2026-12-05 19:00'],
    ['5号晚上', '2026-12-05 19:00'],
    ['明晚7点半', '2026-11-24 19:30'],
    ['后天晚8点', '2026-11-25 20:00'],
    ['晚8点半', '2026-11-23 20:30'],
    ['12/24 晚8点', '2026-12-24 20:00'],
    ['周五傍晚', '2026-11-27 18:00'],
    ['下周五中午', '2026-12-04 12:00'],
    ['周五中午12点半', '2026-11-27 12:30'],
    ['周五凌晨2点', '2026-11-27 02:00'],
    ['下周三 下午 3:30', '2026-12-02 15:30'],
    ['星期五 19:30', '2026-11-27 19:30'],
    ['周五 7:30pm', '2026-11-27 19:30'],
    ['2026年12月31日晚上10点', '2026-12-31 22:00'],
    ['12月31日 23:59', '2026-12-31 23:59'],
    ['1月1日上午', '2027-01-01 09:00'],
    // a day of the month without the month
    ['15号', '2026-12-15 all day'],
    ['15日', '2026-12-15 all day'],
    ['十五号', '2026-12-15 all day'],
    ['二十号上午十点', '2026-12-20 10:00'],
    ['25号下午3点', '2026-11-25 15:00'],
    ['30号晚上', '2026-11-30 19:00'],
    ['下月20号晚上', '2026-12-20 19:00'],
    ['下周五全天', '2026-12-04 all day'],
    // refused rather than guessed
    ['周五晚会', '✗ 没看懂“周五晚会”'],
    ['平安夜晚上8点', '✗ 没看懂'],
    ['周五3点', '✗ 上午还是下午'],
    ['下周三2点半', '✗ 上午还是下午'],
  ];
  it.each(cases)('%s → %s', (text, expected) => expectLine(dateLine(text), expected));
});

describe('ranges', () => {
  const cases: Array<[string, string]> = [
    // 下午 / 晚上 before a colon range carries to the end
    ['下午2:00-5:00', '2026-11-23 14:00 .. 2026-11-23 17:00'],
    ['下午2:00-5:30', '2026-11-23 14:00 .. 2026-11-23 17:30'],
    ['下午2:00~5:00', '2026-11-23 14:00 .. 2026-11-23 17:00'],
    ['下午2:00至5:00', '2026-11-23 14:00 .. 2026-11-23 17:00'],
    ['下午 2:00 - 5:00', '2026-11-23 14:00 .. 2026-11-23 17:00'],
    ['周五下午2:00-5:00', '2026-11-27 14:00 .. 2026-11-27 17:00'],
    ['周五晚7:00-9:00', '2026-11-27 19:00 .. 2026-11-27 21:00'],
    ['晚上7:00-9:30', '2026-11-23 19:00 .. 2026-11-23 21:30'],
    ['上午9:00-11:30', '2026-11-24 09:00 .. 2026-11-24 11:30'],
    ['上午10:00-1:00', '2026-11-23 10:00 .. 2026-11-23 13:00'],
    ['12月5日 下午2:00-下午5:00', '2026-12-05 14:00 .. 2026-12-05 17:00'],
    ['12月5日下午2:00-17:00', '2026-12-05 14:00 .. 2026-12-05 17:00'],
    // other common ranges
    ['周五下午2点-5点', '2026-11-27 14:00 .. 2026-11-27 17:00'],
    ['周五晚7点到9点', '2026-11-27 19:00 .. 2026-11-27 21:00'],
    ['下午1点半到4点半', '2026-11-23 13:30 .. 2026-11-23 16:30'],
    ['晚上8点-11点', '2026-11-23 20:00 .. 2026-11-23 23:00'],
    ['周六9点-12点', '2026-11-28 09:00 .. 2026-11-28 12:00'],
    ['周六上午9点到下午5点', '2026-11-28 09:00 .. 2026-11-28 17:00'],
    ['周六 8:30-17:30', '2026-11-28 08:30 .. 2026-11-28 17:30'],
    ['明天下午3点-5点半', '2026-11-24 15:00 .. 2026-11-24 17:30'],
    ['12月5日14:00-12月6日12:00', '2026-12-05 14:00 .. 2026-12-06 12:00'],
    ['12月5日至7日', '2026-12-05 .. 2026-12-07 all day'],
    ['下周一至下周三', '2026-11-30 .. 2026-12-02 all day'],
    ['周五晚上到周六中午', '2026-11-27 19:00 .. 2026-11-28 12:00'],
    ['周五晚上10点到凌晨2点', '2026-11-27 22:00 .. 2026-11-28 02:00'],
    ['周六晚10点-凌晨1点半', '2026-11-28 22:00 .. 2026-11-29 01:30'],
    // a 24-hour start does not make 5:00 mean 17:00; half a time is not completed
    ['14:00-5:00', '✗ 需晚于开始时间'],
    ['下午1:30-4', '✗ 没看懂'],
  ];
  it.each(cases)('%s → %s', (text, expected) => expectLine(dateLine(text), expected));
});

describe('a day of the month on a future field (now 2026-12-20, past dates let through to be refused)', () => {
  const future: ParseContext = { now: new Date('2026-12-20T10:00:00+08:00'), timezone: TZ, allowPast: true, prefer: 'future' };
  const cases: Array<[string, string]> = [
    ['15号', '2027-01-15 all day'],
    ['15日下午2点', '2027-01-15 14:00'],
    ['3号晚上7点', '2027-01-03 19:00'],
    ['20号上午9点', '2026-12-20 09:00'], // today counts as this month's
    ['25号', '2026-12-25 all day'],
    ['15号下午2:00-5:00', '2027-01-15 14:00 .. 2027-01-15 17:00'],
    ['12月15日', '2026-12-15 all day'], // month given: the nearest, then refused as past by the caller
  ];
  it.each(cases)('%s → %s', (text, expected) => expectLine(dateLine(text, future), expected));
});

/** "1500" certain, "1500 ?" to be read back, "✗ …" refused. */
function moneyLine(text: string): string {
  const r = readMoney(text);
  if (!r.ok) return `✗ ${r.error}`;
  return `${r.value.value}${r.value.unsure.length ? ' ?' : ''}`;
}

describe('money', () => {
  const cases: Array<[string, string]> = [
    ['2000', '2000'],
    ['¥ 2000', '2000'],
    ['2,000.5', '2000.5'],
    ['人民币两千元整', '2000'],
    ['2千', '2000'],
    ['0.5万', '5000'],
    ['两千五', '2500'],
    ['叁仟元', '3000'],
    // shorthand letters and formulas: read back
    ['2K', '2000 ?'],
    ['3w元', '30000 ?'],
    ['50*30', '1500 ?'],
    ['50元×30人', '1500 ?'],
    ['50 x 30', '1500 ?'],
    ['¥50 × 30', '1500 ?'],
    ['300元/晚×2晚', '600 ?'],
    ['88元×20份', '1760 ?'],
    ['2辆×1500元', '3000 ?'],
    ['1,500*2', '3000 ?'],
    ['三千乘二', '6000 ?'],
    ['33.33*3', '99.99 ?'],
    ['1200+300', '1500 ?'],
    ['5k*2', '10000 ?'],
    // a formula with its total written out and matching is certain
    ['50*30=1500', '1500'],
    ['50×30 = 1500元', '1500'],
    // refused
    ['50*30=1600', '✗ 算出来是 1,500，不是 1,600'],
    ['3000 1200', '✗ 请输入金额'],
    ['3000-4000', '✗ 请输入金额'],
    ['约2000', '✗ 请输入金额'],
    ['2000左右', '✗ 请输入金额'],
    ['两三千', '✗ 请输入金额'],
    ['2000多', '✗ 请输入金额'],
    ['1000000000000000', '✗ 金额过大'],
  ];
  it.each(cases)('%s → %s', (text, expected) => expectLine(moneyLine(text), expected));

  it('parseMoney itself still refuses formulas (it reads one plain amount)', () => {
    expect(parseMoney('50*30').ok).toBe(false);
  });
});

describe('headcounts', () => {
  const cases: Array<[string, string]> = [
    ['50位', '50'],
    ['50名', '50'],
    ['五十个人', '50'],
    ['一百二十人', '120'],
    ['预计50人', '50'],
    ['大概五十', '50'],
    ['50人左右', '50'],
    ['50-60人', '✗ 例如：50'],
    ['五六十人', '✗ 例如：50'],
    ['50多人', '✗ 例如：50'],
    ['50+', '✗ 例如：50'],
    ['两桌', '✗ 例如：50'],
    ['10人×5桌', '✗ 例如：50'],
    ['0人', '✗ 大于 0'],
  ];
  it.each(cases)('%s → %s', (text, expected) => {
    const r = parseCount(text);
    expectLine(r.ok ? String(r.value) : `✗ ${r.error}`, expected);
  });
});

/** "场地 3000、物料 1200" certain, with " ?" to be read back, "✗ …" refused. */
function budgetLine(text: string): string {
  const r = readBudget(text);
  if (!r.ok) return `✗ ${r.error}`;
  return `${r.value.items.map((i) => `${i.item} ${i.amount}`).join('、')}${r.value.unsure.length ? ' ?' : ''}`;
}

describe('itemised budgets', () => {
  const cases: Array<[string, string]> = [
    // every canonical separator: certain
    ['场地 3000，物料 1200，餐饮 4500', '场地 3000、物料 1200、餐饮 4500'],
    ['场地 3000,物料 1200,餐饮 4500', '场地 3000、物料 1200、餐饮 4500'],
    ['场地 3000、物料 1200、餐饮 4500', '场地 3000、物料 1200、餐饮 4500'],
    ['场地 3000；物料 1200；餐饮 4500', '场地 3000、物料 1200、餐饮 4500'],
    ['场地 3000;物料 1200;餐饮 4500', '场地 3000、物料 1200、餐饮 4500'],
    ['场地 3000\n物料 1200\n餐饮 4500', '场地 3000、物料 1200、餐饮 4500'],
    ['场地 3000。物料 1200', '场地 3000、物料 1200'],
    ['场地 3000；\n物料 1200', '场地 3000、物料 1200'],
    ['场地 3000\n\n物料 1200', '场地 3000、物料 1200'],
    ['场地 3000，，物料 1200', '场地 3000、物料 1200'],
    ['场地3000，物料1200', '场地 3000、物料 1200'],
    ['场地：3000，物料：1200', '场地 3000、物料 1200'],
    ['场地:3000,物料:1200', '场地 3000、物料 1200'],
    ['场地=3000，物料=1200', '场地 3000、物料 1200'],
    ['场地费3000元，物料费1200元', '场地费 3000、物料费 1200'],
    ['场地 ¥3,000；物料 ¥1,200', '场地 3000、物料 1200'],
    ['场地 3,000元，物料 1,200元', '场地 3000、物料 1200'],
    ['场地 3000,物料1,200', '场地 3000、物料 1200'],
    ['场地 RMB3000，物料 人民币1200元', '场地 3000、物料 1200'],
    ['场地 三千，物料 一千二', '场地 3000、物料 1200'],
    ['场地 叁仟元，物料 壹仟贰佰元', '场地 3000、物料 1200'],
    ['场地 3千，物料 1.2千', '场地 3000、物料 1200'],
    ['场地 0.3万，物料 1200', '场地 3000、物料 1200'],
    ['场地 1.5万、餐饮 8000、物料 2000', '场地 15000、餐饮 8000、物料 2000'],
    ['场地 3000 元，物料 1200 元', '场地 3000、物料 1200'],
    ['场地 3000元整，物料 1200元整', '场地 3000、物料 1200'],
    ['场地 三千块，物料 五百块钱', '场地 3000、物料 500'],
    ['1.场地 3000\n2.物料 1200', '场地 3000、物料 1200'],
    ['1、场地3000\n2、物料1200', '场地 3000、物料 1200'],
    ['1) 场地 3000\n2) 物料 1200', '场地 3000、物料 1200'],
    ['(1)场地 3000\n(2)物料 1200', '场地 3000、物料 1200'],
    ['一、场地 3000\n二、物料 1200', '场地 3000、物料 1200'],
    ['• 场地 3000\n• 物料 1200', '场地 3000、物料 1200'],
    ['场地：3000元；\n物料：1200元；\n合计：4200元', '场地 3000、物料 1200'],
    ['场地 3000，物料 1200，合计 4200', '场地 3000、物料 1200'],
    ['场地（含布置）3000，物料 1200', '场地(含布置) 3000、物料 1200'],
    ['打印A4纸 200、交通 ¥1,200.50', '打印A4纸 200、交通 1200.5'],
    ['2号厅 3000，3楼会议室 800', '2号厅 3000、3楼会议室 800'],
    ['2026年会场地 3000', '2026年会场地 3000'],
    ['venue 3000, food 1200', 'venue 3000、food 1200'],
    ['bus 3000, campus 800', 'bus 3000、campus 800'],
    ['场地 3000 USD', '✗ 不是人民币金额'],
    // items apart by spaces only: split, and read back
    ['场地 3000 物料 1200 餐饮 4500', '场地 3000、物料 1200、餐饮 4500 ?'],
    ['场地3000 物料1200 餐饮4500', '场地 3000、物料 1200、餐饮 4500 ?'],
    ['场地 3000元 物料 1200元', '场地 3000、物料 1200 ?'],
    ['场地 3000 元 物料 1200 元', '场地 3000、物料 1200 ?'],
    ['场地 3000 / 物料 1200', '场地 3000、物料 1200 ?'],
    ['场地 三千 物料 一千二', '场地 3000、物料 1200 ?'],
    ['场地 1.5万 餐饮 8000', '场地 15000、餐饮 8000 ?'],
    ['场地 3000 物料 1200 合计 4200', '场地 3000、物料 1200 ?'],
    // formulas: worked out, kept in the name, read back
    ['餐饮 50*30', '餐饮（50×30） 1500 ?'],
    ['餐饮 50×30', '餐饮（50×30） 1500 ?'],
    ['餐饮 50x30', '餐饮（50×30） 1500 ?'],
    ['餐饮 50X30', '餐饮（50×30） 1500 ?'],
    ['餐饮 50 x 30', '餐饮（50×30） 1500 ?'],
    ['餐饮 50 * 30', '餐饮（50×30） 1500 ?'],
    ['餐饮 50乘30', '餐饮（50×30） 1500 ?'],
    ['餐饮 50元×30人', '餐饮（50元×30人） 1500 ?'],
    ['餐饮 50元/人×30人', '餐饮（50元/人×30人） 1500 ?'],
    ['餐饮 50元/人 x 30人', '餐饮（50元/人×30人） 1500 ?'],
    ['餐饮 50/人 x 30人', '餐饮（50/人×30人） 1500 ?'],
    ['餐饮 30人×50元', '餐饮（30人×50元） 1500 ?'],
    ['餐饮 每人50元×30人', '餐饮（每人50元×30人） 1500 ?'],
    ['住宿 300元/晚×2晚×3间', '住宿（300元/晚×2晚×3间） 1800 ?'],
    ['礼品 20份×88元，场地 2000', '礼品（20份×88元） 1760、场地 2000 ?'],
    ['大巴 2辆×1500元', '大巴（2辆×1500元） 3000 ?'],
    ['餐饮 10桌×2000', '餐饮（10桌×2000） 20000 ?'],
    ['场地 3000，餐饮 50*30，物料 1200', '场地 3000、餐饮（50×30） 1500、物料 1200 ?'],
    ['场地 3000 餐饮 50*30', '场地 3000、餐饮（50×30） 1500 ?'],
    ['物料 1200+300', '物料（1200 + 300） 1500 ?'],
    ['物料 1200 + 300', '物料（1200 + 300） 1500 ?'],
    ['餐饮 50*30=1500', '餐饮（50×30） 1500'],
    ['餐饮 50×30=1500元', '餐饮（50×30） 1500'],
    // shorthand letters, quantities and numbers in names: read back
    ['场地 3k，物料 1.2k', '场地 3000、物料 1200 ?'],
    ['场地 1w，物料 2000', '场地 10000、物料 2000 ?'],
    ['场地 2k 物料 500', '场地 2000、物料 500 ?'],
    ['场地 2天 3000', '场地 2天 3000 ?'],
    ['场地2天 3000', '场地2天 3000 ?'],
    ['茶歇 30人 750', '茶歇 30人 750 ?'],
    ['餐饮 每人 50', '餐饮 每人 50 ?'],
    ['场地3000物料1200', '场地3000物料 1200 ?'],
    ['场地三千物料一千二', '场地三千物料 1200 ?'],
    ['场地3000/物料1200', '场地3000/物料 1200 ?'],
    ['餐饮 3000，其中酒水 800', '餐饮 3000、其中酒水 800 ?'],
    ['场地 5000，含布置 1000', '场地 5000、含布置 1000 ?'],
    // refused
    ['场地 3000，物料 1200，合计 5000', '✗ 与填写的合计 5000 元不一致'],
    ['餐饮 50*30=1600', '✗ 算出来是 1,500，不是 1,600'],
    ['餐饮 50*30=1600 物料 300', '✗ 算出来是 1,500，不是 1,600'],
    ['物料 300 餐饮 50*30=1600', '✗ 算出来是 1,500，不是 1,600'],
    ['物料 1200 1500', '✗ 不止一个金额'],
    ['场地 1。5万', '✗ 看不懂'],
    ['场地 3000*', '✗ 看不懂'],
    ['餐饮 *30', '✗ 看不懂'],
    ['场地 3000 物料', '✗ 看不懂'],
    ['场地', '✗ 缺少金额'],
    ['场地 0', '✗ 看不懂'],
    ['场地 3000.555', '✗ 看不懂'],
    ['场地 -300', '✗ 大于 0'],
    ['场地 $500', '✗ 不是人民币金额'],
    ['场地 €300，物料 200', '✗ 不是人民币金额'],
    ['场地 US$500', '✗ 不是人民币金额'],
    ['场地 500美元', '✗ 不是人民币金额'],
    ['场地 $500 物料 300', '✗ 不是人民币金额'],
    ['机票 2000港币，住宿 800', '✗ 不是人民币金额'],
  ];
  it.each(cases)('%j → %s', (text, expected) => expectLine(budgetLine(text), expected));

  it('every reading that is read back says why, in both languages, and is refused where it cannot be', () => {
    for (const [text, expected] of cases) {
      const r = readBudget(text);
      if (!r.ok) continue;
      const certain = !expected.endsWith(' ?');
      expect(r.value.unsure.length === 0, text).toBe(certain);
      const strict = parseBudgetItems(text);
      expect(strict.ok, text).toBe(certain);
      if (certain) continue;
      expect(unsureText(r.value.unsure, 'zh-CN').length).toBeGreaterThan(0);
      // Every reason is a catalogued message in both languages (not the bare key).
      for (const u of r.value.unsure) {
        expect(t('zh-CN', u.key, u.params)).not.toBe(u.key);
        expect(t('en', u.key, u.params)).not.toContain('{');
      }
      if (!strict.ok) expect(strict.error).toContain('例如：场地 3000，物料 1200');
    }
  });
});

describe('robustness', () => {
  const tokens = ['场地', '餐饮', ' ', '3000', '50', '×', '*', 'x', '+', '=', '元', '人', '/', 'k', 'w', '万', '，', ',', '、', '；', '\n', '。', '.', '1,200', '-', '合计', '每人', '两千'];
  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.array(fc.constantFrom(...tokens), { maxLength: 14 }).map((a) => a.join('')),
  );
  it('readBudget and readMoney never throw; readings are positive amounts in cents with named items and catalogued reasons', () => {
    fc.assert(
      fc.property(text, (s) => {
        const b = readBudget(s);
        if (b.ok) {
          for (const item of b.value.items) {
            expect(item.item.trim().length).toBeGreaterThan(0);
            expect(item.amount).toBeGreaterThan(0);
            expect(Math.round(item.amount * 100)).toBeCloseTo(item.amount * 100, 6);
          }
          for (const u of b.value.unsure) expect(t('en', u.key, u.params)).not.toBe(u.key);
        } else expect(b.errorEn.length).toBeGreaterThan(0);
        const m = readMoney(s);
        if (m.ok) expect(m.value.value).toBeGreaterThan(0);
        else expect(m.errorEn.length).toBeGreaterThan(0);
      }),
      { numRuns: 800 },
    );
  });

  it('long pasted text is read (or refused) quickly', () => {
    const inputs = [
      Array.from({ length: 1000 }, () => 'ab').join(' '),
      Array.from({ length: 1000 }, () => '场地').join(' '),
      `餐饮 ${'5×'.repeat(1000)}`,
      '场'.repeat(5000),
      Array.from({ length: 12 }, () => '场'.repeat(399)).join('\n'),
      Array.from({ length: 100 }, (_, i) => `项目${'abcdefghij'[i % 10]} ${i + 1}`).join(' ').slice(0, 399),
      Array.from({ length: 100 }, () => '场地 3000 ').join('，'),
    ];
    for (const s of inputs) {
      const started = performance.now();
      readBudget(s);
      readMoney(s);
      expect(performance.now() - started, s.slice(0, 20)).toBeLessThan(1000);
    }
  });
});
