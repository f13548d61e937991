// The dialog engine, pure: whole transcripts of every built-in form (happy path, each kind of
// validation error, back, skip, keep, edit, cancel, the confirmation card and its buttons,
// a resubmission pre-filled from a sent-back request), plus the common phrasings people type.
// Now is Monday 2026-11-23 10:00 in Shanghai.
import { describe, expect, it } from 'vitest';
import type { Card } from '../../cards/model.js';
import { attach, begin, press, reminder, reply, submitFailed, submitted, type BeginOptions } from '../../src/bot/dialog/engine.js';
import type { AttachmentRef } from '../../src/core/fields/index.js';
import { findField, normaliseNumber, pairOf } from '../../src/bot/dialog/fields.js';
import type { DialogEnv, DialogSession, EngineResult } from '../../src/bot/dialog/types.js';
import { payloadSchema, type RequestTypeDef } from '../../src/core/request-types.js';
import type { Platform } from '../../src/org/schema.js';
import { exampleDir, NOW, sh as shanghai } from '../support/core-fixtures.js';

const dir = exampleDir();
const sh = (wall: string) => shanghai(wall).toISOString();

const KNOWN_EVENTS = new Set(['A-0001']);
const checkRef: DialogEnv['checkRef'] = async (_def, _spec, number) => (KNOWN_EVENTS.has(number) ? undefined : `找不到申请 ${number}，请检查编号（例如 A-0001）`);

function convo(type: string | RequestTypeDef, opts: { locale?: 'zh-CN' | 'en'; platform?: Platform; begin?: BeginOptions; now?: Date } = {}) {
  const def = typeof type === 'string' ? dir.requestType(type)! : type;
  const env: DialogEnv = { now: opts.now ?? NOW, timezone: 'Asia/Shanghai', locale: opts.locale ?? 'zh-CN', platform: opts.platform ?? 'local', checkRef };
  let session: DialogSession | null = null;
  let last: EngineResult | undefined;
  let latestCard: Card | undefined;
  const text = (r: EngineResult) => r.out.flatMap((o) => ('text' in o ? [o.text] : [])).join('\n');
  const take = (r: EngineResult) => {
    last = r;
    latestCard = r.out.find((o): o is { card: Card } => 'card' in o)?.card ?? latestCard;
    if (!r.submit) session = r.session;
    return text(r);
  };
  return {
    def,
    env,
    start: () => take(begin(def, env, opts.begin)),
    say: async (input: string) => take(await reply(def, session!, input, env)),
    attach: (file: AttachmentRef) => take(attach(def, session!, file, env)),
    press: (step: string, card?: Card) => {
      const c = card ?? lastCard();
      const b = c.buttons.find((x) => x.action.s === step)!;
      return take(press(def, session!, b.action, env));
    },
    get session() {
      return session;
    },
    get last() {
      return last!;
    },
    card: () => lastCard(),
  };
  /** The confirmation card shown most recently. */
  function lastCard(): Card {
    if (!latestCard) throw new Error('no card shown yet');
    return latestCard;
  }
}

/** Answer each question in turn; returns the texts. */
async function answerAll(c: ReturnType<typeof convo>, answers: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of answers) out.push(await c.say(a));
  return out;
}

const EVENT_ANSWERS = [
  '2026 冬季车主答谢会',
  '1',
  '客户答谢会',
  '晚宴',
  '12月20日 18:00-21:00',
  '杭州西湖国宾馆',
  '新车型介绍\n车主抽奖\n晚宴',
  '八十人',
  '老车主 60 人，市场部 8 人',
  '场地 8000, 餐饮 12000, 物料 2000',
  '回馈老客户，促进转介绍',
  '18:00 签到\n18:30 致辞\n19:00 晚宴',
  '场地消防检查，配备急救箱',
  '李明',
];

const EVENT_PAYLOAD = {
  name: '2026 冬季车主答谢会',
  category: 'regular',
  eventType: '客户答谢会',
  format: '晚宴',
  start: sh('2026-12-20 18:00'),
  end: sh('2026-12-20 21:00'),
  location: '杭州西湖国宾馆',
  content: '新车型介绍\n车主抽奖\n晚宴',
  headcount: 80,
  participants: '老车主 60 人，市场部 8 人',
  budget: [
    { item: '场地', amount: 8000 },
    { item: '餐饮', amount: 12000 },
    { item: '物料', amount: 2000 },
  ],
  purpose: '回馈老客户，促进转介绍',
  runSheet: '18:00 签到\n18:30 致辞\n19:00 晚宴',
  safety: '场地消防检查，配备急救箱',
  onSiteLead: '李明',
};

