// Feishu through the whole app (web + worker, real Postgres and Redis) against the fake Feishu:
// a request submitted in the simulator reaches the approver and the room as Feishu cards; the
// approver's click, encrypted and signed, delivered twice, decides once; every Feishu copy of
// the card is then PATCHed in place.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAction } from '../../cards/model.js';
import { actionFromName, formButtonName } from '../../src/channels/feishu/form-names.js';
import { auditLog, cardMessages, decisions, requests } from '../../src/store/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENT_FORM, simClient } from '../support/sim-client.js';
import { feishuEncrypt, feishuSignHeaders, startFakeFeishu, type FakeFeishu } from '../fakes/feishu-server.js';

const APP_ID = 'cli_00000000000e2e01';
const SECRET = 'e2e-secret';
const TOKEN = 'e2e-verification-token';
const KEY = 'e2e-encrypt-key';

let t: TestApp;
let fake: FakeFeishu;

beforeAll(async () => {
  fake = await startFakeFeishu({ appId: APP_ID, appSecret: SECRET, botOpenId: 'ou_bot' });
  t = await startTestApp({
    SIMULATOR: 'on',
    FEISHU_APP_ID: APP_ID,
    FEISHU_APP_SECRET: SECRET,
    FEISHU_VERIFICATION_TOKEN: TOKEN,
    FEISHU_ENCRYPT_KEY: KEY,
    FEISHU_BASE_URL: fake.url,
  });
});

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

type El = Record<string, unknown>;
const callbacks = (card: El): Array<{ a: string; r?: string; s?: string }> => {
  const out: Array<{ a: string; r?: string; s?: string }> = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as El;
      if (o.type === 'callback') {
        const a = decodeAction(o.value);
        if (a) out.push(a);
      }
      // Buttons in a form have no callback value: their name says what they do.
      const named = o.tag === 'button' ? actionFromName(o.name) : undefined;
      if (named) out.push(named);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return out;
};

