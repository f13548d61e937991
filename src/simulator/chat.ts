// The simulator's "platform side": its chat history (in Postgres, src/store/sim-messages-repo.ts),
// with every change published on Redis so any replica's browsers see it live.
import type { Redis } from 'ioredis';
import type { Card } from '../../cards/model.js';
import type { SimMessage, SimMessageBody, SimMessagesRepo } from '../store/sim-messages-repo.js';

export type { SimMessage } from '../store/sim-messages-repo.js';

export const dmConversation = (personId: string) => `dm:${personId}`;
export const roomConversation = (roomId: string) => `room:${roomId}`;

export function createSimChat(repo: SimMessagesRepo, redis: Redis, channel: string) {
  const publish = (m: SimMessage) => redis.publish(channel, JSON.stringify(m));
  return {
    /** The Redis pub/sub channel carrying every new or changed message. */
    channel,
    async append(conversation: string, sender: string, body: SimMessageBody): Promise<SimMessage> {
      const m = await repo.insert(conversation, sender, body);
      await publish(m);
      return m;
    },
    async replaceCard(id: number, card: Card): Promise<SimMessage | undefined> {
      const m = await repo.replaceCard(id, card);
      if (m) await publish(m);
      return m;
    },
    get: repo.get,
    history: repo.history,
  };
}

export type SimChat = ReturnType<typeof createSimChat>;