describe('event application (活动申请)', () => {
  it('happy path: every question in declaration order, a range fills start and end, confirmation card, submit', async () => {
    const c = convo('event');
    const first = c.start();
    expect(first).toContain('开始填写「活动申请」，共 15 项（14 项必填）');
    expect(first).toContain('（1/15）请填写「活动名称」\n例如：2026 冬季车主答谢会');
    const texts = await answerAll(c, EVENT_ANSWERS);
    expect(texts[0]).toContain('✓ 已记录「活动名称」：2026 冬季车主答谢会');
    expect(texts[0]).toContain('（2/15）请选择「活动类别」\n回复编号或名称：\n1. 常规活动\n2. 非常规活动');
    expect(texts[2]).toContain('（4/15）请填写「活动形式」（选填，可回复「跳过」）');
    expect(texts[3]).toContain('12月5日 14:00-17:00 或 周六全天');
    // The range filled both ends: the next question is the location, not the end time.
    expect(texts[4]).toContain('✓ 已记录「开始时间」：2026-12-20（周日）18:00，「结束时间」：2026-12-20（周日）21:00');
    expect(texts[4]).toContain('（7/15）请填写「活动地点」');
    expect(texts[7]).toContain('✓ 已记录「预计人数」：80 人');
    expect(texts[9]).toContain('✓ 已记录「费用预算」：场地 ¥8,000，餐饮 ¥12,000，物料 ¥2,000（合计 ¥22,000）');
    expect(texts[13]).toContain('请核对以下内容');
    expect(c.session?.phase).toBe('confirm');

    const card = c.card();
    expect(card.title).toBe('请确认：活动申请');
    // Every field asked in turn; an optional files field (the plan document) only once files were sent.
    expect(card.fields.map((f) => f.label)).toEqual(c.def.fields.filter((f) => f.kind !== 'attachments').map((f) => f.label));
    expect(card.fields.find((f) => f.label === '开始时间')?.value).toBe('2026-12-20（周日）18:00');
    expect(card.fields.find((f) => f.label === '活动类别')?.value).toBe('常规活动');
    expect(card.buttons.map((b) => [b.label, b.action.a, b.action.s])).toEqual([
      ['提交', 'dialog', 'submit'],
      ['修改', 'dialog', 'edit'],
      ['取消', 'dialog', 'cancel'],
    ]);
    expect(card.footer).toContain('确认｜修改 字段名｜取消');
    // The buttons name this card (session and revision), not a request: there is none yet.
    expect(card.buttons.every((b) => b.action.r === undefined && b.action.t === `${c.session!.id}.${c.session!.rev}`)).toBe(true);

    await c.say('确认');
    expect(c.last.submit).toBe(true);
    expect(c.session!.values).toEqual(EVENT_PAYLOAD);
    expect(payloadSchema(c.def).safeParse(c.session!.values).success).toBe(true);
    const done = submitted(c.session!, 'A-0007', c.env);
    expect(done.session).toBeNull();
    expect(done.out).toEqual([{ text: '已提交申请 A-0007，等待审批。' }]);
  });

  it('each validation error names the problem and asks the same question again', async () => {
    const c = convo('event');
    c.start();
    await c.say('冬季答谢会');
    const ask2 = '（2/15）请选择「活动类别」';
    expect(await c.say('3')).toMatch(new RegExp(`^❌ 没有第 3 项，请回复 1 到 2 之间的编号[^]*${ask2}`));
    expect(await c.say('随便')).toContain('❌ 没有找到“随便”');
    expect(await c.say('非常规')).toContain('已记录「活动类别」：非常规活动');
    await c.say('车展');
    expect(await c.say('跳过')).toContain('已跳过「活动形式」');
    const ask5 = '（5/15）请填写「开始时间」';
    const past = await c.say('昨天下午3点');
    expect(past).toContain('❌ 2026-11-22（周日）15:00已经过去了，请输入将来的时间');
    expect(past).toContain(ask5);
    expect(await c.say('某天')).toContain('❌ 没看懂“某天”');
    expect(await c.say('3点')).toContain('❌ “3点”是上午还是下午？');
    expect(await c.say('12月5日 14:00')).toContain('（6/15）请填写「结束时间」');
    const ask6 = '（6/15）请填写「结束时间」';
    const before = await c.say('12月5日 13:00');
    expect(before).toContain('❌ 结束时间（2026-12-05（周六）13:00）需晚于开始时间（2026-12-05（周六）14:00）');
    expect(before).toContain(ask6);
    expect(await c.say('12月4日')).toContain('需晚于开始时间');
    // A time alone is on the start's day.
    expect(await c.say('17:00')).toContain('✓ 已记录「结束时间」：2026-12-05（周六）17:00');
    expect(await c.say('x'.repeat(201))).toContain('❌ 「活动地点」最多 200 个字（当前 201 个字）');
    expect(await c.say('杭州，西湖边\n国宾馆')).toContain('✓ 已记录「活动地点」：杭州，西湖边 国宾馆');
    await c.say('新车介绍');
    const ask9 = '（9/15）请填写「预计人数」';
    expect(await c.say('很多')).toContain('❌ 请输入人数（正整数）');
    expect(await c.say('0')).toMatch(new RegExp(`❌ 人数必须大于 0[^]*${ask9}`));
    expect(await c.say('跳过')).toContain('「预计人数」是必填项，不能跳过。');
    await c.say('80');
    await c.say('老车主');
    expect(await c.say('场地 3000, 物料')).toContain('❌ 第 2 项“物料”缺少金额，请写成“项目 金额”，例如：物料 1200');
    expect(await c.say('场地 -300')).toContain('❌ “场地”的金额必须大于 0');
    expect(await c.say('场地 3000, 物料 1200')).toContain('合计 ¥4,200');
    expect(c.session!.values).toMatchObject({ category: 'irregular', start: sh('2026-12-05 14:00'), end: sh('2026-12-05 17:00'), headcount: 80 });
    expect(c.session!.values.format).toBeUndefined();
  });

  it('返回 goes back one field at a time, shows the current value, and walks forward again', async () => {
    const c = convo('event');
    c.start();
    expect(await c.say('返回')).toContain('已经是第一项了。');
    await answerAll(c, ['答谢会', '1', '客户答谢会']);
    const back = await c.say('返回');
    expect(back).toContain('（3/15）请填写「活动类型」');
    expect(back).toContain('当前：客户答谢会（回复「保留」不修改）');
    expect(await c.say('上一项')).toContain('当前：常规活动');
    // Answering walks forward one field (shown with its value), not past it.
    const again = await c.say('2');
    expect(again).toContain('✓ 已记录「活动类别」：非常规活动');
    expect(again).toContain('（3/15）请填写「活动类型」');
    expect(again).toContain('当前：客户答谢会');
    expect(await c.say('保留')).toContain('「活动类型」保持不变。\n（4/15）请填写「活动形式」');
    expect(c.session!.values).toMatchObject({ name: '答谢会', category: 'irregular', eventType: '客户答谢会' });
  });

  it('修改 <字段> by label, partial label or number edits a field, then returns to the confirmation', async () => {
    const c = convo('event');
    c.start();
    await answerAll(c, EVENT_ANSWERS);
    const firstCard = c.card();
    const edit = await c.say('修改 预计人数');
    expect(edit).toContain('（9/15）请填写「预计人数」');
    expect(edit).toContain('当前：80 人');
    const back = await c.say('120');
    expect(back).toContain('✓ 已记录「预计人数」：120 人');
    expect(back).toContain('请核对以下内容');
    expect(c.card().fields.find((f) => f.label === '预计人数')?.value).toBe('120 人');

    expect(await c.say('修改 时间')).toContain('「时间」对应多项：开始时间、结束时间，请写完整的名称。');
    expect(await c.say('修改 天气')).toContain('没有找到「天气」这一项。');
    const list = await c.say('修改');
    expect(list).toContain('要修改哪一项？');
    expect(list).toContain('9. 预计人数：120 人');
    expect(await c.say('修改 11')).toContain('请填写「费用预算」');
    // 返回 from an edit started on the confirmation goes back to it.
    expect(await c.say('返回')).toContain('请核对以下内容');
    expect(await c.say('修改 开始时间')).toContain('（5/15）请填写「开始时间」');
    // A new start after the recorded end clears the end, which is asked next.
    const moved = await c.say('12月21日 10:00');
    expect(moved).toContain('原来的结束时间早于新的开始时间，需要重新填写。');
    expect(moved).toContain('（6/15）请填写「结束时间」');
    expect(await c.say('16:00')).toContain('请核对以下内容');
    expect(c.session!.values).toMatchObject({ start: sh('2026-12-21 10:00'), end: sh('2026-12-21 16:00') });

    // The first card is out of date now: its buttons are refused.
    const stale = c.press('submit', firstCard);
    expect(stale).toContain('这张确认卡片已过期');
    expect(c.last.submit).toBeUndefined();
    // Anything else on the confirmation gets the choices.
    expect(await c.say('嗯')).toContain('请回复「确认」提交');
    expect(c.press('edit')).toContain('要修改哪一项？');
    c.press('submit');
    expect(c.last.submit).toBe(true);
  });

  it('"修改后的流程…" is an answer, not an edit command', async () => {
    const c = convo('event');
    c.start();
    await answerAll(c, EVENT_ANSWERS.slice(0, 11));
    expect(await c.say('修改后的流程：18:00 签到')).toContain('✓ 已记录「活动流程」：修改后的流程：18:00 签到');
  });

  it('取消 abandons the form at any point, by text or with the card button', async () => {
    const c = convo('event');
    c.start();
    await c.say('答谢会');
    expect(await c.say('取消')).toBe('已取消「活动申请」的填写，内容没有提交。');
    expect(c.session).toBeNull();

    const d = convo('event');
    d.start();
    await answerAll(d, EVENT_ANSWERS);
    expect(d.press('cancel')).toBe('已取消「活动申请」的填写，内容没有提交。');
    expect(d.session).toBeNull();
  });

  it('周六全天 and a bare date fill a whole-day event', async () => {
    const c = convo('event');
    c.start();
    await answerAll(c, ['试驾日', '1', '试驾体验日', '跳过']);
    expect(await c.say('周六全天')).toContain('（7/15）请填写「活动地点」');
    expect(c.session!.values).toMatchObject({ start: sh('2026-11-28 00:00'), end: sh('2026-11-29 00:00') });
  });

  it('a submit the service refuses keeps the confirmation open', async () => {
    const c = convo('event');
    c.start();
    await answerAll(c, EVENT_ANSWERS);
    const r = submitFailed(c.def, c.session!, '没有为「活动申请」配置审批流程', c.env);
    expect(r.session).toBe(c.session);
    expect(r.out[0]).toEqual({ text: expect.stringContaining('提交没有成功：没有为「活动申请」配置审批流程') });
  });

  it('帮助 inside a dialog explains the dialog words and asks the question again; reminder names the field', async () => {
    const c = convo('event');
    c.start();
    const help = await c.say('帮助');
    expect(help).toContain('你正在填写「活动申请」');
    expect(help).toContain('（1/15）请填写「活动名称」');
    expect(reminder(c.def, c.session!, c.env)).toBe('（你正在填写「活动申请」，请继续填写「活动名称」，或回复「取消」放弃。）');
  });
});

