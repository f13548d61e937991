// POST /webhooks/feishu: verify → decrypt → normalise → ingest → ack. Thin and fast: no
// platform API call happens before the answer. The route keeps the raw body (its own
// content-type parser, scoped to this route's plugin) so the signature covers the exact bytes.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Locale } from '../../core/messages.js';
import { staleCardResult, type IngestResult } from '../channel.js';
import type { InboundEvent } from '../inbound.js';
import type { DirectoryIntake } from '../../directory/types.js';
import { contactChanges, isContactEvent } from './contact-events.js';
import { checkSignature, createDecryptor, hasSignatureHeaders, safeEqual } from './crypto.js';
import { isObj, normaliseEnvelope, payloadToken, type NormaliseContext } from './normalise.js';
import { renderCard } from './render.js';

export const FEISHU_WEBHOOK_PATH = '/webhooks/feishu';

export interface ReceiverOptions {
  verificationToken: string;
  encryptKey?: string;
  appId: string;
  maxSkewSeconds: number;
  log: Logger;
  /** The toast for a click on a card that is no longer ours (default zh-CN). */
  locale?: Locale;
  ingest: (event: InboundEvent) => Promise<IngestResult>;
  /** Contact change events (with a synced directory); without it they are acked and ignored. */
  directory?: DirectoryIntake;
  /** Read per request: the bot's open_id is learned after start-up. */
  context: () => NormaliseContext;
  now?: () => number;
}

export interface WebhookReply {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The callback answer Feishu shows the clicker: a toast from the ingest feedback, and the card
 * replaced in place when ingest says how it should now read (a refused form, errors beside its
 * fields) — `card: { type: 'raw', data }`, see docs/channels/feishu.md "Card callbacks".
 */
export function cardReply(result: IngestResult, locale: Locale = 'zh-CN'): Record<string, unknown> {
  return {
    ...(result.feedback ? { toast: { type: result.feedback.tone, content: result.feedback.text } } : {}),
    ...(result.card ? { card: { type: 'raw', data: renderCard(result.card, { locale }) } } : {}),
  };
}

/** An authentic click on a card that is not (or no longer) ours: 200 and a toast saying so, not an error page. */
export const staleCardReply = (locale: Locale = 'zh-CN'): Record<string, unknown> => cardReply(staleCardResult(locale), locale);

/**
 * Without the Encrypt Key nothing dates a request but the event's own create_time, which a
 * redelivery keeps (Feishu retries for ~7 h): accept events up to this old — shorter than the
 * 24 h dedupe keys, so a replayed event is either a duplicate or refused as too old.
 */
export const PLAINTEXT_MAX_AGE_SECONDS = 12 * 3600;

/** The event's create_time in ms (v2 header.create_time, ms; v1 ts, seconds), if it has one. */
export function createdAtMs(p: Record<string, unknown>): number | undefined {
  const raw = p.schema === '2.0' ? (isObj(p.header) ? p.header.create_time : undefined) : p.ts;
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : typeof raw === 'number' ? raw : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return p.schema === '2.0' ? n : n * 1000;
}

type Headers = Record<string, string | string[] | undefined>;

export function createWebhookHandler(opts: ReceiverOptions): (raw: Buffer | undefined, headers: Headers) => Promise<WebhookReply> {
  const decrypt = opts.encryptKey ? createDecryptor(opts.encryptKey) : undefined;
  const now = opts.now ?? Date.now;
  if (!opts.encryptKey) {
    opts.log.warn(
      'FEISHU_ENCRYPT_KEY is not set: events are neither signed nor encrypted, so only the verification token and the event create_time (accepted up to 12 h old) guard the webhook; set an Encrypt Key in the Feishu console and here',
    );
  }
  const refuse = (status: number, reason: string, extra: Record<string, unknown> = {}): WebhookReply => {
    opts.log.warn({ status, reason, ...extra }, 'feishu webhook refused');
    return { status, body: { error: reason } };
  };

  return async function handle(raw, headers) {
    if (!raw || raw.length === 0) return refuse(400, 'empty body');
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return refuse(400, 'body is not JSON', { bytes: raw.length });
    }
    if (!isObj(body)) return refuse(400, 'body is not a JSON object');

    // With an Encrypt Key Feishu signs what it sends: check the signature before any decryption.
    const signed = hasSignatureHeaders(headers);
    if (opts.encryptKey && signed) {
      const check = checkSignature(headers, raw, opts.encryptKey, opts.maxSkewSeconds, now());
      if (!check.ok) return refuse(401, `signature ${check.reason}`, { timestamp: headers['x-lark-request-timestamp'] });
    }

    let payload = body;
    if ('encrypt' in body) {
      if (!decrypt) return refuse(400, 'encrypted body but FEISHU_ENCRYPT_KEY is not set');
      if (typeof body.encrypt !== 'string') return refuse(400, 'encrypt is not a string');
      let plain: unknown;
      try {
        plain = JSON.parse(decrypt(body.encrypt));
      } catch {
        return refuse(400, 'body does not decrypt with FEISHU_ENCRYPT_KEY');
      }
      if (!isObj(plain)) return refuse(400, 'decrypted body is not a JSON object');
      payload = plain;
    }

    const token = payloadToken(payload);
    if (!token || !safeEqual(token, opts.verificationToken)) return refuse(403, 'verification token mismatch');

    // The URL check: answered at once (Feishu allows 1 s). Unsigned is expected here.
    if (payload.type === 'url_verification') {
      if (typeof payload.challenge !== 'string') return refuse(400, 'url_verification without challenge');
      return { status: 200, body: { challenge: payload.challenge } };
    }
    if (opts.encryptKey && !signed) return refuse(401, 'signature missing');
    if (!opts.encryptKey) {
      // No signature to date the request: the event's own time is the replay window.
      const at = createdAtMs(payload);
      if (at === undefined) return refuse(400, 'unsigned event without create_time');
      const age = (now() - at) / 1000;
      if (age > PLAINTEXT_MAX_AGE_SECONDS || age < -opts.maxSkewSeconds) return refuse(401, 'unsigned event outside the replay window', { createdAt: new Date(at).toISOString() });
    }
    const appId = isObj(payload.header) ? payload.header.app_id : undefined;
    if (typeof appId === 'string' && appId !== opts.appId) return refuse(403, 'event for another app', { appId });

    const header = isObj(payload.header) ? payload.header : {};
    if (isContactEvent(header.event_type)) return contactReply(payload, header, opts.directory, opts.log);

    const n = normaliseEnvelope(payload, opts.context());
    if (n.kind === 'invalid') return refuse(400, n.reason);
    if (n.kind === 'stale') {
      opts.log.info({ reason: n.reason }, 'feishu click on a card that is not ours');
      return { status: 200, body: staleCardReply(opts.locale) };
    }
    if (n.kind === 'ignore') {
      opts.log.debug({ reason: n.reason }, 'feishu event ignored');
      return { status: 200, body: {} };
    }
    const result = await opts.ingest(n.event);
    // The queue is down: 503 makes Feishu deliver the event again later.
    if (result.status === 'unavailable') return { status: 503, body: { error: 'temporarily unavailable' } };
    return { status: 200, body: n.event.kind === 'card_action' ? cardReply(result, opts.locale) : {} };
  };
}

