// Forms through conversation, end to end through the simulator channel on real Postgres and
// Redis: people type into their DM (or @ the bot in a group), the inbound worker runs the
// dialog, replies and cards come back through the delivery queues. Every built-in form is
// filled in and submitted; errors, back, skip, edit, cancel, the idle timeout, a resubmission
// after a send-back and the commands are each exercised.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Card } from '../../cards/model.js';
import type { SimMessage } from '../../src/simulator/chat.js';
import type { Directory } from '../../src/org/directory.js';
import { EXAMPLE_ORG_FILE, directoryFromText } from '../../src/org/load.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { simClient } from '../support/sim-client.js';
import { png } from '../support/files.js';

/** The example organisation, with content review cards going to the room only (not the approvers' DMs). */
function organisation(): Directory {
  const org = parse(readFileSync(EXAMPLE_ORG_FILE, 'utf8')) as { workflows: Array<Record<string, unknown>> };
  for (const wf of org.workflows) if (wf.requestType === 'content_review') wf.directToApprovers = false;
  return directoryFromText(stringify(org));
}

let t: TestApp;
let sim: ReturnType<typeof simClient>;
let offset = 0;
const now = () => new Date(Date.now() + offset);
beforeAll(async () => {
  t = await startTestApp({}, { now, dir: organisation() });
  sim = simClient(t.url);
});
afterAll(() => t?.close());

const cursor: Record<string, number> = {};

/** Bot messages the person can see that arrived since the last look. */
async function fresh(as: string): Promise<SimMessage[]> {
  const all = await sim.history(as);
  const out = all.filter((m) => m.id > (cursor[as] ?? 0) && m.sender === 'bot');
  cursor[as] = Math.max(cursor[as] ?? 0, ...all.map((m) => m.id));
  return out;
}

async function say(as: string, text: string, conversation = `dm:${as}`): Promise<SimMessage[]> {
  await fresh(as);
  const r = await sim.say(as, conversation, text);
  expect(r.status).toBe(202);
  await t.idle();
  return fresh(as);
}

const dm = (as: string, ms: SimMessage[]) => ms.filter((m) => m.conversation === `dm:${as}`);
const textOf = (ms: SimMessage[]) => ms.flatMap((m) => (m.kind === 'text' && m.text ? [m.text] : [])).join('\n');
const cardOf = (ms: SimMessage[], kind = 'dialog') => ms.find((m) => m.kind === 'card' && (m.card as unknown as Card).kind === kind);
const cardBody = (m: SimMessage) => m.card as unknown as Card;

/** Send a file in the DM (the composer's upload) and return the text the bot answered there. */
async function sendFile(as: string, name: string, bytes: Buffer): Promise<string> {
  await fresh(as);
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), name);
  const r = await fetch(`${t.url}/api/sim/files?as=${as}`, { method: 'POST', body: form });
  expect(r.status).toBe(202);
  await t.idle();
  return textOf(dm(as, await fresh(as)));
}

/** Say something in the DM and return the text the bot answered there. */
async function ask(as: string, text: string): Promise<string> {
  return textOf(dm(as, await say(as, text)));
}

async function press(as: string, m: SimMessage, step: string, clientId?: string) {
  const b = cardBody(m).buttons.find((x) => x.action.s === step)!;
  const r = await sim.act(as, m.id, b.action, undefined, clientId);
  expect(r.status).toBe(200);
  await t.idle();
  return fresh(as);
}

const EVENT = [
  '冬季车主答谢会',
  '1',
  '客户答谢会',
  '晚宴',
  '2027-03-20 18:00-21:00',
  '杭州西湖国宾馆',
  '新车型介绍\n车主抽奖',
  '80',
  '老车主 60 人',
  '场地 8000, 餐饮 12000',
  '回馈老客户',
  '18:00 签到；18:30 致辞',
  '消防检查，急救箱',
  '李明',
];

