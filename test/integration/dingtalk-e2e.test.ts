// The whole app with only DingTalk enabled, against the fake open API and the fake Stream
// gateway: a form submitted from a card → approval card in the group → a bystander refused →
// the approver's click decides once → every card copy updated at the fake server.
import { TOPIC_CARD } from 'dingtalk-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAction } from '../../cards/model.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeDingtalk, type CardInstance, type FakeDingtalkServer } from '../fakes/dingtalk-server.js';
import { startFakeStreamGateway, type FakeStreamGateway } from '../fakes/dingtalk-stream-gateway.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENT_FORM } from '../support/sim-client.js';

let api: FakeDingtalkServer;
let gateway: FakeStreamGateway;
let t: TestApp;

const click = (userId: string, outTrackId: string, params: Record<string, unknown>) => {
  const content = JSON.stringify({ cardPrivateData: { actionIds: ['btn'], params } });
  return { corpId: 'dingcorp', userId, userIdType: 1, type: 'actionCallback', outTrackId, content, value: content, spaceType: 'IM_GROUP', spaceId: 'cid_east_approvals' };
};

const toastOf = (ack: { response: unknown }) => (ack.response as { userPrivateData: { cardParamMap: { toast: string } } }).userPrivateData.cardParamMap.toast;

beforeAll(async () => {
  api = await startFakeDingtalk();
  gateway = await startFakeStreamGateway({ acceptTicket: (ticket) => api.tickets.has(ticket) });
  api.gatewayEndpoint = gateway.endpoint;
  t = await startTestApp({
    DINGTALK_CLIENT_ID: FAKE_CLIENT_ID,
    DINGTALK_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    DINGTALK_BASE_URL: api.url,
    DINGTALK_MODE: 'stream',
    DINGTALK_CARD_TEMPLATE_APPROVAL: 'tpl-approval.schema',
  });
  await gateway.waitForConnections(1, 10_000);
});

afterAll(async () => {
  await t?.close();
  await gateway?.close();
  await api?.close();
});

