// The simulator's "platform side": its chat history lives in sim_messages and every change is
// published on Redis, so any replica's browsers see it live.
import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Card } from '../../../cards/model.js';
import type { Database } from '../../store/db.js';
import { simMessages } from '../../store/schema.js';

export type SimMessage = typeof simMessages.$inferSelect;

export const dmConversation = (personId: string) => `dm:${personId}`;
export const roomConversation = (roomId: string) => `room:${roomId}`;

export function createSimStore(database: Database, redis: Redis, channel: string) {
  const db = database.db;
  const publish = (m: SimMessage) => redis.publish(channel, JSON.stringify(m));
  return {
    channel,
    async append(conversation: string, sender: string, body: { text: string } | { card: Card }): Promise<SimMessage> {
      const [m] = await db
        .insert(simMessages)
        .values({ conversation, sender, kind: 'card' in body ? 'card' : 'text', text: 'text' in body ? body.text : null, card: 'card' in body ? (body.card as unknown as Record<string, unknown>) : null })
        .returning();
      await publish(m!);
      return m!;
    },
    async replaceCard(id: number, card: Card): Promise<SimMessage | undefined> {
      const [m] = await db
        .update(simMessages)
        .set({ card: card as unknown as Record<string, unknown>, version: sql`${simMessages.version} + 1`, updatedAt: new Date() })
        .where(eq(simMessages.id, id))
        .returning();
      if (m) await publish(m);
      return m;
    },
    async get(id: number): Promise<SimMessage | undefined> {
      const [m] = await db.select().from(simMessages).where(eq(simMessages.id, id));
      return m;
    },
    /** The newest messages of the given conversations, oldest first. */
    async history(conversations: string[], opts: { limit?: number; after?: number } = {}): Promise<SimMessage[]> {
      if (!conversations.length) return [];
      const where = opts.after ? and(inArray(simMessages.conversation, conversations), gt(simMessages.id, opts.after)) : inArray(simMessages.conversation, conversations);
      const rows = await db.select().from(simMessages).where(where).orderBy(desc(simMessages.id)).limit(opts.limit ?? 300);
      return rows.sort((a, b) => a.id - b.id);
    },
    async all(conversation: string): Promise<SimMessage[]> {
      return db.select().from(simMessages).where(eq(simMessages.conversation, conversation)).orderBy(asc(simMessages.id));
    },
  };
}

export type SimStore = ReturnType<typeof createSimStore>;
