// The DingTalk channel: Stream (default, no public URL) or HTTP callbacks inbound; interactive
// card instances and robot messages outbound. See docs/channels/dingtalk.md.
import type { Channel, ChannelDeps, ChannelHealth } from '../channel.js';
import { DingtalkApi } from './api.js';
import { contactEventHandler } from './contact-events.js';
import { DEFAULT_PACE, Pacer, type PacerOptions } from './pacer.js';
import { registerWebhook, streamReceiver } from './receiver.js';
import { DingtalkSender } from './sender.js';
import { StreamSupervisor, type StreamOptions } from './stream.js';

export interface DingtalkChannelOptions {
  /** Watchdog and backoff timings (tests shorten them). */
  stream?: Partial<StreamOptions>;
  pace?: PacerOptions;
}

export interface DingtalkChannel extends Channel {
  /** The supervised Stream connection (stream mode only). */
  readonly stream?: StreamSupervisor;
  health(): ChannelHealth;
}

export function createDingtalkChannel(deps: ChannelDeps, opts: DingtalkChannelOptions = {}): DingtalkChannel {
  const c = deps.config;
  if (!c.DINGTALK_CLIENT_ID || !c.DINGTALK_CLIENT_SECRET) throw new Error('the dingtalk channel needs DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET');
  const clientId = c.DINGTALK_CLIENT_ID;
  const clientSecret = c.DINGTALK_CLIENT_SECRET;
  const log = deps.log.child({ channel: 'dingtalk' });
  const locale = c.LOCALE;
  const http = c.DINGTALK_MODE === 'http';
  const api = new DingtalkApi({ baseUrl: c.DINGTALK_BASE_URL, clientId, clientSecret, redis: deps.redis, prefix: deps.redisPrefix, log });
  // Card clicks in HTTP mode go to the URL registered under this key (see start()).
  const callbackRouteKey = `qianpi_${clientId}`.slice(0, 64);
  const sender = new DingtalkSender({
    api,
    pacer: new Pacer(deps.redis, deps.redisPrefix, opts.pace ?? DEFAULT_PACE),
    redis: deps.redis,
    prefix: deps.redisPrefix,
    log,
    // An internal app's robot code is its AppKey unless DingTalk shows another one.
    robotCode: c.DINGTALK_ROBOT_CODE ?? clientId,
    templates: { approval: c.DINGTALK_CARD_TEMPLATE_APPROVAL, notice: c.DINGTALK_CARD_TEMPLATE_NOTICE },
    callbackType: http ? 'HTTP' : 'STREAM',
    callbackRouteKey,
    locale,
  });
  const receiver = { ingest: deps.ingest, log, locale };
  const stream = http ? undefined : new StreamSupervisor({ clientId, clientSecret, api, log, onCallback: streamReceiver(receiver), ...(deps.directory ? { onEvent: contactEventHandler(deps.directory, log) } : {}), ...(opts.stream ? { options: opts.stream } : {}) });
  let httpNote = 'http mode';

  /**
   * DingTalk documents how HTTP card callbacks are registered (a URL and an `apiSecret`), not
   * how they are signed: the robot-message `timestamp`/`sign` check is applied to them as the
   * best available guess (docs/channels/dingtalk.md, "Card callbacks over HTTP"). Stream mode
   * needs no such guess, so it is the default and the recommended path for cards.
   */
  function warnAboutHttpCards(): void {
    if (!c.DINGTALK_CARD_TEMPLATE_APPROVAL && !c.DINGTALK_CARD_TEMPLATE_NOTICE) return;
    log.warn(
      { mode: 'http', recommended: 'DINGTALK_MODE=stream' },
      'dingtalk: card clicks arrive over HTTP, whose signature DingTalk does not document (checked with the robot-message timestamp/sign); use DINGTALK_MODE=stream for cards',
    );
  }

  async function registerCardCallbackUrl(): Promise<void> {
    if (!c.PUBLIC_URL) {
      httpNote = 'http mode: PUBLIC_URL is not set, card clicks cannot reach this service';
      log.warn(httpNote);
      return;
    }
    const callbackUrl = `${c.PUBLIC_URL.replace(/\/+$/, '')}/webhooks/dingtalk`;
    try {
      await api.call('POST', '/v1.0/card/callbacks/register', { callbackRouteKey, callbackUrl, apiSecret: clientSecret, forceUpdate: true });
      httpNote = `http mode: card callbacks go to ${callbackUrl}`;
    } catch (err) {
      // Not fatal: robot messages still arrive; the registration is retried at the next start.
      httpNote = `http mode: card callback registration failed (${(err as Error).message})`;
      log.warn({ err: (err as Error).message }, 'dingtalk: could not register the card callback URL');
    }
  }

  return {
    platform: 'dingtalk',
    stream,
    ...(http
      ? { registerRoutes: (app) => registerWebhook(app, { ...receiver, appSecret: clientSecret, redis: deps.redis, prefix: deps.redisPrefix, maxSkewMs: c.DINGTALK_MAX_SKEW_SECONDS * 1000 }) }
      : {}),
    async start() {
      if (stream) stream.start();
      else {
        warnAboutHttpCards();
        await registerCardCallbackUrl();
      }
    },
    async stop() {
      await stream?.stop();
    },
    sendCard: (target, card, o) => sender.sendCard(target, card, o),
    updateCard: (message, card) => sender.updateCard(message, card),
    sendText: (target, text, o) => sender.sendText(target, text, o),
    health: () => (stream ? stream.health() : { ok: true, detail: httpNote }),
  };
}