describe('feishu end to end', () => {
  it('click → one decision → every Feishu copy updated', async () => {
    const sim = simClient(t.url);
    const r = await sim.act('liming', null, { a: 'submit', t: 'event' }, EVENT_FORM);
    expect(r.body.status).toBe('accepted');
    await t.idle();

    // The department lead (ou_liuyang) got a card by open_id.
    const cards = [...fake.messages.values()].filter((m) => m.msgType === 'interactive');
    const lead = cards.find((m) => m.receiveIdType === 'open_id' && m.receiveId === 'ou_liuyang');
    expect(lead).toBeDefined();
    const approve = callbacks(JSON.parse(lead!.content)).find((a) => a.a === 'approve')!;
    expect(approve.r).toBeTruthy();
    const rows = (await t.app.database.db.select().from(cardMessages).where(eq(cardMessages.requestId, approve.r!))).filter((m) => m.platform === 'feishu');
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.every((m) => m.messageId && fake.messages.has(m.messageId))).toBe(true);
    // One copy in the approver's DM, one in the workflow's room.
    expect(rows.map((m) => `${m.targetType}:${m.targetId}`).sort()).toEqual(['chat:oc_east_approvals', 'user:ou_liuyang']);

    // ou_liuyang clicks "approve"; Feishu delivers the callback twice (a retry, same event_id).
    const envelope = {
      schema: '2.0',
      header: { event_id: 'e2e-click-1', event_type: 'card.action.trigger', create_time: String(Date.now()), token: TOKEN, app_id: APP_ID, tenant_key: 'tk' },
      event: { operator: { open_id: 'ou_liuyang' }, token: 'c-x', action: { tag: 'button', value: approve }, context: { open_message_id: lead!.messageId, open_chat_id: 'oc_p2p' } },
    };
    const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify(envelope), KEY) });
    const answers: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${t.url}/webhooks/feishu`, { method: 'POST', headers: { 'content-type': 'application/json', ...feishuSignHeaders(body, KEY) }, body });
      expect(res.status).toBe(200);
      answers.push(await res.json());
    }
    expect(answers[0]).toMatchObject({ toast: { type: 'success' } });
    expect(answers[1]).toEqual({});
    await t.idle();

    const made = await t.app.database.db.select().from(decisions).where(eq(decisions.requestId, approve.r!));
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ personId: 'liuyang', platform: 'feishu' });

    // Every Feishu copy was PATCHed, and none still offers the decided step's buttons.
    const after = (await t.app.database.db.select().from(cardMessages).where(eq(cardMessages.requestId, approve.r!))).filter((m) => m.platform === 'feishu');
    for (const row of after) {
      const m = fake.messages.get(row.messageId!)!;
      expect(m.patches.length, `copy for ${row.targetType} ${row.targetId}`).toBeGreaterThanOrEqual(1);
      expect(callbacks(JSON.parse(m.content)).some((a) => a.s === approve.s)).toBe(false);
    }
  });

  it('a copy older than 14 days is replaced by a fresh card on the next change, recorded as the copy to update', async () => {
    const sim = simClient(t.url);
    expect((await sim.act('liming', null, { a: 'submit', t: 'event' }, EVENT_FORM)).body.status).toBe('accepted');
    await t.idle();
    const lead = [...fake.messages.values()].filter((m) => m.msgType === 'interactive' && m.receiveId === 'ou_liuyang' && callbacks(JSON.parse(m.content)).some((a) => a.a === 'approve')).at(-1)!;
    const approve = callbacks(JSON.parse(lead.content)).find((a) => a.a === 'approve')!;
    const before = (await t.app.database.db.select().from(cardMessages).where(eq(cardMessages.requestId, approve.r!))).filter((m) => m.platform === 'feishu');
    const dm = before.find((m) => m.targetId === 'ou_liuyang')!;
    const room = before.find((m) => m.targetType === 'chat')!;
    // Sent 15 days ago, as far as Feishu is concerned (the record still says today: the PATCH is tried and refused).
    fake.ageMessage(dm.messageId!, 15 * 24 * 3600_000);

    const envelope = {
      schema: '2.0',
      header: { event_id: 'e2e-old-card-approve', event_type: 'card.action.trigger', create_time: String(Date.now()), token: TOKEN, app_id: APP_ID, tenant_key: 'tk' },
      event: { operator: { open_id: 'ou_liuyang' }, token: 'c-z', action: fake.clickAction(room.messageId!, (b) => decodeAction((b.behaviors as Array<{ value?: unknown }> | undefined)?.[0]?.value)?.a === 'approve'), context: { open_message_id: room.messageId, open_chat_id: 'oc_east_approvals' } },
    };
    const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify(envelope), KEY) });
    const res = await fetch(`${t.url}/webhooks/feishu`, { method: 'POST', headers: { 'content-type': 'application/json', ...feishuSignHeaders(body, KEY) }, body });
    expect(res.status).toBe(200);
    await t.idle();

    const after = (await t.app.database.db.select().from(cardMessages).where(eq(cardMessages.requestId, approve.r!))).filter((m) => m.platform === 'feishu');
    const dmAfter = after.find((m) => m.id === dm.id)!;
    expect(dmAfter.messageId).not.toBe(dm.messageId);
    expect(fake.messages.get(dm.messageId!)!.patches).toHaveLength(0);
    const fresh = fake.messages.get(dmAfter.messageId!)!;
    expect(fresh).toMatchObject({ receiveIdType: 'open_id', receiveId: 'ou_liuyang' });
    expect(callbacks(JSON.parse(fresh.content)).some((a) => a.s === approve.s)).toBe(false);
    // The room's copy, young enough, was PATCHed in place as before.
    expect(after.find((m) => m.id === room.id)!.messageId).toBe(room.messageId);
    expect(fake.messages.get(room.messageId!)!.patches.length).toBeGreaterThanOrEqual(1);
    const audit = await t.app.database.db.select().from(auditLog).where(eq(auditLog.action, 'card_resent'));
    expect(audit.map((a) => a.detail)).toContainEqual(expect.objectContaining({ previous: dm.messageId, messageId: dmAfter.messageId }));
  });

  it('a DM from someone not in the organisation file gets a polite reply saying whom to ask', async () => {
    const envelope = {
      schema: '2.0',
      header: { event_id: 'e2e-stranger-1', event_type: 'im.message.receive_v1', create_time: String(Date.now()), token: TOKEN, app_id: APP_ID, tenant_key: 'tk' },
      event: {
        sender: { sender_id: { open_id: 'ou_stranger' }, sender_type: 'user', tenant_key: 'tk' },
        message: { message_id: 'om_s1', chat_id: 'oc_p2p_s', chat_type: 'p2p', message_type: 'text', content: JSON.stringify({ text: '你好' }), create_time: String(Date.now()) },
      },
    };
    const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify(envelope), KEY) });
    const res = await fetch(`${t.url}/webhooks/feishu`, { method: 'POST', headers: { 'content-type': 'application/json', ...feishuSignHeaders(body, KEY) }, body });
    expect(res.status).toBe(200);
    await t.idle();
    const reply = [...fake.messages.values()].find((m) => m.receiveId === 'ou_stranger');
    expect(reply?.msgType).toBe('text');
    expect(JSON.parse(reply!.content).text).toContain('请联系行政部 王芳（分机 8021）把你加入名单');
  });
  it('a signed reject whose reason holds a NUL byte and a lone surrogate is acked with its toast and recorded (cleaned), not lost', async () => {
    const sim = simClient(t.url);
    expect((await sim.act('liming', null, { a: 'submit', t: 'event' }, EVENT_FORM)).body.status).toBe('accepted');
    await t.idle();
    const cards = [...fake.messages.values()].filter((m) => m.msgType === 'interactive' && m.receiveIdType === 'open_id' && m.receiveId === 'ou_liuyang');
    const card = cards.filter((m) => callbacks(JSON.parse(m.content)).some((a) => a.a === 'reject')).at(-1)!;
    const reject = callbacks(JSON.parse(card.content)).find((a) => a.a === 'reject')!;
    const [open] = await t.app.database.db.select().from(requests).where(eq(requests.id, reject.r!));
    expect(open?.status).not.toBe('rejected');
    const envelope = {
      schema: '2.0',
      header: { event_id: 'e2e-nul-reject', event_type: 'card.action.trigger', create_time: String(Date.now()), token: TOKEN, app_id: APP_ID, tenant_key: 'tk' },
      // What Feishu sends for the reject button of the card's form: its name and the form's values.
      event: { operator: { open_id: 'ou_liuyang' }, token: 'c-y', action: fake.clickAction(card.messageId, (b) => actionFromName(b.name)?.a === 'reject', { reason: '预算\u0000超标\ud800' }), context: { open_message_id: 'om_x', open_chat_id: 'oc_p2p' } },
    };
    const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify(envelope), KEY) });
    const res = await fetch(`${t.url}/webhooks/feishu`, { method: 'POST', headers: { 'content-type': 'application/json', ...feishuSignHeaders(body, KEY) }, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ toast: { type: 'success', content: '已驳回' } });
    await t.idle();
    const [after] = await t.app.database.db.select().from(requests).where(eq(requests.id, reject.r!));
    expect(after?.status).toBe('rejected');
    const made = await t.app.database.db.select().from(decisions).where(eq(decisions.requestId, reject.r!));
    expect(made.map((d) => d.comment)).toEqual(['预算超标\ufffd']);
    expect((await t.app.database.db.select().from(auditLog).where(eq(auditLog.action, 'inbound_failed'))).length).toBe(0);
  });
  it('a card form with wrong fields is answered with the same card: every error beside its field, the values kept, nothing submitted', async () => {
    const name = '表单出错的答谢会';
    const envelope = {
      schema: '2.0',
      header: { event_id: 'e2e-bad-form', event_type: 'card.action.trigger', create_time: String(Date.now()), token: TOKEN, app_id: APP_ID, tenant_key: 'tk' },
      // A form container's submit button: its name says what it does, form_value holds the inputs.
      event: { operator: { open_id: 'ou_liming' }, token: 'c-f', action: { tag: 'button', name: formButtonName({ a: 'submit', t: 'event' }), form_value: { ...EVENT_FORM, name, headcount: '0', start: '2020-01-01 18:00 +0800', end: '2020-01-01 21:00 +0800' } }, context: { open_message_id: 'om_form', open_chat_id: 'oc_p2p' } },
    };
    const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify(envelope), KEY) });
    const res = await fetch(`${t.url}/webhooks/feishu`, { method: 'POST', headers: { 'content-type': 'application/json', ...feishuSignHeaders(body, KEY) }, body });
    expect(res.status).toBe(200);
    const reply = (await res.json()) as { toast: { type: string; content: string }; card: { type: string; data: El } };
    expect(reply.toast.type).toBe('error');
    expect(reply.toast.content).toMatch(/^有 \d 处需要修改/);
    expect(reply.card.type).toBe('raw');
    // The form as it was sent back: each input followed by its error in red, values kept.
    const form = (reply.card.data.body as { elements: El[] }).elements.find((e) => e.tag === 'form') as { elements: El[] };
    const at = (inputName: string) => form.elements.findIndex((e) => e.name === inputName);
    const errorAfter = (inputName: string) => form.elements[at(inputName) + 1] as { tag: string; content: string };
    expect(form.elements[at('name')]).toMatchObject({ default_value: name });
    expect(errorAfter('name').content).not.toContain('⚠'); // the next field's label, no error
    for (const field of ['headcount', 'start']) {
      expect(errorAfter(field).tag, field).toBe('markdown');
      expect(errorAfter(field).content, field).toContain('<font color="red">⚠');
    }
    expect(form.elements[at('headcount')]).toMatchObject({ default_value: '0' });
    await t.idle();
    expect(await t.app.database.db.select().from(requests).where(eq(requests.title, name))).toEqual([]);
  });
  it('the simulator stores and ingests a message with a NUL byte, cleaned (it was a 500 before ingest)', async () => {
    const sim = simClient(t.url);
    const r = await sim.say('liming', 'dm:liming', '我的申请\u0000\ud800');
    expect(r.status).toBe(202);
    expect(r.body.status).toBe('accepted');
    const mine = (await sim.history('liming')).filter((m) => m.sender === 'liming' && m.kind === 'text');
    expect(mine.at(-1)?.text).toBe('我的申请\ufffd');
  });
});
