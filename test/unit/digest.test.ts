// Daily digest composition: sections, ordering, overlap, trend, the all-clear.
import { describe, expect, it } from 'vitest';
import { createCalendar } from '../../src/core/calendar/index.js';
import { composeDigest, renderDigest, type DigestInput } from '../../src/core/digest.js';
import { sh, shanghaiClock } from '../support/core-fixtures.js';

// With 2027's arrangement known (made up: only 元旦), so the horizon (2026–2027) holds no
// provisional year and the sections are all the digest says; the provisional line is tested below.
const clock = {
  ...shanghaiClock,
  calendar: createCalendar({ timezone: 'Asia/Shanghai', businessHours: { start: '09:00', end: '18:00' }, official: { 2027: { holidays: ['2027-01-01'], workdays: [] } } }),
};
const NOW = sh('2026-11-25 08:30'); // Wednesday
const names: Record<string, string> = { liming: '李明', liuyang: '刘洋', hanmei: '韩梅', zhouqiang: '周强' };
const personName = (id: string) => names[id] ?? id;

const empty = (): DigestInput => ({ managerId: 'liuyang', date: '2026-11-25', now: NOW, waiting: [], overdue: [], eventsToday: [], eventsTomorrow: [], summariesOverdue: [], decided: [] });

function full(): DigestInput {
  return {
    ...empty(),
    waiting: [
      { number: 'A-0002', title: '春季试驾日', stepName: '部门负责人审批', activatedAt: sh('2026-11-24 10:00'), dueAt: sh('2026-12-01 10:00'), urgent: false },
      { number: 'A-0001', title: '冬季车主答谢会', stepName: '部门负责人审批', activatedAt: sh('2026-11-16 10:00'), dueAt: sh('2026-11-23 10:00'), urgent: false },
      { number: 'C-0001', title: '公众号推文', stepName: '部门主管审核', activatedAt: sh('2026-11-24 16:00'), dueAt: null, urgent: false },
    ],
    overdue: [
      // A-0001 also waits on the manager: listed once, under "waiting for you".
      { number: 'A-0001', title: '冬季车主答谢会', stepName: '部门负责人审批', dueAt: sh('2026-11-23 10:00'), waitingFor: ['liuyang'], urgent: false },
      { number: 'R-0003', title: '车展报销', stepName: '财务审核', dueAt: sh('2026-11-24 17:00'), waitingFor: ['wangfang'], urgent: false },
      { number: 'R-0004', title: '未到期', stepName: '财务审核', dueAt: sh('2026-11-26 17:00'), waitingFor: ['wangfang'], urgent: false },
    ],
    eventsToday: [{ number: 'A-0007', title: '车主讲堂', start: sh('2026-11-25 19:00'), location: '杭州', organiserId: 'liming', status: 'approved' }],
    eventsTomorrow: [{ number: 'A-0008', title: '试驾日', start: sh('2026-11-26 10:00'), location: '宁波', organiserId: 'hanmei', status: 'pending' }],
    summariesOverdue: [{ number: 'A-0005', title: '秋季答谢会', organiserId: 'liming', dueAt: sh('2026-11-20 18:00'), urgent: false }],
    decided: [
      { number: 'A-0006', title: '周末自驾游', outcome: 'rejected', at: sh('2026-11-24 15:00') },
      { number: 'A-0004', title: '车友节', outcome: 'approved', at: sh('2026-11-24 11:00') },
    ],
    counts: { open: 5, overdue: 2, submitted: 3, submittedPrev: 1, decided: 2, decidedPrev: 2 },
  };
}