describe('resubmission after a send-back', () => {
  it('opens on the confirmation with everything pre-filled; edit and resubmit', async () => {
    const c = convo('event', { begin: { mode: 'resubmit', requestId: 'r1', number: 'A-0003', prefill: EVENT_PAYLOAD, visited: dir.requestType('event')!.fields.map((f) => f.key), intro: '已载入 A-0003' } });
    const first = c.start();
    expect(first).toContain('已载入 A-0003');
    expect(first).toContain('点「重新提交」或回复「确认」');
    expect(c.card().title).toBe('重新提交：活动申请 A-0003');
    expect(c.card().buttons[0]!.label).toBe('重新提交');
    await c.say('修改 费用预算');
    expect(await c.say('场地 8000, 餐饮 10000')).toContain('合计 ¥18,000');
    c.press('submit');
    expect(c.last.submit).toBe(true);
    expect(c.session!.values.budget).toEqual([
      { item: '场地', amount: 8000 },
      { item: '餐饮', amount: 10000 },
    ]);
    expect(submitted(c.session!, 'A-0003', c.env).out).toEqual([{ text: '已重新提交申请 A-0003，等待审批。' }]);
  });
});

describe('post-event summary (活动总结)', () => {
  it('happy path with the event number given in a short form, multi-line text and spend', async () => {
    const c = convo('summary');
    expect(c.start()).toContain('（1/9）请填写「对应活动编号」\n填写申请编号，例如：A-0001');
    expect(await c.say('abc')).toContain('❌ 请填写申请编号，例如：A-0001');
    expect(await c.say('A-9')).toContain('❌ 找不到申请 A-0009');
    expect(await c.say('a1')).toContain('✓ 已记录「对应活动编号」：A-0001');
    const texts = await answerAll(c, ['活动顺利举行\n到场踊跃', '七十六人', '到场 76 人\n意向订单 12 台', '满意度高', '签到排队', '提前备场', '无事故']);
    expect(texts[1]).toContain('76 人');
    expect(await c.say('场地 8000\n餐饮 11500')).toContain('请核对以下内容');
    await c.say('提交');
    expect(c.last.submit).toBe(true);
    expect(c.session!.values).toEqual({
      eventRef: 'A-0001',
      overview: '活动顺利举行\n到场踊跃',
      attendance: 76,
      results: '到场 76 人\n意向订单 12 台',
      feedback: '满意度高',
      problems: '签到排队',
      lessons: '提前备场',
      safetyReview: '无事故',
      actualSpend: [
        { item: '场地', amount: 8000 },
        { item: '餐饮', amount: 11500 },
      ],
    });
    expect(payloadSchema(c.def).safeParse(c.session!.values).success).toBe(true);
  });

  it('"无" is an answer to a required text, not a skip', async () => {
    const c = convo('summary', { begin: { prefill: { eventRef: 'A-0001' } } });
    expect(c.start()).toContain('（2/9）请填写「活动概况」');
    await answerAll(c, ['概况', '76', '结果', '意见']);
    expect(await c.say('无')).toContain('✓ 已记录「存在的问题」：无');
  });
});

