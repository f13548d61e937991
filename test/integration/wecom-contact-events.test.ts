// WeCom change_contact callbacks through the real receiver (signed and encrypted as WeCom does,
// built from the documented scheme): on the app's URL and on the contact-sync assistant's own
// URL with its own keys; normalised to DirectoryChanges under an id a retry repeats; a rename
// moves the identity first; an unavailable queue leaves the callback unanswered so WeCom retries; forged ones are refused.
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWecomChannel, WECOM_CONTACTS_PATH } from '../../src/channels/wecom/index.js';
import { loadConfig } from '../../src/config.js';
import type { DirectoryChange } from '../../src/directory/types.js';
import { createHttpServer } from '../../src/http/server.js';
import { channelDeps } from '../support/channel-deps.js';
import { REDIS_URL } from '../support/env.js';
import { sealCallback } from '../fakes/wecom-server.js';

const APP_KEYS = { token: 'QianpiToken', encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', corpId: 'wwqianpicontact1' };
const SYNC_KEYS = { token: 'SyncAssistantToken', encodingAESKey: 'kXnZn8rs6oNpBVxAShHuCyna4LB2ulBk4zllS7r3C3D', corpId: APP_KEYS.corpId };
const AGENT = 1000003;
const prefix = `t-${process.pid}-${Math.random().toString(36).slice(2)}`;

let redis: Redis;
let http: FastifyInstance;
const queued: Array<{ eventId: string; changes: DirectoryChange[] }> = [];
let available = true;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  const config = loadConfig({
    WECOM_CORP_ID: APP_KEYS.corpId,
    WECOM_AGENT_ID: String(AGENT),
    WECOM_SECRET: 's3cret',
    WECOM_TOKEN: APP_KEYS.token,
    WECOM_ENCODING_AES_KEY: APP_KEYS.encodingAESKey,
    WECOM_CONTACT_TOKEN: SYNC_KEYS.token,
    WECOM_CONTACT_ENCODING_AES_KEY: SYNC_KEYS.encodingAESKey,
    LOG_LEVEL: 'silent',
  });
  const deps = channelDeps(config, redis, prefix, {
    directory: async (platform, eventId, changes) => {
      expect(platform).toBe('wecom');
      if (!available) return 'unavailable';
      queued.push({ eventId, changes });
      return 'accepted';
    },
  });
  http = createHttpServer(pino({ level: 'silent' }));
  createWecomChannel(deps, { callbackHoldMs: 200 }).registerRoutes!(http);
  await http.ready();
});

afterAll(async () => {
  await http?.close();
  redis.disconnect();
});

beforeEach(() => {
  queued.length = 0;
  available = true;
});

const change = (fields: string, createTime = 1733390000) =>
  `<xml><ToUserName><![CDATA[${APP_KEYS.corpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${createTime}</CreateTime>` +
  `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event>${fields}</xml>`;

const post = (path: string, keys: typeof APP_KEYS, xml: string) => {
  const { query, body } = sealCallback(keys, xml);
  return http.inject({ method: 'POST', url: `${path}?${query}`, payload: body, headers: { 'content-type': 'text/xml' } });
};

describe('wecom change_contact', () => {
  it('queues the user and department changes the callbacks name, on both URLs', async () => {
    expect((await post('/webhooks/wecom', APP_KEYS, change('<ChangeType>create_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID><Department><![CDATA[1,2]]></Department>'))).statusCode).toBe(200);
    expect((await post(WECOM_CONTACTS_PATH, SYNC_KEYS, change('<ChangeType>delete_user</ChangeType><UserID><![CDATA[lisi]]></UserID>'))).statusCode).toBe(200);
    expect((await post(WECOM_CONTACTS_PATH, SYNC_KEYS, change('<ChangeType>update_party</ChangeType><Id>7</Id><ParentId>1</ParentId>'))).statusCode).toBe(200);
    expect((await post(WECOM_CONTACTS_PATH, SYNC_KEYS, change('<ChangeType>delete_party</ChangeType><Id>8</Id>'))).statusCode).toBe(200);
    expect(queued.map((q) => q.changes)).toEqual([
      [{ platform: 'wecom', kind: 'user_upserted', userId: 'zhangsan' }],
      [{ platform: 'wecom', kind: 'user_left', userId: 'lisi' }],
      [{ platform: 'wecom', kind: 'department_upserted', departmentId: '7' }],
      [{ platform: 'wecom', kind: 'department_removed', departmentId: '8' }],
    ]);
  });

  it('moves a renamed account before reading it, under an id a retry repeats', async () => {
    const xml = change('<ChangeType>update_user</ChangeType><UserID><![CDATA[old-id]]></UserID><NewUserID><![CDATA[new-id]]></NewUserID>');
    await post(WECOM_CONTACTS_PATH, SYNC_KEYS, xml);
    await post(WECOM_CONTACTS_PATH, SYNC_KEYS, xml); // WeCom's retry: same content, same CreateTime
    await post(WECOM_CONTACTS_PATH, SYNC_KEYS, change('<ChangeType>update_user</ChangeType><UserID><![CDATA[old-id]]></UserID><NewUserID><![CDATA[new-id]]></NewUserID>', 1733390001));
    expect(queued[0]!.changes).toEqual([
      { platform: 'wecom', kind: 'user_renamed', userId: 'old-id', newUserId: 'new-id' },
      { platform: 'wecom', kind: 'user_upserted', userId: 'new-id' },
    ]);
    expect(queued[1]!.eventId).toBe(queued[0]!.eventId);
    expect(queued[2]!.eventId).not.toBe(queued[0]!.eventId);
  });

  it('leaves the callback unanswered when the queue is down (WeCom retries on its timeout), and refuses callbacks sealed with the other keys', async () => {
    available = false;
    const unanswered = await post(WECOM_CONTACTS_PATH, SYNC_KEYS, change('<ChangeType>delete_user</ChangeType><UserID><![CDATA[x]]></UserID>')).then((r) => r, (e: unknown) => e as { code?: string });
    expect(unanswered).toMatchObject({ code: 'LIGHT_ECONNRESET' });
    available = true;
    expect((await post(WECOM_CONTACTS_PATH, APP_KEYS, change('<ChangeType>delete_user</ChangeType><UserID><![CDATA[x]]></UserID>'))).statusCode).toBe(401);
    expect(queued).toEqual([]);
  });
});
