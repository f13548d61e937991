// The simulator's channel: the built-in chat simulator is a platform like the others, reached
// through the same delivery path. Sending = appending to its chat history. Its platform id is
// 'local' (stored in the database, so it keeps that name).
import type { Card } from '../../cards/model.js';
import type { Channel } from '../channels/channel.js';
import { DeliveryError } from '../channels/channel.js';
import type { Target } from '../queue/jobs.js';
import type { CardMessage } from '../store/card-messages-repo.js';
import { dmConversation, roomConversation, type SimChat } from './chat.js';

const conversationOf = (target: Target) => (target.type === 'user' ? dmConversation(target.id) : roomConversation(target.id));

export function createSimulatorChannel(chat: SimChat, registerRoutes: Channel['registerRoutes']): Channel {
  return {
    platform: 'local',
    ...(registerRoutes ? { registerRoutes } : {}),
    async sendCard(target: Target, card: Card) {
      const m = await chat.append(conversationOf(target), 'bot', { card });
      return { messageId: String(m.id) };
    },
    async updateCard(message: CardMessage, card: Card) {
      const id = Number(message.messageId);
      if (!Number.isInteger(id) || !(await chat.replaceCard(id, card))) {
        throw new DeliveryError(`simulator message ${message.messageId} not found`, true, 'not_found');
      }
      return {};
    },
    async sendText(target: Target, text: string) {
      await chat.append(conversationOf(target), 'bot', { text });
    },
    health: () => ({ ok: true }),
  };
}