describe('event scoring (活动考核评分)', () => {
  it('scores are checked against their maximum', async () => {
    const c = convo('scoring');
    c.start();
    await c.say('A-0001');
    expect(await c.say('45')).toContain('❌ 请输入 0 到 40 之间的分数');
    expect(await c.say('很好')).toContain('（2/4）请填写「定性评价得分（满分40）」');
    expect(await c.say('32分')).toContain('✓ 已记录「定性评价得分（满分40）」：32 分');
    expect(await c.say('61')).toContain('❌ 请输入 0 到 60 之间的分数');
    await c.say('50');
    await c.say('组织有序\n建议提前宣传');
    expect(c.card().fields.map((f) => f.value)).toEqual(['A-0001', '32 分', '50 分', '组织有序\n建议提前宣传']);
    await c.say('确认');
    expect(c.session!.values).toEqual({ eventRef: 'A-0001', qualitative: 32, quantitative: 50, comments: '组织有序\n建议提前宣传' });
  });
});

describe('reimbursement (费用报销)', () => {
  it('itemised items in several phrasings, invoices on several lines', async () => {
    const c = convo('reimbursement');
    c.start();
    await c.say('A-0001');
    expect(await c.say('场地')).toContain('❌ 第 1 项“场地”缺少金额');
    expect(await c.say('场地 8000元；餐饮 1.15万')).toContain('场地 ¥8,000，餐饮 ¥11,500（合计 ¥19,500）');
    await c.say('04400231\n04400232');
    expect(await c.say('好了')).toContain('还没有收到文件');
    expect(await c.say('发票在这')).toContain('请直接在聊天中发送图片或文件');
    const file = (n: number, mime = 'image/jpeg') => ({ id: `6f1c1f59-7a51-4c55-9a8e-2f4d4b0d9c0${n}`, name: `发票${n}.jpg`, mime, size: 1000 });
    expect(c.attach(file(1))).toContain('已收到「发票1.jpg」（第 1 个）');
    expect(c.attach(file(3, 'application/zip'))).toContain('类型不被接受');
    expect(c.attach(file(2))).toContain('第 2 个');
    expect(await c.say('好了')).toContain('请核对');
    await c.say('确认');
    expect(c.session!.values).toEqual({
      eventRef: 'A-0001',
      items: [
        { item: '场地', amount: 8000 },
        { item: '餐饮', amount: 11500 },
      ],
      invoices: '04400231\n04400232',
      invoiceFiles: [file(1), file(2)],
    });
  });
});

