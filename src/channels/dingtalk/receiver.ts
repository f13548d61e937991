// Inbound DingTalk, both transports: verify → normalise → ingest → ack. Stream frames are
// acked on their socket; HTTP callbacks are answered in the response. Nothing here calls a
// DingTalk API, so the ack never waits on the platform.
import { createHash } from 'node:crypto';
import type { DWClientDownStream } from 'dingtalk-stream';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { staleCardResult, type ChannelDeps, type IngestResult } from '../channel.js';
import { cardCallbackReply, normalise, normaliseCardCallback, normaliseRobotMessage, type Normalised } from './normalise.js';
import { verifySign } from './sign.js';
import { STREAM_TOPICS, type CallbackHandler } from './stream.js';

const [TOPIC_ROBOT, TOPIC_CARD] = STREAM_TOPICS;

export const WEBHOOK_PATH = '/webhooks/dingtalk';

interface ReceiverDeps {
  ingest: ChannelDeps['ingest'];
  log: Logger;
  locale: 'zh-CN' | 'en';
}

async function ingestSafely(deps: ReceiverDeps, n: Extract<Normalised, { ok: true }>): Promise<IngestResult> {
  try {
    return await deps.ingest(n.event);
  } catch (err) {
    deps.log.error({ err, eventId: n.event.eventId }, 'dingtalk: ingest failed');
    return { status: 'unavailable' };
  }
}

/** Stream CALLBACK frames. Not acking makes DingTalk redeliver, so only `unavailable` skips the ACK. */
export function streamReceiver(deps: ReceiverDeps): CallbackHandler {
  return async (topic: string, frame: DWClientDownStream, ack) => {
    const messageId = frame.headers?.messageId;
    const isCard = topic === TOPIC_CARD;
    if (topic !== TOPIC_ROBOT && !isCard) {
      deps.log.warn({ topic, messageId }, 'dingtalk stream: callback on an unexpected topic, acked and ignored');
      ack({});
      return;
    }
    let data: unknown;
    try {
      data = typeof frame.data === 'string' ? JSON.parse(frame.data) : frame.data;
    } catch {
      deps.log.warn({ topic, messageId }, 'dingtalk stream: callback data is not JSON, acked and ignored');
      ack({});
      return;
    }
    const n = isCard ? normaliseCardCallback(asRecord(data)) : normaliseRobotMessage(asRecord(data));
    if (!n.ok) {
      // Redelivering a payload we cannot read would not help: ack it and say why in the log.
      deps.log.warn({ topic, messageId, reason: n.reason }, 'dingtalk stream: callback not understood, acked and ignored');
      ack(isCard ? cardCallbackReply(n.stale ? staleCardResult(deps.locale) : { status: 'refused' }, undefined, deps.locale) : {});
      return;
    }
    const result = await ingestSafely(deps, n);
    if (result.status === 'unavailable') {
      deps.log.warn({ topic, messageId, eventId: n.event.eventId }, 'dingtalk stream: not acked, DingTalk will redeliver');
      return;
    }
    ack(isCard ? cardCallbackReply(result, n.details, deps.locale) : {});
  };
}

const asRecord = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Robot messages and card callbacks are a few KB; a slow client can hold at most this much. */
export const WEBHOOK_BODY_LIMIT = 64 * 1024;

export interface WebhookDeps extends ReceiverDeps {
  appSecret: string;
  redis: ChannelDeps['redis'];
  prefix: string;
  /** Accepted distance of `timestamp` from now (DINGTALK_MAX_SKEW_SECONDS). */
  maxSkewMs: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

/**
 * The sign covers only the timestamp, so each pair is remembered for as long as it could be
 * valid (twice the window: the timestamp may lie ahead of our clock or behind it) together with
 * a hash of the body it came with. The same pair with the same body again is a platform retry
 * (ingest dedupes it); with another body it is a replay of a leaked pair and refused.
 */
async function claimSignature(deps: WebhookDeps, timestamp: string, sign: string, body: string): Promise<'new' | 'retry' | 'replay'> {
  const key = `${deps.prefix}:dingtalk:sig:${sha256(`${timestamp}\n${sign}`)}`;
  const digest = sha256(body);
  const set = await deps.redis.set(key, digest, 'PX', 2 * deps.maxSkewMs, 'NX');
  if (set === 'OK') return 'new';
  return (await deps.redis.get(key)) === digest ? 'retry' : 'replay';
}

/** HTTP mode: robot messages and card callbacks POSTed to one signed webhook. */
export function registerWebhook(app: FastifyInstance, deps: WebhookDeps): void {
  void app.register(async (scope) => {
    // The body is parsed here, after the signature check, so a bad body is our 400 with a log line.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    // The signature is in the headers: check it before a byte of the body is read.
    scope.addHook('onRequest', async (req, reply) => {
      const check = verifySign(req.headers.timestamp, req.headers.sign, deps.appSecret, Date.now(), deps.maxSkewMs);
      if (!check.ok) {
        deps.log.warn({ reason: check.reason, ip: req.ip }, 'dingtalk webhook: refused');
        return reply.code(401).header('connection', 'close').send({ error: 'invalid signature' });
      }
    });
    scope.post(WEBHOOK_PATH, { bodyLimit: WEBHOOK_BODY_LIMIT, schema: { summary: 'DingTalk robot messages over HTTP (signed, verified by the receiver)', tags: ['platforms'] } }, async (req, reply) => {
      const body = typeof req.body === 'string' ? req.body : '';
      let claim: Awaited<ReturnType<typeof claimSignature>>;
      try {
        claim = await claimSignature(deps, String(req.headers.timestamp), String(req.headers.sign), body);
      } catch (err) {
        deps.log.error({ err }, 'dingtalk webhook: cannot check the signature against replays (Redis)');
        return reply.code(503).send({ error: 'temporarily unavailable' });
      }
      if (claim === 'replay') {
        deps.log.warn({ ip: req.ip }, 'dingtalk webhook: refused, timestamp and sign already used with another body');
        return reply.code(401).send({ error: 'signature already used' });
      }
      let data: unknown;
      try {
        data = JSON.parse(body);
      } catch {
        deps.log.warn({ ip: req.ip }, 'dingtalk webhook: body is not JSON');
        return reply.code(400).send({ error: 'malformed body' });
      }
      const n = normalise(data);
      if (!n.ok && n.stale) {
        // Authentic, but not a card of ours (an old deployment's, a deleted request's): a toast, not an error.
        deps.log.info({ reason: n.reason, ip: req.ip }, 'dingtalk webhook: click on a card that is no longer ours');
        return reply.send(cardCallbackReply(staleCardResult(deps.locale), undefined, deps.locale));
      }
      if (!n.ok) {
        deps.log.warn({ reason: n.reason, ip: req.ip }, 'dingtalk webhook: payload not understood');
        return reply.code(400).send({ error: n.reason });
      }
      const result = await ingestSafely(deps, n);
      // The queue is down: 503 makes DingTalk retry, and the dedupe key was released by ingest.
      if (result.status === 'unavailable') return reply.code(503).send({ error: 'temporarily unavailable' });
      if (n.event.kind === 'card_action') return reply.send(cardCallbackReply(result, n.details, deps.locale));
      return reply.send({});
    });
  });
}
