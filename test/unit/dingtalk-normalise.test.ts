import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cardCallbackReply, normalise } from '../../src/channels/dingtalk/normalise.js';
import { verifySign } from '../../src/channels/dingtalk/sign.js';

const robot = (over: Record<string, unknown> = {}) => ({
  conversationId: 'cid_east_approvals',
  conversationType: '2',
  msgId: 'msg-1',
  senderStaffId: 'dt_liming',
  senderNick: '李明',
  robotCode: 'dingfake',
  msgtype: 'text',
  text: { content: '  待办  ' },
  sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=x',
  sessionWebhookExpiredTime: 1700000000000,
  ...over,
});

const click = (params: Record<string, unknown>, over: Record<string, unknown> = {}) => {
  const content = JSON.stringify({ cardPrivateData: { actionIds: ['submit_btn'], params } });
  return { extension: '{}', corpId: 'dingcorp', userId: 'dt_wangfang', userIdType: 1, type: 'actionCallback', content, value: content, outTrackId: 'qp123', spaceType: 'IM_GROUP', spaceId: 'cid_east_approvals', ...over };
};

describe('dingtalk inbound normalisation', () => {
  it('turns a group robot message into an InboundMessage', () => {
    const n = normalise(robot());
    expect(n.ok).toBe(true);
    if (!n.ok) return;
    expect(n.event).toMatchObject({
      kind: 'message',
      platform: 'dingtalk',
      eventId: 'msg-1',
      senderId: 'dt_liming',
      senderName: '李明',
      chat: { type: 'group', id: 'cid_east_approvals' },
      text: '待办',
      mentioned: true,
    });
    expect(n.event.kind === 'message' && n.event.reply?.sessionWebhook).toContain('sendBySession');
  });

  it('conversationType "1" is a DM', () => {
    const n = normalise(robot({ conversationType: '1' }));
    expect(n.ok && n.event.kind === 'message' && n.event.chat.type).toBe('dm');
  });

  it('refuses messages it cannot read', () => {
    expect(normalise(robot({ msgtype: 'picture', text: undefined })).ok).toBe(false);
    expect(normalise(robot({ msgId: undefined })).ok).toBe(false);
    expect(normalise('x').ok).toBe(false);
    expect(normalise({ hello: 1 }).ok).toBe(false);
  });

  it('decodes a button click from the card private params', () => {
    const n = normalise(click({ action: JSON.stringify({ a: 'approve', r: 'req-1', s: 'st-1' }) }));
    expect(n.ok).toBe(true);
    if (!n.ok || n.event.kind !== 'card_action') return;
    expect(n.event.action).toEqual({ a: 'approve', r: 'req-1', s: 'st-1' });
    expect(n.event.senderId).toBe('dt_wangfang');
    expect(n.event.message).toEqual({ trackId: 'qp123', chatId: 'cid_east_approvals' });
    expect(n.event.form).toBeUndefined();
    expect(n.details?.formSubmit).toBe(false);
  });

  it('decodes the reason form: decision select + reason', () => {
    const reject = JSON.stringify({ a: 'reject', r: 'req-1', s: 'st-1' });
    const n = normalise(click({ form: { decision: { index: 0, value: reject }, reason: ' 预算超标 ' } }));
    expect(n.ok).toBe(true);
    if (!n.ok || n.event.kind !== 'card_action') return;
    expect(n.event.action).toEqual({ a: 'reject', r: 'req-1', s: 'st-1' });
    expect(n.event.form).toEqual({ reason: '预算超标' });
    expect(n.details?.formSubmit).toBe(true);
  });

  it('decodes a request form with the hidden submit action and typed values', () => {
    const n = normalise(click({ form: { __action: JSON.stringify({ a: 'submit', t: 'event' }), title: '团建', category: { index: 1, value: 'b' }, tags: ['x', 'y'], headcount: 12 } }));
    expect(n.ok).toBe(true);
    if (!n.ok || n.event.kind !== 'card_action') return;
    expect(n.event.action).toEqual({ a: 'submit', t: 'event' });
    expect(n.event.form).toEqual({ title: '团建', category: 'b', tags: 'x,y', headcount: '12' });
  });

  it('gives a redelivered click the same eventId, whatever the key order', () => {
    const a = normalise(click({ action: '{"a":"approve","r":"req-1"}', x: { b: 1, a: 2 } }));
    const content = JSON.stringify({ cardPrivateData: { params: { x: { a: 2, b: 1 }, action: '{"a":"approve","r":"req-1"}' }, actionIds: ['submit_btn'] } });
    const b = normalise(click({}, { content, value: content }));
    expect(a.ok && b.ok && a.event.eventId === b.event.eventId).toBe(true);
    // Another user, card or reason is another event.
    const c = normalise(click({ action: '{"a":"approve","r":"req-1"}', x: { b: 1, a: 2 } }, { userId: 'dt_zhaolei' }));
    expect(a.ok && c.ok && a.event.eventId !== c.event.eventId).toBe(true);
  });

  it('refuses callbacks without a decodable action', () => {
    expect(normalise(click({ action: 'not json' }))).toMatchObject({ ok: false, stale: true });
    expect(normalise(click({}, { content: 'garbage', value: undefined })).ok).toBe(false);
    expect(normalise(click({ action: '{"a":"approve"}' }, { userId: undefined })).ok).toBe(false);
  });

  it('refuses (does not overflow on) params nested thousands deep, as an object or as a JSON string', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const action = JSON.stringify(JSON.stringify({ a: 'approve', r: 'req-1' }));
    const asObject = `{"cardPrivateData":{"actionIds":["b"],"params":{"action":${action},"x":${deep}}}}`;
    const asString = `{"cardPrivateData":{"actionIds":["b"],"params":{"action":${action},"form":${JSON.stringify(`{"title":${deep}}`)}}}}`;
    for (const content of [asObject, asString]) {
      const n = normalise(click({}, { content, value: content }));
      expect(n).toEqual({ ok: false, reason: 'card callback params nested too deeply or too large' });
    }
    // Wide but shallow is refused too, before anything walks it.
    const wide = JSON.stringify({ cardPrivateData: { actionIds: [], params: { action: JSON.parse(action), x: Array.from({ length: 5000 }, () => [1]) } } });
    expect(normalise(click({}, { content: wide, value: wide })).ok).toBe(false);
  });

  it('replies with a private toast, and locks an accepted form for the clicker', () => {
    const refused = cardCallbackReply({ status: 'refused', feedback: { text: '你不是该申请的审批人', tone: 'error' } }, { formSubmit: true });
    expect(refused.userPrivateData.cardParamMap).toEqual({ toast: '你不是该申请的审批人' });
    const ok = cardCallbackReply({ status: 'accepted' }, { formSubmit: true });
    expect(ok.userPrivateData.cardParamMap).toMatchObject({ form_status: 'disabled', form_btn_text: '已收到' });
    expect(ok.cardUpdateOptions).toEqual({ updateCardDataByKey: true, updatePrivateDataByKey: true });
  });
});

describe('dingtalk HTTP signature', () => {
  const secret = 'app-secret';
  const sign = (ts: string) => createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');

  it('accepts a fresh, correctly signed timestamp', () => {
    const ts = String(Date.now());
    expect(verifySign(ts, sign(ts), secret)).toEqual({ ok: true });
    expect(verifySign(ts, encodeURIComponent(sign(ts)), secret)).toEqual({ ok: true });
  });

  it('refuses forged, stale, missing and malformed values', () => {
    const ts = String(Date.now());
    expect(verifySign(ts, sign(String(Date.now() - 5)), secret).ok).toBe(false);
    const old = String(Date.now() - 2 * 3600_000);
    expect(verifySign(old, sign(old), secret)).toMatchObject({ ok: false, reason: expect.stringContaining('away from now') });
    expect(verifySign(undefined, sign(ts), secret).ok).toBe(false);
    expect(verifySign(ts, undefined, secret).ok).toBe(false);
    expect(verifySign('yesterday', sign('yesterday'), secret).ok).toBe(false);
  });
});