describe('content review (内容审核)', () => {
  it('an optional planned time: skipped, or in the future only', async () => {
    const c = convo('content_review');
    c.start();
    await answerAll(c, ['双十二试驾福利推文', '公众号']);
    await c.say('第一段\n第二段');
    expect(await c.say('昨天上午10点')).toContain('已经过去了');
    expect(await c.say('明天上午10点')).toContain('✓ 已记录「计划发布时间」：2026-11-24（周二）10:00');
    await c.say('修改 计划发布时间');
    expect(await c.say('跳过')).toContain('已跳过「计划发布时间」。');
    await c.say('确认');
    expect(c.session!.values).toEqual({ title: '双十二试驾福利推文', channel: '公众号', content: '第一段\n第二段' });
    expect(payloadSchema(c.def).safeParse(c.session!.values).success).toBe(true);
  });

  it('"无" skips an optional field', async () => {
    const c = convo('content_review');
    c.start();
    await answerAll(c, ['标题', '公众号', '正文']);
    expect(await c.say('无')).toContain('已跳过「计划发布时间」。');
  });
});

describe('a request type declared in the organisation file', () => {
  const purchase: RequestTypeDef = {
    id: 'purchase',
    prefix: 'B',
    name: '物料采购',
    nameEn: 'Purchase',
    lifecycle: 'simple',
    fields: [
      { key: 'item', label: '采购物品', labelEn: 'Item', kind: 'text', required: true, example: '易拉宝' },
      { key: 'amount', label: '金额', labelEn: 'Amount', kind: 'money', required: true, example: '2000元' },
      { key: 'boughtAt', label: '下单时间', labelEn: 'Ordered at', kind: 'datetime', required: false },
    ],
  };

  it('its declared fields are the questions; money in the usual phrasings', async () => {
    for (const [said, amount] of [
      ['¥2,000', 2000],
      ['2000元', 2000],
      ['2k', 2000], // a shorthand: read back, kept after 对
      ['两千', 2000],
      ['1.5万', 15000],
    ] as const) {
      const c = convo(purchase);
      expect(c.start()).toContain('开始填写「物料采购」，共 3 项（2 项必填）');
      expect(await c.say('易拉宝')).toContain('（2/3）请填写「金额」\n例如：2000元、¥2,000、两千、1.5万');
      if (said === '2k') expect(await c.say(said)).toContain('我理解为：2,000 元，对吗？');
      expect(await c.say(said === '2k' ? '对' : said)).toContain('（3/3）请填写「下单时间」（选填');
      expect(c.session!.values.amount).toBe(amount);
    }
    const c = convo(purchase);
    c.start();
    await c.say('易拉宝');
    expect(await c.say('很多钱')).toContain('❌ 请输入金额（元）');
    await c.say('2000');
    // Not a plan: a past time is fine here.
    expect(await c.say('昨天下午3点')).toContain('✓ 已记录「下单时间」：2026-11-22（周日）15:00');
  });

  it('adding a field adds a question', async () => {
    const more: RequestTypeDef = { ...purchase, fields: [...purchase.fields, { key: 'supplier', label: '供应商', labelEn: 'Supplier', kind: 'text', required: true }] };
    const c = convo(more);
    expect(c.start()).toContain('共 4 项');
    await answerAll(c, ['易拉宝', '2000', '跳过']);
    expect(c.session!.field).toBe('supplier');
  });
});

