// The same dialog through each platform's own inbound format and channel (real SDK paths,
// fake platform servers): Feishu (encrypted webhook), DingTalk (Stream), WeCom (encrypted XML
// callback). An event application is filled in by text in the DM — errors, 跳过, 返回/保留,
// 修改 — and submitted with the confirmation card's button as that platform delivers a click.
// A form started in a group (Feishu, DingTalk) continues in the DM.
import { and, eq } from 'drizzle-orm';
import { TOPIC_CARD, TOPIC_ROBOT } from 'dingtalk-stream';
import { describe, expect, it } from 'vitest';
import { decodeAction, type ActionValue } from '../../cards/model.js';
import { decodeButtonKey } from '../../src/channels/wecom/keys.js';
import { auditLog, requests } from '../../src/store/schema.js';
import { robotMessage } from '../fakes/dingtalk-stream-gateway.js';
import { feishuEncrypt, feishuSignHeaders } from '../fakes/feishu-server.js';
import { cardEventXml, sealCallback, textXml } from '../fakes/wecom-server.js';
import { FS, useAllPlatforms, WC } from '../support/all-platforms.js';

const p = useAllPlatforms();

/** An encrypted, signed Feishu event to the webhook; accepted, and handled before returning. */
async function postFeishu(envelope: unknown): Promise<void> {
  const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify(envelope), FS.key) });
  const res = await fetch(`${p.t.url}/webhooks/feishu`, { method: 'POST', headers: { 'content-type': 'application/json', ...feishuSignHeaders(body, FS.key) }, body });
  expect(res.status).toBe(200);
  await p.t.idle();
}

