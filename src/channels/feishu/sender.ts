// Outbound: cards (interactive messages), in-place card updates and plain text.
import { createHash } from 'node:crypto';
import type { Card } from '../../../cards/model.js';
import type { Target } from '../../queue/jobs.js';
import { DeliveryError, type PostedCard, type SentCard, type UpdateResult } from '../channel.js';
import type { FeishuApi } from './client.js';
import type { Pacer } from './pacer.js';
import { cardContent, type RenderOptions } from './render.js';

/** Feishu refuses cards over 30 KB. */
const CARD_LIMIT_BYTES = 30 * 1024;

/** Feishu's `uuid` (≤ 50 chars) makes a send idempotent for an hour: derive it from our key. */
export const feishuUuid = (idempotencyKey: string): string => createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 50);

const receiver = (t: Target) => (t.type === 'user' ? { receiveIdType: 'open_id' as const, receiveId: t.id } : { receiveIdType: 'chat_id' as const, receiveId: t.id });
const paceKey = (type: string, id: string) => `${type}:${id}`;

function content(card: Card, opts: RenderOptions): string {
  const json = cardContent(card, opts);
  const size = Buffer.byteLength(json);
  if (size > CARD_LIMIT_BYTES) throw new DeliveryError(`feishu: card "${card.title}" is ${size} bytes, over the 30 KB limit`, true, 'card_too_large');
  return json;
}

export function createSender(api: FeishuApi, pacer: Pacer, opts: RenderOptions) {
  return {
    async sendCard(target: Target, card: Card, o: { idempotencyKey: string }): Promise<SentCard> {
      const json = content(card, opts);
      await pacer.acquire(paceKey(target.type, target.id));
      return api.createMessage({ ...receiver(target), msgType: 'interactive', content: json, uuid: feishuUuid(o.idempotencyKey) });
    },

    /** PATCH the recorded message: with `update_multi` the card changes for every viewer. */
    async updateCard(message: PostedCard, card: Card): Promise<UpdateResult> {
      if (!message.messageId) throw new DeliveryError(`feishu: card message ${message.id} has no message_id to update`, true, 'no_message_id');
      const json = content(card, opts);
      await pacer.acquire(paceKey(message.targetType, message.targetId));
      await api.patchMessage(message.messageId, json);
      return {};
    },

    async sendText(target: Target, text: string, o: { idempotencyKey: string }): Promise<void> {
      await pacer.acquire(paceKey(target.type, target.id));
      await api.createMessage({ ...receiver(target), msgType: 'text', content: JSON.stringify({ text }), uuid: feishuUuid(o.idempotencyKey) });
    },
  };
}
