// FEISHU_MODE=ws through the SDK's real WSClient: it fetches its endpoint from the fake Feishu
// (`/callback/ws/endpoint`), connects to the fake's WebSocket, and receives protobuf event
// frames exactly as from Feishu; the fake reads the ACK frame the SDK sends back.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IngestResult } from '../../src/channels/channel.js';
import { createFeishuChannel, type FeishuChannel } from '../../src/channels/feishu/index.js';
import type { InboundEvent } from '../../src/channels/inbound.js';
import type { DirectoryChange } from '../../src/directory/types.js';
import { loadConfig } from '../../src/config.js';
import { channelDeps } from '../support/channel-deps.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-server.js';

const APP_ID = 'cli_0123456789abcdef';
const SECRET = 'app-secret';

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

let seq = 0;
const envelope = (type: string, event: Record<string, unknown>) => ({
  schema: '2.0',
  header: { event_id: `ws-ev-${++seq}`, event_type: type, create_time: String(Date.now()), token: 'vt', app_id: APP_ID, tenant_key: 'tk' },
  event,
});

describe('feishu long connection (WSClient against a fake endpoint)', () => {
  let fake: FakeFeishu;
  let redis: Redis;
  let channel: FeishuChannel;
  const events: InboundEvent[] = [];
  const directory: Array<{ eventId: string; changes: DirectoryChange[] }> = [];
  const next = { result: { status: 'accepted' } as IngestResult };

  beforeAll(async () => {
    fake = await startFakeFeishu({ appId: APP_ID, appSecret: SECRET, botOpenId: 'ou_bot', pingIntervalSec: 1 });
    redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
    const config = loadConfig({ FEISHU_APP_ID: APP_ID, FEISHU_APP_SECRET: SECRET, FEISHU_MODE: 'ws', FEISHU_BASE_URL: fake.url });
    const deps = channelDeps(config, redis, `t-${process.pid}-${Math.random().toString(36).slice(2)}`, {
      ingest: async (e) => {
        events.push(e);
        return next.result;
      },
      directory: async (_platform, eventId, changes) => {
        directory.push({ eventId, changes });
        return next.result.status === 'unavailable' ? 'unavailable' : 'accepted';
      },
    });
    channel = createFeishuChannel(deps, { wsPingTimeoutSec: 1 });
    expect(channel.registerRoutes).toBeUndefined();
    await channel.start!();
    await channel.botIdentity();
    await until(async () => (await channel.health()).ok);
  });
  afterAll(async () => {
    await channel.stop!();
    redis.disconnect();
    await fake.close();
  });
  beforeEach(() => {
    events.length = 0;
    next.result = { status: 'accepted' };
    fake.ws.silencePongs = false;
  });

  it('reports the connection in health()', async () => {
    expect(await channel.health()).toEqual({ ok: true, detail: 'ws connected' });
  });

  it('normalises a message event and acks it', async () => {
    const env = envelope('im.message.receive_v1', {
      sender: { sender_id: { open_id: 'ou_chenjie' }, sender_type: 'user' },
      message: { message_id: 'om_1', chat_id: 'oc_east_approvals', chat_type: 'group', message_type: 'text', content: JSON.stringify({ text: '@_user_1 待办' }), mentions: [{ key: '@_user_1', id: { open_id: 'ou_bot' }, name: '签批' }] },
    });
    const ack = await fake.ws.pushEvent(env);
    expect(ack.code).toBe(200);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'message', eventId: 'om_1', senderId: 'ou_chenjie', chat: { type: 'group', id: 'oc_east_approvals' }, text: '待办', mentioned: true });
  });

  it('queues a contact event under its event id through the SDK dispatcher, and asks for a redelivery when the queue is down', async () => {
    directory.length = 0;
    const env = envelope('contact.user.deleted_v3', { object: { open_id: 'ou_gone', name: '离职者' }, old_object: { department_ids: ['od-1'], open_id: 'ou_gone' } });
    expect((await fake.ws.pushEvent(env)).code).toBe(200);
    expect(directory).toEqual([{ eventId: env.header.event_id, changes: [{ platform: 'feishu', kind: 'user_left', userId: 'ou_gone' }] }]);
    expect(events).toEqual([]);
    next.result = { status: 'unavailable' };
    expect((await fake.ws.pushEvent(envelope('contact.department.created_v3', { object: { open_department_id: 'od-9' } }))).code).toBe(500);
  });

  it('normalises a card click and answers the toast through the connection', async () => {
    next.result = { status: 'refused', feedback: { text: '你不是该申请的审批人', tone: 'error' } };
    const env = envelope('card.action.trigger', {
      operator: { open_id: 'ou_liming' },
      token: 'c-token',
      action: { value: { a: 'reject', r: 'req-9', s: 'st-1' }, tag: 'button', form_value: { reason: '信息不全' } },
      context: { open_message_id: 'om_card', open_chat_id: 'oc_hq_review' },
    });
    const ack = await fake.ws.pushEvent(env);
    expect(ack).toEqual({ code: 200, data: { toast: { type: 'error', content: '你不是该申请的审批人' } } });
    expect(events[0]).toMatchObject({
      kind: 'card_action',
      eventId: env.header.event_id,
      senderId: 'ou_liming',
      action: { a: 'reject', r: 'req-9', s: 'st-1' },
      form: { reason: '信息不全' },
      message: { messageId: 'om_card', chatId: 'oc_hq_review' },
    });
  });

  it('answers code 500 when ingest is unavailable, so Feishu redelivers', async () => {
    next.result = { status: 'unavailable' };
    const ack = await fake.ws.pushEvent(envelope('card.action.trigger', { operator: { open_id: 'ou_liming' }, action: { value: { a: 'approve', r: 'r', s: 's' } }, context: {} }));
    expect(ack.code).toBe(500);
  });

  it('notices a dead connection with the ping timeout and reconnects', async () => {
    const endpointCalls = () => fake.apiRequests(/^\/callback\/ws\/endpoint$/).length;
    const before = endpointCalls();
    fake.ws.silencePongs = true;
    await until(() => endpointCalls() > before, 10_000);
    fake.ws.silencePongs = false;
    await until(async () => (await channel.health()).ok, 10_000);
    const ack = await fake.ws.pushEvent(envelope('im.message.receive_v1', { sender: { sender_id: { open_id: 'ou_chenjie' }, sender_type: 'user' }, message: { message_id: 'om_2', chat_id: 'oc_p', chat_type: 'p2p', message_type: 'text', content: '{"text":"hi"}' } }));
    expect(ack.code).toBe(200);
  }, 30_000);

  it('stop() closes the connection', async () => {
    await channel.stop!();
    await until(() => fake.ws.connections === 0);
    expect((await channel.health()).ok).toBe(false);
  });
});
