// The local channel: the built-in chat simulator is a platform like the others, reached
// through the same delivery path. Sending = appending to its chat history.
import type { Card } from '../../../cards/model.js';
import type { Channel } from '../channel.js';
import { DeliveryError } from '../channel.js';
import type { Target } from '../../queue/jobs.js';
import type { CardMessage } from '../../store/card-messages-repo.js';
import { dmConversation, roomConversation, type SimStore } from './store.js';

const conversationOf = (target: Target) => (target.type === 'user' ? dmConversation(target.id) : roomConversation(target.id));

export function createLocalChannel(store: SimStore, registerRoutes: Channel['registerRoutes']): Channel {
  return {
    platform: 'local',
    ...(registerRoutes ? { registerRoutes } : {}),
    async sendCard(target: Target, card: Card) {
      const m = await store.append(conversationOf(target), 'bot', { card });
      return { messageId: String(m.id) };
    },
    async updateCard(message: CardMessage, card: Card) {
      const id = Number(message.messageId);
      if (!Number.isInteger(id) || !(await store.replaceCard(id, card))) {
        throw new DeliveryError(`simulator message ${message.messageId} not found`, true, 'not_found');
      }
      return {};
    },
    async sendText(target: Target, text: string) {
      await store.append(conversationOf(target), 'bot', { text });
    },
    health: () => ({ ok: true }),
  };
}