describe('common phrasings in the dialog', () => {
  const startCases: Array<[string, string, string | undefined]> = [
    ['明天下午3点', '2026-11-24 15:00', undefined],
    ['12月5日 14:00', '2026-12-05 14:00', undefined],
    ['下周五上午', '2026-12-04 09:00', undefined],
    ['2026-12-05 14:00', '2026-12-05 14:00', undefined],
    ['2026-12-05T14:00', '2026-12-05 14:00', undefined],
    ['１２月５日　１４：００', '2026-12-05 14:00', undefined],
    ['12月5日 14:00-17:00', '2026-12-05 14:00', '2026-12-05 17:00'],
    ['12月5日下午2点到5点', '2026-12-05 14:00', '2026-12-05 17:00'],
    ['周六全天', '2026-11-28 00:00', '2026-11-29 00:00'],
    ['12月5日至12月6日', '2026-12-05 00:00', '2026-12-07 00:00'],
  ];
  it.each(startCases)('start time %s', async (said, start, end) => {
    const c = convo('event');
    c.start();
    await answerAll(c, ['答谢会', '1', '答谢会', '跳过']);
    await c.say(said);
    expect(c.session!.values.start).toBe(sh(start));
    if (end) expect(c.session!.values.end).toBe(sh(end));
    else expect(c.session!.field).toBe('end');
  });

  const endCases: Array<[string, string]> = [
    ['17:00', '2026-12-05 17:00'],
    ['下午5点', '2026-12-05 17:00'],
    ['晚上9点', '2026-12-05 21:00'],
    ['12月6日 12:00', '2026-12-06 12:00'],
    ['12月6日', '2026-12-07 00:00'],
  ];
  it.each(endCases)('end time %s after a start of 12月5日 14:00', async (said, end) => {
    const c = convo('event');
    c.start();
    await answerAll(c, ['答谢会', '1', '答谢会', '跳过', '12月5日 14:00']);
    await c.say(said);
    expect(c.session!.values.end).toBe(sh(end));
  });

  const counts: Array<[string, number]> = [
    ['80', 80],
    ['80人', 80],
    ['八十', 80],
    ['约80人', 80],
    ['１２０', 120],
  ];
  it.each(counts)('headcount %s', async (said, n) => {
    const c = convo('event');
    c.start();
    await answerAll(c, ['答谢会', '1', '答谢会', '跳过', '12月5日 14:00-17:00', '杭州', '内容']);
    expect(await c.say(said)).toContain(`✓ 已记录「预计人数」：${n} 人`);
  });

  const choices: Array<[string, string]> = [
    ['1', 'regular'],
    ['2', 'irregular'],
    ['第二个', 'irregular'],
    ['常规活动', 'regular'],
    ['非常规', 'irregular'],
    ['regular', 'regular'],
  ];
  it.each(choices)('category %s', async (said, value) => {
    const c = convo('event');
    c.start();
    await c.say('答谢会');
    await c.say(said);
    expect(c.session!.values.category).toBe(value);
  });

  const budgets: Array<[string, number, boolean?]> = [
    ['场地 3000, 物料 1200', 4200],
    ['场地3000元；餐饮 2k', 5000, true], // "2k" is read back first
    ['1. 场地：3000\n2. 物料：1,200元', 4200],
    ['场地 3000，物料 1200，合计 4200', 4200],
  ];
  it.each(budgets)('budget %s', async (said, total, readBack) => {
    const c = convo('event');
    c.start();
    await answerAll(c, ['答谢会', '1', '答谢会', '跳过', '12月5日 14:00-17:00', '杭州', '内容', '80', '老车主']);
    const answer = await c.say(said);
    expect(answer.includes('对吗？')).toBe(!!readBack);
    if (readBack) await c.say('对');
    const items = c.session!.values.budget as Array<{ amount: number }>;
    expect(items.reduce((s, i) => s + i.amount, 0)).toBe(total);
  });
});

