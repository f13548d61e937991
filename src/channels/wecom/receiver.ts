// The WeCom callback URL: verify (signature, timestamp, AES, receive id) → normalise →
// ingest → answer. GET is the URL check; POST carries encrypted XML messages and card clicks.
// Bad input is a 4xx with a precise log line; nothing here calls a WeCom API before answering.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Locale } from '../../core/messages.js';
import type { ResponseCodeStore } from '../../store/response-codes-repo.js';
import { staleCardResult, type IngestResult } from '../channel.js';
import type { InboundCardAction, InboundEvent, InboundMessage } from '../inbound.js';
import type { DirectoryIntake } from '../../directory/types.js';
import { contactEventId, wecomContactChanges } from './contact-events.js';
import { CallbackRejected, openEnvelope, sealReply, type CryptoKeys } from './crypto.js';
import { decodeButtonKey } from './keys.js';
import { cancelledText, isCancel, reasonPrompt, type ReasonSessions } from './reason.js';
import { clamp } from './render.js';
import { encryptedReplyXml, parseXmlFields, textReplyXml, updateButtonXml, XmlError, type XmlFields } from './xml.js';

export const WEBHOOK_PATH = '/webhooks/wecom';
/**
 * WeCom waits 5 s for an answer, then drops the connection and sends the callback again, three
 * times in all (接收消息与事件 · 概述, https://developer.work.weixin.qq.com/document/path/90238);
 * an empty 200 ends it. What WeCom does with an HTTP error status is not documented, so a
 * callback we cannot queue gets no answer at all: held a little past the 5 s, then closed.
 */
export const CALLBACK_HOLD_MS = 6000;
export const BODY_LIMIT = 64 * 1024;

export interface ReceiverDeps {
  keys: CryptoKeys;
  agentId: number;
  ingest: (event: InboundEvent) => Promise<IngestResult>;
  /** Checks a reject / send-back click before its reason is asked for. */
  precheck?: (event: InboundCardAction) => Promise<IngestResult | undefined>;
  reasons: ReasonSessions;
  /** Click dedupe for reason prompts (ingest dedupes everything else). */
  markOnce: (key: string) => Promise<boolean>;
  /** Sends the reason prompt after the callback was answered. */
  prompt: (userId: string, text: string) => Promise<void>;
  responseCodes: ResponseCodeStore;
  locale: Locale;
  log: Logger;
  /** change_contact callbacks (with a synced directory); without it they are answered and ignored. */
  directory?: DirectoryIntake;
  /** The route (default /webhooks/wecom); the contact-sync assistant's URL uses its own keys. */
  path?: string;
  /** Callbacks older or newer than this are refused (replays). */
  maxSkewSeconds?: number;
  /**
   * When the queue is unavailable: how long the callback is held (the enqueue retried meanwhile)
   * before the connection is closed without an answer. Past WeCom's 5 s, so its documented
   * timeout retry applies. Default {@link CALLBACK_HOLD_MS}.
   */
  holdMs?: number;
  now?: () => Date;
}

interface Signed {
  signature: string;
  timestamp: string;
  nonce: string;
}

