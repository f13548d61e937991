// The real `dingtalk-stream` client, supervised by the channel, against a fake gateway and a
// fake open API: frames in, ingest, ACK frames out, reconnects, watchdog, clean stop.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TOPIC_CARD, TOPIC_ROBOT } from 'dingtalk-stream';
import type { IngestResult } from '../../src/channels/channel.js';
import { createDingtalkChannel, type DingtalkChannel } from '../../src/channels/dingtalk/index.js';
import type { InboundEvent } from '../../src/channels/inbound.js';
import { loadConfig } from '../../src/config.js';
import { channelDeps } from '../support/channel-deps.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeDingtalk, type FakeDingtalkServer } from '../fakes/dingtalk-server.js';
import { robotMessage, startFakeStreamGateway, type FakeStreamGateway } from '../fakes/dingtalk-stream-gateway.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `t-${process.pid}-${Math.random().toString(36).slice(2)}`;

let api: FakeDingtalkServer;
let gateway: FakeStreamGateway;
let redis: Redis;
let channel: DingtalkChannel | undefined;
const events: InboundEvent[] = [];
let answer: (e: InboundEvent) => IngestResult = () => ({ status: 'accepted' });

const until = async (fn: () => boolean, ms = 5000, what = 'condition') => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

function makeChannel(): DingtalkChannel {
  const config = loadConfig({ DINGTALK_CLIENT_ID: FAKE_CLIENT_ID, DINGTALK_CLIENT_SECRET: FAKE_CLIENT_SECRET, DINGTALK_BASE_URL: api.url, DINGTALK_MODE: 'stream' });
  const deps = channelDeps(config, redis, prefix, {
    ingest: async (e) => {
      events.push(e);
      return answer(e);
    },
  });
  // Short timings so reconnects and the watchdog run in milliseconds.
  return createDingtalkChannel(deps, { stream: { pingIntervalMs: 50, silenceTimeoutMs: 800, backoffBaseMs: 20, backoffMaxMs: 200, connectTimeoutMs: 1000, stableAfterMs: 60_000 } });
}

const cardClick = (userId: string, action: Record<string, string>) => {
  const content = JSON.stringify({ cardPrivateData: { actionIds: ['approve'], params: { action: JSON.stringify(action) } } });
  return { extension: '{}', corpId: 'dingcorp', userId, userIdType: 1, type: 'actionCallback', content, value: content, outTrackId: 'qp-track-1', spaceType: 'IM_GROUP', spaceId: 'cid_east_approvals' };
};

async function connected(c: DingtalkChannel, connections: number): Promise<void> {
  await gateway.waitForConnections(connections);
  await until(() => c.stream!.status().state === 'open' && gateway.openConnections().length === 1, 5000, 'an open stream');
}

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  api = await startFakeDingtalk();
  gateway = await startFakeStreamGateway({ acceptTicket: (t) => api.tickets.has(t) });
  api.gatewayEndpoint = gateway.endpoint;
});

afterEach(async () => {
  await channel?.stop?.();
  channel = undefined;
  events.length = 0;
  answer = () => ({ status: 'accepted' });
  gateway.silent = false;
});