describe('answers that are not certain are read back, never stored silently (#16)', () => {
  const BEFORE_BUDGET = ['答谢会', '1', '答谢会', '跳过', '12月5日 14:00-17:00', '杭州', '内容', '80', '老车主'];
  async function atBudget(opts: Parameters<typeof convo>[1] = {}) {
    const c = convo('event', opts);
    c.start();
    await answerAll(c, BEFORE_BUDGET);
    expect(c.session!.field).toBe('budget');
    return c;
  }

  it('items separated by spaces only: "我理解为 …，对吗？", nothing stored; 对 keeps it', async () => {
    const c = await atBudget();
    const out = await c.say('场地 3000 物料 1200 餐饮 4500');
    expect(out).toContain('我理解为：场地 3000、物料 1200、餐饮 4500，合计 8,700 元，对吗？');
    expect(out).toContain('（各项之间只用空格隔开）');
    expect(out).toContain('回复「对」保存，回复「不对」重新填写');
    expect(c.session!.values.budget).toBeUndefined();
    expect(c.session!.field).toBe('budget');
    const kept = await c.say('对');
    expect(kept).toContain('✓ 已确认。已记录「费用预算」：场地 ¥3,000，物料 ¥1,200，餐饮 ¥4,500（合计 ¥8,700）');
    expect(kept).toContain('请填写「活动目的与意义」');
    expect(c.session!.values.budget).toEqual([
      { item: '场地', amount: 3000 },
      { item: '物料', amount: 1200 },
      { item: '餐饮', amount: 4500 },
    ]);
    expect(c.session!.pending).toBeUndefined();
  });

  it.each(['是', '好', '确认', 'yes', '对的', '好的'])('%s keeps the reading', async (yes) => {
    const c = await atBudget();
    await c.say('餐饮 50*30');
    await c.say(yes);
    expect(c.session!.values.budget).toEqual([{ item: '餐饮（50×30）', amount: 1500 }]);
  });

  it.each(['不对', '否', 'no', '不是'])('%s drops it and asks again', async (no) => {
    const c = await atBudget();
    await c.say('餐饮 50*30');
    const out = await c.say(no);
    expect(out).toContain('好的，没有保存。');
    expect(out).toContain('请填写「费用预算」');
    expect(c.session!.values.budget).toBeUndefined();
    expect(c.session!.pending).toBeUndefined();
    // After a no, "对" is no longer a confirmation of anything: it is read as a budget and refused.
    expect(await c.say('对')).toContain('❌');
    expect(c.session!.values.budget).toBeUndefined();
  });

  it('a corrected answer instead of yes/no replaces the reading', async () => {
    const c = await atBudget();
    await c.say('场地 3000 物料 1200');
    const out = await c.say('场地 3000，物料 1500');
    expect(out).toContain('✓ 已记录「费用预算」：场地 ¥3,000，物料 ¥1,500（合计 ¥4,500）');
    expect(c.session!.values.budget).toEqual([
      { item: '场地', amount: 3000 },
      { item: '物料', amount: 1500 },
    ]);
  });

  it('unit price × count in a budget shows the formula and the total', async () => {
    const c = await atBudget();
    const out = await c.say('场地 3000，餐饮 50元×30人');
    expect(out).toContain('我理解为：场地 3000、餐饮（50元×30人） 1500，合计 4,500 元，对吗？');
    expect(out).toContain('餐饮 50元×30人 按 1,500 元计');
  });

  it('返回 while a reading waits drops it and goes back', async () => {
    const c = await atBudget();
    await c.say('场地 3000 物料 1200');
    expect(await c.say('返回')).toContain('请填写「参与人员」');
    expect(c.session!.pending).toBeUndefined();
    expect(c.session!.values.budget).toBeUndefined();
  });

  it('a command in between is followed by a reminder of the open question', async () => {
    const c = await atBudget();
    await c.say('场地 3000 物料 1200');
    expect(reminder(c.def, c.session!, c.env)).toBe('（你正在填写「活动申请」：上面对「费用预算」的理解对吗？回复「对」保存，「不对」重新填写，或回复「取消」放弃。）');
  });

  it('取消 while a reading waits ends the dialog', async () => {
    const c = await atBudget();
    await c.say('场地 3000 物料 1200');
    expect(await c.say('取消')).toContain('已取消');
    expect(c.session).toBeNull();
  });

  it('a read-back too long to show in full is a refusal with the certain form instead', async () => {
    const c = await atBudget();
    const many = Array.from({ length: 90 }, (_, i) => `物料${'甲乙丙丁戊己庚辛壬癸'[i % 10]}${'子丑寅卯辰巳午未申酉戌亥'[i % 12]} ${i + 1}k`).join('，');
    const out = await c.say(many);
    expect(out).not.toContain('对吗');
    expect(out).toContain('❌ 「费用预算」的写法不够明确（“1k”按 1,000 元计');
    expect(out).toContain('另有 87 处同类写法');
    expect(out).toContain('例如：场地 8000, 餐饮 12000, 物料 2000');
    expect(Buffer.byteLength(out)).toBeLessThan(2048);
    expect(c.session!.pending).toBeUndefined();
  });

  it('a certain budget is stored at once, with no question', async () => {
    const c = await atBudget();
    const out = await c.say('场地 3000、物料 1200、餐饮 4500');
    expect(out).not.toContain('对吗');
    expect(c.session!.values.budget).toHaveLength(3);
  });

  it('editing the budget from the confirmation: read back, 对, back to the confirmation', async () => {
    const c = convo('event');
    c.start();
    await answerAll(c, EVENT_ANSWERS);
    expect(c.session!.phase).toBe('confirm');
    await c.say('修改 费用预算');
    expect(await c.say('场地 8000 餐饮 12000')).toContain('合计 20,000 元，对吗？');
    expect(await c.say('对')).toContain('请核对以下内容');
    expect(c.session!.phase).toBe('confirm');
    expect(c.session!.values.budget).toEqual([
      { item: '场地', amount: 8000 },
      { item: '餐饮', amount: 12000 },
    ]);
  });

  it('in English', async () => {
    const c = await atBudget({ locale: 'en' });
    const out = await c.say('场地 3000 物料 1200');
    expect(out).toContain('I read this as: 场地 3000, 物料 1200, total 4,200 yuan. Is that right?');
    expect(out).toContain('(the items are separated by spaces only)');
    await c.say('yes');
    expect(c.session!.values.budget).toHaveLength(2);
  });

  describe('a money field', () => {
    const purchase: RequestTypeDef = {
      id: 'purchase',
      prefix: 'B',
      name: '物料采购',
      nameEn: 'Purchase',
      lifecycle: 'simple',
      fields: [
        { key: 'item', label: '采购物品', labelEn: 'Item', kind: 'text', required: true },
        { key: 'amount', label: '金额', labelEn: 'Amount', kind: 'money', required: true },
      ],
    };
    it.each([
      ['50元×30人', '我理解为：1,500 元，对吗？', 1500],
      ['50 x 30', '我理解为：1,500 元，对吗？', 1500],
      ['1.5w', '我理解为：15,000 元，对吗？', 15000],
      ['1200+300', '我理解为：1,500 元，对吗？', 1500],
    ] as const)('%s → "%s", stored after 对', async (said, question, amount) => {
      const c = convo(purchase);
      c.start();
      await c.say('易拉宝');
      expect(await c.say(said)).toContain(question);
      expect(c.session!.values.amount).toBeUndefined();
      await c.say('对');
      expect(c.session!.values.amount).toBe(amount);
    });
  });
});

