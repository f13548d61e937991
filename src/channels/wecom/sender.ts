// Outbound WeCom: template cards to members, markdown notices to app chats, texts, and card
// updates that spend exactly one stored response code or fall back to a short text.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Card } from '../../../cards/model.js';
import type { Locale } from '../../core/messages.js';
import type { Target } from '../../queue/jobs.js';
import type { ResponseCodeStore } from '../../store/response-codes-repo.js';
import { DeliveryError, type PostedCard, type SentCard, type UpdateResult } from '../channel.js';
import type { SendReply, WecomClient, WecomReply } from './client.js';
import { asDeliveryError, TASK_ID_EXISTS, WecomApiError } from './errors.js';
import { taskIdFor } from './keys.js';
import type { Pacer } from './pacer.js';
import { clampText, renderChatNotice, renderResultText, renderSend, renderTemplateCard, type SendForm } from './render.js';
import { claimCode } from './response-codes.js';

export interface SenderDeps {
  client: WecomClient;
  pacer: Pacer;
  responseCodes: ResponseCodeStore;
  redis: Redis;
  redisPrefix: string;
  agentId: number;
  locale: Locale;
  log: Logger;
}

const hash = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 24);
const DAY = 24 * 3600;

export function createSender(deps: SenderDeps) {
  const { client, pacer, agentId, locale, log } = deps;
  const key = (...parts: string[]) => [deps.redisPrefix, 'wecom', ...parts].join(':');
  const paceKey = (t: { type: string; id: string }) => `${t.type}:${t.id}`;
  /** A card WeCom cannot carry (e.g. a button key over 1024 bytes) will not get better on retry. */
  const render = <T>(draw: () => T): T => {
    try {
      return draw();
    } catch (err) {
      throw new DeliveryError(`card cannot be rendered for WeCom: ${(err as Error).message}`, true);
    }
  };

  async function sendToUser<T extends SendReply>(userId: string, body: SendForm | Record<string, unknown>): Promise<T> {
    // `touser` also accepts "a|b" and "@all": a bad id in the org file must never broadcast.
    if (!userId || userId.includes('|') || userId.startsWith('@')) throw new DeliveryError(`not a single WeCom user id: ${JSON.stringify(userId)}`, true, 40003);
    await pacer.acquire(paceKey({ type: 'user', id: userId }));
    let reply: T;
    try {
      reply = await client.post<T>('/cgi-bin/message/send', { touser: userId, agentid: agentId, ...body });
    } catch (err) {
      throw asDeliveryError(err);
    }
    // errcode 0 with the recipient listed as invalid: nothing was delivered.
    const invalid = `${reply.invaliduser ?? ''}|${reply.unlicenseduser ?? ''}`.split('|');
    if (invalid.includes(userId)) throw new DeliveryError(`WeCom user ${userId} is invalid or outside the app's visible range`, true, 81013);
    return reply;
  }

  async function sendToChat(chatId: string, body: Record<string, unknown>): Promise<void> {
    await pacer.acquire(paceKey({ type: 'chat', id: chatId }));
    try {
      await client.post<WecomReply>('/cgi-bin/appchat/send', { chatid: chatId, safe: 0, ...body });
    } catch (err) {
      throw asDeliveryError(err);
    }
  }

  async function sendPlain(target: Target, text: string): Promise<void> {
    const content = clampText(text);
    if (target.type === 'chat') await sendToChat(target.id, { msgtype: 'text', text: { content } });
    else await sendToUser(target.id, { msgtype: 'text', text: { content } });
  }

  /** A short result text instead of an in-place update; the same status is not sent twice per copy. */
  async function fallBack(message: PostedCard, card: Card, why: string): Promise<UpdateResult> {
    const text = renderResultText(card, locale);
    const k = key('fallback', String(message.id));
    const previous = await deps.redis.set(k, hash(text), 'EX', 3 * DAY, 'GET');
    if (previous === hash(text)) return { fellBack: true };
    log.info({ cardMessageId: message.id, target: message.targetId, why }, 'wecom card not updatable in place; sending a result text');
    try {
      await sendPlain({ type: message.targetType, id: message.targetId }, text);
    } catch (err) {
      if (previous) await deps.redis.set(k, previous, 'EX', 3 * DAY).catch(() => {});
      else await deps.redis.del(k).catch(() => {});
      throw err;
    }
    return { fellBack: true };
  }

  async function sendText(target: Target, text: string, opts: { idempotencyKey: string }): Promise<void> {
    // Marked after success: a crash in between repeats a text rather than losing it.
    const k = key('sent', hash(opts.idempotencyKey));
    if (await deps.redis.exists(k)) return;
    await sendPlain(target, text);
    await deps.redis.set(k, '1', 'EX', DAY);
  }

  return {
    async sendCard(target: Target, card: Card, opts: { requestId: string; idempotencyKey: string }): Promise<SentCard> {
      if (target.type === 'chat') {
        // App chats take no template cards (see docs/channels/wecom.md): post a notice with the link.
        await sendToChat(target.id, { msgtype: 'markdown', markdown: { content: renderChatNotice(card, locale) } });
        return {};
      }
      const taskId = taskIdFor(opts.requestId, target, opts.idempotencyKey);
      const form: SendForm = render(() => renderSend(card, taskId, locale));
      if (form.msgtype === 'text') {
        // Nothing to click and no link: neither template card type can be sent (see render.ts).
        await sendText(target, form.text.content, { idempotencyKey: `card:${taskId}` });
        return {};
      }
      let reply: SendReply;
      try {
        reply = await sendToUser(target.id, form);
      } catch (err) {
        // 42014 "taskid has existed": task_id is ours and derived from this very delivery
        // (request, recipient, delivery key), so an earlier attempt was accepted and its reply
        // lost. The card exists: record it without a response code — the next click brings
        // one (the receiver stores it on this copy); until then updates fall back to a text.
        if (err instanceof DeliveryError && err.code === TASK_ID_EXISTS) {
          log.info({ taskId, target: target.id }, 'wecom card already sent by an earlier attempt (task_id exists)');
          return { trackId: taskId };
        }
        throw err;
      }
      return {
        trackId: taskId,
        ...(reply.msgid ? { messageId: reply.msgid } : {}),
        ...(reply.response_code ? { responseCode: reply.response_code } : {}),
      };
    },

    sendText,

    async updateCard(message: PostedCard, card: Card): Promise<UpdateResult> {
      if (message.targetType === 'chat') {
        // Chat notices cannot change: say the outcome once the card has nothing left to click.
        return card.buttons.length === 0 && !card.form ? fallBack(message, card, 'app chat') : {};
      }
      if (!message.trackId) return fallBack(message, card, 'no task_id recorded');
      const templateCard = render(() => renderTemplateCard(card, message.trackId!, locale));
      const claim = await claimCode(deps.responseCodes, message.id);
      if (claim.kind !== 'code') return fallBack(message, card, claim.kind === 'expired' ? 'response code older than 72 h' : 'no response code left');
      try {
        await client.post('/cgi-bin/message/update_template_card', {
          userids: [message.targetId],
          agentid: agentId,
          response_code: claim.code,
          template_card: templateCard,
        });
        return {};
      } catch (err) {
        if (!(err instanceof WecomApiError) || err.transient) {
          // Unreachable, no token, or busy: the code is probably unspent; keep it for the retry.
          await deps.responseCodes.restore(message.id, claim.code, claim.at).catch(() => {});
          throw asDeliveryError(err);
        }
        // Used, expired, unknown to WeCom or refused: this copy can only get a text now.
        log.warn({ cardMessageId: message.id, err: (err as Error).message }, 'wecom update_template_card refused');
        return fallBack(message, card, `update refused: ${(err as Error).message}`);
      }
    },
  };
}

