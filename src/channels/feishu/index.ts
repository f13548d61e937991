// The Feishu / Lark channel: webhook (or long-connection) receiver, card renderer and sender.
import type { Card } from '../../../cards/model.js';
import type { Channel, ChannelDeps, ChannelHealth } from '../channel.js';
import { createFeishuApi, type FeishuApi } from './client.js';
import type { NormaliseContext } from './normalise.js';
import { createPacer } from './pacer.js';
import { createWebhookHandler, registerWebhookRoute } from './receiver.js';
import { createSender } from './sender.js';
import { createWsConnection } from './ws.js';

export interface FeishuChannelOptions {
  /** Test seam: ping watchdog of the long connection, in seconds. */
  wsPingTimeoutSec?: number;
  /** Test seam: per-target sends per second. */
  perTargetPerSecond?: number;
}

export interface FeishuChannel extends Channel {
  readonly api: FeishuApi;
  /** The bot's open_id once start() has asked Feishu (undefined if it could not). */
  botIdentity(): Promise<string | undefined>;
}

export function createFeishuChannel(deps: ChannelDeps, options: FeishuChannelOptions = {}): FeishuChannel {
  const { config } = deps;
  const log = deps.log.child({ channel: 'feishu' });
  const appId = config.FEISHU_APP_ID;
  const appSecret = config.FEISHU_APP_SECRET;
  if (!appId || !appSecret) throw new Error('the feishu channel needs FEISHU_APP_ID and FEISHU_APP_SECRET');
  const mode = config.FEISHU_MODE;
  const verificationToken = config.FEISHU_VERIFICATION_TOKEN;
  // Without the token anyone who knows the URL could post events: refuse to start instead.
  if (mode === 'webhook' && !verificationToken) throw new Error('FEISHU_VERIFICATION_TOKEN is required when FEISHU_MODE=webhook');

  const api = createFeishuApi({ appId, appSecret, baseUrl: config.FEISHU_BASE_URL, log });
  const pacer = createPacer({ redis: deps.redis, prefix: deps.redisPrefix, log, ...(options.perTargetPerSecond ? { perSecond: options.perTargetPerSecond } : {}) });
  const sender = createSender(api, pacer, { locale: config.LOCALE });

  let botOpenId: string | undefined;
  let identity: Promise<string | undefined> = Promise.resolve(undefined);
  const context = (): NormaliseContext => ({ timezone: deps.dir.timezone, ...(botOpenId ? { botOpenId } : {}) });
  const learnBot = async () => {
    try {
      botOpenId = await api.botOpenId();
      log.info({ botOpenId }, 'feishu bot identity known');
    } catch (err) {
      // Without it a leading @-mention is taken for the bot; see normalise.ts.
      log.warn({ err: (err as Error).message }, 'could not read the bot identity (GET /open-apis/bot/v3/info)');
    }
    return botOpenId;
  };

  const ws = mode === 'ws' ? createWsConnection({ appId, appSecret, baseUrl: config.FEISHU_BASE_URL, log, locale: config.LOCALE, ingest: deps.ingest, context, ...(deps.directory ? { directory: deps.directory } : {}), ...(options.wsPingTimeoutSec ? { pingTimeoutSec: options.wsPingTimeoutSec } : {}) }) : undefined;

  const channel: FeishuChannel = {
    platform: 'feishu',
    api,
    botIdentity: () => identity,
    async start() {
      // Not awaited: the identity only sharpens mention detection, start-up need not wait for it.
      identity = learnBot();
      await ws?.start();
    },
    async stop() {
      await ws?.stop();
    },
    sendCard: (target, card: Card, opts) => sender.sendCard(target, card, opts),
    updateCard: (message, card) => sender.updateCard(message, card),
    sendText: (target, text, opts) => sender.sendText(target, text, opts),
    health(): ChannelHealth {
      return ws ? ws.health() : { ok: true, detail: 'webhook' };
    },
  };
  if (mode === 'webhook' && verificationToken) {
    const handle = createWebhookHandler({
      verificationToken,
      ...(config.FEISHU_ENCRYPT_KEY ? { encryptKey: config.FEISHU_ENCRYPT_KEY } : {}),
      appId,
      maxSkewSeconds: config.FEISHU_MAX_SKEW_SECONDS,
      log,
      locale: config.LOCALE,
      ingest: deps.ingest,
      ...(deps.directory ? { directory: deps.directory } : {}),
      context,
    });
    channel.registerRoutes = (app) => registerWebhookRoute(app, handle);
  }
  return channel;
}