afterAll(async () => {
  await gateway.close();
  await api.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('dingtalk stream mode', () => {
  it('finds the gateway through DINGTALK_BASE_URL and subscribes to the robot and card topics', async () => {
    channel = makeChannel();
    await channel.start!();
    await connected(channel, gateway.connections.length + 1);
    const lookup = api.requests.filter((r) => r.path === '/v1.0/gateway/connections/open').at(-1)!;
    expect(lookup.body).toMatchObject({ clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET });
    expect((lookup.body.subscriptions as Array<{ topic: string }>).map((s) => s.topic).sort()).toEqual([TOPIC_CARD, TOPIC_ROBOT].sort());
    expect(channel.health()).toMatchObject({ ok: true });
  });

  it('ingests a robot message and ACKs its frame', async () => {
    channel = makeChannel();
    await channel.start!();
    await connected(channel, gateway.connections.length + 1);
    const messageId = gateway.sendCallback(TOPIC_ROBOT, robotMessage('msg-a'));
    const ack = await gateway.waitForAck(messageId);
    expect(ack.code).toBe(200);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'message', eventId: 'msg-a', senderId: 'dt_liming', chat: { type: 'group', id: 'cid_east_approvals' }, text: '待办', mentioned: true });
  });

  it('ingests a card click and ACKs with the clicker toast', async () => {
    channel = makeChannel();
    answer = () => ({ status: 'refused', feedback: { text: '你不是该申请的审批人', tone: 'error' } });
    await channel.start!();
    await connected(channel, gateway.connections.length + 1);
    const messageId = gateway.sendCallback(TOPIC_CARD, cardClick('dt_hanmei', { a: 'approve', r: 'req-1', s: 'st-1' }));
    const ack = await gateway.waitForAck(messageId);
    expect(ack.headers?.messageId).toBe(messageId);
    expect(ack.response).toMatchObject({ userPrivateData: { cardParamMap: { toast: '你不是该申请的审批人' } } });
    expect(events[0]).toMatchObject({ kind: 'card_action', senderId: 'dt_hanmei', action: { a: 'approve', r: 'req-1', s: 'st-1' }, message: { trackId: 'qp-track-1' } });
  });

  it('gives a redelivered click the same eventId even with a new frame messageId', async () => {
    channel = makeChannel();
    await channel.start!();
    await connected(channel, gateway.connections.length + 1);
    const click = cardClick('dt_wangfang', { a: 'approve', r: 'req-2', s: 'st-1' });
    const m1 = gateway.sendCallback(TOPIC_CARD, click);
    const m2 = gateway.sendCallback(TOPIC_CARD, click);
    await gateway.waitForAck(m1);
    await gateway.waitForAck(m2);
    expect(events).toHaveLength(2);
    expect(events[0]!.eventId).toBe(events[1]!.eventId);
  });

  it('does not ACK when ingest is unavailable, so DingTalk redelivers', async () => {
    channel = makeChannel();
    answer = () => ({ status: 'unavailable' });
    await channel.start!();
    await connected(channel, gateway.connections.length + 1);
    const messageId = gateway.sendCallback(TOPIC_ROBOT, robotMessage('msg-down'));
    await until(() => events.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    await expect(gateway.waitForAck(messageId, 200)).rejects.toThrow(/timed out/);
  });

  it('acks and ignores frames it cannot read, and survives a non-JSON frame', async () => {
    channel = makeChannel();
    await channel.start!();
    const conns = gateway.connections.length + 1;
    await connected(channel, conns);
    gateway.sendRaw('this is not json');
    const messageId = gateway.sendCallback(TOPIC_ROBOT, { hello: 'world' });
    await gateway.waitForAck(messageId);
    expect(events).toHaveLength(0);
    expect(gateway.connections.length).toBe(conns);
    expect(channel.stream!.status().state).toBe('open');
  });

  it('reconnects after the gateway drops the connection and receives the re-sent message', async () => {
    channel = makeChannel();
    await channel.start!();
    const first = gateway.connections.length + 1;
    await connected(channel, first);
    gateway.dropAll();
    await connected(channel, first + 1);
    expect(channel.stream!.status().reconnects).toBe(1);
    const messageId = gateway.sendCallback(TOPIC_ROBOT, robotMessage('msg-after-drop'));
    await gateway.waitForAck(messageId);
    expect(events.map((e) => e.eventId)).toEqual(['msg-after-drop']);
  });

  it('notices a silent gateway (no pong, no frame) and reconnects', async () => {
    channel = makeChannel();
    await channel.start!();
    const first = gateway.connections.length + 1;
    await connected(channel, first);
    const silentOne = gateway.connections[first - 1]!;
    gateway.silent = true;
    await silentOne.whenClosed; // the watchdog terminated it
    expect(channel.stream!.status().lastError).toMatch(/silent/);
    gateway.silent = false;
    await connected(channel, first + 1);
    const messageId = gateway.sendCallback(TOPIC_ROBOT, robotMessage('msg-after-silence'));
    await gateway.waitForAck(messageId);
    expect(events.map((e) => e.eventId)).toEqual(['msg-after-silence']);
  });

  it('answers SYSTEM pings and reconnects at once when the gateway announces a disconnect', async () => {
    channel = makeChannel();
    await channel.start!();
    const first = gateway.connections.length + 1;
    await connected(channel, first);
    const pingId = gateway.sendSystem('ping');
    const echo = await gateway.waitForAck(pingId);
    expect(echo.code).toBe(200);
    gateway.sendSystem('disconnect');
    await gateway.connections[first - 1]!.whenClosed;
    await connected(channel, first + 1);
    expect(channel.stream!.status().attempt).toBeLessThanOrEqual(1);
  });

  it('backs off while the gateway lookup fails, then connects', async () => {
    api.fail('/v1.0/gateway/connections/open', 500, { code: 'ServiceUnavailable', message: 'down' }, 3);
    channel = makeChannel();
    await channel.start!();
    await until(() => channel!.stream!.status().state === 'backoff');
    expect(channel.health()).toMatchObject({ ok: false });
    await connected(channel, gateway.connections.length);
    expect(channel.health().detail).toContain('stream open');
  });

  it('stop() closes the socket, cancels timers and never reconnects', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    channel = makeChannel();
    await channel.start!();
    const n = gateway.connections.length + 1;
    await connected(channel, n);
    await channel.stop!();
    await channel.stop!(); // idempotent
    await gateway.connections[n - 1]!.whenClosed;
    expect(channel.stream!.status().state).toBe('stopped');
    await new Promise((r) => setTimeout(r, 400)); // longer than any backoff
    expect(gateway.connections.length).toBe(n);
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
  });

  it('stop() during a backoff leaves nothing behind', async () => {
    api.fail('/v1.0/gateway/connections/open', 500, { code: 'ServiceUnavailable' }, 1000);
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const n = gateway.connections.length;
    channel = makeChannel();
    await channel.start!();
    await until(() => channel!.stream!.status().attempt >= 2, 5000, 'two failed attempts');
    await channel.stop!();
    await new Promise((r) => setTimeout(r, 300));
    expect(gateway.connections.length).toBe(n);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(before);
    api.clearFailures();
  });
});