/** A verified contact event: queued for the directory under its event id (Feishu retries until acked). */
async function contactReply(payload: Record<string, unknown>, header: Record<string, unknown>, directory: DirectoryIntake | undefined, log: Logger): Promise<WebhookReply> {
  const eventId = typeof header.event_id === 'string' ? header.event_id : undefined;
  if (!directory || !eventId) {
    log.debug({ eventType: header.event_type }, 'feishu contact event ignored (no synced directory)');
    return { status: 200, body: {} };
  }
  const status = await directory('feishu', eventId, contactChanges(String(header.event_type), payload.event));
  return status === 'unavailable' ? { status: 503, body: { error: 'temporarily unavailable' } } : { status: 200, body: {} };
}

/**
 * The signature covers the raw body, so it must be read before anything is verified; this caps
 * what an unauthenticated client can make us buffer. Events are a few KB; a message's content is
 * at most 150 KB (post), which encryption grows by a third.
 */
export const FEISHU_BODY_LIMIT = 256 * 1024;

/** Registers the route in its own plugin scope, so the raw-body parser touches no other route. */
export function registerWebhookRoute(app: FastifyInstance, handle: ReturnType<typeof createWebhookHandler>): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: FEISHU_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.post(FEISHU_WEBHOOK_PATH, { bodyLimit: FEISHU_BODY_LIMIT, schema: { summary: 'Feishu event and card callbacks (signed or encrypted raw body, verified by the receiver)', tags: ['platforms'] } }, async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : undefined;
      const r = await handle(raw, req.headers);
      return reply.code(r.status).send(r.body);
    });
  });
}
