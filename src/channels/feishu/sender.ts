// Outbound: cards (interactive messages), in-place card updates and plain text.
//
// Feishu's 30 KB limit is on the request body (send and PATCH: code 230025), and the card is a
// JSON string inside that body, so every quote and backslash in it counts twice: the body is
// what is measured here, and a card that would not fit is shortened (render.ts) before sending.
// A card can be PATCHed only within 14 days of sending (code 230031): a change to an older copy
// is sent as a fresh card instead, and the deliverer records that one as the copy to update.
import { createHash } from 'node:crypto';
import type { Card } from '../../../cards/model.js';
import type { Target } from '../../queue/jobs.js';
import { DeliveryError, type PostedCard, type SentCard, type UpdateResult } from '../channel.js';
import { FeishuCallError, type FeishuApi } from './client.js';
import type { Pacer } from './pacer.js';
import { fitCardContent, type RenderOptions } from './render.js';

/** Feishu refuses a card or rich-text message whose request body is over 30 KB (230025). */
export const BODY_LIMIT_BYTES = 30 * 1024;
/** What a card's request body may take: the limit less a margin for Feishu counting differently. */
export const BODY_BUDGET_BYTES = BODY_LIMIT_BYTES - 512;
/** Feishu updates a message only within 14 days of sending it. */
export const PATCH_WINDOW_MS = 14 * 24 * 3600_000;
/** A copy older than this gets a fresh card instead of a PATCH (a margin for clocks and queues). */
export const RESEND_AFTER_MS = PATCH_WINDOW_MS - 6 * 3600_000;
/** "Message can only be modified within 14 days after sending." */
export const MESSAGE_TOO_OLD = 230031;

/** Feishu's `uuid` (≤ 50 chars) makes a send idempotent for an hour: derive it from our key. */
export const feishuUuid = (idempotencyKey: string): string => createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 50);

const receiver = (t: Pick<Target, 'type' | 'id'>) => (t.type === 'user' ? { receiveIdType: 'open_id' as const, receiveId: t.id } : { receiveIdType: 'chat_id' as const, receiveId: t.id });
const paceKey = (type: string, id: string) => `${type}:${id}`;
const bytes = (body: unknown) => Buffer.byteLength(JSON.stringify(body));

/** The request body of a message send, as the SDK serialises it (query parameters aside). */
export const createBody = (receiveId: string, content: string, uuid: string) => ({ receive_id: receiveId, msg_type: 'interactive', content, uuid });
/** The request body of a PATCH. */
export const patchBody = (content: string) => ({ content });

export interface SenderOptions extends RenderOptions {
  now?: () => number;
}

export function createSender(api: FeishuApi, pacer: Pacer, opts: SenderOptions) {
  const now = opts.now ?? Date.now;

  /**
   * The token first, then the slot: a call should leave at its paced moment, not wait for a
   * token fetch after it (calls that left late would reach Feishu bunched together).
   */
  async function paced(slot: () => Promise<void>): Promise<void> {
    await api.tokens.get();
    await slot();
  }

  /** The card's content such that `body(content)` fits Feishu's limit, shortened if need be. */
  function content(card: Card, body: (content: string) => unknown): string {
    const fitted = fitCardContent(card, opts, (c) => bytes(body(c)), BODY_BUDGET_BYTES);
    if (!fitted) throw new DeliveryError(`feishu: card "${card.title}" does not fit the 30 KB request limit even shortened`, true, 'card_too_large');
    return fitted.content;
  }

  async function send(target: Pick<Target, 'type' | 'id'>, card: Card, uuid: string): Promise<SentCard> {
    const json = content(card, (c) => createBody(target.id, c, uuid));
    await paced(() => pacer.acquire(paceKey(target.type, target.id)));
    return api.createMessage({ ...receiver(target), msgType: 'interactive', content: json, uuid });
  }

  /** A fresh copy for a message Feishu no longer updates; the uuid keeps a retried job from sending twice. */
  async function resend(message: PostedCard, card: Card): Promise<UpdateResult> {
    const sent = await send({ type: message.targetType, id: message.targetId }, card, feishuUuid(`renew:${message.id}:${message.messageId ?? ''}`));
    return { replaced: sent };
  }

  return {
    sendCard(target: Target, card: Card, o: { idempotencyKey: string }): Promise<SentCard> {
      return send(target, card, feishuUuid(o.idempotencyKey));
    },

    /**
     * PATCH the recorded message: with `update_multi` the card changes for every viewer. A copy
     * past (or about to pass) the 14-day window is replaced by a fresh card instead.
     */
    async updateCard(message: PostedCard, card: Card): Promise<UpdateResult> {
      if (!message.messageId) throw new DeliveryError(`feishu: card message ${message.id} has no message_id to update`, true, 'no_message_id');
      if (message.createdAt && now() - message.createdAt.getTime() > RESEND_AFTER_MS) return resend(message, card);
      const json = content(card, patchBody);
      // Paced per message (and per API), not per chat: see pacer.ts.
      await paced(() => pacer.acquirePatch(message.messageId!));
      try {
        await api.patchMessage(message.messageId, json);
      } catch (err) {
        if (err instanceof FeishuCallError && err.code === MESSAGE_TOO_OLD) return resend(message, card);
        throw err;
      }
      return {};
    },

    async sendText(target: Target, text: string, o: { idempotencyKey: string; bulk?: boolean }): Promise<void> {
      await paced(() => pacer.acquire(paceKey(target.type, target.id), o.bulk ? { bulk: true } : undefined));
      await api.createMessage({ ...receiver(target), msgType: 'text', content: JSON.stringify({ text }), uuid: feishuUuid(o.idempotencyKey) });
    },
  };
}