describe('daily digest', () => {
  it('orders what waits on the manager: overdue first, then by deadline; ages in working time', () => {
    const d = composeDigest(full(), clock);
    expect(d.empty).toBe(false);
    expect(d.waiting.map((w) => [w.number, w.overdue])).toEqual([
      ['A-0001', true],
      ['A-0002', false],
      ['C-0001', false],
    ]);
    // Tuesday 10:00 → Wednesday 08:30: 8 working hours (the night does not count).
    expect(d.waiting[1]!.ageMs).toBe(8 * 3_600_000);
    expect(d.overdue.map((o) => o.number)).toEqual(['R-0003']);
    expect(d.overdue[0]!.overdueMs).toBe(3_600_000);
    expect(d.summariesOverdue[0]!.overdueMs).toBe(2 * 9 * 3_600_000);
    expect(d.decided.map((x) => x.number)).toEqual(['A-0004', 'A-0006']);
  });

  it('renders one text with every section, in Chinese and in English', () => {
    const d = composeDigest(full(), clock);
    const zh = renderDigest(d, { locale: 'zh-CN', clock, personName });
    expect(zh.split('\n')).toEqual([
      '每日摘要 · 2026-11-25',
      '',
      '【待你审批（3）】',
      '· A-0001「冬季车主答谢会」· 部门负责人审批 · 已等 6 个工作日 8 小时 · 截止 2026-11-23 10:00 · 已超时',
      '· A-0002「春季试驾日」· 部门负责人审批 · 已等 8 小时（工作时间） · 截止 2026-12-01 10:00',
      '· C-0001「公众号推文」· 部门主管审核 · 已等 2 小时（工作时间）',
      '',
      '【部门超时未办（1）】',
      '· R-0003「车展报销」· 财务审核 · 待 wangfang · 超时 1 小时',
      '',
      '【今天的活动（1）】',
      '· A-0007「车主讲堂」· 19:00 · 杭州 · 李明',
      '',
      '【明天的活动（1）】',
      '· A-0008「试驾日」· 10:00 · 宁波 · 韩梅 · 尚未审批通过',
      '',
      '【活动总结逾期（1）】',
      '· A-0005「秋季答谢会」· 李明 · 逾期 2 个工作日',
      '',
      '【昨日办结（2）】',
      '· A-0004「车友节」· 已通过',
      '· A-0006「周末自驾游」· 已驳回',
      '',
      '部门在办 5 件（其中超时 2）；昨日新增 3（↑ 前一工作日 1），昨日办结 2（→ 前一工作日 2）',
    ]);
    const en = renderDigest(d, { locale: 'en', clock, personName });
    expect(en).toContain('Waiting for you (3)');
    expect(en).toContain('Open in your departments: 5 (2 overdue); new yesterday 3 (↑ previous working day 1), decided yesterday 2 (→ previous working day 2)');
  });

  it('nothing to say: empty, rendered as the one-line all-clear', () => {
    const d = composeDigest({ ...empty(), counts: { open: 0, overdue: 0, submitted: 0, submittedPrev: 4, decided: 0, decidedPrev: 0 } }, clock);
    expect(d.empty).toBe(true);
    expect(renderDigest(d, { locale: 'zh-CN', clock, personName })).toBe('每日摘要 · 2026-11-25：今天没有待你处理或需要关注的事项。');
    // Overdue items not yet due (clock skew between query and compose) do not count.
    expect(composeDigest({ ...empty(), overdue: full().overdue.slice(2) }, clock).empty).toBe(true);
  });

  it('shows today\'s new requests apart from yesterday\'s', () => {
    const d = composeDigest({ ...full(), counts: { open: 5, overdue: 2, submitted: 3, submittedPrev: 1, decided: 2, decidedPrev: 2, submittedToday: 4 } }, clock);
    expect(renderDigest(d, { locale: 'zh-CN', clock, personName })).toContain('昨日新增 3（↑ 前一工作日 1），昨日办结 2（→ 前一工作日 2）；今日已新增 4');
  });

  it('delegation (委托): says who acts for the reader, marks tasks held for others, names who acts for an approver away', () => {
    const input = full();
    input.waiting.push({ number: 'A-0009', title: '冬季试驾会', stepName: '部门负责人审批', activatedAt: sh('2026-11-24 10:00'), dueAt: null, urgent: false, forPrincipal: 'zhouqiang' });
    const d = composeDigest({ ...input, away: { delegate: 'hanmei', until: sh('2026-12-01 18:00') }, delegates: { liuyang: 'hanmei', wangfang: 'liming' } }, clock);
    const zh = renderDigest(d, { locale: 'zh-CN', clock, personName }).split('\n');
    expect(zh[1]).toBe('你已委托 韩梅 代为审批，至 2026-12-01 18:00。');
    expect(zh.find((l) => l.includes('A-0009'))).toMatch(/^· （代 周强）A-0009「冬季试驾会」· 部门负责人审批 · 已等 /);
    expect(zh.find((l) => l.startsWith('· R-0003'))).toContain('· 待 wangfang（已委托 李明） ·');
    const en = renderDigest(d, { locale: 'en', clock, personName });
    expect(en).toContain('You have delegated your approvals to 韩梅 until 2026-12-01 18:00.');
    expect(en).toContain('(delegated to 李明)');
  });

  it('says once, at the end, that a year of the horizon is provisional (chinese-days has no 2027)', () => {
    const d = composeDigest(full(), shanghaiClock);
    expect(d.provisionalYears).toEqual([2027]);
    const zh = renderDigest(d, { locale: 'zh-CN', clock: shanghaiClock, personName }).split('\n');
    expect(zh.slice(-2)).toEqual(['', '2027 年的节假日按法定节假日推算，待国务院公布后校准。']);
    expect(zh.filter((l) => l.includes('国务院'))).toHaveLength(1);
    const en = renderDigest(d, { locale: 'en', clock: shanghaiClock, personName });
    expect(en.split('\n').at(-1)).toBe('Holidays in 2027: estimated from the statutory holidays; to be corrected once the State Council publishes the year’s arrangement.');
    // The all-clear carries it too (a manager with nothing to do still plans ahead).
    const quiet = composeDigest(empty(), shanghaiClock);
    expect(renderDigest(quiet, { locale: 'zh-CN', clock: shanghaiClock, personName }).split('\n')).toEqual([
      '每日摘要 · 2026-11-25：今天没有待你处理或需要关注的事项。',
      '2027 年的节假日按法定节假日推算，待国务院公布后校准。',
    ]);
    // In 2027 the horizon is 2027–2028: both provisional, one line.
    const later = composeDigest({ ...empty(), date: '2027-03-03', now: sh('2027-03-03 08:30') }, shanghaiClock);
    expect(later.provisionalYears).toEqual([2027, 2028]);
    expect(renderDigest(later, { locale: 'zh-CN', clock: shanghaiClock, personName })).toContain('2027、2028 年的节假日按法定节假日推算');
  });

  it('no line once the horizon is all official', () => {
    const d = composeDigest(full(), clock);
    expect(d.provisionalYears).toEqual([]);
    expect(renderDigest(d, { locale: 'zh-CN', clock, personName })).not.toContain('国务院');
  });
});
