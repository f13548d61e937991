// The platform-neutral inbound event: what every receiver (HTTP webhook, long connection,
// simulator) turns a platform message into before it is acknowledged and queued.
import type { ActionValue } from '../../cards/model.js';
import type { Platform } from '../org/schema.js';

interface InboundBase {
  platform: Platform;
  /** The platform's own event id (Feishu event_id, WeCom MsgId…): the dedupe and idempotency key. */
  eventId: string;
  receivedAt: string;
  /** The platform's user id of the sender / clicker. */
  senderId: string;
  senderName?: string;
}

export interface InboundMessage extends InboundBase {
  kind: 'message';
  chat: { type: 'dm' | 'group'; id: string };
  text: string;
  /** In groups the bot only answers when mentioned. */
  mentioned: boolean;
  /** Platform details a reply may need (DingTalk sessionWebhook…). */
  reply?: Record<string, string>;
}

export interface InboundCardAction extends InboundBase {
  kind: 'card_action';
  action: ActionValue;
  /** Form inputs (card forms) or the reason typed for reject / send back. */
  form?: Record<string, string>;
  /** Where the clicked card lives: lets a channel refresh exactly that copy. */
  message?: { messageId?: string; trackId?: string; chatId?: string };
  /** WeCom: the single-use code from this click, usable to update this clicker's card. */
  responseCode?: string;
}

export type InboundEvent = InboundMessage | InboundCardAction;