describe('dingtalk end to end', () => {
  it('submit from a card → group card → bystander refused → approve once → every copy updated', async () => {
    // The applicant submits the event form from a form card.
    const submit = gateway.sendCallback(TOPIC_CARD, click('dt_liming', 'qp-form-card', { form: { __action: JSON.stringify({ a: 'submit', t: 'event' }), ...EVENT_FORM } }));
    expect((await gateway.waitForAck(submit)).code).toBe(200);
    await t.idle();

    const copies = (): CardInstance[] => [...api.cards.values()].filter((c) => c.params.kind === 'approval' && (c.params.title ?? '').includes(EVENT_FORM.name!));
    const group = copies().find((c) => c.openSpaceId === 'dtv1.card//IM_GROUP.cid_east_approvals');
    expect(group, 'approval card in the east-approvals group').toBeDefined();
    const buttons = JSON.parse(group!.params.buttons!) as Array<{ action: string }>;
    const approve = buttons.map((b) => decodeAction(b.action)!).find((a) => a.a === 'approve')!;
    expect(approve.r).toBeTruthy();

    // Someone who is not an approver clicks: told so privately, nothing changes.
    const updatesBefore = copies().map((c) => c.updates);
    const bystander = gateway.sendCallback(TOPIC_CARD, click('dt_hanmei', group!.outTrackId, { action: JSON.stringify(approve) }));
    expect(toastOf(await gateway.waitForAck(bystander))).toBe('你不是该申请的审批人');
    await t.idle();
    expect(copies().map((c) => c.updates)).toEqual(updatesBefore);

    // The approver clicks twice (DingTalk may redeliver): one decision.
    const ok = gateway.sendCallback(TOPIC_CARD, click('dt_liuyang', group!.outTrackId, { action: JSON.stringify(approve) }));
    expect(toastOf(await gateway.waitForAck(ok))).toBe('已同意');
    const again = gateway.sendCallback(TOPIC_CARD, click('dt_liuyang', group!.outTrackId, { action: JSON.stringify(approve) }));
    await gateway.waitForAck(again);
    await t.idle();

    // The group copy and the approver's DM copy: one card instance each, both brought up to date.
    expect(copies().map((c) => c.openSpaceId).sort()).toEqual(['dtv1.card//IM_GROUP.cid_east_approvals', 'dtv1.card//IM_ROBOT.dt_liuyang']);
    for (const c of copies()) {
      expect(c.updates, c.openSpaceId).toBeGreaterThan(0);
      expect(c.params).toMatchObject({ status: '已通过', hasButtons: 'false', hasForm: 'false' });
    }
    const rows = await t.app.database.db.query.decisions.findMany();
    expect(rows.filter((d) => d.requestId === approve.r)).toHaveLength(1);
    // The applicant heard about it in a robot DM.
    const toApplicant = api.userMessages.filter((m) => (m.userIds as string[]).includes('dt_liming')).map((m) => JSON.parse(m.msgParam as string).text as string);
    expect(toApplicant.some((x) => x.includes('已通过'))).toBe(true);
    expect(api.shapeErrors).toEqual([]);
  });

  it('reject through the reason form: without a reason refused, with one decided', async () => {
    const name = '春季试驾日';
    const submit = gateway.sendCallback(TOPIC_CARD, click('dt_liming', 'qp-form-card-2', { form: { __action: JSON.stringify({ a: 'submit', t: 'event' }), ...EVENT_FORM, name } }));
    await gateway.waitForAck(submit);
    await t.idle();
    const group = [...api.cards.values()].find((c) => c.params.title?.includes(name) && c.openSpaceId.includes('IM_GROUP'))!;
    const form = JSON.parse(group.params.form!) as { fields: Array<{ name: string; options?: Array<{ value: string; text: string }> }> };
    const reject = form.fields.find((f) => f.name === 'decision')!.options!.find((o) => o.text === '驳回')!.value;

    const empty = gateway.sendCallback(TOPIC_CARD, click('dt_liuyang', group.outTrackId, { form: { decision: { index: 0, value: reject }, reason: '' } }));
    expect(toastOf(await gateway.waitForAck(empty))).toBe('请填写理由');
    const withReason = gateway.sendCallback(TOPIC_CARD, click('dt_liuyang', group.outTrackId, { form: { decision: { index: 0, value: reject }, reason: '与车展时间冲突' } }));
    const ack = await gateway.waitForAck(withReason);
    expect((ack.response as { userPrivateData: { cardParamMap: Record<string, string> } }).userPrivateData.cardParamMap).toMatchObject({ form_status: 'disabled' });
    await t.idle();
    expect(api.cards.get(group.outTrackId)!.params).toMatchObject({ status: '已驳回', hasForm: 'false' });
  });
  it('a card form with wrong fields: the clicker sees each error beside its field with the values kept; nothing is submitted', async () => {
    const name = '表单出错的试驾日';
    const bad = gateway.sendCallback(TOPIC_CARD, click('dt_liming', 'qp-form-card-3', { form: { __action: JSON.stringify({ a: 'submit', t: 'event' }), ...EVENT_FORM, name, headcount: '0' } }));
    const ack = await gateway.waitForAck(bad);
    const priv = (ack.response as { userPrivateData: { cardParamMap: Record<string, string> } }).userPrivateData.cardParamMap;
    expect(priv.toast).toMatch(/^有 1 处需要修改/);
    expect(priv.form_status).toBe('normal');
    const fields = (JSON.parse(priv.form!) as { fields: Array<{ name: string; label?: string; defaultValue?: unknown }> }).fields;
    const headcount = fields.find((f) => f.name === 'headcount')!;
    expect(headcount.label).toMatch(/^预计人数（⚠ .+）$/);
    expect(headcount.defaultValue).toBe('0');
    expect(fields.find((f) => f.name === 'name')).toMatchObject({ label: '活动名称', defaultValue: name });
    await t.idle();
    expect([...api.cards.values()].some((c) => c.params.title?.includes(name))).toBe(false);
  });
});