/** A sealed WeCom callback to the webhook; accepted, and handled before returning. */
async function postWecom(xml: string): Promise<void> {
  const cb = sealCallback(WC, xml, { agentId: WC.agentId });
  const res = await fetch(`${p.t.url}/webhooks/wecom?${cb.query}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: cb.body });
  expect(res.status).toBe(200);
  await p.t.idle();
}

/** What the bot sent one person (or one group), in order. */
type Out = { kind: 'text'; text: string } | { kind: 'card'; title: string; buttons: ActionValue[]; ref: Record<string, string> };

interface Driver {
  /** The person types into their DM (or, with `group`, @-mentions the bot in the east-approvals group). */
  say(text: string, group?: boolean): Promise<void>;
  /** Everything sent to the person's DM (or to the group). */
  sent(group?: boolean): Out[];
  press(card: Extract<Out, { kind: 'card' }>, step: string): Promise<void>;
}

let seq = 0;
const nextId = (tag: string) => `${tag}-${Date.now()}-${++seq}`;

function walkCallbacks(v: unknown, out: ActionValue[] = []): ActionValue[] {
  if (Array.isArray(v)) v.forEach((x) => walkCallbacks(x, out));
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.type === 'callback') {
      const a = decodeAction(o.value);
      if (a) out.push(a);
    }
    Object.values(o).forEach((x) => walkCallbacks(x, out));
  }
  return out;
}

const feishuDriver: Driver = {
  async say(text, group = false) {
    const content = group ? `@_user_1 ${text}` : text;
    const envelope = {
      schema: '2.0',
      header: { event_id: nextId('fs-msg'), event_type: 'im.message.receive_v1', create_time: String(Date.now()), token: FS.token, app_id: FS.appId, tenant_key: 'tk' },
      event: {
        sender: { sender_id: { open_id: 'ou_liming' }, sender_type: 'user', tenant_key: 'tk' },
        message: {
          message_id: nextId('om'),
          chat_id: group ? 'oc_east_approvals' : 'oc_p2p_liming',
          chat_type: group ? 'group' : 'p2p',
          message_type: 'text',
          content: JSON.stringify({ text: content }),
          create_time: String(Date.now()),
          ...(group ? { mentions: [{ key: '@_user_1', id: { open_id: 'ou_bot' }, name: '签批' }] } : {}),
        },
      },
    };
    await postFeishu(envelope);
  },
  sent(group = false) {
    return [...p.feishu.messages.values()]
      .filter((m) => m.receiveId === (group ? 'oc_east_approvals' : 'ou_liming'))
      .map((m): Out => {
        if (m.msgType === 'text') return { kind: 'text', text: (JSON.parse(m.content) as { text: string }).text };
        const card = JSON.parse(m.content) as { header?: { title?: { content?: string } } };
        return { kind: 'card', title: card.header?.title?.content ?? '', buttons: walkCallbacks(card), ref: { messageId: m.messageId } };
      });
  },
  async press(card, step) {
    const action = card.buttons.find((b) => b.s === step)!;
    const envelope = {
      schema: '2.0',
      header: { event_id: nextId('fs-click'), event_type: 'card.action.trigger', create_time: String(Date.now()), token: FS.token, app_id: FS.appId, tenant_key: 'tk' },
      event: { operator: { open_id: 'ou_liming' }, token: 'c-x', action: { tag: 'button', value: action }, context: { open_message_id: card.ref.messageId, open_chat_id: 'oc_p2p_liming' } },
    };
    await postFeishu(envelope);
  },
};

/** DingTalk markdown back to the text the bot meant. */
const unmd = (s: string) => s.replace(/ {2}\n/g, '\n').replace(/＜/g, '<').replace(/＞/g, '>');

const dingtalkDriver: Driver = {
  async say(text, group = false) {
    const frame = p.gateway.sendCallback(TOPIC_ROBOT, robotMessage(nextId('dt-msg'), text, group));
    await p.gateway.waitForAck(frame);
    await p.t.idle();
  },
  sent(group = false) {
    const out: Array<{ at: number; out: Out }> = [];
    p.ding.requests.forEach((r, at) => {
      const b = r.body;
      if (r.path === '/v1.0/robot/oToMessages/batchSend' && !group && (b.userIds as string[]).includes('dt_liming')) {
        out.push({ at, out: { kind: 'text', text: unmd((JSON.parse(b.msgParam as string) as { text: string }).text) } });
      }
      if (r.path === '/v1.0/robot/groupMessages/send' && group && b.openConversationId === 'cid_east_approvals') {
        out.push({ at, out: { kind: 'text', text: unmd((JSON.parse(b.msgParam as string) as { text: string }).text) } });
      }
      if (r.path === '/v1.0/card/instances/createAndDeliver' && !group && b.openSpaceId === 'dtv1.card//IM_ROBOT.dt_liming') {
        const params = (b.cardData as { cardParamMap: Record<string, string> }).cardParamMap;
        const buttons = (JSON.parse(params.buttons ?? '[]') as Array<{ action: string }>).map((x) => decodeAction(x.action)!);
        out.push({ at, out: { kind: 'card', title: params.title ?? '', buttons, ref: { outTrackId: b.outTrackId as string } } });
      }
    });
    return out.map((x) => x.out);
  },
  async press(card, step) {
    const action = card.buttons.find((b) => b.s === step)!;
    const content = JSON.stringify({ cardPrivateData: { actionIds: ['btn'], params: { action: JSON.stringify(action) } } });
    const frame = p.gateway.sendCallback(TOPIC_CARD, { userId: 'dt_liming', outTrackId: card.ref.outTrackId, content, value: content, spaceType: 'IM_ROBOT' });
    await p.gateway.waitForAck(frame);
    await p.t.idle();
  },
};

const wecomDriver: Driver = {
  async say(text) {
    const xml = textXml({ corpId: WC.corpId, from: 'LiMing', content: text, msgId: String(Date.now() * 1000 + ++seq), agentId: WC.agentId });
    await postWecom(xml);
  },
  sent() {
    return p.wecom
      .calls('/cgi-bin/message/send')
      .filter((c) => c.body?.touser === 'LiMing')
      .map((c): Out => {
        const b = c.body as { msgtype: string; text?: { content: string }; template_card?: { main_title: { title: string }; task_id: string; button_list: Array<{ key?: string }> } };
        if (b.msgtype === 'text') return { kind: 'text', text: b.text!.content };
        const tc = b.template_card!;
        const keys = tc.button_list.map((x) => x.key ?? '');
        return { kind: 'card', title: tc.main_title.title, buttons: keys.map((k) => decodeButtonKey(k)!.action), ref: { taskId: tc.task_id, keys: JSON.stringify(keys) } };
      });
  },
  async press(card, step) {
    const i = card.buttons.findIndex((b) => b.s === step);
    const key = (JSON.parse(card.ref.keys!) as string[])[i]!;
    const xml = cardEventXml({ corpId: WC.corpId, from: 'LiMing', eventKey: key, taskId: card.ref.taskId!, responseCode: p.wecom.issueCode('LiMing', card.ref.taskId!), agentId: WC.agentId, createTime: Math.floor(Date.now() / 1000) });
    await postWecom(xml);
  },
};

/** Say something; return the texts and cards the bot answered with in the DM (or the group). */
async function exchange(d: Driver, text: string, group = false): Promise<{ text: string; cards: Array<Extract<Out, { kind: 'card' }>>; dm: Out[] }> {
  const before = d.sent(false).length;
  const beforeGroup = d.sent(true).length;
  await d.say(text, group);
  const dm = d.sent(false).slice(before);
  const here = group ? d.sent(true).slice(beforeGroup) : dm;
  return {
    text: here.flatMap((o) => (o.kind === 'text' ? [o.text] : [])).join('\n'),
    cards: dm.filter((o): o is Extract<Out, { kind: 'card' }> => o.kind === 'card'),
    dm,
  };
}

const drivers: Array<[string, Driver]> = [
  ['feishu', feishuDriver],
  ['dingtalk', dingtalkDriver],
  ['wecom', wecomDriver],
];

describe.each(drivers)('the event dialog on %s', (platform, d) => {
  it('errors, skip, back/keep, edit, then 提交 on the card', { timeout: 60_000 }, async () => {
    const ask = async (text: string) => (await exchange(d, text)).text;
    expect(await ask('申请活动')).toContain('（1/15）请填写「活动名称」');
    expect(await ask(`${platform} 冬季车主答谢会`)).toContain('（2/15）请选择「活动类别」');
    expect(await ask('3')).toContain('❌ 没有第 3 项');
    expect(await ask('1')).toContain('✓ 已记录「活动类别」：常规活动');
    await ask('客户答谢会');
    expect(await ask('跳过')).toContain('已跳过「活动形式」');
    expect(await ask('昨天下午3点')).toContain('已经过去了');
    expect(await ask('2027-03-20 18:00-21:00')).toContain('（7/15）请填写「活动地点」');
    expect(await ask('返回')).toContain('当前：2027-03-20（周六）18:00');
    expect(await ask('保留')).toContain('（6/15）请填写「结束时间」');
    expect(await ask('保留')).toContain('（7/15）请填写「活动地点」');
    await ask('杭州西湖国宾馆');
    await ask('新车型介绍\n车主抽奖');
    expect(await ask('很多')).toContain('❌ 请输入人数');
    await ask('80');
    await ask('老车主 60 人');
    await ask('场地 8000, 餐饮 12000');
    await ask('回馈老客户');
    await ask('18:00 签到；18:30 致辞');
    await ask('消防检查，急救箱');
    const confirm = await exchange(d, '李明');
    expect(confirm.text).toContain(platform === 'wecom' ? '请核对：回复「确认」提交' : '请核对以下内容');
    if (platform === 'wecom') expect(confirm.text).toContain('9. 预计人数：80 人');
    expect(confirm.cards).toHaveLength(1);
    expect(confirm.cards[0]!.title).toBe('请确认：活动申请');
    // The lead text comes before its card.
    expect(confirm.dm.map((o) => o.kind)).toEqual(['text', 'card']);

    expect(await ask('修改 预计人数')).toContain('当前：80 人');
    const edited = await exchange(d, '90');
    const card = edited.cards[0]!;
    expect(card.buttons.map((b) => b.s)).toEqual(['submit', 'edit', 'cancel']);

    const before = d.sent().length;
    await d.press(card, 'submit');
    const after = d.sent().slice(before).flatMap((o) => (o.kind === 'text' ? [o.text] : []));
    const number = /已提交申请 (A-\d{4})，等待审批。/.exec(after.join('\n'))?.[1];
    expect(number, JSON.stringify(after)).toBeDefined();
    const db = p.t.app.database.db;
    const [row] = await db.select().from(requests).where(eq(requests.number, number!));
    expect(row!.payload).toMatchObject({ name: `${platform} 冬季车主答谢会`, headcount: 90, category: 'regular', start: '2027-03-20T10:00:00.000Z', end: '2027-03-20T13:00:00.000Z' });
    const [submitted] = await db.select().from(auditLog).where(and(eq(auditLog.requestId, row!.id), eq(auditLog.action, 'submitted')));
    expect(submitted).toMatchObject({ actorId: 'liming', platform });
    if (platform === 'dingtalk') {
      // The pressed confirmation card is updated in place to its final state (by its outTrackId).
      const ref = card.ref as { outTrackId: string };
      const update = p.ding.requests.find((r) => r.path === '/v1.0/card/instances' && r.method === 'PUT' && r.body.outTrackId === ref.outTrackId);
      const params = (update?.body.cardData as { cardParamMap: Record<string, string> } | undefined)?.cardParamMap;
      expect(params?.status ?? JSON.stringify(params)).toContain(`已提交 ${number}`);
    }
  });

  it.skipIf(platform === 'wecom')('a form started in the group continues in the DM', async () => {
    const started = await exchange(d, '内容审核', true);
    expect(started.text).toBe('已私信你继续填写「内容审核」。');
    expect(started.dm.flatMap((o) => (o.kind === 'text' ? [o.text] : [])).join('\n')).toContain('（1/4）请填写「内容标题」');
    expect((await exchange(d, '取消')).text).toBe('已取消「内容审核」的填写，内容没有提交。');
  });
});