/** The query as WeCom sent it: percent-decoding only (a `+` in base64 must stay a `+`). */
export function parseRawQuery(url: string): Record<string, string> {
  const i = url.indexOf('?');
  const out: Record<string, string> = {};
  if (i < 0) return out;
  for (const part of url.slice(i + 1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    let k: string, v: string;
    try {
      k = decodeURIComponent(rawKey);
      v = decodeURIComponent(rawValue);
    } catch {
      throw new CallbackRejected(400, 'query is not valid percent-encoding');
    }
    if (!(k in out)) out[k] = v;
  }
  return out;
}

export function registerWecomRoutes(app: FastifyInstance, deps: ReceiverDeps): void {
  const { keys, log } = deps;
  const now = deps.now ?? (() => new Date());
  const maxSkew = deps.maxSkewSeconds ?? 3600;
  const path = deps.path ?? WEBHOOK_PATH;

  function signedQuery(req: FastifyRequest): Signed & Record<string, string> {
    const q = parseRawQuery(req.raw.url ?? '');
    const signature = q.msg_signature ?? '';
    const timestamp = q.timestamp ?? '';
    const nonce = q.nonce ?? '';
    if (!/^[0-9a-f]{40}$/i.test(signature)) throw new CallbackRejected(400, 'missing or malformed msg_signature');
    if (!/^\d{1,12}$/.test(timestamp)) throw new CallbackRejected(400, 'missing or malformed timestamp');
    if (!nonce || nonce.length > 64) throw new CallbackRejected(400, 'missing or malformed nonce');
    const skew = Math.abs(now().getTime() / 1000 - Number(timestamp));
    if (skew > maxSkew) throw new CallbackRejected(401, `timestamp is ${Math.round(skew)} s away from now`);
    return { ...q, signature, timestamp, nonce };
  }

  async function refuse(req: FastifyRequest, reply: FastifyReply, err: unknown): Promise<FastifyReply> {
    if (err instanceof CallbackRejected || err instanceof XmlError) {
      const status = err instanceof CallbackRejected ? err.status : 400;
      log.warn({ method: req.method, status, reason: err.message, ip: req.ip }, 'wecom callback refused');
      return reply.code(status).type('text/plain; charset=utf-8').send(err.message);
    }
    throw err;
  }

  const sealed = (reply: FastifyReply, plaintextXml: string) =>
    reply.code(200).type('application/xml; charset=utf-8').send(encryptedReplyXml(sealReply(keys, plaintextXml, now())));
  const empty = (reply: FastifyReply) => reply.code(200).type('text/plain; charset=utf-8').send('');
  const holdMs = deps.holdMs ?? CALLBACK_HOLD_MS;
  const retryEveryMs = Math.min(500, holdMs / 4);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** Queue now, or retry while the answer can still reach WeCom in time (`since`: when the request came). */
  async function patiently<T extends { status: string } | string>(attempt: () => Promise<T>, since: number): Promise<T> {
    for (;;) {
      const result = await attempt();
      const status = typeof result === 'string' ? result : result.status;
      if (status !== 'unavailable' || Date.now() - since + retryEveryMs >= holdMs) return result;
      await sleep(retryEveryMs);
    }
  }

  /**
   * Not queued: answer nothing. The connection is closed once WeCom has stopped waiting, so the
   * callback comes again (its documented timeout retry); ingest dedupes what did get through.
   */
  async function withhold(reply: FastifyReply, since: number, what: string): Promise<FastifyReply> {
    const wait = holdMs - (Date.now() - since);
    if (wait > 0) await sleep(wait);
    log.warn({ what, heldMs: Date.now() - since }, 'wecom callback left unanswered: the queue is unavailable, WeCom retries after its timeout');
    reply.hijack();
    reply.raw.destroy();
    return reply;
  }

  async function onText(f: XmlFields, reply: FastifyReply, since: number): Promise<FastifyReply> {
    const from = f.FromUserName;
    const msgId = f.MsgId;
    if (!from || !msgId) throw new CallbackRejected(400, 'text message without FromUserName or MsgId');
    const text = f.Content ?? '';
    const receivedAt = now().toISOString();
    const session = await deps.reasons.peek(from);
    if (session) {
      if (isCancel(text)) {
        await deps.reasons.clear(from);
        return sealed(reply, textReplyXml(from, keys.corpId, cancelledText(deps.locale), now()));
      }
      const event: InboundCardAction = {
        kind: 'card_action',
        platform: 'wecom',
        eventId: `reason-${msgId}`,
        receivedAt,
        senderId: from,
        action: session.action,
        form: { reason: text.trim() },
        ...(session.trackId ? { message: { trackId: session.trackId } } : {}),
      };
      const result = await patiently(() => deps.ingest(event), since);
      if (result.status === 'unavailable') return withhold(reply, since, 'reason');
      await deps.reasons.clear(from);
      return result.feedback ? sealed(reply, textReplyXml(from, keys.corpId, result.feedback.text, now())) : empty(reply);
    }
    const event: InboundMessage = {
      kind: 'message',
      platform: 'wecom',
      eventId: msgId,
      receivedAt,
      senderId: from,
      // Application messages are one-to-one conversations with the app.
      chat: { type: 'dm', id: from },
      text,
      mentioned: true,
    };
    const result = await patiently(() => deps.ingest(event), since);
    if (result.status === 'unavailable') return withhold(reply, since, 'message');
    return result.feedback ? sealed(reply, textReplyXml(from, keys.corpId, result.feedback.text, now())) : empty(reply);
  }

  async function onCardClick(f: XmlFields, reply: FastifyReply, since: number): Promise<FastifyReply> {
    const from = f.FromUserName;
    const createTime = f.CreateTime;
    const eventKey = f.EventKey ?? '';
    const taskId = f.TaskId ?? '';
    const code = f.ResponseCode;
    if (!from || !createTime) throw new CallbackRejected(400, 'template_card_event without FromUserName or CreateTime');
    const decoded = decodeButtonKey(eventKey);
    if (!decoded) {
      // Authentic but not one of our buttons (an old card format?): record nothing, and tell the
      // clicker on the button that the card is no longer valid.
      log.warn({ from, taskId, eventKey: eventKey.slice(0, 80) }, 'wecom click with an unknown button key ignored');
      return refuseClick(reply, from, staleCardResult(deps.locale));
    }
    // WeCom retries a click with the same user, time and key: this id stays the same.
    const eventId = `${from}-${createTime}-${createHash('sha256').update(`${eventKey}\n${taskId}`).digest('base64url').slice(0, 16)}`;
    const event: InboundCardAction = {
      kind: 'card_action',
      platform: 'wecom',
      eventId,
      receivedAt: now().toISOString(),
      senderId: from,
      action: decoded.action,
      ...(taskId ? { message: { trackId: taskId } } : {}),
      ...(code ? { responseCode: code } : {}),
    };
    if (decoded.needsReason) {
      // Someone who may not act is told so at once, not asked for a reason first (the check
      // uses a stand-in reason: the reason itself is not what decides who may act).
      const check = await deps.precheck?.({ ...event, form: { reason: '…' } });
      if (check?.status === 'refused') return refuseClick(reply, from, check);
      if (!(await deps.markOnce(`click:${eventId}`))) return empty(reply);
      await deps.reasons.start(from, { action: decoded.action, ...(taskId ? { trackId: taskId } : {}) });
      if (taskId && code) await keepCode(taskId, from, code);
      const sent = empty(reply);
      setImmediate(() => {
        deps.prompt(from, reasonPrompt(decoded.action, deps.locale)).catch((err: Error) => log.warn({ err: err.message, from }, 'wecom reason prompt not sent'));
      });
      return sent;
    }
    const result = await patiently(() => deps.ingest(event), since);
    switch (result.status) {
      case 'unavailable':
        return withhold(reply, since, 'click');
      case 'refused':
        return refuseClick(reply, from, result);
      case 'accepted':
        await deps.reasons.clear(from).catch(() => {});
        if (taskId && code) await keepCode(taskId, from, code);
        return empty(reply);
      default:
        return empty(reply);
    }
  }

  /** A contact change: queued for the directory (WeCom retries three times within seconds, then gives up). */
  async function onContactChange(f: XmlFields, reply: FastifyReply, since: number): Promise<FastifyReply> {
    if (!deps.directory) {
      log.debug({ changeType: f.ChangeType }, 'wecom change_contact ignored (no synced directory)');
      return empty(reply);
    }
    const intake = deps.directory;
    const status = await patiently(() => intake('wecom', contactEventId(f), wecomContactChanges(f)), since);
    return status === 'unavailable' ? withhold(reply, since, 'change_contact') : empty(reply);
  }

  /** Record nothing; only the clicker's buttons change, to say why. */
  function refuseClick(reply: FastifyReply, from: string, result: IngestResult): FastifyReply {
    return result.feedback ? sealed(reply, updateButtonXml(from, keys.corpId, clamp(result.feedback.text, 20), now())) : empty(reply);
  }

  /** The click's response code becomes the newest for this recipient's copy (a tiny write). */
  async function keepCode(taskId: string, userId: string, code: string): Promise<void> {
    try {
      const stored = await deps.responseCodes.keepClickCode(taskId, userId, code, now());
      if (!stored) log.debug({ taskId, userId }, 'wecom click on a card copy we have no record of');
    } catch (err) {
      // The click itself is queued; losing the code only costs an in-place update later.
      log.warn({ err: (err as Error).message, taskId }, 'wecom response code not stored');
    }
  }

  app.register(async (scope) => {
    // Every body arrives as a string, whatever its content type, up to the limit (413 above).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));

    scope.get(path, { schema: { summary: 'WeCom callback URL verification (echostr, signed query)', tags: ['platforms'] } }, async (req, reply) => {
      try {
        const q = signedQuery(req);
        const echostr = q.echostr ?? '';
        if (!echostr) throw new CallbackRejected(400, 'missing echostr');
        const plain = openEnvelope(keys, { ...q, encrypt: echostr });
        log.info('wecom callback URL verified');
        return reply.code(200).type('text/plain; charset=utf-8').send(plain);
      } catch (err) {
        return refuse(req, reply, err);
      }
    });

    scope.post(path, { bodyLimit: BODY_LIMIT, schema: { summary: 'WeCom callbacks: messages, card clicks, contact changes (encrypted XML, verified by the receiver)', tags: ['platforms'] } }, async (req, reply) => {
      const since = Date.now();
      try {
        const q = signedQuery(req);
        const body = typeof req.body === 'string' ? req.body : Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
        if (!body.trim()) throw new CallbackRejected(400, 'empty body');
        const outer = parseXmlFields(body);
        const encrypt = outer.Encrypt ?? '';
        if (!encrypt) throw new CallbackRejected(400, 'no Encrypt element');
        if (outer.ToUserName && outer.ToUserName !== keys.corpId) throw new CallbackRejected(403, 'ToUserName is not our corp id');
        if (outer.AgentID && outer.AgentID !== String(deps.agentId)) throw new CallbackRejected(403, 'AgentID is not our app');
        const inner = parseXmlFields(openEnvelope(keys, { ...q, encrypt }));
        if (inner.ToUserName && inner.ToUserName !== keys.corpId) throw new CallbackRejected(403, 'message is addressed to another corp');
        if (inner.AgentID && inner.AgentID !== String(deps.agentId)) throw new CallbackRejected(403, 'message is for another app');
        if (inner.MsgType === 'text') return await onText(inner, reply, since);
        if (inner.MsgType === 'event' && inner.Event === 'template_card_event') return await onCardClick(inner, reply, since);
        if (inner.MsgType === 'event' && inner.Event === 'change_contact') return await onContactChange(inner, reply, since);
        log.debug({ msgType: inner.MsgType, event: inner.Event }, 'wecom callback ignored');
        return empty(reply);
      } catch (err) {
        return refuse(req, reply, err);
      }
    });
  });
}