describe('dates of #16 in the dialog', () => {
  it('周五晚上7点到9点 as the event time', async () => {
    const c = convo('event');
    c.start();
    await answerAll(c, ['答谢会', '1', '答谢会', '跳过', '周五晚7点到9点']);
    expect(c.session!.values.start).toBe(sh('2026-11-27 19:00'));
    expect(c.session!.values.end).toBe(sh('2026-11-27 21:00'));
  });
  it('下午2:00-5:00 fills both ends in the afternoon', async () => {
    const c = convo('event');
    c.start();
    await answerAll(c, ['答谢会', '1', '答谢会', '跳过', '下周三下午2:00-5:00']);
    expect(c.session!.values.start).toBe(sh('2026-12-02 14:00'));
    expect(c.session!.values.end).toBe(sh('2026-12-02 17:00'));
  });
  it('a bare day of the month for the event start is the next one, not a refused past day', async () => {
    const c = convo('event', { now: shanghai('2026-12-20 10:00') });
    c.start();
    const out = await answerAll(c, ['答谢会', '1', '答谢会', '跳过', '15号下午2点到5点']);
    expect(out.at(-1)).not.toContain('已经过去');
    expect(c.session!.values.start).toBe(sh('2027-01-15 14:00'));
    expect(c.session!.values.end).toBe(sh('2027-01-15 17:00'));
  });
  it('an explicit past date for the event is still refused', async () => {
    const c = convo('event', { now: shanghai('2026-12-20 10:00') });
    c.start();
    const out = await answerAll(c, ['答谢会', '1', '答谢会', '跳过', '12月15日 14:00']);
    expect(out.at(-1)).toContain('已经过去');
  });
});

describe('helpers', () => {
  it('request numbers in short forms', () => {
    expect(normaliseNumber('a-1')).toBe('A-0001');
    expect(normaliseNumber('A0012')).toBe('A-0012');
    expect(normaliseNumber(' r - 3 ')).toBe('R-0003');
    expect(normaliseNumber('A-')).toBeUndefined();
    expect(normaliseNumber('活动')).toBeUndefined();
  });

  it('fields by label, partial label, English label, key and number', () => {
    const def = dir.requestType('event')!;
    const key = (q: string) => {
      const m = findField(def, q);
      return m && 'spec' in m ? m.spec.key : m && 'ambiguous' in m ? m.ambiguous.map((f) => f.key) : undefined;
    };
    expect(key('预计人数')).toBe('headcount');
    expect(key('人数')).toBe('headcount');
    expect(key('Expected headcount')).toBe('headcount');
    expect(key('budget')).toBe('budget');
    expect(key('9')).toBe('headcount');
    expect(key('第9项')).toBe('headcount');
    expect(key('时间')).toEqual(['start', 'end']);
    expect(key('99')).toBeUndefined();
    expect(key('目标达成情况')).toBeUndefined();
    expect(findField(dir.requestType('summary')!, '目标达成情况')).toMatchObject({ spec: { key: 'results' } });
    expect(pairOf(def, 'end')?.start.key).toBe('start');
    expect(pairOf(dir.requestType('content_review')!, 'publishAt')).toBeUndefined();
  });
});

describe('other platforms and English', () => {
  it('WeCom cards show six fields: the confirmation lists every value as text too, within one text message', async () => {
    const c = convo('event', { platform: 'wecom' });
    c.start();
    const long = EVENT_ANSWERS.map((a, i) => ([6, 8, 10, 11, 12].includes(i) ? `${a}${'很长的说明。'.repeat(80)}` : a));
    const texts = await answerAll(c, long);
    const last = texts.at(-1)!;
    expect(last).toContain('请核对：回复「确认」提交');
    expect(last).toContain('15. 现场负责人：李明');
    expect(last).toContain('8. 活动内容：新车型介绍 车主抽奖 晚宴很长的说明。…');
    expect(Buffer.byteLength(last)).toBeLessThanOrEqual(2048);
    expect(c.card().fields).toHaveLength(15);
  });

  it('speaks English when the locale is en', async () => {
    const c = convo('event', { locale: 'en' });
    expect(c.start()).toContain("Let's fill in the Event application (15 fields, 14 required)");
    expect(await c.say('Winter gala')).toContain('(2/15) Choose Category');
    expect(await c.say('9')).toContain('❌ There is no option 9');
    await answerAll(c, ['1', 'Gala', 'skip']);
    expect(await c.say('tomorrow 3pm')).toContain('Saved Start: 2026-11-24 (Tue) 15:00');
    expect(await c.say('cancel')).toBe('Cancelled: the Event application was not submitted.');
  });
});
