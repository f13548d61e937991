// WeCom through the whole app (web + worker, real Postgres and Redis) against the fake WeCom
// server: a request submitted in the simulator reaches the approver as a template card and the
// room as an app-chat notice; the approver's click, delivered twice, decides once; every
// WeCom copy is then brought up to date (card in place with a response code, chat by notice).
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeButtonKey } from '../../src/channels/wecom/keys.js';
import { cardMessages, decisions } from '../../src/store/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENT_FORM, simClient } from '../support/sim-client.js';
import { cardEventXml, FakeWecomServer, sealCallback } from '../fakes/wecom-server.js';

const KEYS = { token: 'e2eToken', encodingAESKey: 'kWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', corpId: 'wwqianpie2e00001' };
const AGENT = 1000042;

let t: TestApp;
let fake: FakeWecomServer;

beforeAll(async () => {
  fake = await new FakeWecomServer({ corpId: KEYS.corpId, secret: 'e2e-secret', agentId: AGENT }).start();
  t = await startTestApp({
    SIMULATOR: 'on',
    WECOM_CORP_ID: KEYS.corpId,
    WECOM_AGENT_ID: String(AGENT),
    WECOM_SECRET: 'e2e-secret',
    WECOM_TOKEN: KEYS.token,
    WECOM_ENCODING_AES_KEY: KEYS.encodingAESKey,
    WECOM_BASE_URL: fake.url,
    PUBLIC_URL: 'https://qianpi.example.com',
  });
});

afterAll(async () => {
  await t?.close();
  await fake?.stop();
});

type CardBody = { touser: string; template_card: { task_id: string; button_list: Array<{ key?: string }> } };

describe('wecom end to end', () => {
  it('click → one decision → every WeCom copy updated', async () => {
    const sim = simClient(t.url);
    const r = await sim.act('liming', null, { a: 'submit', t: 'event' }, EVENT_FORM);
    expect(r.body.status).toBe('accepted');
    await t.idle();

    // The department lead (LiuYang on WeCom) got a template card; the room an app-chat notice.
    const cardSend = fake.calls('/cgi-bin/message/send').find((c) => c.body?.msgtype === 'template_card' && c.body.touser === 'LiuYang');
    expect(cardSend).toBeDefined();
    const body = cardSend!.body as unknown as CardBody;
    const approve = body.template_card.button_list.map((b) => decodeButtonKey(b.key ?? '')).find((k) => k?.action.a === 'approve')!;
    expect(approve.action.r).toBeTruthy();
    expect(fake.calls('/cgi-bin/appchat/send').some((c) => c.body?.chatid === 'wr_east_approvals' && c.body.msgtype === 'markdown')).toBe(true);
    const [row] = await t.app.database.db.select().from(cardMessages).where(eq(cardMessages.trackId, body.template_card.task_id));
    expect(row).toMatchObject({ platform: 'wecom', targetType: 'user', targetId: 'LiuYang', responseCode: cardSend!.reply.response_code });

    // LiuYang clicks "approve"; WeCom delivers the callback twice (a retry).
    const taskId = body.template_card.task_id;
    const clickCode = fake.issueCode('LiuYang', taskId);
    const key = body.template_card.button_list.find((b) => decodeButtonKey(b.key ?? '')?.action.a === 'approve')!.key!;
    const xml = cardEventXml({ corpId: KEYS.corpId, from: 'LiuYang', eventKey: key, taskId, responseCode: clickCode, agentId: AGENT, createTime: Math.floor(Date.now() / 1000) });
    const cb = sealCallback(KEYS, xml, { agentId: AGENT });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${t.url}/webhooks/wecom?${cb.query}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: cb.body });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
    }
    await t.idle();

    const rows = await t.app.database.db.select().from(decisions).where(eq(decisions.requestId, approve.action.r!));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ personId: 'liuyang', platform: 'wecom' });

    // LiuYang's card was updated in place, spending one valid code, to a decided card.
    const updates = fake.calls('/cgi-bin/message/update_template_card');
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.every((u) => u.reply.errcode === 0)).toBe(true);
    const last = updates.at(-1)!.body as { userids: string[]; template_card: { task_id: string; button_list: unknown[]; replace_text?: string } };
    expect(last.userids).toEqual(['LiuYang']);
    expect(last.template_card.task_id).toBe(taskId);
    expect(last.template_card.button_list).toEqual([]);
    expect(last.template_card.replace_text).toBe('已通过');
    // The room heard the outcome, once.
    const outcome = fake.calls('/cgi-bin/appchat/send').filter((c) => c.body?.chatid === 'wr_east_approvals' && c.body.msgtype === 'text');
    expect(outcome).toHaveLength(1);
    expect(JSON.stringify(outcome[0]!.body)).toContain('已通过');
    expect(fake.problems).toEqual([]);
  });
});
