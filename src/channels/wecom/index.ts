// The WeCom (企业微信) channel: a self-built app's callback URL for messages and card clicks,
// and the server API for template cards, texts and card updates. See docs/channels/wecom.md.
import type { Channel, ChannelDeps } from '../channel.js';
import { WecomClient } from './client.js';
import { createPacer, type PaceLimit } from './pacer.js';
import { createReasonSessions } from './reason.js';
import { registerWecomRoutes } from './receiver.js';
import { createSender } from './sender.js';

/** Where the contact-sync assistant's callbacks arrive (set this URL in 管理工具 › 通讯录同步). */
export const WECOM_CONTACTS_PATH = '/webhooks/wecom/contacts';

export interface WecomOptions {
  /** Tests shorten the pacing windows. */
  paceLimits?: readonly PaceLimit[];
  paceMaxWaitMs?: number;
  now?: () => Date;
  /** How long a callback that cannot be queued is held before it is closed unanswered (tests shorten it). */
  callbackHoldMs?: number;
}

export function createWecomChannel(deps: ChannelDeps, opts: WecomOptions = {}): Channel {
  const c = deps.config;
  const corpId = c.WECOM_CORP_ID;
  const agentId = c.WECOM_AGENT_ID;
  const secret = c.WECOM_SECRET;
  const token = c.WECOM_TOKEN;
  const aesKey = c.WECOM_ENCODING_AES_KEY;
  if (!corpId || agentId === undefined || !secret || !token || !aesKey) {
    throw new Error('wecom channel needs WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN and WECOM_ENCODING_AES_KEY');
  }
  const log = deps.log.child({ channel: 'wecom' });
  const prefix = deps.redisPrefix;
  const client = new WecomClient({ baseUrl: c.WECOM_BASE_URL, corpId, secret, agentId, redis: deps.redis, redisPrefix: prefix, log });
  const pacer = createPacer(deps.redis, prefix, {
    ...(opts.paceLimits ? { limits: opts.paceLimits } : {}),
    ...(opts.paceMaxWaitMs !== undefined ? { maxWaitMs: opts.paceMaxWaitMs } : {}),
  });
  const sender = createSender({ client, pacer, responseCodes: deps.responseCodes, redis: deps.redis, redisPrefix: prefix, agentId, locale: c.LOCALE, log });
  const reasons = createReasonSessions(deps.redis, prefix);

  return {
    platform: 'wecom',
    registerRoutes(app) {
      const contacts = c.WECOM_CONTACT_TOKEN && c.WECOM_CONTACT_ENCODING_AES_KEY ? { token: c.WECOM_CONTACT_TOKEN, encodingAESKey: c.WECOM_CONTACT_ENCODING_AES_KEY, corpId } : undefined;
      registerWecomRoutes(app, {
        keys: { token, encodingAESKey: aesKey, corpId },
        agentId,
        ingest: deps.ingest,
        ...(deps.precheck ? { precheck: deps.precheck } : {}),
        reasons,
        markOnce: async (key) => (await deps.redis.set(`${prefix}:wecom:once:${key}`, '1', 'EX', 24 * 3600, 'NX')) === 'OK',
        prompt: (userId, text) => sender.sendText({ type: 'user', id: userId }, text, { idempotencyKey: `prompt:${userId}:${Date.now()}` }),
        responseCodes: deps.responseCodes,
        locale: c.LOCALE,
        log,
        ...(deps.directory ? { directory: deps.directory } : {}),
        ...(opts.now ? { now: opts.now } : {}),
        ...(opts.callbackHoldMs !== undefined ? { holdMs: opts.callbackHoldMs } : {}),
      });
      // The contact-sync assistant (通讯录同步) posts change_contact with its own Token and EncodingAESKey.
      if (contacts) {
        registerWecomRoutes(app, {
          keys: contacts,
          agentId,
          path: WECOM_CONTACTS_PATH,
          ingest: async () => ({ status: 'refused' }),
          reasons,
          markOnce: async () => false,
          prompt: async () => {},
          responseCodes: deps.responseCodes,
          locale: c.LOCALE,
          log,
          ...(deps.directory ? { directory: deps.directory } : {}),
          ...(opts.now ? { now: opts.now } : {}),
          ...(opts.callbackHoldMs !== undefined ? { holdMs: opts.callbackHoldMs } : {}),
        });
      }
    },
    sendCard: (target, card, o) => sender.sendCard(target, card, o),
    updateCard: (message, card) => sender.updateCard(message, card),
    sendText: (target, text, o) => sender.sendText(target, text, o),
    health() {
      const err = client.tokens.lastError;
      return err ? { ok: false, detail: `access token: ${err}` } : { ok: true };
    },
  };
}