/** Fill in an event application by dialog and return the confirmation card message. */
async function fillEvent(as: string, answers: string[] = EVENT): Promise<SimMessage> {
  expect(await ask(as, '申请活动')).toContain('开始填写「活动申请」');
  let last: SimMessage[] = [];
  for (const a of answers) last = await say(as, a);
  const card = cardOf(dm(as, last));
  expect(card).toBeDefined();
  return card!;
}

const roomCards = async (as: string, room: string) => (await sim.history(as)).filter((m) => m.conversation === `room:${room}` && m.kind === 'card' && cardBody(m).kind === 'approval');
const requestByNumber = async (number: string) => {
  const cards = (await sim.history('liuyang')).filter((m) => m.kind === 'card' && cardBody(m).title.includes(number));
  const r = cardBody(cards.at(-1)!).buttons[0]?.action.r;
  return r;
};

describe('forms through conversation in the simulator', () => {
  it('event application: errors, back, skip, edit, a stale card, then 提交 on the card', { timeout: 120_000 }, async () => {
    expect(await ask('liming', '申请活动')).toContain('（1/15）请填写「活动名称」');
    expect(await ask('liming', '冬季车主答谢会')).toContain('（2/15）请选择「活动类别」');
    expect(await ask('liming', '3')).toContain('❌ 没有第 3 项');
    expect(await ask('liming', '常规活动')).toContain('（3/15）请填写「活动类型」');
    expect(await ask('liming', '客户答谢会')).toContain('（选填，可回复「跳过」）');
    expect(await ask('liming', '跳过')).toContain('已跳过「活动形式」');
    expect(await ask('liming', '昨天下午3点')).toContain('已经过去了');
    expect(await ask('liming', '2027-03-20 18:00')).toContain('（6/15）请填写「结束时间」');
    expect(await ask('liming', '17:00')).toContain('❌ 结束时间（2027-03-20（周六）17:00）需晚于开始时间');
    expect(await ask('liming', '21:00')).toContain('✓ 已记录「结束时间」：2027-03-20（周六）21:00');
    const back = await ask('liming', '返回');
    expect(back).toContain('（6/15）请填写「结束时间」');
    expect(back).toContain('当前：2027-03-20（周六）21:00');
    expect(await ask('liming', '保留')).toContain('（7/15）请填写「活动地点」');
    await ask('liming', '杭州西湖国宾馆');
    await ask('liming', '新车型介绍\n车主抽奖');
    expect(await ask('liming', '很多')).toContain('❌ 请输入人数');
    await ask('liming', '八十人');
    await ask('liming', '老车主 60 人');
    expect(await ask('liming', '场地 8000, 餐饮')).toContain('缺少金额');
    await ask('liming', '场地 8000, 餐饮 12000');
    await ask('liming', '回馈老客户');
    await ask('liming', '18:00 签到\n18:30 致辞');
    await ask('liming', '消防检查，急救箱');
    const done = dm('liming', await say('liming', '李明'));
    // The lead text, then the card, in this order.
    expect(done.map((m) => m.kind)).toEqual(['text', 'card']);
    expect(done[0]!.text).toContain('请核对以下内容');
    const first = cardOf(done)!;
    expect(cardBody(first).title).toBe('请确认：活动申请');
    expect(cardBody(first).fields.find((f) => f.label === '活动形式')?.value).toBe('—（未填）');

    expect(await ask('liming', '修改 预计人数')).toContain('当前：80 人');
    const edited = dm('liming', await say('liming', '90'));
    const second = cardOf(edited)!;
    expect(cardBody(second).fields.find((f) => f.label === '预计人数')?.value).toBe('90 人');

    // A stale card is refused at once, with a toast saying so; nothing is queued.
    const stale = await sim.act('liming', first.id, cardBody(first).buttons.find((x) => x.action.s === 'submit')!.action);
    expect(stale.body).toEqual({ status: 'refused', feedback: { text: '这张确认卡片已失效（已提交、已取消或已有更新的卡片），本次点击未生效', tone: 'error' } });
    const editToast = await sim.act('liming', second.id, cardBody(second).buttons.find((x) => x.action.s === 'edit')!.action);
    expect(editToast.body.feedback).toEqual({ text: '请在私聊中回复要修改的字段（名称或序号）', tone: 'success' });
    await t.idle();
    await fresh('liming');
    const submitToast = await sim.act('liming', second.id, cardBody(second).buttons.find((x) => x.action.s === 'submit')!.action);
    expect(submitToast.body.feedback).toEqual({ text: '正在提交，结果会发到私聊', tone: 'success' });
    await t.idle();
    const submitted = await fresh('liming');
    expect(textOf(submitted)).toContain('已提交申请 A-0001，等待审批。');
    // The clicked card itself now says it was submitted, without buttons, for everyone.
    const settled = (await sim.history('liming')).find((m) => m.id === second.id)!;
    expect(cardBody(settled).status).toEqual({ text: '已提交 A-0001', tone: 'approved' });
    expect(cardBody(settled).buttons).toEqual([]);
    const card = (await roomCards('liuyang', 'east-approvals')).find((m) => cardBody(m).title.includes('A-0001'))!;
    expect(cardBody(card).title).toBe('活动申请 A-0001｜冬季车主答谢会');
    const detail = await sim.request(cardBody(card).buttons[0]!.action.r!);
    expect(detail.request.payload).toMatchObject({ headcount: 90, category: 'regular', location: '杭州西湖国宾馆', content: '新车型介绍\n车主抽奖' });
    expect(detail.request.payload.format).toBeUndefined();
    // The same card again: the form is over, nothing new is created.
    const late = await sim.act('liming', second.id, cardBody(second).buttons.find((x) => x.action.s === 'submit')!.action);
    expect(late.body).toMatchObject({ status: 'refused', feedback: { tone: 'error', text: expect.stringContaining('已失效') } });
  });

  it('two confirmations racing create one request', async () => {
    const card = await fillEvent('hanmei', ['抢答测试', ...EVENT.slice(1)]);
    const b = cardBody(card).buttons.find((x) => x.action.s === 'submit')!;
    await Promise.all([sim.act('hanmei', card.id, b.action), sim.act('hanmei', card.id, b.action), sim.say('hanmei', 'dm:hanmei', '确认')]);
    await t.idle();
    const said = textOf(dm('hanmei', await fresh('hanmei')));
    expect(said.match(/已提交申请 A-\d{4}/g)).toHaveLength(1);
    const mine = await ask('hanmei', '我的申请');
    expect(mine.match(/抢答测试/g)).toHaveLength(1);
  });

  it('post-event summary, scoring (via 待办 and the DM card) and reimbursement, all by dialog', { timeout: 120_000 }, async () => {
    // Approve A-0001 from the room card.
    const card = (await roomCards('liuyang', 'east-approvals')).find((m) => cardBody(m).title.includes('A-0001'))!;
    const approve = cardBody(card).buttons.find((b) => b.action.a === 'approve')!.action;
    expect((await sim.act('liuyang', card.id, approve)).body.status).toBe('accepted');
    await t.idle();

    // Before the event has ended, 提交总结 says when the summary can be written.
    expect(await ask('liming', '提交总结 A-1')).toContain('活动 A-0001 尚未结束（2027-03-20 21:00 结束），结束后即可提交总结。');
    expect(await ask('liming', '取消')).toBeDefined();
    // The event ends (the scheduler's event_end, fired here at once).
    const { request: a1 } = await sim.request('A-0001');
    await t.app.approvals.advance(a1.id, 'event_ended');
    await t.idle();

    // Summary: the event number typed with the command.
    const start = await ask('liming', '提交总结 A-1');
    expect(start).toContain('开始填写「活动总结」');
    expect(start).toContain('（2/9）请填写「活动概况」');
    for (const a of ['活动顺利举行\n到场踊跃', '76人', '到场 76 人，意向订单 12 台', '满意度高', '签到排队', '提前备场']) await ask('liming', a);
    await ask('liming', '无事故');
    expect(await ask('liming', '场地 8000\n餐饮 11500')).toContain('请核对以下内容');
    const confirmCard = (await sim.history('liming')).filter((m) => m.conversation === 'dm:liming' && m.kind === 'card').at(-1)!;
    expect(cardBody(confirmCard).buttons.length).toBeGreaterThan(0);
    expect(await ask('liming', '确认')).toContain('已提交申请 S-0001，等待审批。');
    // Typed, not clicked: the confirmation card still changes to its final state, without buttons.
    const typedSettled = (await sim.history('liming')).find((m) => m.id === confirmCard.id)!;
    expect(cardBody(typedSettled).status).toEqual({ text: '已提交 S-0001', tone: 'approved' });
    expect(cardBody(typedSettled).buttons).toEqual([]);

    // Scoring by a leader: the question lists the events waiting for a score.
    const scoring = await ask('liuyang', '评分');
    expect(scoring).toContain('（1/4）请填写「对应活动编号」');
    expect(scoring).toContain('可选：A-0001「冬季车主答谢会」');
    await ask('liuyang', 'A-0001');
    expect(await ask('liuyang', '45')).toContain('❌ 请输入 0 到 40 之间的分数');
    await ask('liuyang', '34');
    await ask('liuyang', '52');
    await ask('liuyang', '组织有序');
    expect(await ask('liuyang', '确认')).toContain('已提交申请 P-0001');

    // A lead confirms it, never a staff member of HQ marketing (孙丽 is one).
    expect(textOf(dm('sunli', await say('sunli', '待办')))).not.toContain('P-0001');
    // zhaolei approves the score from the card in the DM, which 待办 points to.
    const pending = textOf(dm('zhaolei', await say('zhaolei', '待办')));
    expect(pending).toMatch(/待你审批（\d+）：[^]*P-0001｜活动考核评分/);
    expect(pending).toContain('张审批卡片已在本私信中（随进度自动更新）');
    const scoreCard = (await sim.history('zhaolei')).find((m) => m.conversation === 'dm:zhaolei' && m.kind === 'card' && cardBody(m).title.includes('P-0001'))!;
    const approveScore = cardBody(scoreCard).buttons.find((b) => b.action.a === 'approve')!.action;
    expect((await sim.act('zhaolei', scoreCard.id, approveScore)).body.status).toBe('accepted');
    await t.idle();

    // Reimbursement once the event is scored.
    expect(await ask('liming', '报销')).toContain('可选：A-0001「冬季车主答谢会」');
    await ask('liming', 'A-0001');
    await ask('liming', '场地 8000，餐饮 11500');
    expect(await ask('liming', '04400231\n04400232')).toContain('请填写「发票」');
    expect(await sendFile('liming', '发票1.png', png(11))).toContain('已收到「发票1.png」（第 1 个）');
    expect(await sendFile('liming', '发票2.png', png(12))).toContain('第 2 个');
    const confirm = await say('liming', '好了');
    expect(cardBody(cardOf(dm('liming', confirm))!).fields.find((f) => f.label === '发票')?.value).toBe('2 个文件：发票1.png、发票2.png');
    expect(cardBody(cardOf(dm('liming', confirm))!).fields.find((f) => f.label === '报销明细')?.value).toBe('场地 ¥8,000，餐饮 ¥11,500（合计 ¥19,500）');
    expect(await ask('liming', '提交')).toContain('已提交申请 R-0001');
    const status = await ask('liming', '进度 A-0001');
    expect(status).toContain('状态：报销中');
  });

  it('content review: 取消, then again with a skipped optional field; the page is told which words apply', async () => {
    const phase = async () => (await (await fetch(`${t.url}/api/sim/dialog?as=hanmei`)).json()) as { phase: string | null; back: boolean; skip: boolean };
    expect(await phase()).toEqual({ phase: null, back: false, skip: false });
    expect(await ask('hanmei', '内容审核')).toContain('开始填写「内容审核」，共 4 项');
    expect(await phase()).toEqual({ phase: 'ask', back: false, skip: false });
    await ask('hanmei', '双十二推文');
    expect(await phase()).toEqual({ phase: 'ask', back: true, skip: false });
    expect(await ask('hanmei', '取消')).toBe('已取消「内容审核」的填写，内容没有提交。');
    expect(await phase()).toEqual({ phase: null, back: false, skip: false });
    expect(await ask('hanmei', '取消')).toContain('现在没有正在填写的表单');
    await ask('hanmei', 'review');
    await ask('hanmei', '双十二试驾福利推文');
    await ask('hanmei', '公众号');
    await ask('hanmei', '第一段：福利\n第二段：报名方式');
    expect(await phase()).toEqual({ phase: 'ask', back: true, skip: true });
    expect(await ask('hanmei', '跳过')).toContain('请核对以下内容');
    expect(await phase()).toMatchObject({ phase: 'confirm' });
    expect(await ask('hanmei', '确认')).toMatch(/已提交申请 C-\d{4}，等待审批。/);
    expect(await phase()).toEqual({ phase: null, back: false, skip: false });
  });

  it('a send-back names the command; 重新提交 pre-fills the dialog and resubmits', { timeout: 60_000 }, async () => {
    const confirm = await fillEvent('liming', ['春季试驾日', ...EVENT.slice(1)]);
    const done = await press('liming', confirm, 'submit');
    const number = /已提交申请 (A-\d{4})/.exec(textOf(done))![1]!;
    const card = (await roomCards('liuyang', 'east-approvals')).find((m) => cardBody(m).title.includes(number))!;
    const ret = cardBody(card).buttons.find((b) => b.action.a === 'return')!.action;
    expect((await sim.act('liuyang', card.id, ret, { reason: '预算偏高' })).body.status).toBe('accepted');
    await t.idle();
    const notice = textOf(dm('liming', await fresh('liming')));
    expect(notice).toContain(`被刘洋退回修改：预算偏高。修改后可重新提交：回复「重新提交 ${number}」`);

    expect(await ask('liming', '修改 A-0001')).toContain('只有被退回的申请才能修改后重新提交');
    const loaded = dm('liming', await say('liming', `重新提交 ${number}`));
    expect(textOf(loaded)).toContain(`已载入 ${number}「春季试驾日」的内容（刘洋退回修改：预算偏高）`);
    expect(cardBody(cardOf(loaded)!).title).toBe(`重新提交：活动申请 ${number}`);
    expect(await ask('liming', '修改 费用预算')).toContain('当前：场地 ¥8,000，餐饮 ¥12,000');
    expect(await ask('liming', '场地 8000, 餐饮 8000')).toContain('合计 ¥16,000');
    expect(await ask('liming', '确认')).toContain(`已重新提交申请 ${number}，等待审批。`);
    const detail = await sim.request((await requestByNumber(number))!);
    expect(detail.request).toMatchObject({ status: 'pending', round: 2 });
    expect(detail.request.payload.budget).toEqual([
      { item: '场地', amount: 8000 },
      { item: '餐饮', amount: 8000 },
    ]);
  });

  it('in a group: silent unless mentioned; a form moves to the DM; 待办 goes to the DM with the missing cards', async () => {
    expect(await say('liming', '申请活动', 'room:east-approvals')).toEqual([]);
    const started = await say('liming', '@签批助手 申请活动', 'room:east-approvals');
    expect(textOf(started.filter((m) => m.conversation === 'room:east-approvals'))).toBe('已私信你继续填写「活动申请」。');
    expect(textOf(dm('liming', started))).toContain('（1/15）请填写「活动名称」');
    // Answers in the group are not taken as answers (they stay private in the DM).
    const inGroup = await say('liming', '@签批助手 冬季答谢会', 'room:east-approvals');
    expect(textOf(inGroup)).toContain('没看懂');
    expect(await ask('liming', '冬季答谢会')).toContain('（2/15）请选择「活动类别」');
    const again = await say('liming', '@签批助手 申请活动', 'room:east-approvals');
    expect(textOf(again.filter((m) => m.conversation === 'room:east-approvals'))).toBe('你还有一份未完成的表单，已私信你。');
    expect(textOf(dm('liming', again))).toContain('你还有一份未完成的「活动申请」');
    expect(await ask('liming', '取消')).toContain('已取消');

    // Content review cards went to the room only: 待办 sends that one to the DM (tracked, so it
    // changes with the request); the event cards are already in the DM and are pointed to.
    const pending = await say('liuyang', '@签批助手 待办', 'room:east-approvals');
    expect(textOf(pending.filter((m) => m.conversation === 'room:east-approvals'))).toBe('已私信你。');
    const list = textOf(dm('liuyang', pending));
    expect(list).toMatch(/^待你审批（\d+）：\n1\. C-0001｜内容审核｜双十二试驾福利推文｜部门主管审核｜截止 \d{4}-\d{2}-\d{2} 17:00/);
    expect(list).toMatch(/下面发来 1 张审批卡片；\d+ 张审批卡片已在本私信中（随进度自动更新），可直接点按钮处理。$/);
    const sent = dm('liuyang', pending).filter((m) => m.kind === 'card');
    expect(sent.map((m) => cardBody(m).title)).toEqual(['内容审核 C-0001｜双十二试驾福利推文']);
  });

  it('30 minutes without an answer close the form; the next message says so', async () => {
    await ask('hanmei', '申请活动');
    await ask('hanmei', '冬季答谢会');
    offset += 29 * 60_000;
    expect(await ask('hanmei', '1')).toContain('（3/15）');
    offset += 31 * 60_000;
    // Idled out: the page no longer offers the dialog's words.
    expect((await (await fetch(`${t.url}/api/sim/dialog?as=hanmei`)).json()) as unknown).toMatchObject({ phase: null });
    expect(await ask('hanmei', '客户答谢会')).toBe('你之前填写的「活动申请」已超过 30 分钟没有回复，已自动关闭，内容没有提交。如需继续，请重新发送「申请活动」。');
    expect(await ask('hanmei', '客户答谢会')).toContain('没看懂');
    // A command after a timeout is answered, with the notice first.
    await ask('hanmei', '内容审核');
    offset += 31 * 60_000;
    const both = await ask('hanmei', '我的申请');
    expect(both).toContain('你之前填写的「内容审核」已超过 30 分钟没有回复');
    expect(both).toContain('你最近的申请：');
    expect(await ask('hanmei', '申请活动')).toContain('（1/15）');
    await ask('hanmei', '取消');
  });

  it('commands: 待办, 我的申请, 进度, 撤回, 催办, 日报, 帮助, and a short help for the rest', { timeout: 60_000 }, async () => {
    // Every card is in the DM now (the group test sent the content review's): 待办 points to them.
    const pending = dm('liuyang', await say('liuyang', 'pending'));
    expect(textOf(pending)).toMatch(/^待你审批（5）：\n1\. C-0001｜[^]*\n5 张审批卡片已在本私信中（随进度自动更新），可直接点按钮处理。$/);
    expect(pending.filter((m) => m.kind === 'card')).toEqual([]);
    // The copy 待办 sent is kept current like every other copy.
    const copy = (await sim.history('liuyang')).find((m) => m.conversation === 'dm:liuyang' && m.kind === 'card' && cardBody(m).title.startsWith('内容审核 C-0001'))!;
    const approveC = cardBody(copy).buttons.find((b) => b.action.a === 'approve')!.action;
    expect((await sim.act('liuyang', copy.id, approveC)).body.status).toBe('accepted');
    await t.idle();
    const after = (await sim.history('liuyang')).find((m) => m.id === copy.id)!;
    expect(cardBody(after).status?.text).toBe('审批中 · 分管领导审核');
    expect(textOf(dm('liuyang', await say('liuyang', '待办')))).not.toContain('C-0001');

    const mine = await ask('liming', '我的申请');
    expect(mine).toContain('A-0001｜活动申请｜冬季车主答谢会｜报销中');

    const status = await ask('liming', 'status a-1');
    expect(status).toContain('A-0001「冬季车主答谢会」（活动申请）');
    expect(status).toContain('申请人：李明（华东分公司市场部）');
    expect(status).toContain('最近动态：');
    expect(await ask('hanmei', '进度 A-0001')).toContain('状态：'); // in the approval room
    expect(await ask('sunli', '进度 C-0001')).toBe('你没有参与该申请'); // not in its room, not an approver, manages nothing above it
    expect(await ask('wangfang', '进度 C-0001')).toContain('状态：'); // admin and finance read every request (core/followers.ts READ_ALL_ROLES)
    expect(await ask('liming', '进度 A-9999')).toContain('找不到申请 A-9999');
    expect(await ask('liming', '进度')).toBe('请带上申请编号，例如：进度 A-0001');

    const confirm = await fillEvent('liming', ['撤回测试', ...EVENT.slice(1)]);
    const number = /已提交申请 (A-\d{4})/.exec(textOf(await press('liming', confirm, 'submit')))![1]!;
    const waiting = await ask('liming', `进度 ${number}`);
    expect(waiting).toContain('状态：审批中 · 部门负责人审批');
    expect(waiting).toMatch(/等待：刘洋，截止 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(await ask('liming', `催办 ${number}`)).toBe(`已催办 刘洋（${number}）。`);
    expect(textOf(dm('liuyang', await fresh('liuyang')))).toContain(`李明 催办：申请 ${number}「撤回测试」在「部门负责人审批」等待你审批`);
    expect(await ask('liming', `催办 ${number}`)).toMatch(new RegExp(`^${number} 刚催办过，请在 \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} 后再试（还需 .+）。$`));
    expect(await ask('hanmei', `催办 ${number}`)).toBe('只有申请人可以进行此操作');
    expect(await ask('hanmei', `撤回 ${number}`)).toBe('只有申请人可以进行此操作');
    expect(await ask('liming', `撤回 ${number} 时间改了`)).toBe(`已撤回申请 ${number}「撤回测试」。`);
    expect(await ask('liming', `进度 ${number}`)).toContain('状态：已撤回');
    expect(await ask('liming', `撤回 ${number}`)).toBe(`申请 ${number} 已结束（已驳回、已撤回或已过期），无需撤回。`);

    expect(await ask('liming', '日报')).toBe('每日摘要只提供给部门负责人和管理者。');
    expect(await ask('liuyang', '日报')).toMatch(/^每日摘要 · \d{4}-\d{2}-\d{2}/);

    const help = await ask('liming', '帮助');
    expect(help).toContain('· 申请活动 — 填写活动申请');
    expect(help).toContain('· 提交总结 [编号] — 填写活动总结');
    expect(help).toContain('· 内容审核 — 填写内容审核');
    expect(await ask('liming', '今天天气不错')).toBe(`没看懂「今天天气不错」。你好，我是签批助手。可用命令：申请活动、提交总结、评分、报销、内容审核、待办、我的申请、进度 <编号>、撤回 <编号>、重新提交 <编号>、催办 <编号>、日报、委托、移交、帮助。`);
    expect(await ask('liming', '申请 场地预订')).toBe('没有「场地预订」这种申请。可以申请：活动申请、活动总结、活动考核评分、费用报销、内容审核。');

    // Commands inside a dialog are answered and the dialog goes on; another form waits.
    await ask('liming', '申请活动');
    const inDialog = await ask('liming', '我的申请');
    expect(inDialog).toContain('你最近的申请：');
    expect(inDialog).toContain('（你正在填写「活动申请」，请继续填写「活动名称」，或回复「取消」放弃。）');
    expect(await ask('liming', '报销')).toContain('你还有一份未完成的「活动申请」');
    expect(await ask('liming', '帮助')).toContain('你正在填写「活动申请」');
    await ask('liming', '取消');
  });
});
