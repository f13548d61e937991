// FEISHU_MODE=ws: events and card callbacks over the SDK's long connection (no public URL).
// The SDK sends the ACK only when the handler resolves, so handlers normalise and hand off to
// ingest, nothing more. A handler that throws makes the SDK answer code 500 and Feishu
// redeliver: that is what an unavailable queue should cause.
import { EventDispatcher, LoggerLevel, WSClient, type Logger as LarkLogger } from '@larksuiteoapi/node-sdk';
import type { Logger } from 'pino';
import type { ChannelHealth, IngestResult } from '../channel.js';
import type { InboundEvent } from '../inbound.js';
import { CARD_ACTION_EVENT, MESSAGE_EVENT, normaliseEnvelope, type NormaliseContext } from './normalise.js';
import { cardReply, staleCardReply } from './receiver.js';
import type { DirectoryIntake } from '../../directory/types.js';
import { CONTACT_EVENTS, contactChanges } from './contact-events.js';
import type { Locale } from '../../core/messages.js';

export interface WsOptions {
  appId: string;
  appSecret: string;
  baseUrl: string;
  log: Logger;
  ingest: (event: InboundEvent) => Promise<IngestResult>;
  /** Contact change events (with a synced directory). */
  directory?: DirectoryIntake;
  context: () => NormaliseContext;
  /** The toast for a click on a card that is no longer ours (default zh-CN). */
  locale?: Locale;
  /** Seconds without a pong after a ping before the socket is declared dead and replaced. */
  pingTimeoutSec?: number;
}

/** Routes the SDK's variadic log calls into pino, one line each. */
export function larkLogger(log: Logger): LarkLogger {
  const line = (level: 'error' | 'warn' | 'info' | 'debug' | 'trace') => (...msg: unknown[]) =>
    log[level](msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' '));
  return { error: line('warn'), warn: line('warn'), info: line('info'), debug: line('debug'), trace: line('trace') };
}

/**
 * The SDK hands handlers the v2 envelope flattened (header and event fields side by side).
 * Rebuild the envelope so the webhook's normaliser applies unchanged.
 */
export function envelopeFromFlat(data: Record<string, unknown>): Record<string, unknown> {
  return { schema: '2.0', header: { event_id: data.event_id, event_type: data.event_type, create_time: data.create_time, app_id: data.app_id }, event: data };
}

/** Normalise, ingest, and answer (for card callbacks: the toast). Shared with tests. */
export function createWsHandlers(opts: Pick<WsOptions, 'log' | 'ingest' | 'context' | 'locale' | 'directory'>) {
  const handle = async (data: Record<string, unknown>): Promise<Record<string, unknown> | undefined> => {
    const n = normaliseEnvelope(envelopeFromFlat(data), opts.context());
    if (n.kind === 'stale') {
      opts.log.info({ reason: n.reason, eventId: data.event_id }, 'feishu ws click on a card that is not ours');
      return staleCardReply(opts.locale);
    }
    if (n.kind !== 'event') {
      opts.log[n.kind === 'invalid' ? 'warn' : 'debug']({ reason: n.reason, eventId: data.event_id }, `feishu ws event ${n.kind === 'invalid' ? 'refused' : 'ignored'}`);
      return n.kind === 'invalid' && data.event_type === CARD_ACTION_EVENT ? {} : undefined;
    }
    const result = await opts.ingest(n.event);
    if (result.status === 'unavailable') throw new Error('ingest unavailable; let Feishu redeliver');
    return n.event.kind === 'card_action' ? cardReply(result, opts.locale) : undefined;
  };
  // Contact events: queued under their event id; throwing makes Feishu redeliver.
  const contact = async (data: Record<string, unknown>): Promise<undefined> => {
    if (!opts.directory || typeof data.event_id !== 'string') return undefined;
    const status = await opts.directory('feishu', data.event_id, contactChanges(String(data.event_type), data));
    if (status === 'unavailable') throw new Error('directory queue unavailable; let Feishu redeliver');
    return undefined;
  };
  const contacts = opts.directory ? Object.fromEntries(CONTACT_EVENTS.map((type) => [type, contact])) : {};
  return { [MESSAGE_EVENT]: handle, [CARD_ACTION_EVENT]: handle, ...contacts };
}

export function createWsConnection(opts: WsOptions) {
  const logger = larkLogger(opts.log);
  const dispatcher = new EventDispatcher({ logger, loggerLevel: LoggerLevel.info }).register(createWsHandlers(opts));
  let client: WSClient | undefined;
  let failure: string | undefined;

  return {
    dispatcher,
    async start(): Promise<void> {
      // The SDK silently refuses ids that do not look like cli_ + 16 hex digits: say so.
      if (!/^cli_[0-9a-fA-F]{16}$/.test(opts.appId)) {
        failure = `FEISHU_APP_ID "${opts.appId}" is not a Feishu app id (cli_ + 16 hex digits); the long connection cannot start`;
        opts.log.error(failure);
        return;
      }
      client = new WSClient({
        appId: opts.appId,
        appSecret: opts.appSecret,
        domain: opts.baseUrl.replace(/\/+$/, ''),
        logger,
        loggerLevel: LoggerLevel.info,
        handshakeTimeoutMs: 15_000,
        // Off by default in the SDK: without it a half-dead socket is never noticed.
        wsConfig: { pingTimeout: opts.pingTimeoutSec ?? 30 },
        onError: (err) => {
          failure = err.message;
          opts.log.error({ err: err.message }, 'feishu long connection gave up');
        },
        onReady: () => opts.log.info('feishu long connection ready'),
        onReconnecting: () => opts.log.warn('feishu long connection lost; reconnecting'),
        onReconnected: () => opts.log.info('feishu long connection restored'),
      });
      failure = undefined;
      await client.start({ eventDispatcher: dispatcher });
    },
    async stop(): Promise<void> {
      client?.close({ force: true });
      client = undefined;
    },
    health(): ChannelHealth {
      if (failure) return { ok: false, detail: failure };
      if (!client) return { ok: false, detail: 'long connection not started' };
      const s = client.getConnectionStatus();
      return s.state === 'connected' ? { ok: true, detail: 'ws connected' } : { ok: false, detail: `ws ${s.state}${s.reconnectAttempts ? ` (attempt ${s.reconnectAttempts})` : ''}` };
    },
  };
}
